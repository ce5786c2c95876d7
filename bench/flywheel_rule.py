"""The choosing rule alone, fast: `recommend` over each seed's own history, no stores, no text.

    python bench/flywheel_rule.py --seeds 0-9 [--scenario drift [--change 5]] [--ucb-z 1.0] [--arms rule,bandit]

Runs the stationary (or drift) world of ``bench/flywheel.py`` (same truth, slots and noise per
seed) with the chosen arms: ``rule`` computes ``orgmind.synthesis.recommend`` once per simulated week
from the arm's outcomes so far (as a brain version would be) and follows, at each decision, the
segment's line for that wake-up's turn (``line_for_turn``: the turn counts the earlier decisions
of the kind's role that week, as the brief counts the role's wake-ups under the version), random in
week 1; ``bandit`` is the flywheel's plain Thompson bandit; ``ceiling`` is the full-information
learner of ``flywheel_ceiling`` (told the change, it sees every option's outcome: an upper bound
for any learner); ``informed`` and ``informed-ucb`` are the same learner with only its own
outcomes, greedy or by batch upper bounds (mean + 1 sd). Prints each arm's share of the oracle's
lift over random (stationary: cycles 5-8; drift: two cycles after the change, cycle 7 for a change
at cycle 5, and from the change on), pooled over seeds and per seed, and its mean outcome as a
share of the oracle's. Used to choose the rule on development seeds; the figures that count come
from ``bench/flywheel.py`` on other seeds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flywheel as fw  # noqa: E402
from flywheel_ceiling import NOISE, Ceiling  # noqa: E402

from orgmind.synthesis import recommend as rules  # noqa: E402

CHANGE = 4
INFORMED_Z = 1.0
"""The informed-ucb reference's sd above the mean (``--informed-z``)."""
"""Drift: the first changed cycle, 0-based (cycle 5 by default, as in ``bench/flywheel.py``)."""
Rows = list[tuple[float, float, float]]
"""Per cycle: (oracle, arm, random) mean outcome."""


def truth_at(seed: int, cycle: int, drift: bool) -> fw.Truth:
    """The seed's truth in ``cycle`` (0-based); with ``drift``, changed from cycle index CHANGE on."""
    base = fw.ground_truth(seed)
    return fw.drifted(base, seed)[0] if drift and cycle >= CHANGE else base


def run_rule(seed: int, cycles: int, count: int, drift: bool = False) -> Rows:
    world, pick = random.Random(seed + 1000), random.Random(seed + 2000)
    history: list[rules.Evidence] = []
    boundaries: list[datetime] = []
    rows: Rows = []
    for cycle in range(cycles):
        start = fw.T0 + timedelta(days=7 * cycle)
        as_of = max((e.observed_at for e in history), default=start)
        truth = truth_at(seed, cycle, drift)
        found = rules.recommend(history, as_of, boundaries=boundaries, seed=f"{seed}|{len(history)}")
        advice = {(r.kind, r.condition): r.text for r in found}
        got, best, blind, fresh = [], [], [], []
        turns: dict[str, int] = defaultdict(int)
        for slot in fw.slots_of(world, cycle, count, 0.3):
            options = fw.KINDS[slot.kind][1]
            text = advice.get((slot.kind, ("segment", slot.segment)))
            line = rules.line_for_turn(text, turns[slot.kind]) if text else ""
            turns[slot.kind] += 1
            choice = line.split(": '", 1)[1].split("'", 1)[0] if text else pick.choice(options)
            score = fw._score(truth, slot, choice)
            got.append(score)
            best.append(max(fw._score(truth, slot, o) for o in options))
            blind.append(fw._score(truth, slot, pick.choice(options)))
            fresh.append(rules.Evidence(slot.name, slot.kind, fw.KINDS[slot.kind][0], choice.casefold(), choice,
                                        {"segment": slot.segment}, tuple((o.casefold(), o) for o in options),
                                        score, start + timedelta(days=6)))
        history += fresh
        boundaries.append(start + timedelta(days=6, hours=1))
        rows.append((statistics.mean(best), statistics.mean(got), statistics.mean(blind)))
    return rows


def run_bandit(seed: int, cycles: int, count: int, drift: bool = False) -> Rows:
    world, pick = random.Random(seed + 1000), random.Random(seed + 2000)
    bandit = fw.Bandit(seed + 4000)
    rows: Rows = []
    for cycle in range(cycles):
        truth = truth_at(seed, cycle, drift)
        got, best, blind, learned = [], [], [], []
        for slot in fw.slots_of(world, cycle, count, 0.3):
            options = fw.KINDS[slot.kind][1]
            choice = bandit.choose(slot)
            score = fw._score(truth, slot, choice)
            learned.append((slot, choice, score))
            got.append(score)
            best.append(max(fw._score(truth, slot, o) for o in options))
            blind.append(fw._score(truth, slot, pick.choice(options)))
        bandit.update(learned)
        rows.append((statistics.mean(best), statistics.mean(got), statistics.mean(blind)))
    return rows


