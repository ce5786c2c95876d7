"""The checker behind ``orgmind check``: every kind of disagreement is seen, index ones repaired."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.core.check import check, repair
from orgmind.core.store import Store
from orgmind.graph.neo4j import Neo4jGraphStore
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.mind import OrgMind
from orgmind.models import Decision, DecisionStatus, Escalation, EscalationStatus, Observation, Venture
from orgmind.retrieval.edge_index import EdgeVectorIndex
from orgmind.retrieval.embedder import Embedder
from orgmind.retrieval.index import SearchIndex
from orgmind.retrieval.vectors import VectorPayload, VectorPoint
from tests.conftest import BACKENDS, open_backend

WHEN = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    graph = open_backend(request.param, tmp_path)
    embedder = Embedder.load()
    store = Store(graph, SearchIndex(graph, embedder, EdgeVectorIndex(tmp_path / "vectors", embedder.dim, embedder.name)))
    store.commit([
        Venture(id="v", name="V"),
        Decision(id="d1", venture_id="v", role="cto", kind="architecture", title="Move the queue to Kafka",
                 made_at=WHEN),
        Decision(id="d2", venture_id="v", role="cfo", kind="spend", title="Buy a data warehouse",
                 status=DecisionStatus.PENDING_APPROVAL, context={"amount": 50_000}, made_at=WHEN),
        Escalation(id="esc-d2", venture_id="v", decision_id="d2", gate="spend", requested_at=WHEN),
        Observation(id="o1", venture_id="v", text="Queue lag doubled at peak", observed_at=WHEN),
    ])
    yield store
    store.close()


def test_a_consistent_store_has_no_problems(store: Store) -> None:
    report = check(store)
    assert report.ok, report.problems
    assert (report.nodes, report.vectors) == (5, 3)


def test_vectors_lost_behind_the_graphs_back_are_reported_and_repaired(store: Store) -> None:
    store.index.vectors.delete(["d1", "o1"])
    report = check(store)
    assert report.counts() == {"missing_vector": 2}
    assert {p.node_id for p in report.problems} == {"d1", "o1"} and all(p.repairable for p in report.problems)
    assert repair(store).ok
    assert store.index.vectors.ids() == {"d1", "d2", "o1"}


def test_an_orphan_vector_is_reported_and_dropped(store: Store) -> None:
    payload = VectorPayload(venture_id="v", label="Observation", kind=None, role=None, ts=0, score=None,
                            brain_version_id=None)
    store.index.vectors.upsert([VectorPoint("ghost", np.ones(store.index.embedder.dim, dtype=np.float32), payload)])
    assert check(store).counts() == {"orphan_vector": 1}
    assert repair(store).ok


def test_a_row_that_no_longer_parses_is_reported(store: Store) -> None:
    graph = store.graph
    if isinstance(graph, SqliteGraphStore):
        with graph._transaction() as db:
            db.execute("UPDATE nodes SET data = ? WHERE id = 'o1'", (json.dumps({"id": "o1"}),))
    else:
        assert isinstance(graph, Neo4jGraphStore)
        with graph._driver.session() as session:
            session.run("MATCH (n {id: 'o1'}) SET n._data = $data", data=json.dumps({"id": "o1"})).consume()
    report = check(store)
    unparseable = [p for p in report.problems if p.kind == "unparseable"]
    assert [p.node_id for p in unparseable] == ["o1"] and "venture_id" in unparseable[0].detail
    assert not unparseable[0].repairable


def test_an_audit_trail_that_disagrees_with_itself_is_reported(store: Store) -> None:
    store.graph.upsert(Escalation(id="esc-d2", venture_id="v", decision_id="d2", gate="spend", requested_at=WHEN,
                                  status=EscalationStatus.APPROVED))  # no resolver, decision still held
    problems = {(p.kind, p.node_id, p.detail) for p in check(store).problems}
    assert ("audit_trail", "esc-d2", "approved escalation without resolver and time") in problems
    assert ("audit_trail", "esc-d2", "approved escalation but decision 'd2' is pending_approval") in problems
    assert ("audit_trail", "d2", "held for approval with no pending escalation") in problems


def test_the_command_reports_in_text_and_json_and_repairs(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.import_jsonl(_write(tmp_path / "in.jsonl", [
            {"type": "venture", "id": "v", "name": "V"},
            {"type": "observation", "id": "o1", "venture_id": "v", "text": "Churn rose in March"},
        ]))
        mind.index.vectors.delete(["o1"])
    runner = CliRunner()
    found = runner.invoke(app, ["--home", str(tmp_path), "check"])
    assert found.exit_code == 1 and "missing_vector o1" in found.output
    as_json = json.loads(runner.invoke(app, ["--home", str(tmp_path), "check", "--json"]).output)
    assert as_json["counts"] == {"missing_vector": 1} and not as_json["ok"]
    repaired = runner.invoke(app, ["--home", str(tmp_path), "check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(app, ["--home", str(tmp_path), "check"]).exit_code == 0


def _write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path
