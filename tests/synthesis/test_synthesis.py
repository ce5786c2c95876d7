"""Brain synthesis, version queries, immutability and the decision-quality scorecard.

Statistics are checked against hand-computed answers; everything else runs through the real
embedded backend and embedding model (one OrgMind per module, one venture per test).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from scipy import stats

from orgmind.errors import InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.base import Direction
from orgmind.mind import OrgMind
from orgmind.models import (
    BrainVersion,
    Decision,
    DecisionWithOutcomes,
    Insight,
    InsightStatus,
    Node,
    Outcome,
    RelType,
    Sharing,
    Venture,
)
from orgmind.core.immutability import check_immutable
from orgmind.synthesis.history import brain_at, version_of_decision
from orgmind.synthesis.scorecard import scorecard
from orgmind.synthesis.stats import estimate, welch
from orgmind.synthesis.recommend import RECOMMEND, line_for_turn
from orgmind.synthesis.synthesize import InsightDraft, group_decisions, parse_key, synthesize

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
_ids = itertools.count()


def decisions(venture: str, kind: str, option: str, scores: list[float], at: datetime, *,
              role: str = "cmo", wakeup_id: str | None = None, version_id: str | None = None,
              **context: str) -> list[Node]:
    """Decisions choosing ``option``, each with an outcome a day later."""
    records: list[Node] = []
    for score in scores:
        number = next(_ids)
        decision = Decision(id=f"{venture}-d{number}", venture_id=venture, role=role, kind=kind,
                            title=f"{kind}: go with {option}", chosen=option, context=context,
                            wakeup_id=wakeup_id, brain_version_id=version_id, made_at=at)
        records += [decision, Outcome(id=f"{venture}-o{number}", venture_id=venture, decision_id=decision.id,
                                      score=score, observed_at=at + timedelta(days=1))]
    return records


def items(records: list[Node]) -> list[DecisionWithOutcomes]:
    outcomes = {r.decision_id: r for r in records if isinstance(r, Outcome)}
    return [DecisionWithOutcomes(r, (outcomes[r.id],)) for r in records if isinstance(r, Decision)]


@pytest.fixture(scope="module")
def mind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgMind]:
    with OrgMind.open(home=tmp_path_factory.mktemp("synthesis")) as opened:
        yield opened


def new_venture(mind: OrgMind, venture: str) -> None:
    mind.record(Venture(id=venture, name=venture.title(), created_at=T0 - timedelta(days=30)))


def effects(insights: list[Insight]) -> list[Insight]:
    """The effect insights, without the per-kind recommendations (tested in test_recommend.py)."""
    return [i for i in insights if i.key is None or parse_key(i.key).option != RECOMMEND]


def plain(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in keys if parse_key(k).option != RECOMMEND)


# ---- statistics ------------------------------------------------------------------------------


def test_estimate_matches_the_t_interval_by_hand() -> None:
    est = estimate([0.2, 0.4, 0.6])
    half = 4.302652729911275 * 0.2 / math.sqrt(3)  # t(0.975, df=2) * sd / sqrt(n)
    assert est.n == 3 and est.mean == pytest.approx(0.4)
    assert (est.low, est.high) == (pytest.approx(0.4 - half), pytest.approx(0.4 + half))
    assert est.p_value == pytest.approx(0.07418, abs=1e-4) and est.sign == 0  # not a clear sign
    assert est.success_rate == 1.0
    tight = estimate([-0.5, -0.5, -0.5])
    assert (tight.low, tight.high, tight.p_value, tight.sign) == (-0.5, -0.5, 0.0, -1)
    single = estimate([0.3])
    assert (single.low, single.high, single.p_value, single.sign) == (None, None, None, 0)


def test_welch_matches_the_formula() -> None:
    before, after = [0.1, 0.2, 0.3], [0.5, 0.6, 0.7, 0.8]
    var_b, var_a = 0.01, 0.05 / 3
    se2 = var_b / 3 + var_a / 4
    t = (0.65 - 0.2) / math.sqrt(se2)
    df = se2**2 / ((var_b / 3) ** 2 / 2 + (var_a / 4) ** 2 / 3)
    change = welch(before, after)
    assert change is not None and change.delta == pytest.approx(0.45)
    assert change.t == pytest.approx(t) and change.p_value == pytest.approx(2 * stats.t.sf(t, df))
    assert change.significant
    assert welch([], after) is None
    assert welch([0.1], after).p_value is None


# ---- grouping --------------------------------------------------------------------------------


def test_paraphrased_options_are_one_group_and_distinct_ones_are_not(mind: OrgMind) -> None:
    records = (decisions("g", "channel", "LinkedIn ads", [0.4, 0.5], T0)
               + decisions("g", "channel", "LinkedIn advertising", [0.6], T0)
               + decisions("g", "channel", "ads on  LinkedIn", [0.3], T0)
               + decisions("g", "channel", "TikTok ads", [-0.4, -0.5, -0.3], T0)
               + decisions("g", "pricing", "raise price", [0.2, 0.3], T0, role="ceo")
               + decisions("g", "pricing", "lower price", [-0.2, -0.3], T0, role="ceo"))
    groups = {str(g.key): g for g in group_decisions(items(records), mind.index.embedder)}
    assert set(groups) == {"channel|linkedin ads", "channel|tiktok ads", "pricing|raise price", "pricing|lower price"}
    assert groups["channel|linkedin ads"].label == "LinkedIn ads"
    assert sorted(groups["channel|linkedin ads"].scores) == [0.3, 0.4, 0.5, 0.6]
    favoured = group_decisions(items(records), mind.index.embedder, preferred=[("channel", "ads on linkedin")])
    assert "channel|ads on linkedin" in {str(g.key) for g in favoured}, "a previous version's key is kept"


def test_context_splits_only_where_the_context_changes_the_answer(mind: OrgMind) -> None:
    new_venture(mind, "ctx")
    mind.record_many(decisions("ctx", "channel", "TikTok ads", [0.5, 0.6, 0.55, 0.5], T0, segment="d2c")
                     + decisions("ctx", "channel", "TikTok ads", [-0.5, -0.6, -0.5, -0.55], T0, segment="b2b")
                     + decisions("ctx", "channel", "Google search ads", [0.3, 0.35, 0.3], T0, segment="d2c")
                     + decisions("ctx", "channel", "Google search ads", [0.3, 0.3, 0.35], T0, segment="b2b"))
    result = synthesize(mind.store, mind.index.embedder, "ctx", now=T0 + timedelta(days=2))
    texts = {i.key: i.text for i in effects(result.insights)}
    assert set(texts) == {"channel|google search ads", "channel|tiktok ads|segment=b2b",
                          "channel|tiktok ads|segment=d2c"}, "TikTok depends on the segment, Google does not"
    assert texts["channel|tiktok ads|segment=b2b"].startswith(
        "Avoid 'TikTok ads' for channel decisions with segment = b2b")
    assert parse_key("channel|tiktok ads|segment=d2c").condition == ("segment", "d2c")


def test_a_leader_short_of_a_clear_effect_is_a_tentative_insight(mind: OrgMind) -> None:
    new_venture(mind, "lead")
    mind.record_many(decisions("lead", "pricing", "raise price", [0.4, 0.1], T0, role="ceo")
                     + decisions("lead", "pricing", "lower price", [0.2, -0.1, 0.05], T0, role="ceo")
                     + decisions("lead", "pricing", "add annual discount", [0.9], T0, role="ceo"))
    result = synthesize(mind.store, mind.index.embedder, "lead", now=T0 + timedelta(days=2))
    [insight] = effects(result.insights)  # n = 1 is no candidate; 'lower price' trails
    assert insight.key == "pricing|raise price" and insight.status == InsightStatus.ACTIVE
    assert insight.text == ("Tentative: for pricing decisions, 'raise price' has the best mean outcome so far: "
                            "mean outcome +0.25 (95% CI -1.66..+2.16, n=2); next best 'lower price' +0.05 (n=3). "
                            "Not yet a clear effect.")
    assert (insight.support, insight.effect) == (2, 0.25) and insight.confidence < 0.95
    mind.record_many(decisions("lead", "pricing", "lower price", [0.6, 0.6], T0 + timedelta(days=3), role="ceo"))
    later = synthesize(mind.store, mind.index.embedder, "lead", now=T0 + timedelta(days=5))
    assert plain(later.diff.retired) == ("pricing|raise price",) and plain(later.diff.new) == ("pricing|lower price",)


# ---- versions, diff, feedback from decision quality ----------------------------------------


def test_versions_chain_diff_and_feedback_from_cited_briefs(mind: OrgMind) -> None:
    new_venture(mind, "chain")
    mind.record_many(decisions("chain", "channel", "LinkedIn ads", [0.4, 0.5, 0.6, 0.45], T0)
                     + decisions("chain", "channel", "TikTok ads", [-0.5, -0.4, -0.6], T0)
                     + decisions("chain", "channel", "Google search ads", [0.4, 0.5, 0.45, 0.5, 0.55], T0)
                     + decisions("chain", "channel", "podcast sponsorships", [0.3, -0.2, 0.1], T0))
    t1 = T0 + timedelta(days=5)
    first = synthesize(mind.store, mind.index.embedder, "chain", now=t1)
    v1 = first.version
    assert first.created and v1 is not None and (v1.version, v1.previous_id) == (1, None)
    assert plain(first.diff.new) == ("channel|google search ads", "channel|linkedin ads", "channel|tiktok ads")
    linkedin = next(i for i in first.insights if i.key == "channel|linkedin ads")
    assert linkedin.text == ("For channel decisions, 'LinkedIn ads' worked: mean outcome +0.49 "
                             "(95% CI +0.35..+0.62, n=4).")
    assert (linkedin.support, linkedin.role, linkedin.status) == (4, "cmo", InsightStatus.ACTIVE)
    evidence = mind.graph.edges_of([linkedin.id], direction=Direction.OUT, rel_types=[RelType.DERIVED_FROM])
    assert sorted(e.target for e in evidence) == sorted(linkedin.evidence_ids) and len(evidence) == 4

    brief = mind.wake_up("chain", "cmo", task="choose the paid channel", budget_tokens=4000, now=t1)
    cited = {line.cites[0] for line in brief.section("current_brain").lines}
    assert cited == {i.id for i in first.insights}
    followed = decisions("chain", "channel", "Google search ads", [-0.1, -0.2], t1, wakeup_id=brief.wakeup_id,
                         version_id=v1.id)
    mind.record_many(followed
                     + decisions("chain", "channel", "LinkedIn ads", [0.5], t1)
                     + decisions("chain", "channel", "TikTok ads", [0.6, 0.5, 0.7], t1)
                     + decisions("chain", "pricing", "add annual discount", [0.3, 0.4, 0.35], t1, role="ceo"))
    with pytest.raises(InvalidArgument):
        synthesize(mind.store, mind.index.embedder, "chain", now=t1 - timedelta(hours=1))
    t2 = t1 + timedelta(days=5)
    second = synthesize(mind.store, mind.index.embedder, "chain", now=t2)
    v2 = second.version
    assert second.created and v2 is not None and (v2.version, v2.previous_id) == (2, v1.id)
    succeeds = mind.graph.neighbours(v2.id, direction=Direction.OUT, rel_types=[RelType.SUCCEEDS])
    assert [n.id for n in succeeds] == [v1.id]
    diff = second.diff
    assert tuple(map(plain, (diff.new, diff.reinforced, diff.weakened, diff.retired, diff.unchanged))) == (
        ("pricing|add annual discount",), ("channel|linkedin ads",), ("channel|google search ads",),
        ("channel|tiktok ads",), ())
    status = {i.key: i for i in second.insights}
    assert status["channel|google search ads"].status == InsightStatus.WEAKENED
    weakened = "Weakened: decisions that followed it scored -0.15 on average (n=2)"
    assert weakened in status["channel|google search ads"].text
    assert status["channel|tiktok ads"].status == InsightStatus.RETIRED
    assert status["channel|tiktok ads"].text.startswith("Retired: 'TikTok ads' for channel decisions no longer holds")

    old, old_insights = brain_at(mind.graph, "chain", None, 1)
    assert old == v1 and old_insights == first.insights, "version 1 is untouched"
    assert not {i.id for i in first.insights} & {i.id for i in second.insights}
    shown = mind.wake_up("chain", "cmo", task="choose the paid channel", budget_tokens=4000, now=t2)
    shown_effects = {line.cites[0] for line in shown.section("current_brain").lines
                     if not line.text.startswith("Recommended for ")}
    assert shown_effects == {status["channel|linkedin ads"].id}
    assert version_of_decision(mind.graph, followed[0].id) == v1

    again = synthesize(mind.store, mind.index.embedder, "chain", now=t2 + timedelta(days=1))
    assert not again.created and again.version == v2
    assert plain(again.diff.unchanged) == (
        "channel|google search ads", "channel|linkedin ads", "pricing|add annual discount")


def test_summariser_phrases_insights(mind: OrgMind) -> None:
    class Plain:
        def phrase(self, draft: InsightDraft) -> str:
            return f"Prefer {draft.label} ({draft.key.kind}, n={draft.estimate.n})"

    new_venture(mind, "phrase")
    mind.record_many(decisions("phrase", "vendor", "a paid SaaS vendor", [0.3, 0.4, 0.5], T0, role="cto"))
    result = synthesize(mind.store, mind.index.embedder, "phrase", role="cto", now=T0 + timedelta(days=2),
                        summariser=Plain())
    assert {i.text for i in result.insights} == {"Prefer a paid SaaS vendor (vendor, n=3)"}
    assert result.version.role == "cto" and result.insights[0].scope == "role"


# ---- immutability ------------------------------------------------------------------------------


def test_immutability_guard(mind: OrgMind) -> None:
    new_venture(mind, "frozen")
    mind.record_many(decisions("frozen", "hiring", "contractor team", [-0.4, -0.5, -0.45], T0, role="cto"))
    v1 = synthesize(mind.store, mind.index.embedder, "frozen", now=T0 + timedelta(days=2))
    version, insight = v1.version, effects(v1.insights)[0]
    check_immutable(mind.graph, [version, insight])  # rewriting unchanged is fine
    for changed in (version.model_copy(update={"summary": "rewritten"}),
                    insight.model_copy(update={"status": InsightStatus.RETIRED})):
        with pytest.raises(InvalidRecord) as caught:
            check_immutable(mind.graph, [changed])
        assert caught.value.field == "version"
    joining = Insight(venture_id="frozen", text="Late addition", brain_version_id=version.id)
    check_immutable(mind.graph, [joining])  # v1 is still open: nothing ran under it, nothing succeeds it
    mind.wake_up("frozen", "cto", now=T0 + timedelta(days=2))
    with pytest.raises(InvalidRecord, match="sealed"):
        check_immutable(mind.graph, [joining])
    fresh = BrainVersion(venture_id="frozen", version=2, previous_id=version.id, created_at=T0 + timedelta(days=3))
    check_immutable(mind.graph, [fresh, Insight(venture_id="frozen", text="New", brain_version_id=fresh.id)])


# ---- scorecard -----------------------------------------------------------------------------------


def test_scorecard_per_version_and_per_insight(mind: OrgMind) -> None:
    new_venture(mind, "score")
    before, under_v1, under_v2 = [-0.3, 0.1, -0.2, 0.0], [0.2, 0.4, 0.1, 0.5, 0.3], [0.6, 0.5, 0.7]
    v1 = BrainVersion(id="score-v1", venture_id="score", version=1, created_at=T0 + timedelta(days=1))
    v2 = BrainVersion(id="score-v2", venture_id="score", version=2, previous_id=v1.id,
                      created_at=T0 + timedelta(days=2))
    tip = Insight(id="score-i", venture_id="score", role="cmo", kind="channel", key="channel|linkedin ads",
                  text="LinkedIn ads work for us", brain_version_id=v2.id, support=5, effect=0.3)
    early = decisions("score", "channel", "TikTok ads", before, T0)
    mind.record_many(early + [v1]
                     + decisions("score", "channel", "LinkedIn ads", under_v1, T0 + timedelta(days=1), version_id=v1.id)
                     + [v2, tip])
    brief = mind.wake_up("score", "cmo", task="choose the paid channel", now=T0 + timedelta(days=2))
    assert tip.id in brief.cited_ids
    via_wakeup = decisions("score", "channel", "LinkedIn ads", under_v2, T0 + timedelta(days=2),
                           wakeup_id=brief.wakeup_id)
    mind.record_many(via_wakeup)
    assert version_of_decision(mind.graph, via_wakeup[0].id) == v2
    assert version_of_decision(mind.graph, early[0].id) is None
    with pytest.raises(NotFound):
        version_of_decision(mind.graph, "no-such-decision")

    card = scorecard(mind.graph, "score")
    rows = {row.label: row for row in card.versions}
    assert list(rows) == ["before v1", "v1", "v2"]
    assert [(r.decisions, r.outcomes) for r in rows.values()] == [(4, 4), (5, 5), (3, 3)]
    for label, scores in (("before v1", before), ("v1", under_v1), ("v2", under_v2)):
        est = estimate(scores)
        assert (rows[label].mean, rows[label].low, rows[label].high) == (est.mean, est.low, est.high)
    assert rows["v1"].success_rate == 1.0 and rows["before v1"].success_rate == 0.25
    expected = stats.ttest_ind(under_v1, before, equal_var=False)
    assert rows["v1"].change.p_value == pytest.approx(expected.pvalue)
    assert rows["v1"].change.delta == pytest.approx(0.3 - (-0.1))
    assert rows["before v1"].change is None
    (insight_row,) = card.insights
    assert (insight_row.insight_id, insight_row.version) == ("score-i", 2)
    assert (insight_row.decisions, insight_row.outcomes) == (3, 3)
    assert insight_row.mean == pytest.approx(0.6)
    assert card.to_json()["versions"][1]["change"]["p_value"] == pytest.approx(expected.pvalue)
    assert brain_at(mind.graph, "score", None, 2) == (v2, [tip])
    with pytest.raises(NotFound):
        brain_at(mind.graph, "score", None, 3)
    with pytest.raises(NotFound):
        scorecard(mind.graph, "atlantis")


# ---- a changing world, warm starts ---------------------------------------------------------------


def test_recent_outcomes_that_contradict_an_insight_weaken_then_retire_it(mind: OrgMind) -> None:
    new_venture(mind, "drift")
    mind.record_many(decisions("drift", "channel", "LinkedIn ads", [0.5, 0.4, 0.6, 0.5, 0.45, 0.55], T0))
    first = synthesize(mind.store, mind.index.embedder, "drift", now=T0 + timedelta(days=2))
    assert "channel|linkedin ads" in first.diff.new
    t1 = T0 + timedelta(days=7)
    mind.record_many(decisions("drift", "channel", "LinkedIn ads", [-0.3, -0.4], t1))
    second = synthesize(mind.store, mind.index.embedder, "drift", now=t1 + timedelta(days=2))
    reasons = dict(second.diff.why)
    assert plain(second.diff.weakened) == ("channel|linkedin ads",)
    assert reasons["channel|linkedin ads"].startswith(
        "Recent outcomes contradict it: -0.35 on average since the previous version (n=2) against +0.50 before")
    t2 = t1 + timedelta(days=7)
    mind.record_many(decisions("drift", "channel", "LinkedIn ads", [-0.5, -0.2], t2))
    third = synthesize(mind.store, mind.index.embedder, "drift", now=t2 + timedelta(days=2))
    assert plain(third.diff.retired) == ("channel|linkedin ads",) and "channel|linkedin ads" in dict(third.diff.why)
    retired = next(i for i in third.insights if i.key == "channel|linkedin ads")
    assert retired.status == InsightStatus.RETIRED and "Recent outcomes contradict it" in retired.text
    assert third.to_json()["diff"]["why"][0][0] == "channel|linkedin ads"


def test_a_new_venture_that_shares_starts_from_similar_ventures_evidence(mind: OrgMind) -> None:
    described = "Subscription analytics software for small online shops"
    for n, text in enumerate(("Analytics software for small e-commerce teams, by subscription",
                              "Reporting software for online retailers, sold by subscription")):
        mind.record(Venture(id=f"lender{n}", name=f"Lender {n}", sharing=Sharing.OPEN, description=text,
                            created_at=T0 - timedelta(days=30)))
        mind.record_many(decisions(f"lender{n}", "channel", "podcast sponsorships", [0.5, 0.6], T0, segment="b2b")
                         + decisions(f"lender{n}", "channel", "TikTok ads", [-0.4, -0.3], T0, segment="b2b")
                         + decisions(f"lender{n}", "channel", "TikTok ads", [0.4], T0, segment="d2c"))
    mind.record(Venture(id="bakery", name="Bakery", sharing=Sharing.OPEN, description="A family bakery in Lyon",
                        created_at=T0 - timedelta(days=30)))
    mind.record_many(decisions("bakery", "channel", "TikTok ads", [0.9, 0.9, 0.9], T0, segment="b2b"))
    for venture, sharing in (("joiner", Sharing.OPEN), ("loner", Sharing.NONE)):
        mind.record(Venture(id=venture, name=venture.title(), sharing=sharing, description=described,
                            created_at=T0 + timedelta(days=1)))
    alone = synthesize(mind.store, mind.index.embedder, "loner", now=T0 + timedelta(days=3))
    assert alone.version is None and not alone.created, "a venture that does not share borrows nothing"
    warm = synthesize(mind.store, mind.index.embedder, "joiner", now=T0 + timedelta(days=3))
    assert warm.created and warm.version is not None and warm.version.version == 1
    texts = {i.key: i.text for i in warm.insights}
    b2b = texts["channel|*|segment=b2b"]
    assert b2b.startswith("Recommended for channel decisions with segment = b2b: 'podcast sponsorships' (exploit")
    assert "borrowed from 2 similar ventures (n=4)" in b2b, "the bakery is not similar; pooled numbers only"
    assert "lender" not in " ".join(texts.values()).casefold()
    mind.record_many(decisions("joiner", "channel", "podcast sponsorships", [-0.5, -0.6, -0.5, -0.4] * 2,
                               T0 + timedelta(days=4), segment="b2b")
                     + decisions("joiner", "channel", "TikTok ads", [0.5, 0.4, 0.6] * 2, T0 + timedelta(days=4),
                                 segment="b2b")
                     + decisions("joiner", "channel", "TikTok ads", [0.3], T0 + timedelta(days=4), segment="d2c"))
    own = synthesize(mind.store, mind.index.embedder, "joiner", now=T0 + timedelta(days=6))
    mine = next(i for i in own.insights if i.key == "channel|*|segment=b2b")
    assert mine.text.startswith("Recommended for channel decisions with segment = b2b: 'TikTok ads'")
    assert "borrowed" not in mine.text.split("Estimates:")[1].split("'podcast")[0], "own evidence replaced it"


def test_each_wake_up_of_a_role_under_a_version_reads_the_next_step_of_the_plan(mind: OrgMind) -> None:
    new_venture(mind, "turns")
    mind.record_many(decisions("turns", "channel", "LinkedIn ads", [0.2, 0.3, 0.1], T0)
                     + decisions("turns", "channel", "TikTok ads", [0.1], T0)
                     + decisions("turns", "channel", "podcast sponsorships", [0.0], T0))
    result = synthesize(mind.store, mind.index.embedder, "turns", now=T0 + timedelta(days=2))
    [stored] = [i for i in result.insights if i.key == "channel|*"]
    expected = [line_for_turn(stored.text, turn).split(" (")[0] for turn in range(8)]
    assert len(set(expected)) > 1, "the plan explores at some turns and exploits at others"
    seen = []
    for turn in range(8):
        at = T0 + timedelta(days=2, hours=turn + 1)
        if turn == 3:
            mind.wake_up("turns", "ceo", task="set the price", budget_tokens=4000, now=at - timedelta(minutes=30))
        brief = mind.wake_up("turns", "cmo", task="choose the paid channel", budget_tokens=4000, now=at)
        [line] = [line for line in brief.section("current_brain").lines if line.cites == (stored.id,)]
        assert "Next decisions here" not in line.text, "the plan itself stays out of the brief"
        seen.append(line.text.split(" (")[0])
    assert seen == expected, "the role's own earlier wake-ups under the version set the turn; the ceo's do not"