def run_informed_ucb(seed: int, cycles: int, count: int, drift: bool = False) -> Rows:
    """The informed learner (own outcomes only) choosing by batch upper bounds at INFORMED_Z."""
    return run_ceiling(seed, cycles, count, drift, full=False, z=INFORMED_Z)


def run_ceiling(seed: int, cycles: int, count: int, drift: bool = False, full: bool = True, z: float = 0.0) -> Rows:
    """The full-information ceiling (``flywheel_ceiling``): told the change and its kinds, it sees every option.

    With ``full`` false the same learner sees only its chosen option's outcome: a learner told the change,
    the prior and the swap, choosing greedily or (``z`` > 0) by batch upper bounds.
    """
    world, pick, extra = random.Random(seed + 1000), random.Random(seed + 2000), random.Random(seed + 5000)
    ceiling = Ceiling({kind: options for kind, (_, options) in fw.KINDS.items()})
    rows: Rows = []
    for cycle in range(cycles):
        truth = truth_at(seed, cycle, drift)
        if drift and cycle == CHANGE:
            ceiling.tell_change(fw.drifted(fw.ground_truth(seed), seed)[1])
        got, best, blind, seen = [], [], [], []
        for slot in fw.slots_of(world, cycle, count, NOISE):
            options = fw.KINDS[slot.kind][1]
            choice = ceiling.choose(slot.kind, slot.segment, z)
            got.append(fw._score(truth, slot, choice))
            best.append(max(fw._score(truth, slot, o) for o in options))
            blind.append(fw._score(truth, slot, pick.choice(options)))
            seen.append((slot.kind, slot.segment, {o: got[-1] if o == choice else fw._score(
                truth, fw.Slot(slot.name, slot.kind, slot.segment, extra.gauss(0, NOISE), slot.at), o)
                for o in options if full or o == choice}))
        ceiling.update(seen)
        rows.append((statistics.mean(best), statistics.mean(got), statistics.mean(blind)))
    return rows


def share(runs: list[Rows], window: range) -> tuple[float, list[float]]:
    """Pooled and per-seed share of the oracle's lift over random in the (0-based) cycles of ``window``."""
    gained = possible = 0.0
    per_seed = []
    for rows in runs:
        inside = [rows[c] for c in window]
        g, p = sum(m - r for _, m, r in inside), sum(o - r for o, _, r in inside)
        gained, possible = gained + g, possible + p
        per_seed.append(g / p)
    return gained / possible, per_seed


def spread(runs: list[Rows], window: range, per_seed: list[float]) -> str:
    """Per-seed shares, or for more than 20 seeds how the pooled share of ten consecutive seeds varies."""
    if len(runs) <= 20:
        return "per seed " + ", ".join(f"{s:.0%}" for s in per_seed)
    blocks = sorted(share(runs[i:i + 10], window)[0] for i in range(0, len(runs) - 9, 10))
    return (f"{len(blocks)} blocks of ten seeds: 5th-95th percentile {np.percentile(blocks, 5):.0%}.."
            f"{np.percentile(blocks, 95):.0%}, at 90% or more in {sum(b >= 0.9 for b in blocks)}")


ARMS: dict[str, Callable[[int, int, int, bool], Rows]] = {"rule": run_rule, "bandit": run_bandit,
                                                          "ceiling": run_ceiling,
                                                          "informed": partial(run_ceiling, full=False),
                                                          "informed-ucb": run_informed_ucb}


def main() -> None:
    global CHANGE, INFORMED_Z
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=fw.parse_seeds, default=fw.parse_seeds("0-9"))
    parser.add_argument("--scenario", choices=("stationary", "drift"), default="stationary")
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--change", type=int, default=CHANGE + 1, help="drift: the first changed cycle (1-based)")
    parser.add_argument("--arms", type=lambda text: text.split(","), default=["rule", "bandit"],
                        help=f"comma-separated, of {', '.join(ARMS)}")
    parser.add_argument("--ucb-z", type=float, default=rules.UCB_Z, help="sd above the mean that options compare at")
    parser.add_argument("--informed-z", type=float, default=INFORMED_Z, help="the same for the informed-ucb reference")
    args = parser.parse_args()
    rules.UCB_Z, CHANGE, INFORMED_Z = args.ucb_z, args.change - 1, args.informed_z
    drift = args.scenario == "drift"
    cycles = CHANGE + 3 if drift else args.cycles
    windows = ({f"cycle {CHANGE + 3}": range(CHANGE + 2, CHANGE + 3),
                f"cycles {CHANGE + 1}-{CHANGE + 3}": range(CHANGE, CHANGE + 3)} if drift
               else {f"cycles 5-{cycles}": range(4, cycles)})
    for name in args.arms:
        runs = [ARMS[name](seed, cycles, args.decisions, drift) for seed in args.seeds]
        for window_name, window in windows.items():
            pooled, per_seed = share(runs, window)
            outcome = sum(r[c][1] for r in runs for c in window) / sum(r[c][0] for r in runs for c in window)
            print(f"{name}: {pooled:.1%} of the oracle's lift in {window_name} ({spread(runs, window, per_seed)}); "
                  f"mean outcome {outcome:.1%} of the oracle's", flush=True)


if __name__ == "__main__":
    main()
