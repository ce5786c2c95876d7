"""Flywheel: do agents that wake up with a synthesized brain decide better, cycle after cycle?

    python bench/flywheel.py --scenario stationary --seeds 110-119 [--cycles 8 --decisions 40]

A seeded venture simulator with a hidden ground truth: four decision kinds (one per role), each
with 3-4 options whose expected outcome depends on the market segment (drawn per seed from
U(-0.5, 0.5)); a realised outcome adds N(0, ``--noise``) noise, clipped to [-1, 1]. Each cycle (a
simulated week) draws ``--decisions`` slots (kind, segment, noise), shared by every arm
(common random numbers). Arms:

- orgmind: the agent wakes up through ``mind.wake_up`` (``--budget`` tokens) and reads only the
  brief's text: the first brain line "Recommended for <kind> decisions with segment = <segment>:
  '<option>'" (else the kind-wide "Recommended for <kind> decisions: '<option>'"), else the best
  option among the precedent and recent-history lines of its kind and segment by their outcome
  numbers (skipping options whose mean is negative), else a random option. After the week's
  outcomes, ``synthesize`` writes the next brain version.
- recall: the same agent and reading rule in a venture that is never synthesized.
- bandit: plain Thompson sampling per (kind, segment) over the same outcomes, no text: normal
  posterior per option (prior mean 0, one outcome's weight, noise sd estimated from its data),
  one draw per decision, updated when the week's outcomes arrive.
- random: no memory. oracle: the best expected option (the ceiling; same noise).

Scenarios: ``stationary``; ``drift`` (at cycle ``--change``, in two kinds drawn per seed, the
best option of every segment swaps expected outcomes with another option; nobody is told);
``cold-start`` (three similar ventures sharing ``open``, each run by the plain bandit, from
cycle 1; at cycle ``--join`` a new venture with a similar description joins; its orgmind and
recall arms share ``open``, its bandit starts empty). Reports, per scenario, the mean outcome
per cycle across seeds, the share of the oracle's lift over random per window (bootstrap 95%
interval over seeds) and gaps paired by seed with 95% t-intervals and p-values. Simulated
decisions need no approval (an empty escalation policy), so no brief fills with approvals.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy import stats

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: one thread is faster on a busy machine

from orgmind.mind import OrgMind  # noqa: E402
from orgmind.models import Decision, Outcome, Sharing, Venture  # noqa: E402
from orgmind.brief.render import WakeUpBrief  # noqa: E402
from orgmind.synthesis.synthesize import synthesize  # noqa: E402

KINDS = {  # kind -> (role, options)
    "channel": ("cmo", ("LinkedIn ads", "TikTok ads", "Google search ads", "podcast sponsorships")),
    "pricing": ("ceo", ("raise price", "lower price", "add annual discount")),
    "architecture": ("cto", ("managed Postgres", "a self-hosted Kafka cluster", "serverless functions",
                             "a modular monolith")),
    "budget": ("cfo", ("flat", "a 20% increase", "a 15% cut")),
}
SEGMENTS = ("b2b", "d2c", "plg")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ARMS = ("oracle", "orgmind", "recall", "bandit", "random")
DESCRIPTION = "B2B and self-serve analytics software for small e-commerce teams, sold by subscription"
LENDERS = ("Analytics software for online shops and small e-commerce teams, subscription based",
           "Subscription analytics product for small e-commerce and D2C brands",
           "Self-serve reporting software for small online retailers, sold by subscription")
Truth = dict[tuple[str, str, str], float]


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str
    segment: str
    noise: float
    at: datetime


def ground_truth(seed: int) -> Truth:
    """Expected outcome per (kind, segment, option): the hidden truth of one seed."""
    rng = random.Random(seed)
    return {(kind, segment, option): round(rng.uniform(-0.5, 0.5), 2)
            for kind, (_, options) in KINDS.items() for segment in SEGMENTS for option in options}


def drifted(truth: Truth, seed: int) -> tuple[Truth, list[str]]:
    """The truth after the change: in two kinds, each segment's best option swaps with another."""
    rng = random.Random(seed + 3000)
    kinds = sorted(rng.sample(sorted(KINDS), 2))
    after = dict(truth)
    for kind in kinds:
        options = KINDS[kind][1]
        for segment in SEGMENTS:
            best = max(options, key=lambda o: truth[(kind, segment, o)])
            other = rng.choice([o for o in options if o != best])
            after[(kind, segment, best)], after[(kind, segment, other)] = truth[(kind, segment, other)], truth[
                (kind, segment, best)]
    return after, kinds


