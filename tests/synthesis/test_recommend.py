"""Estimates, change points and upper-bound recommendations (pure functions, no stores)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from orgmind.synthesis.estimates import CHANGE_Z, STALE_WEIGHT, Observation, change_point, noise_sd, posterior, shift
from orgmind.synthesis.recommend import (
    PLAN_STEPS,
    UCB_Z,
    Borrowed,
    Evidence,
    Recommendation,
    line_for_turn,
    recommend,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPTIONS = (("linkedin ads", "LinkedIn ads"), ("tiktok ads", "TikTok ads"), ("podcasts", "podcasts"))


def evidence(option: str, scores: list[float], weeks_ago: float = 0.0, segment: str = "b2b") -> list[Evidence]:
    label = dict(OPTIONS)[option]
    return [Evidence(decision_id=f"{option}-{segment}-{weeks_ago}-{n}", kind="channel", role="cmo", option=option,
                     label=label, context={"segment": segment}, listed=OPTIONS, score=score,
                     observed_at=NOW - timedelta(weeks=weeks_ago))
            for n, score in enumerate(scores)]


OTHER = evidence("tiktok ads", [0.0], segment="d2c")
"""One decision in a second segment, so that the segment splits the kind."""


def b2b(items: list[Evidence], **options: object) -> Recommendation:
    [_, cell, _] = recommend([*items, *OTHER], NOW, **options)  # type: ignore[arg-type]
    assert cell.condition == ("segment", "b2b")
    return cell


def test_posterior_discounts_by_age_by_hand() -> None:
    observations = [Observation(0.4, NOW), Observation(0.2, NOW - timedelta(weeks=1))]
    post = posterior(observations, NOW, 0.3, prior_mean=0.0, prior_weight=1.0)
    assert post.weight == pytest.approx(1.8)  # 1 + 0.8
    assert post.mean == pytest.approx((0.4 + 0.8 * 0.2) / 2.8)
    assert post.sd == pytest.approx(0.3 / math.sqrt(2.8)) and post.n == 2
    low, high = post.interval()
    assert (high - low) / 2 == pytest.approx(1.6448536 * post.sd)
    stale = posterior(observations, NOW, 0.3, change_point=NOW - timedelta(days=1))
    assert stale.weight == pytest.approx(1 + 0.8 * STALE_WEIGHT), "outcomes before a change point count less"


def test_noise_is_the_pooled_within_cell_sd() -> None:
    assert noise_sd([[0.1, 0.3], [0.5]]) == 0.5, "below 5 degrees of freedom: the default"
    cells = [[0.0, 0.2, 0.4], [1.0, 1.2, 1.4], [-0.1, 0.1]]
    assert noise_sd(cells) == pytest.approx(math.sqrt((0.08 + 0.08 + 0.02) / 5))


def test_change_point_finds_a_shift_and_not_noise() -> None:
    boundary = NOW - timedelta(weeks=1)
    before = [Observation(s, NOW - timedelta(weeks=2), ("a",)) for s in (0.5, 0.4, 0.6, 0.5, 0.45, 0.55)]
    same = [Observation(s, NOW, ("a",)) for s in (0.5, 0.4, 0.6)]
    worse = [Observation(s, NOW, ("a",)) for s in (-0.3, -0.2, -0.4)]
    assert change_point(before + same, [boundary], 0.3) is None
    assert change_point(before + worse, [boundary], 0.3) == boundary


def test_a_marked_change_stays_marked_when_later_outcomes_cancel_in_the_pooled_shift() -> None:
    first, second = NOW - timedelta(weeks=2), NOW - timedelta(weeks=1)
    before = ([Observation(s, NOW - timedelta(weeks=3), ("a",)) for s in (0.5, 0.4, 0.6, 0.5, 0.45, 0.55)]
              + [Observation(s, NOW - timedelta(weeks=3), ("b",)) for s in (-0.3, -0.2, -0.4, -0.3)])
    a_falls = [Observation(s, first + timedelta(days=1), ("a",)) for s in (-0.3, -0.2, -0.4)]
    b_rises = [Observation(s, second + timedelta(days=1), ("b",)) for s in (0.5, 0.4, 0.6)]
    seen = before + a_falls + b_rises
    assert shift(seen, first, 0.3) < 0.5, "a swap cancels in the pooled shift over every later outcome"
    assert shift(before + a_falls, first, 0.3) >= CHANGE_Z, "the week after the change alone shows it"
    assert change_point(before + a_falls, [first, second], 0.3) == first
    assert change_point(seen, [first, second], 0.3) == first, "marked at the version after the first week, kept"


def test_untried_options_are_worth_trying_and_evidence_turns_explore_into_exploit() -> None:
    thin = recommend([*evidence("linkedin ads", [0.3]), *OTHER], NOW, seed="s")
    cell = thin[1]
    assert {e.option for e in cell.estimates} == {"linkedin ads", "tiktok ads", "podcasts"}, "listed options count"
    assert cell.text.startswith(f"Recommended for channel decisions with segment = b2b: '{cell.chosen.label}' (")
    assert "Worth trying (too little evidence):" in cell.text and "'podcasts'" in cell.text
    assert [r.condition for r in thin] == [None, ("segment", "b2b"), ("segment", "d2c")], "kind and each segment"

    rich = (evidence("linkedin ads", [0.5, 0.4, 0.6, 0.5] * 3) + evidence("tiktok ads", [-0.4, -0.5, -0.3] * 3)
            + evidence("podcasts", [-0.2, -0.3, -0.1] * 3))
    for seed in map(str, range(5)):
        settled = b2b(rich, seed=seed)
        assert (settled.chosen.label, settled.mode) == ("LinkedIn ads", "exploit")
        assert settled.chance_best > 0.99 and "exploit: the best estimate so far" in settled.text
        assert "Worth trying" not in settled.text


def test_the_highest_upper_bound_is_recommended_and_thin_evidence_is_explored() -> None:
    items = evidence("linkedin ads", [0.5, -0.1, 0.4, -0.2, 0.3, 0.0]) + evidence("tiktok ads", [0.15])
    cell = b2b(items, seed="7")
    bounds = {e.option: e.posterior.mean + UCB_Z * e.posterior.sd for e in cell.estimates}
    assert cell.chosen.option == max(bounds, key=bounds.__getitem__)
    assert cell.estimates[0].option == "linkedin ads", "the best estimate comes first"
    assert cell.chosen.option != "linkedin ads" and cell.mode == "explore"
    assert "explore: too little evidence to rule it out" in cell.text
    assert 0 < cell.chance_best < 0.5


def test_recommendations_are_deterministic_given_a_seed() -> None:
    items = evidence("linkedin ads", [0.2, 0.1]) + evidence("tiktok ads", [0.15])
    first = [(r.chosen.option, r.chance_best) for r in recommend(items, NOW, seed="7")]
    assert first == [(r.chosen.option, r.chance_best) for r in recommend(items, NOW, seed="7")]
    assert len({recommend(items, NOW, seed=str(s))[0].chance_best for s in range(5)}) > 1, "the seed drives the draws"


def test_without_a_change_point_all_evidence_counts_and_cells_stand_alone() -> None:
    items = (evidence("linkedin ads", [0.5, 0.4, 0.6], weeks_ago=6) + evidence("linkedin ads", [0.5], weeks_ago=0)
             + evidence("linkedin ads", [-0.5, -0.6, -0.4, -0.5], segment="d2c"))
    cell = b2b(items, seed="1")
    linkedin = next(e for e in cell.estimates if e.option == "linkedin ads")
    assert linkedin.posterior.weight == pytest.approx(4.0), "old outcomes are not discounted by age"
    assert linkedin.posterior.mean == pytest.approx(2.0 / 5), "prior 0 with one outcome's weight, no d2c outcomes"


def test_old_evidence_fades_and_a_shift_is_named() -> None:
    boundary = NOW - timedelta(days=3)
    items = (evidence("linkedin ads", [0.5, 0.5, 0.4, 0.6, 0.5, 0.5], weeks_ago=2)
             + evidence("linkedin ads", [-0.4, -0.5, -0.3, -0.4], weeks_ago=0)
             + evidence("tiktok ads", [0.2, 0.3, 0.25], weeks_ago=2))
    cell = b2b(items, boundaries=[boundary], seed="1")
    linkedin = next(e for e in cell.estimates if e.option == "linkedin ads")
    assert cell.changed_at == boundary and "Outcomes shifted after" in cell.text
    assert linkedin.posterior.mean < 0, "recent outcomes outweigh the old ones after a change point"


def test_borrowed_evidence_is_a_prior_that_own_evidence_replaces() -> None:
    borrowed = {("channel", ("segment", "b2b"), "podcasts"): Borrowed("podcasts", 0.5, 3.0, ventures=3, n=30),
                ("channel", ("segment", "b2b"), "tiktok ads"): Borrowed("TikTok ads", -0.3, 3.0, ventures=3, n=30)}
    [cold] = [r for r in recommend([], NOW, borrowed=borrowed, seed="0") if r.condition]
    assert cold.chosen.label == "podcasts" and "borrowed from 3 similar ventures (n=30)" in cold.text
    own = evidence("podcasts", [-0.4, -0.5, -0.3, -0.4] * 3) + evidence("tiktok ads", [0.4, 0.5, 0.3] * 3)
    warm = b2b(own, borrowed=borrowed, seed="0")
    assert warm.chosen.label == "TikTok ads" and "borrowed" not in warm.text


def test_the_plan_spreads_a_cells_next_decisions_over_the_options_it_cannot_rule_out() -> None:
    items = evidence("linkedin ads", [0.4, 0.3, 0.5]) + evidence("tiktok ads", [0.1])
    cell = b2b(items, seed="3")
    assert len(cell.plan) == PLAN_STEPS and cell.plan[0] == cell.chosen.label, "the first step is the upper bound"
    assert {"LinkedIn ads", "podcasts"} <= set(cell.plan), "a thin option gets some decisions, not all"
    assert cell.plan.count("LinkedIn ads") > PLAN_STEPS / 2, "most go to the best estimate"
    assert cell.share == pytest.approx(4 / 5), "this cell holds 4 of the role's 5 decisions"
    rich = evidence("linkedin ads", [0.5, 0.4, 0.6, 0.5] * 3) + evidence("tiktok ads", [-0.4, -0.5, -0.3] * 3)
    assert set(b2b(rich, seed="3").plan) == {"LinkedIn ads"}, "nothing left to explore: exploit at every turn"


def test_each_turn_reads_its_step_of_the_plan_in_plain_words() -> None:
    cell = b2b(evidence("linkedin ads", [0.4, 0.3, 0.5]) + evidence("tiktok ads", [0.1]), seed="3")
    assert "Next decisions here, in turn (80% of the role's decisions):" in cell.text
    lines = [line_for_turn(cell.text, turn) for turn in range(20)]
    for turn, line in enumerate(lines):
        step = cell.plan[min(round(turn * 0.8), PLAN_STEPS - 1)]
        assert line.startswith(f"Recommended for channel decisions with segment = b2b: '{step}' (")
        assert "Next decisions here" not in line and "Estimates: 'LinkedIn ads'" in line
        words = "exploit: the best estimate so far" if step == "LinkedIn ads" else \
            "explore: too little evidence to rule it out, so this decision tries it"
        assert words in line
    assert lines[0] == cell.text.split(" Next decisions here")[0], "turn 0 is the stored recommendation"
    explored = next(line for line in lines if "explore:" in line)
    assert "against 'LinkedIn ads' at +0.30" in explored, "an explore line names what it is weighed against"
    assert lines == [line_for_turn(cell.text, turn) for turn in range(20)], "deterministic given the turn"
    plain = "For channel decisions, 'LinkedIn ads' worked: mean outcome +0.42 (n=14)."
    assert line_for_turn(plain, 3) == plain, "other insights pass through"
