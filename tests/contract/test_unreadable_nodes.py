"""No record can leave a store unopenable: non-finite numbers never reach a backend, and a stored
node that no longer parses (written by an older version, or edited by hand) is skipped by every
read and reported, on both backends."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.core.store import Store
from orgmind.errors import InvalidRecord
from orgmind.graph.base import GraphStore, NodeQuery
from orgmind.graph.neo4j import Neo4jGraphStore
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.models import Decision, NodeLabel, Outcome, Venture, parse_record

BAD_DATA = json.dumps({
    "id": "d-bad", "venture_id": "v1", "role": "cto", "kind": "spend", "title": "Poisoned",
    "context": {"amount": None}, "made_at": "2026-01-02T00:00:00Z",
})


def corrupt(store: GraphStore, node_id: str, data: str) -> None:
    """Overwrite a stored node's data behind the store's back, as an older version could have."""
    if isinstance(store, SqliteGraphStore):
        store._db.execute("UPDATE nodes SET data = ?, indexed = 0 WHERE id = ?", (data, node_id))
    else:
        assert isinstance(store, Neo4jGraphStore)
        with store._driver.session() as session:
            session.run("MATCH (n {id: $id}) SET n._data = $data, n._indexed = false",
                        id=node_id, data=data).consume()


def seeded(store: GraphStore) -> None:
    store.upsert([
        Venture(id="v1", name="Acme"),
        Decision(id="d-good", venture_id="v1", role="cto", kind="spend", title="Fine"),
        Decision(id="d-bad", venture_id="v1", role="cto", kind="spend", title="Poisoned"),
    ])
    store.upsert([Outcome(id="o1", venture_id="v1", decision_id="d-bad", score=0.5)])


def test_non_finite_numbers_never_reach_the_store(store: GraphStore) -> None:
    store.upsert([Venture(id="v1", name="Acme")])
    with pytest.raises(InvalidRecord) as caught:
        Store(store).commit([parse_record("decision", {
            "id": "d1", "venture_id": "v1", "role": "cto", "kind": "spend", "title": "t",
            "context": {"amount": math.nan}})])
    assert str(caught.value).startswith("Decision.context.amount:")
    assert store.get("d1") is None


def test_an_unreadable_node_is_skipped_by_every_read_and_reported(store: GraphStore) -> None:
    seeded(store)
    corrupt(store, "d-bad", BAD_DATA)
    assert set(store.get_many(["d-good", "d-bad"])) == {"d-good"}
    assert store.get("d-bad") is None
    assert [n.id for n in store.list_nodes(NodeQuery(NodeLabel.DECISION))] == ["d-good"]
    assert "d-bad" not in {n.id for n in store.scan()}
    assert "d-bad" not in {n.id for n in store.unindexed()}
    assert [d.decision.id for d in store.decisions_with_outcomes(venture_id="v1")] == ["d-good"]
    assert store.count(NodeLabel.DECISION, "v1") == 2  # counts what is stored
    [(node_id, label, reason)] = store.unreadable_nodes()
    assert (node_id, label) == ("d-bad", "Decision")
    assert "context.amount" in reason
    assert "d-bad" in store.skipped


def test_a_store_holding_an_unreadable_node_opens_and_answers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    graph = SqliteGraphStore(home / "graph.sqlite3")
    seeded(graph)
    corrupt(graph, "d-bad", BAD_DATA)
    graph.close()
    result = CliRunner().invoke(app, ["--home", str(home), "stats"])
    assert result.exit_code == 0, result.output
    assert "Fine" in result.stdout
    assert "d-bad" in result.stderr and "cannot be read" in result.stderr
