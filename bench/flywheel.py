"""Flywheel: do agents that wake up with a synthesized brain decide better, cycle after cycle?

    python bench/flywheel.py --seeds 5 --cycles 8 --decisions 40

A seeded venture simulator with a hidden ground truth: four decision kinds (one per role), each
with 3-4 options whose expected outcome depends on the market segment (drawn per seed from
U(-0.5, 0.5)); a realised outcome adds N(0, ``--noise``) noise, clipped to [-1, 1]. Each cycle (a
simulated week) draws ``--decisions`` slots (kind, segment, noise), shared by every arm:

- orgmind: the agent wakes up through the real facade (``mind.wake_up``, ``--budget`` tokens)
  and chooses from its brief only: the option the cited brain insights recommend for its kind
  and segment (a segment-specific insight over a general one; never one the brain says to
  avoid), else the best-scoring precedent of its kind and segment cited in the brief (sections
  precedents and recent history), else at random. The decision carries ``wakeup_id`` and
  ``brain_version_id``. Decisions and their outcomes are recorded together at the end of the
  cycle (one batch, one embedding call), then ``synthesize`` writes the next brain version.
- recall: the same agent and brief in a venture that is never synthesized (precedents only).
- random: no memory, a uniformly random option.
- oracle: the best expected option per slot (the ceiling; same noise).

Prints per cycle the mean outcome per arm as mean ± standard deviation across seeds, the gap
between arms paired by seed over the second half, and the scorecard of the last seed's brain
venture. Torch runs single-threaded unless OMP_NUM_THREADS is set.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scipy import stats

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: one thread is faster on a busy machine

from orgmind.mind import OrgMind  # noqa: E402
from orgmind.models import Decision, Insight, Outcome, Venture  # noqa: E402
from orgmind.brief.render import WakeUpBrief  # noqa: E402
from orgmind.synthesis.scorecard import scorecard  # noqa: E402
from orgmind.synthesis.synthesize import normalise, parse_key, synthesize  # noqa: E402

KINDS = {  # kind -> (role, options)
    "channel": ("cmo", ("LinkedIn ads", "TikTok ads", "Google search ads", "podcast sponsorships")),
    "pricing": ("ceo", ("raise price", "lower price", "add annual discount")),
    "architecture": ("cto", ("managed Postgres", "a self-hosted Kafka cluster", "serverless functions",
                             "a modular monolith")),
    "budget": ("cfo", ("flat", "a 20% increase", "a 15% cut")),
}
SEGMENTS = ("b2b", "d2c", "plg")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ARMS = ("oracle", "orgmind", "recall", "random")


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str
    segment: str
    noise: float
    at: datetime


def ground_truth(seed: int) -> dict[tuple[str, str, str], float]:
    """Expected outcome per (kind, segment, option): the hidden truth of one seed."""
    rng = random.Random(seed)
    return {(kind, segment, option): round(rng.uniform(-0.5, 0.5), 2)
            for kind, (_, options) in KINDS.items() for segment in SEGMENTS for option in options}


def from_brain(mind: OrgMind, brief: WakeUpBrief, slot: Slot) -> tuple[str | None, set[str]]:
    """The option the brief's brain recommends for the slot, and the options it says to avoid."""
    section = brief.section("current_brain")
    cited = [line.cites[0] for line in section.lines] if section else []
    best: dict[str, tuple[int, float]] = {}
    for node in mind.graph.get_many(cited).values():
        if not isinstance(node, Insight) or node.kind != slot.kind or not node.key:
            continue
        key = parse_key(node.key)
        if key.condition not in (None, ("segment", slot.segment)):
            continue
        specific = int(key.condition is not None)
        if key.option not in best or specific > best[key.option][0]:
            best[key.option] = (specific, node.effect)
    options = {normalise(o): o for o in KINDS[slot.kind][1]}
    effects = {options[o]: effect for o, (_, effect) in best.items() if o in options}
    good = [o for o, e in effects.items() if e > 0]
    return (max(good, key=effects.__getitem__) if good else None), {o for o, e in effects.items() if e < 0}