def perturbed(truth: Truth, seed: int) -> Truth:
    """A similar venture's truth: the same up to N(0, 0.05) per cell."""
    rng = random.Random(seed)
    return {key: round(value + rng.gauss(0, 0.05), 3) for key, value in truth.items()}


# ---- the text-reading agent ------------------------------------------------------------------


def read_brief(brief: WakeUpBrief, slot: Slot) -> tuple[str | None, set[str], str]:
    """(choice, options to avoid, source) from the brief's text alone; the rule of every text arm."""
    options = KINDS[slot.kind][1]
    section = brief.section("current_brain")
    brain = [line.text for line in section.lines] if section else []
    for prefix in (f"Recommended for {slot.kind} decisions with segment = {slot.segment}: '",
                   f"Recommended for {slot.kind} decisions: '"):
        for text in brain:
            if text.startswith(prefix):
                option = text[len(prefix):].split("'", 1)[0]
                if option in options:
                    return option, set(), "brain"
    pattern = re.compile(
        rf"{slot.kind.capitalize()} for the {slot.segment} segment: (.+?) → [a-z ]+ \(([+-]\d+\.\d+)\)")
    scores: dict[str, list[float]] = defaultdict(list)
    for name in ("precedents", "recent_history"):
        found_in = brief.section(name)
        for line in found_in.lines if found_in else ():
            if (found := pattern.search(line.text)) and found.group(1) in options:
                scores[found.group(1)].append(float(found.group(2)))
    means = {o: statistics.mean(s) for o, s in scores.items()}
    best = max(means, key=means.__getitem__, default=None)
    avoid = {o for o, m in means.items() if m < 0}
    return (best if best is not None and means[best] > 0 else None), avoid, "precedent"


def decide(mind: OrgMind, venture: str, slot: Slot, rng: random.Random, budget: int) -> tuple[Decision, str]:
    """Wake up and choose from the brief's text; returns the decision (not yet recorded) and what chose it."""
    role, options = KINDS[slot.kind]
    task = f"Choose the {slot.kind} option for our {slot.segment} segment: {', '.join(options)}"
    brief = mind.wake_up(venture, role, task=task, budget_tokens=budget, now=slot.at)
    choice, avoid, source = read_brief(brief, slot)
    if choice is None:
        choice, source = rng.choice([o for o in options if o not in avoid] or list(options)), "random"
    wakeup = mind.graph.get(brief.wakeup_id)
    return _decision(venture, slot, choice, brief.wakeup_id, getattr(wakeup, "brain_version_id", None)), source


def _decision(venture: str, slot: Slot, choice: str, wakeup_id: str | None = None,
              version_id: str | None = None) -> Decision:
    role, options = KINDS[slot.kind]
    return Decision(
        id=f"{venture}-{slot.name}", venture_id=venture, role=role, kind=slot.kind,
        title=f"{slot.kind.capitalize()} for the {slot.segment} segment: {choice}", options=list(options),
        chosen=choice, context={"segment": slot.segment, "option": choice},
        wakeup_id=wakeup_id, brain_version_id=version_id, made_at=slot.at,
    )


