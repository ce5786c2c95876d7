"""Shared fixtures: a fresh graph store per backend, and one real orgmind server per session.

The Neo4j backend runs against the real server that scripts/neo4j-server.sh starts (see
scripts/test.sh). If it cannot be reached the tests FAIL; they are never skipped.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgmind.graph.base import GraphStore
from orgmind.graph.neo4j import Neo4jGraphStore
from orgmind.graph.sqlite import SqliteGraphStore
from tests.servers import pytest_runtest_logreport, pytest_terminal_summary
from tests.service.conftest import Service, free_port, seed_home, start_server, stop_server

__all__ = ["pytest_runtest_logreport", "pytest_terminal_summary"]  # the Qdrant server summary

NEO4J_URL = os.environ.get("ORGMIND_TEST_NEO4J_URL", "bolt://127.0.0.1:7687")
NEO4J_USER = os.environ.get("ORGMIND_TEST_NEO4J_USER", "neo4j")
NEO4J_PASSWORD = os.environ.get("ORGMIND_TEST_NEO4J_PASSWORD", "orgmind-test")

BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]


def open_neo4j() -> Neo4jGraphStore:
    """The test Neo4j, emptied. Fails (never skips) when the server is not there."""
    try:
        store = Neo4jGraphStore(NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD)
    except Exception as exc:  # noqa: BLE001 - any failure here must fail the test loudly
        pytest.fail(
            f"Neo4j is required at {NEO4J_URL} (start it with scripts/neo4j-server.sh start): {exc}",
            pytrace=False,
        )
    with store._driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    return store


def open_backend(name: str, tmp_path: Path) -> GraphStore:
    if name == "embedded":
        return SqliteGraphStore(tmp_path / "graph.sqlite3")
    return open_neo4j()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    graph = open_backend(request.param, tmp_path)
    yield graph
    graph.close()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("service-home")
    keys, upload = seed_home(home)
    port = free_port()
    log = home / "server.log"
    process = start_server(home, port, log)
    svc = Service(url=f"http://127.0.0.1:{port}", home=home, process=process, log=log, keys=keys)
    with svc.client("admin") as admin:
        imported = admin.post("/v1/import", content=upload.read_bytes(),
                              headers={"Content-Type": "application/x-ndjson"})
        assert imported.status_code == 200 and not imported.json()["rejected"], imported.text
    yield svc
    # uvicorn re-raises the SIGTERM it handled after a graceful shutdown
    assert stop_server(process) in (0, -signal.SIGTERM), log.read_text()[-3000:]
    assert "stores closed" in log.read_text()
