"""The store core: one commit path, the graph first, the indexes following it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_edge import EdgeShard, UpdateOperation

from orgmind.core.store import Store
from orgmind.errors import InvalidRecord, ReadOnly, StoreUnavailable
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.mind import OrgMind
from orgmind.models import BrainVersion, Decision, Observation, Venture
from orgmind.retrieval.edge_index import EdgeVectorIndex
from orgmind.retrieval.vectors import VectorIndex, VectorPoint, point_id

REPO = Path(__file__).resolve().parents[2]


class FailingUpserts:
    """The real vector index, except that its next ``failures`` upserts raise StoreUnavailable
    (what a Qdrant server that went away raises)."""

    def __init__(self, inner: VectorIndex, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    def upsert(self, points: list[VectorPoint]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise StoreUnavailable("injected fault: the Qdrant server is unreachable")
        self.inner.upsert(points)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_store_unavailable_after_the_graph_commit_is_reconciled_by_the_next_recall(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record(Venture(id="v", name="V"))
        real = mind.index.vectors
        mind.index.vectors = FailingUpserts(real, failures=2)  # type: ignore[assignment]
        decision = Decision(id="d-down", venture_id="v", role="cto", kind="architecture",
                            title="Adopt Sentry for error tracking")
        with pytest.raises(StoreUnavailable):
            mind.record(decision)
        assert mind.graph.get("d-down") == decision  # durable in the graph, the source of truth
        assert [n.id for n in mind.graph.unindexed()] == ["d-down"]
        hits = mind.recall("error tracking vendor", venture="v")  # reconciles first, no reopen
        assert [h.id for h in hits] == ["d-down"]
        assert mind.graph.unindexed() == []
        assert real.count() == 1


def test_a_retry_after_an_index_failure_is_not_skipped_as_identical(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record(Venture(id="v", name="V"))
        flaky = FailingUpserts(mind.index.vectors, failures=2)
        mind.index.vectors = flaky  # type: ignore[assignment]
        observation = Observation(id="o-retry", venture_id="v", text="Signups doubled after the launch")
        with pytest.raises(StoreUnavailable):
            mind.record(observation)
        assert flaky.failures == 0
        mind.record(observation)  # the same write again: indexed now, although the graph has it
        assert mind.graph.unindexed() == []
        assert mind.index.vectors.ids() == {"o-retry"}
        assert [h.id for h in mind.recall("launch signups", venture="v")] == ["o-retry"]


def test_graph_only_store_commits_checks_immutability_and_skips_identical(tmp_path: Path) -> None:
    store = Store(SqliteGraphStore(tmp_path / "graph.sqlite3"))
    try:
        venture, version = Venture(id="v", name="V"), BrainVersion(id="b1", venture_id="v", version=1)
        assert [n.id for n in store.commit([venture, version])] == ["v", "b1"]
        assert store.commit([venture]) == []  # identical: skipped
        with pytest.raises(InvalidRecord, match="immutable"):
            store.commit([version.model_copy(update={"summary": "rewritten"})])
        assert store.delete(["b1"]) == 1 and store.graph.get("b1") is None
        with pytest.raises(ReadOnly):
            store.index  # noqa: B018 - no indexes to search
        assert {n.id for n in store.graph.unindexed()} == {"v"}  # indexed when opened with indexes
    finally:
        store.close()


HOLDER = """
import sys, time
from orgmind.mind import OrgMind
with OrgMind.open(home=sys.argv[1]) as mind:
    print("ready", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def held_home(tmp_path: Path) -> Iterator[Path]:
    """A store with a pending approval, held open by another process for as long as the test runs."""
    with OrgMind.open(home=tmp_path) as mind:
        mind.record_many([Venture(id="v", name="V"),
                          Decision(id="d-price", venture_id="v", role="ceo", kind="pricing",
                                   title="Raise the Team plan price")])
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield tmp_path
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def test_read_only_open_works_while_another_process_holds_the_store(held_home: Path) -> None:
    with OrgMind.open(home=held_home, read_only=True) as mind:
        assert [(e.decision_id, d.status.value) for e, d in mind.pending_approvals()] == [
            ("d-price", "pending_approval")]
        [stats] = mind.stats()
        assert stats.venture.id == "v" and stats.counts["Decision"] == 1 and stats.counts["Escalation"] == 1
        assert mind.list_patterns() == [] and mind.kind_stats() == []
        with pytest.raises(ReadOnly):
            mind.recall("price", venture="v")
        with pytest.raises(ReadOnly):
            mind.record(Observation(venture_id="v", text="Not while read-only"))
    with pytest.raises(StoreUnavailable):  # a writer must wait for the holder: the index is locked
        OrgMind.open(home=held_home)


def _count_id_listings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls of ``EdgeVectorIndex.ids`` (the id-by-id comparison of a reconcile)."""
    listings: list[int] = []
    listed = EdgeVectorIndex.ids

    def ids(self: EdgeVectorIndex) -> set[str]:
        listings.append(1)
        return listed(self)

    monkeypatch.setattr(EdgeVectorIndex, "ids", ids)
    return listings


def _two_decisions(home: Path) -> None:
    with OrgMind.open(home=home) as mind:
        mind.record(Venture(id="v", name="V"))
        mind.record(Decision(id="d1", venture_id="v", role="cto", kind="architecture", title="Adopt Sentry"))
        mind.record(Decision(id="d2", venture_id="v", role="ceo", kind="pricing", title="Raise the team plan"))


def test_a_clean_close_seals_the_index_for_one_open_that_skips_the_id_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_decisions(tmp_path)
    seal = tmp_path / "vectors" / "sealed"
    assert seal.exists()
    listings = _count_id_listings(monkeypatch)
    with OrgMind.open(home=tmp_path) as mind:
        assert not seal.exists()  # a session that ends without closing leaves no seal behind
        assert listings == []
        assert [h.id for h in mind.recall("error tracking with Sentry", venture="v", k=1)] == ["d1"]
    assert seal.exists()


def test_a_seal_is_not_trusted_once_the_index_changed_behind_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_decisions(tmp_path)
    shard = EdgeShard.load(str(tmp_path / "vectors" / "shard"))  # the engine itself, past orgmind
    shard.update(UpdateOperation.delete_points([point_id("d1")]))  # type: ignore[arg-type]
    shard.close()
    listings = _count_id_listings(monkeypatch)
    with OrgMind.open(home=tmp_path) as mind:
        assert listings == [1]  # compared id by id, and repaired
        assert mind.index.vectors.count() == 2
        assert [h.id for h in mind.recall("error tracking with Sentry", venture="v", k=1)] == ["d1"]
