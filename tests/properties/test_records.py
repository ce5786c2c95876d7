"""Property: any record data is either stored and read back equal (also after the store is
reopened), or refused with a typed error naming a field; the store always reopens with nothing
unreadable in it. Every record model, both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from orgmind.core.store import Store
from orgmind.errors import InvalidInput
from orgmind.graph.base import GraphStore
from orgmind.models import (
    RECORD_TYPE_NAMES,
    Agent,
    BrainVersion,
    Decision,
    Insight,
    Node,
    Outcome,
    Sharing,
    Venture,
    WakeUp,
    parse_record,
)
from tests.conftest import open_backend
from tests.properties.strategies import PROFILE, record_data

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SEEDS: list[Node] = [
    Venture(id="v1", name="One", sharing=Sharing.OPEN, created_at=T0),
    Venture(id="v2", name="Two", created_at=T0),
    Agent(id="a1", venture_id="v1", role="cto", created_at=T0),
    BrainVersion(id="b1", venture_id="v1", version=1, created_at=T0),
    WakeUp(id="w1", venture_id="v1", role="cto", started_at=T0),
    Decision(id="d1", venture_id="v1", role="cto", kind="pricing", title="Seed", made_at=T0),
    Outcome(id="o1", venture_id="v1", decision_id="d1", score=0.5, observed_at=T0),
    Insight(id="i1", venture_id="v1", text="Seed insight", created_at=T0),
]
EXAMPLES = {"embedded": 30, "neo4j": 5}
"""Examples per record type and backend by default (a Neo4j reopen costs a driver)."""


def assert_names_a_field(error: InvalidInput, cls: type[Node], data: dict[str, Any]) -> None:
    """The error's field path starts with a field of the model or a key of the data (``version``:
    the brain version an insight belongs to)."""
    top = error.field.split(".")[0]
    assert top in cls.model_fields or top in data or top == "version", (error.field, str(error))
    assert error.reason


def _opener(backend: str, tmp_path: Path) -> Callable[[], GraphStore]:
    """Opens the same store again; the first open empties it (Neo4j) and seeds it."""
    first = open_backend(backend, tmp_path)
    first.upsert(SEEDS)
    first.close()
    if backend == "embedded":
        return lambda: open_backend(backend, tmp_path)
    from orgmind.graph.neo4j import Neo4jGraphStore
    from tests.conftest import NEO4J_PASSWORD, NEO4J_URL, NEO4J_USER

    return lambda: Neo4jGraphStore(NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD)


@pytest.fixture
def embedded(tmp_path: Path) -> Callable[[], GraphStore]:
    return _opener("embedded", tmp_path)


@pytest.fixture
def neo4j(tmp_path: Path) -> Callable[[], GraphStore]:
    return _opener("neo4j", tmp_path)


def check_record(record_type: str, data: dict[str, Any], reopen: Callable[[], GraphStore]) -> None:
    """Stored and read back equal after a reopen, or refused naming a field."""
    cls = RECORD_TYPE_NAMES[record_type]
    try:
        node = parse_record(record_type, data)
    except InvalidInput as error:
        assert_names_a_field(error, cls, data)
        event("refused by the model")
        return
    graph = reopen()
    try:
        Store(graph).commit([node])
    except InvalidInput as error:  # a reference to nothing, an id taken by another kind
        assert_names_a_field(error, cls, data)
        event("refused by the store")
        return
    finally:
        graph.close()
    graph = reopen()
    try:
        assert graph.get(node.id) == node
        assert list(graph.scan()) and not graph.skipped
        event("stored and read back equal")
    finally:
        graph.close()


TYPES = sorted(RECORD_TYPE_NAMES)


@pytest.mark.parametrize("record_type", TYPES)
@settings(PROFILE, max_examples=EXAMPLES["embedded"] * PROFILE.max_examples // 30)
@given(data=st.data())
def test_any_record_is_stored_equal_or_refused_naming_a_field(
    record_type: str, embedded: Callable[[], GraphStore], data: st.DataObject
) -> None:
    check_record(record_type, data.draw(record_data(RECORD_TYPE_NAMES[record_type])), embedded)


@pytest.mark.neo4j
@pytest.mark.parametrize("record_type", TYPES)
@settings(PROFILE, max_examples=EXAMPLES["neo4j"] * PROFILE.max_examples // 30)
@given(data=st.data())
def test_any_record_is_stored_equal_or_refused_on_neo4j(
    record_type: str, neo4j: Callable[[], GraphStore], data: st.DataObject
) -> None:
    check_record(record_type, data.draw(record_data(RECORD_TYPE_NAMES[record_type])), neo4j)
