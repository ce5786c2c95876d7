"""One small sample history for all adapter tests, behind the adapters' ``MemoryBackend``.

``backend`` is the embedded ``OrgMind`` (real model, real stores) and, where the package has
``orgmind.client``, also an ``orgmind.Client`` talking to ``orgmind serve`` over the same sample;
every adapter test runs against each. ``lookup`` reads what the adapters stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from orgmind.client import Client
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.integrations import MemoryBackend
from orgmind.keys import create_key
from orgmind.mind import OrgMind
from orgmind.models import Node
from orgmind.brief.render import WakeUpBrief
from orgmind.retrieval.hits import Hit
from orgmind.sample import generate, write_jsonl
from tests.service.conftest import free_port, start_server, stop_server

VENTURE = "lumen"  # sharing open
PRIVATE_VENTURE = "sprout"  # sharing none
BACKENDS = ["embedded", "client"]
Lookup = Callable[[str], Node | None]


class Recorder:
    """A ``MemoryBackend`` that passes every call through and keeps the briefs and records."""

    def __init__(self, backend: MemoryBackend) -> None:
        self.backend = backend
        self.briefs: list[WakeUpBrief] = []
        self.records: list[Node] = []

    def record(self, obj: Mapping[str, Any]) -> Node:
        stored = self.backend.record(obj)
        self.records.append(stored)
        return stored

    def recall(self, query: str, venture: str | None = None, k: int = 10, kinds: Sequence[str] | None = None,
               scope: Any = "venture", *, roles: Sequence[str] | None = None) -> list[Hit]:
        return self.backend.recall(query, venture, k, kinds, scope, roles=roles)

    def wake_up(self, venture: str, role: str, task: str | None = None, budget_tokens: int = 1200,
                *, agent_id: str | None = None) -> WakeUpBrief:
        brief = self.backend.wake_up(venture, role, task, budget_tokens, agent_id=agent_id)
        self.briefs.append(brief)
        return brief


@pytest.fixture(scope="session")
def mind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgMind]:
    home: Path = tmp_path_factory.mktemp("integrations-home")
    with OrgMind.open(home=home) as opened:
        opened.record_many(generate(decisions_per_venture=24))
        yield opened


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> MemoryBackend:
    if request.param == "embedded":
        return request.getfixturevalue("mind")
    return request.getfixturevalue("client")


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryBackend]:
    """``orgmind serve`` over the sample, and a ``Client`` for it with an admin key."""
    home = tmp_path_factory.mktemp("integrations-served")
    with SqliteGraphStore(home / "graph.sqlite3") as graph:
        _, key = create_key(graph, "adapters", [], ["read", "write", "approve"], admin=True)
    port = free_port()
    server = start_server(home, port, home / "server.log")
    try:
        with Client(f"http://127.0.0.1:{port}", key) as opened:
            report = opened.import_jsonl(write_jsonl(generate(decisions_per_venture=24), home / "sample.jsonl"))
            assert not report.rejected, report.rejected
            yield opened
    finally:
        stop_server(server)


@pytest.fixture
def recorder(backend: MemoryBackend) -> Recorder:
    return Recorder(backend)


def brief_lines(brief: WakeUpBrief) -> list[str]:
    """Every cited line of a brief as rendered for the model."""
    lines = [line.render() for section in brief.sections for line in section.lines]
    assert lines, "the brief cites nothing: the sample history should fill it"
    return lines


@pytest.fixture(scope="session")
def lookup(backend: MemoryBackend) -> Lookup:
    """Reads a stored record by id, to check what the adapters wrote."""
    if isinstance(backend, OrgMind):
        return backend.graph.get
    get: Lookup = getattr(backend, "get")  # noqa: B009 - the Client's, which MemoryBackend does not need
    return get


def owned_by(lookup: Lookup, ids: Sequence[str], venture: str) -> bool:
    """Whether every id is a stored record of ``venture``."""
    return all(getattr(lookup(i), "owner_venture", None) == venture for i in ids)


def none_owned_by(lookup: Lookup, ids: Sequence[str], venture: str) -> bool:
    """Whether no id is a stored record of ``venture``."""
    return not any(getattr(lookup(i), "owner_venture", None) == venture for i in ids)