def from_precedents(mind: OrgMind, brief: WakeUpBrief, slot: Slot) -> tuple[str | None, set[str]]:
    """The best-scoring option among the brief's precedents of the slot's kind and segment."""
    pairs = {line.cites[0]: line.cites[1] for name in ("precedents", "recent_history")
             if (section := brief.section(name)) for line in section.lines if len(line.cites) == 2}
    nodes = mind.graph.get_many([*pairs, *pairs.values()])
    scores: dict[str, list[float]] = defaultdict(list)
    for decision_id, outcome_id in pairs.items():
        decision, outcome = nodes.get(decision_id), nodes.get(outcome_id)
        if (isinstance(decision, Decision) and isinstance(outcome, Outcome) and decision.kind == slot.kind
                and decision.context.get("segment") == slot.segment and decision.chosen):
            scores[decision.chosen].append(outcome.score)
    means = {o: statistics.mean(s) for o, s in scores.items()}
    best = max(means, key=means.__getitem__, default=None)
    return (best if best is not None and means[best] > 0 else None), {o for o, m in means.items() if m < 0}


def decide(mind: OrgMind, venture: str, slot: Slot, rng: random.Random, budget: int) -> tuple[Decision, str]:
    """Wake up and choose from the brief; returns the decision (not yet recorded) and what chose it."""
    role, options = KINDS[slot.kind]
    task = f"Choose the {slot.kind} option for our {slot.segment} segment: {', '.join(options)}"
    brief = mind.wake_up(venture, role, task=task, budget_tokens=budget, now=slot.at)
    choice, avoid = from_brain(mind, brief, slot)
    source = "brain"
    if choice is None:
        choice, more = from_precedents(mind, brief, slot)
        avoid |= more
        source = "precedent"
    if choice is None:
        choice, source = rng.choice([o for o in options if o not in avoid] or list(options)), "random"
    wakeup = mind.graph.get(brief.wakeup_id)
    decision = Decision(
        id=f"{venture}-{slot.name}", venture_id=venture, role=role, kind=slot.kind,
        title=f"{slot.kind.capitalize()} for the {slot.segment} segment: {choice}", options=list(options),
        chosen=choice, context={"segment": slot.segment, "option": choice},
        wakeup_id=brief.wakeup_id, brain_version_id=getattr(wakeup, "brain_version_id", None), made_at=slot.at,
    )
    return decision, source


def run_seed(seed: int, args: argparse.Namespace) -> tuple[list[dict[str, float]], dict[str, list[float]], OrgMind]:
    truth = ground_truth(seed)
    world = random.Random(seed + 1000)
    pick = {arm: random.Random(seed + 2000) for arm in ARMS}  # same draws while arms know nothing
    mind = OrgMind.open(home=tempfile.mkdtemp(prefix="orgmind-flywheel-"))
    for venture in ("brain", "recall"):
        mind.record(Venture(id=venture, name=f"Flywheel {venture}", created_at=T0 - timedelta(days=1)))
    rows: list[dict[str, float]] = []
    sources: dict[str, list[float]] = defaultdict(list)
    for cycle in range(args.cycles):
        start = T0 + timedelta(days=7 * cycle)
        slots = [Slot(f"c{cycle}-s{n}", world.choice(list(KINDS)), world.choice(SEGMENTS), world.gauss(0, args.noise),
                      start + timedelta(minutes=150 * n)) for n in range(args.decisions)]
        scores: dict[str, list[float]] = defaultdict(list)
        pending: list[Decision | Outcome] = []
        for slot in slots:
            def score(option: str) -> float:
                return round(max(-1.0, min(1.0, truth[(slot.kind, slot.segment, option)] + slot.noise)), 3)

            options = KINDS[slot.kind][1]
            scores["oracle"].append(max(score(o) for o in options))
            scores["random"].append(score(pick["random"].choice(options)))
            for arm, venture in (("orgmind", "brain"), ("recall", "recall")):
                decision, source = decide(mind, venture, slot, pick[arm], args.budget)
                scores[arm].append(score(decision.chosen or ""))
                if arm == "orgmind":
                    sources[source].append(scores[arm][-1])
                pending += [decision, Outcome(id=f"{decision.id}-out", venture_id=venture, decision_id=decision.id,
                                              score=scores[arm][-1], observed_at=start + timedelta(days=6))]
        mind.record_many(pending)
        synthesize(mind.graph, mind.index.embedder, "brain", now=start + timedelta(days=6, hours=1))
        mind.reconcile()
        rows.append({arm: statistics.mean(values) for arm, values in scores.items()})
    return rows, sources, mind


def fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def spread(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):+.3f} ± {sd:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=40, help="decisions per cycle and arm")
    parser.add_argument("--noise", type=float, default=0.3, help="sd of the outcome noise")
    parser.add_argument("--budget", type=int, default=2500, help="brief budget in tokens")
    args = parser.parse_args()
    began = time.perf_counter()
    per_seed: list[list[dict[str, float]]] = []
    sources: dict[str, list[float]] = defaultdict(list)
    mind: OrgMind | None = None
    for seed in range(args.seeds):
        if mind is not None:
            mind.close()
        rows, used, mind = run_seed(seed, args)
        per_seed.append(rows)
        for source, values in used.items():
            sources[source] += values
        print(f"seed {seed} done after {time.perf_counter() - began:.0f} s", flush=True)
    print(f"\n{args.seeds} seeds x {args.cycles} cycles x {args.decisions} decisions, noise {args.noise}, brief budget "
          f"{args.budget}; mean outcome per cycle (mean ± sd across seeds)\n")
    print("| cycle | " + " | ".join(ARMS) + " |")
    print("|---" * (len(ARMS) + 1) + "|")
    for cycle in range(args.cycles):
        cells = [spread([rows[cycle][arm] for rows in per_seed]) for arm in ARMS]
        print(f"| {cycle + 1} | " + " | ".join(cells) + " |")
    later = range(args.cycles // 2, args.cycles)
    cells = [spread([statistics.mean(rows[c][arm] for c in later) for rows in per_seed]) for arm in ARMS]
    print(f"| {later.start + 1}-{args.cycles} | " + " | ".join(cells) + " |")
    for baseline in ("recall", "random"):
        gaps = [statistics.mean(rows[c]["orgmind"] - rows[c][baseline] for c in later) for rows in per_seed]
        p = stats.ttest_1samp(gaps, 0.0).pvalue if len(gaps) > 1 else float("nan")
        print(f"\norgmind - {baseline}, cycles {later.start + 1}-{args.cycles}, paired by seed: {spread(gaps)}; "
              f"ahead in {sum(g > 0 for g in gaps)}/{len(gaps)} seeds; one-sample t-test p = {p:.3f}")
    total = sum(len(v) for v in sources.values())
    print("\norgmind agents chose by: " + ", ".join(
        f"{k} {len(v) / total:.0%} (mean {statistics.mean(v):+.3f})" for k, v in sorted(sources.items())))
    assert mind is not None
    card = scorecard(mind.graph, "brain")
    print(f"\nscorecard of the brain venture, seed {args.seeds - 1}:\n")
    print("| version | decisions | mean | 95% CI | success | Δ vs previous | Welch p |")
    print("|---|---|---|---|---|---|---|")
    for row in (r for r in card.versions if r.outcomes):  # the newest version has no decisions yet
        change = row.change
        print(f"| {row.label} | {row.outcomes} | {fmt(row.mean, '+.3f')} | {fmt(row.low, '+.2f')}.."
              f"{fmt(row.high, '+.2f')} | {fmt(row.success_rate, '.0%')} | {fmt(change and change.delta, '+.3f')} | "
              f"{fmt(change and change.p_value, '.3f')} |")
    mind.close()
    print(f"\nwall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
