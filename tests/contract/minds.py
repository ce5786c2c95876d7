"""A whole OrgMind (real embedding model, embedded vector index) over each graph backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orgmind.mind import OrgMind
from tests.conftest import BACKENDS, NEO4J_PASSWORD, NEO4J_URL, NEO4J_USER, open_neo4j


def open_mind(backend: str, home: Path) -> OrgMind:
    """OrgMind on the embedded graph in ``home``, or on the test Neo4j (emptied first)."""
    if backend == "embedded":
        return OrgMind.open(home=home)
    open_neo4j().close()
    return OrgMind.open(home=home, graph_url=NEO4J_URL, graph_user=NEO4J_USER, graph_password=NEO4J_PASSWORD)


@pytest.fixture(params=BACKENDS)
def mind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OrgMind]:
    opened = open_mind(request.param, tmp_path / "home")
    yield opened
    opened.close()