class Bandit:
    """Plain Thompson sampling per (kind, segment): normal posterior, prior N(0, sigma²)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.scores: dict[tuple[str, str, str], list[float]] = defaultdict(list)

    def choose(self, slot: Slot) -> str:
        options = KINDS[slot.kind][1]
        sigma = self.sigma()
        draws = [self.rng.normal(sum(s := self.scores[(slot.kind, slot.segment, o)]) / (1 + len(s)),
                                 sigma / math.sqrt(1 + len(s))) for o in options]
        return options[int(np.argmax(draws))]

    def sigma(self) -> float:
        groups = [s for s in self.scores.values() if len(s) >= 2]
        df = sum(len(s) - 1 for s in groups)
        if df < 5:
            return 0.5
        return max(0.05, math.sqrt(sum(sum((x - statistics.mean(s)) ** 2 for x in s) for s in groups) / df))

    def update(self, results: Sequence[tuple[Slot, str, float]]) -> None:
        for slot, option, score in results:
            self.scores[(slot.kind, slot.segment, option)].append(score)


# ---- one seed ----------------------------------------------------------------------------------


def memoise_embeddings(mind: OrgMind) -> None:
    """Embed each distinct document text once per process (the bench repeats a few dozen texts)."""
    embedder = mind.index.embedder
    if getattr(embedder, "_flywheel_memo", False):
        return
    original = embedder.embed_documents
    memo: dict[str, np.ndarray] = {}

    def embed_documents(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        missing = sorted({t for t in texts if t not in memo})
        if missing:
            for text, vector in zip(missing, original(missing, batch_size), strict=True):
                memo[text] = vector
        return np.stack([memo[t] for t in texts]) if texts else original(texts)

    embedder.embed_documents = embed_documents  # type: ignore[method-assign]
    embedder._flywheel_memo = True  # type: ignore[attr-defined]


def slots_of(world: random.Random, cycle: int, count: int, noise: float, tag: str = "") -> list[Slot]:
    start = T0 + timedelta(days=7 * cycle)
    return [Slot(f"{tag}c{cycle}-s{n}", world.choice(list(KINDS)), world.choice(SEGMENTS), world.gauss(0, noise),
                 start + timedelta(minutes=150 * n)) for n in range(count)]


def run_seed(
    scenario: str, seed: int, args: argparse.Namespace
) -> tuple[list[dict[str, float]], dict[str, list[float]]]:
    """Mean outcome per arm and cycle (cold-start: the new venture, from the join cycle on)."""
    base = ground_truth(seed)
    after, _ = drifted(base, seed)
    world = random.Random(seed + 1000)
    pick = {arm: random.Random(seed + 2000) for arm in ARMS}  # same draws while arms know nothing
    bandit = Bandit(seed + 4000)
    home = Path(tempfile.mkdtemp(prefix="orgmind-flywheel-"))
    (home / "policy.toml").write_text("gates = []\n", encoding="utf-8")  # simulated decisions need no approval
    mind = OrgMind.open(home=home, policy_file=home / "policy.toml")
    memoise_embeddings(mind)
    cold = scenario == "cold-start"
    first = args.join - 1 if cold else 0
    lenders = {f"lender{i}": (perturbed(base, seed * 10 + i), Bandit(seed * 10 + i)) for i in range(len(LENDERS))}
    truth_of_new = perturbed(base, seed * 10 + 9) if cold else base
    sharing = Sharing.OPEN if cold else Sharing.NONE
    for venture in ("brain", "recall"):
        mind.record(Venture(id=venture, name=f"Flywheel {venture}", sharing=sharing, description=DESCRIPTION,
                            created_at=T0 - timedelta(days=1) + timedelta(days=7 * first)))
    if cold:
        for (venture, _), text in zip(lenders.items(), LENDERS, strict=True):
            mind.record(Venture(id=venture, name=f"Flywheel {venture}", sharing=Sharing.OPEN, description=text,
                                created_at=T0 - timedelta(days=1)))
    rows: list[dict[str, float]] = []
    sources: dict[str, list[float]] = defaultdict(list)
    for cycle in range(args.cycles):
        start = T0 + timedelta(days=7 * cycle)
        truth = after if scenario == "drift" and cycle >= args.change - 1 else truth_of_new
        pending: list[Decision | Outcome] = []
        if cold:
            for venture, (lender_truth, policy) in lenders.items():
                done = []
                for slot in slots_of(world, cycle, args.decisions, args.noise, venture):
                    option = policy.choose(slot)
                    score = _score(lender_truth, slot, option)
                    decision = _decision(venture, slot, option)
                    done.append((slot, option, score))
                    pending += [decision, Outcome(id=f"{decision.id}-out", venture_id=venture, decision_id=decision.id,
                                                  score=score, observed_at=start + timedelta(days=6))]
                policy.update(done)
        if cycle < first:
            mind.record_many(pending)
            mind.reconcile()
            continue
        if cold and cycle == first:
            mind.record_many(pending)
            mind.reconcile()
            pending = []
            synthesize(mind.store, mind.index.embedder, "brain", now=start - timedelta(hours=1), seed=seed)
        scores: dict[str, list[float]] = defaultdict(list)
        learned = []
        for slot in slots_of(world, cycle, args.decisions, args.noise):
            options = KINDS[slot.kind][1]
            scores["oracle"].append(max(_score(truth, slot, o) for o in options))
            scores["random"].append(_score(truth, slot, pick["random"].choice(options)))
            chosen = bandit.choose(slot)
            scores["bandit"].append(_score(truth, slot, chosen))
            learned.append((slot, chosen, scores["bandit"][-1]))
            for arm, venture in (("orgmind", "brain"), ("recall", "recall")):
                decision, source = decide(mind, venture, slot, pick[arm], args.budget)
                scores[arm].append(_score(truth, slot, decision.chosen or ""))
                if arm == "orgmind":
                    sources[source].append(scores[arm][-1])
                pending += [decision, Outcome(id=f"{decision.id}-out", venture_id=venture, decision_id=decision.id,
                                              score=scores[arm][-1], observed_at=start + timedelta(days=6))]
        bandit.update(learned)
        mind.record_many(pending)
        synthesize(mind.store, mind.index.embedder, "brain", now=start + timedelta(days=6, hours=1), seed=seed)
        mind.reconcile()
        rows.append({arm: statistics.mean(values) for arm, values in scores.items()})
    mind.close()
    return rows, sources


def _score(truth: Truth, slot: Slot, option: str) -> float:
    return round(max(-1.0, min(1.0, truth[(slot.kind, slot.segment, option)] + slot.noise)), 3)


# ---- report ------------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):+.3f} ± {sd:.3f}"


def paired(gaps: Sequence[float]) -> str:
    """Mean gap, 95% t-interval, seeds ahead, one-sample t-test p."""
    mean = statistics.mean(gaps)
    if len(gaps) < 2:
        return f"{mean:+.3f}"
    half = float(stats.t.ppf(0.975, len(gaps) - 1)) * statistics.stdev(gaps) / math.sqrt(len(gaps))
    p = float(stats.ttest_1samp(gaps, 0.0).pvalue)
    return f"{mean:+.3f} (95% CI {mean - half:+.3f}..{mean + half:+.3f}; ahead in {sum(g > 0 for g in gaps)}/" \
           f"{len(gaps)}; p = {p:.4f})"


def lift_share(per_seed: Sequence[Sequence[dict[str, float]]], arm: str, window: Sequence[int]) -> str:
    """(arm - random) / (oracle - random), pooled over seeds, with a seeded bootstrap 95% interval."""
    def share(rows: Sequence[Sequence[dict[str, float]]]) -> float:
        gained = sum(r[c][arm] - r[c]["random"] for r in rows for c in window)
        possible = sum(r[c]["oracle"] - r[c]["random"] for r in rows for c in window)
        return gained / possible

    rng = random.Random(0)
    boots = sorted(share([rng.choice(per_seed) for _ in per_seed]) for _ in range(2000))
    return f"{share(per_seed):.0%} ({boots[50]:.0%}..{boots[1949]:.0%})"


def report(scenario: str, seeds: Sequence[int], per_seed: list[list[dict[str, float]]],
           sources: dict[str, list[float]], args: argparse.Namespace) -> None:
    offset = args.join - 1 if scenario == "cold-start" else 0
    cycles = len(per_seed[0])
    print(f"\n### {scenario}: seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}), {args.decisions} decisions per cycle, "
          f"noise {args.noise}, budget {args.budget}\n")
    print("| cycle | " + " | ".join(ARMS) + " |")
    print("|---" * (len(ARMS) + 1) + "|")
    for c in range(cycles):
        print(f"| {c + 1 + offset} | " + " | ".join(spread([rows[c][a] for rows in per_seed]) for a in ARMS) + " |")
    windows: dict[str, dict[str, list[int]]] = {
        "stationary": {"cycles 5-8": list(range(4, cycles))},
        "drift": {f"cycle {args.change + 2} (two after the change)": [args.change + 1],
                  f"cycles {args.change}-{args.cycles} (from the change)": list(range(args.change - 1, cycles)),
                  f"cycles 1-{args.change - 1} (before)": list(range(args.change - 1))},
        "cold-start": {f"cycle {args.join} (first of the new venture)": [0],
                       f"cycles {args.join}-{args.cycles}": list(range(cycles))},
    }[scenario]
    print("\n| window | orgmind share of oracle lift | recall | bandit | orgmind − recall | orgmind − bandit |")
    print("|---|---|---|---|---|---|")
    for name, window in windows.items():
        window = [c for c in window if c < cycles]
        if not window:
            continue
        gaps = {b: [statistics.mean(r[c]["orgmind"] - r[c][b] for c in window) for r in per_seed]
                for b in ("recall", "bandit")}
        print(f"| {name} | {lift_share(per_seed, 'orgmind', window)} | {lift_share(per_seed, 'recall', window)} | "
              f"{lift_share(per_seed, 'bandit', window)} | {paired(gaps['recall'])} | {paired(gaps['bandit'])} |")
    total = sum(len(v) for v in sources.values())
    print("\norgmind agents chose by: " + ", ".join(
        f"{k} {len(v) / total:.0%} (mean {statistics.mean(v):+.3f})" for k, v in sorted(sources.items())), flush=True)


def parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=("stationary", "drift", "cold-start", "all"), default="all")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="e.g. 100-109 or 1,4,7")
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=40, help="decisions per cycle and arm")
    parser.add_argument("--noise", type=float, default=0.3, help="sd of the outcome noise")
    parser.add_argument("--budget", type=int, default=2500, help="brief budget in tokens")
    parser.add_argument("--change", type=int, default=5, help="drift: the first cycle of the changed world")
    parser.add_argument("--join", type=int, default=5, help="cold-start: the new venture's first cycle")
    parser.add_argument("--report", type=Path, help="only report the per-seed JSON lines of earlier runs in this file")
    args = parser.parse_args()
    began = time.perf_counter()
    scenarios = ("stationary", "drift", "cold-start") if args.scenario == "all" else (args.scenario,)
    if args.report:
        done = [json.loads(line) for line in args.report.read_text().splitlines() if line.startswith("{")]
        for scenario in scenarios:
            found = [d for d in done if d["scenario"] == scenario and d["seed"] in args.seeds]
            if found:
                sources: dict[str, list[float]] = defaultdict(list)
                for d in found:
                    for source, values in d["sources"].items():
                        sources[source] += values
                report(scenario, [d["seed"] for d in found], [d["rows"] for d in found], sources, args)
        return
    for scenario in scenarios:
        per_seed: list[list[dict[str, float]]] = []
        sources = defaultdict(list)
        for seed in args.seeds:
            rows, used = run_seed(scenario, seed, args)
            per_seed.append(rows)
            for source, values in used.items():
                sources[source] += values
            print(json.dumps({"scenario": scenario, "seed": seed, "rows": rows, "sources": used}), flush=True)
            print(f"{scenario} seed {seed} done after {time.perf_counter() - began:.0f} s", flush=True)
        report(scenario, args.seeds, per_seed, sources, args)
    print(f"\nwall time {time.perf_counter() - began:.0f} s")

if __name__ == "__main__":
    main()
