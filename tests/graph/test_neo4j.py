"""Neo4j-specific behaviour, against the real server: connection errors and parameterised Cypher."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from orgmind.errors import AuthenticationFailed, StoreUnavailable
from orgmind.graph import neo4j as neo4j_graph
from orgmind.graph.neo4j import Neo4jGraphStore
from orgmind.models import Decision, NodeLabel, Venture
from tests.conftest import NEO4J_PASSWORD, NEO4J_URL, NEO4J_USER, open_neo4j

pytestmark = pytest.mark.neo4j


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_wrong_password_is_a_clear_authentication_error() -> None:
    open_neo4j().close()  # the server is up: a failure below is about the credentials
    with pytest.raises(AuthenticationFailed, match="refused the credentials for user 'neo4j'"):
        Neo4jGraphStore(NEO4J_URL, NEO4J_USER, "not-the-password")


def test_unreachable_server_fails_fast_and_clearly() -> None:
    url = f"bolt://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"cannot reach Neo4j at {url}"):
        Neo4jGraphStore(url, NEO4J_USER, "whatever")
    assert time.monotonic() - started < 60


def test_values_are_never_spliced_into_cypher() -> None:
    store = open_neo4j()
    hostile = "x'}) DETACH DELETE n //"
    store.upsert([
        Venture(id="v", name=hostile),
        Decision(id="d", venture_id="v", role="cto", kind="security", title=hostile, rationale="`; MATCH (m) DELETE m"),
    ])
    assert store.get("v").name == hostile
    assert store.get("d").title == hostile
    assert store.count() == 2
    store.close()


def test_schema_setup_is_idempotent_and_properties_are_queryable() -> None:
    first = open_neo4j()
    first.upsert([Venture(id="v", name="V"), Decision(id="d", venture_id="v", role="cto", kind="hiring", title="T")])
    second = Neo4jGraphStore(NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD)  # runs the schema statements again
    records, _, _ = second._driver.execute_query(
        "MATCH (d:Decision {kind: $kind})-[:IN]->(v:Venture) RETURN d.title AS title, v.name AS venture",
        kind="hiring",
    )
    assert [(r["title"], r["venture"]) for r in records] == [("T", "V")]
    constraints, _, _ = second._driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    assert "orgmind_node_id" in constraints[0]["names"]
    first.close()
    second.close()


def test_scan_reads_page_by_page_in_time_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neo4j_graph, "_SCAN_PAGE", 3)
    store = open_neo4j()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    days = [5, 1, 7, 3, 0, 6, 2, 4]  # written out of time order
    store.upsert([Venture(id="v", name="V", created_at=start)] + [
        Decision(id=f"d{day}", venture_id="v", role="cto", kind="hiring", title=f"T{day}",
                 made_at=start + timedelta(days=day + 1))
        for day in days
    ])
    assert [n.id for n in store.scan(labels=[NodeLabel.DECISION])] == [f"d{day}" for day in range(8)]
    assert [n.id for n in store.scan(venture_id="v")] == ["v"] + [f"d{day}" for day in range(8)]
    store.close()
