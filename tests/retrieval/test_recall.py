"""Recall through the OrgMind facade: real model, real Qdrant engine, real BM25."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orgmind.errors import InvalidArgument, NotFound
from orgmind.mind import OrgMind
from orgmind.models import Decision, NodeLabel, Observation, Outcome, Venture
from orgmind.sample import DEFAULT_END, VENTURES

OPEN = {v.id for v in VENTURES if v.sharing.value == "open"}


def test_paraphrase_finds_the_decision_with_its_outcome(mind: OrgMind) -> None:
    mind.record_many([
        Decision(id="lumen-x1", venture_id="lumen", role="cto", kind="architecture",
                 title="Replace nightly batch exports with a streaming change-data-capture feed",
                 rationale="Customers complained their dashboards were a day stale."),
        Outcome(id="lumen-x1-out", venture_id="lumen", decision_id="lumen-x1", score=0.7,
                summary="Dashboards now refresh within a minute; renewals improved."),
    ])
    hits = mind.recall("make dashboard data fresher instead of day-old reports", venture="lumen", k=5)
    assert hits[0].id == "lumen-x1"
    assert hits[0].outcome is not None and hits[0].outcome.id == "lumen-x1-out"
    assert hits[0].explanation.dense_rank is not None
    assert "semantic #" in hits[0].explanation.describe()
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_exact_names_and_numbers_are_found_by_keywords(mind: OrgMind) -> None:
    mind.record(Observation(id="lumen-x2", venture_id="lumen", text="Invoice INV-20931 from Globex was paid 45 days late."))
    hits = mind.recall("INV-20931", venture="lumen", k=3)
    assert hits[0].id == "lumen-x2"
    assert hits[0].explanation.lexical_rank == 1


@pytest.mark.parametrize("venture", [v.id for v in VENTURES])
def test_venture_scope_never_returns_another_ventures_records(mind: OrgMind, venture: str) -> None:
    for query in ("raise the price of the plan", "move the billing service", "customer asked for SSO"):
        hits = mind.recall(query, venture=venture, k=20)
        assert hits and {h.venture for h in hits} == {venture}


@pytest.mark.parametrize("venture", [v.id for v in VENTURES])
def test_platform_scope_adds_only_open_ventures(mind: OrgMind, venture: str) -> None:
    hits = mind.recall("move the billing service to managed Postgres", venture=venture, k=40, scope="platform")
    seen = {h.venture for h in hits}
    assert seen <= {venture} | OPEN
    assert seen & (OPEN - {venture}), "open ventures' precedents should be visible on the platform"
    similar = mind.similar_decisions(text="raise prices for the Team plan", venture=venture, scope="platform", k=40)
    assert {h.venture for h in similar} <= {venture} | OPEN


def test_filters_on_kind_role_and_time(mind: OrgMind) -> None:
    hits = mind.recall("budget", venture="lumen", k=20, kinds=["pricing"])
    assert hits and all(h.label == "decision" and h.decision_kind == "pricing" for h in hits)
    hits = mind.recall("campaign", venture="lumen", k=20, roles=["cmo"])
    assert hits and all(h.role == "cmo" for h in hits)
    since, until = DEFAULT_END - timedelta(days=60), DEFAULT_END - timedelta(days=30)
    hits = mind.recall("decision", venture="lumen", k=20, since=since, until=until)
    assert hits and all(since <= h.timestamp < until for h in hits)
    hits = mind.recall("churn", venture="lumen", k=20, labels=[NodeLabel.OBSERVATION])
    assert hits and all(h.label == "observation" for h in hits)


def test_similar_decisions_by_id_and_by_text(mind: OrgMind) -> None:
    hits = mind.similar_decisions(decision_id="lumen-dec-0003", k=5)
    assert hits and all(h.label == "decision" and h.venture == "lumen" for h in hits)
    assert "lumen-dec-0003" not in {h.id for h in hits}
    with pytest.raises(InvalidArgument, match="exactly one"):
        mind.similar_decisions(decision_id="lumen-dec-0003", text="also text")
    with pytest.raises(NotFound, match="no decision"):
        mind.similar_decisions(decision_id="nope")


def test_bad_arguments_name_the_argument(mind: OrgMind) -> None:
    with pytest.raises(NotFound):
        mind.recall("x", venture="no-such-venture")
    with pytest.raises(InvalidArgument) as caught:
        mind.recall("x", venture=None, scope="venture")
    assert caught.value.field == "venture"
    with pytest.raises(InvalidArgument) as caught:
        mind.recall("x", venture="lumen", scope="galaxy")  # type: ignore[arg-type]
    assert caught.value.field == "scope"


def test_failed_index_write_is_reconciled_without_loss_or_duplicates(tmp_path: Path, monkeypatch) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record(Venture(id="v", name="V"))

        def broken(points):
            raise RuntimeError("injected fault: vector index unavailable")

        monkeypatch.setattr(mind.index.vectors, "upsert", broken)
        decision = mind.record(Decision(id="d-fault", venture_id="v", role="cto", kind="architecture",
                                        title="Adopt Sentry for error tracking"))
        assert mind.graph.get(decision.id) == decision  # the graph write stands
        assert [n.id for n in mind.graph.unindexed()] == ["d-fault"]
        monkeypatch.undo()
        hits = mind.recall("error tracking vendor", venture="v")  # reconciles first
        assert [h.id for h in hits] == ["d-fault"]
        assert mind.graph.unindexed() == []
        assert mind.index.vectors.count() == 1


def test_crash_between_graph_and_index_is_reconciled_on_open(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record(Venture(id="v", name="V"))
        # what a crash right after the graph commit leaves behind: a node the index lacks
        mind.graph.upsert(Observation(id="obs-crash", venture_id="v", text="Churn spiked after the outage"))
    with OrgMind.open(home=tmp_path) as mind:
        assert mind.graph.unindexed() == []
        assert [h.id for h in mind.recall("outage churn", venture="v")] == ["obs-crash"]
        assert mind.index.vectors.ids() == {"obs-crash"}


def test_outcome_reindexes_its_decision_and_deleting_a_venture_cleans_the_index(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record_many([Venture(id="v", name="V"), Venture(id="w", name="W"),
                          Decision(id="d", venture_id="v", role="cmo", kind="channel", title="Try podcast ads")])
        mind.record(Outcome(venture_id="v", decision_id="d", score=-0.6, summary="Zero attributable signups"))
        assert mind.recall("attributable signups", venture="v")[0].id == "d"
        mind.record(Observation(id="w-obs", venture_id="w", text="Podcast listeners love us"))
        assert mind.delete_venture("v")["Decision"] == 1
        assert mind.index.vectors.ids() == {"w-obs"}
        assert mind.recall("podcast", venture="w")[0].id == "w-obs"


def test_reimport_of_unchanged_records_does_not_reindex(mind: OrgMind, monkeypatch) -> None:
    records = [mind.graph.get("lumen-dec-0001"), mind.graph.get("lumen")]
    monkeypatch.setattr(mind.index, "index", lambda nodes: pytest.fail("unchanged records were re-indexed"))
    mind.record_many(records)
