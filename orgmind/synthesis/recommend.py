"""Recommendations under uncertainty: per decision kind and context, which option to choose next.

Each option of a kind, and of each context cell of the kind (e.g. ``segment = b2b``), gets a
normal posterior of its mean effect (:mod:`orgmind.synthesis.estimates`) from its own outcomes:
every outcome counts fully until a change point, a cell does not borrow from other cells of its
venture, and borrowed evidence of similar ventures (:mod:`orgmind.synthesis.warmstart`) replaces
the flat prior where there is any. The recommendation is the option with the highest upper
credible bound (mean + ``UCB_Z`` sd): the best estimate ("exploit") unless an option with thinner
evidence could still be better ("explore"). Because several decisions follow one version before
its outcomes arrive, each recommendation also holds a **plan** for the next decisions of its cell
(batch upper bounds: each planned decision counts as one more outcome at the option's current
mean, which narrows its bound), and each wake-up takes the plan's step for its turn
(:func:`line_for_turn`). Thompson draws, seeded by venture, version, cell and ``seed``, give each
option's chance of being best. See docs/synthesis.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from itertools import groupby
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from orgmind.synthesis.estimates import Observation, Posterior, change_point, noise_sd, posterior

RECOMMEND = "*"
"""``InsightKey.option`` of a recommendation (it is about every option of its kind and context)."""
WORTH_TRYING = 2.0
"""Effective evidence (own plus borrowed weight) below which an option is worth trying."""
MAX_LEVELS = 6
"""Context names with 2..MAX_LEVELS distinct values get a recommendation per value."""
UCB_Z = 1.0
"""Standard deviations above the posterior mean at which options are compared (an 84% upper bound)."""
SAMPLES = 4000
"""Thompson draws behind the stated chance that an option is best."""
PLAN_STEPS = 12
"""Decisions of a cell planned ahead per version; later turns keep the last step."""
Condition = tuple[str, str] | None


@dataclass(frozen=True)
class Evidence:
    """One decision with an outcome, reduced to what recommending needs (labels normalised)."""

    decision_id: str
    kind: str
    role: str
    option: str
    label: str
    context: Mapping[str, str]
    listed: tuple[tuple[str, str], ...]
    """(option, label) of every option the decision listed, chosen or not."""
    score: float
    observed_at: datetime


@dataclass(frozen=True)
class Borrowed:
    """Evidence of similar sharing ventures about one kind, context and option."""

    label: str
    mean: float
    weight: float
    """Prior weight in outcomes."""
    ventures: int
    n: int


@dataclass(frozen=True)
class OptionEstimate:
    option: str
    label: str
    posterior: Posterior
    borrowed: Borrowed | None

    @property
    def evidence(self) -> float:
        return self.posterior.weight + (self.borrowed.weight if self.borrowed else 0.0)


@dataclass(frozen=True)
class Recommendation:
    """The recommended option of one kind and context, with every option's estimate."""

    kind: str
    condition: Condition
    role: str | None
    chosen: OptionEstimate
    mode: str
    """``exploit`` (the best estimate) or ``explore`` (too little evidence to rule it out)."""
    chance_best: float
    estimates: tuple[OptionEstimate, ...]
    """Best estimate first."""
    chances: tuple[float, ...]
    """Each estimate's chance of being best, in the order of ``estimates``."""
    plan: tuple[str, ...]
    """Labels of the next decisions of this cell, in turn (the first is ``chosen``)."""
    share: float
    """This cell's share of the decisions of its role (or venture), which maps wake-ups to turns."""
    changed_at: datetime | None
    evidence_ids: tuple[str, ...]

    @property
    def text(self) -> str:
        """The stored line: the first turn's recommendation, estimates, the plan for later turns."""
        stated = [_stated(e, c) for e, c in zip(self.estimates, self.chances, strict=True)]
        chosen = stated[self.estimates.index(self.chosen)]
        parts = [_head(scope(self.kind, self.condition), chosen, stated[0])]
        parts.append("Estimates: " + "; ".join(_described(e, s) for e, s in zip(self.estimates, stated, strict=True))
                     + ".")
        thin = [e.label for e in self.estimates if e.evidence < WORTH_TRYING and e is not self.estimates[0]]
        if thin:
            parts.append("Worth trying (too little evidence): " + ", ".join(f"'{t}'" for t in thin) + ".")
        if self.changed_at is not None:
            parts.append(f"Outcomes shifted after {self.changed_at.date().isoformat()}; "
                         "evidence before that counts less.")
        runs = [(label, len(list(group))) for label, group in groupby(self.plan)]
        steps = ", ".join(f"'{label}'" + (f" x{count}" if count > 1 else "") for label, count in runs)
        parts.append(f"Next decisions here, in turn ({self.share:.0%} of the role's decisions): {steps}.")
        return " ".join(parts)


@dataclass(frozen=True)
class Stated:
    """One option's estimate as a recommendation line states it."""

    label: str
    mean: float
    low: float
    high: float
    n: int
    chance: float


def _stated(estimate: OptionEstimate, chance: float) -> Stated:
    low, high = estimate.posterior.interval()
    return Stated(estimate.label, estimate.posterior.mean, low, high, estimate.posterior.n, chance)


def _head(scope_text: str, chosen: Stated, best: Stated) -> str:
    """``Recommended for <scope>: '<option>' (exploit|explore: why, numbers).``"""
    numbers = f"{chosen.mean:+.2f}, 90% interval {chosen.low:+.2f}..{chosen.high:+.2f}, n={chosen.n}"
    if chosen.label == best.label:
        why = f"exploit: the best estimate so far, {numbers}; chance it is best {chosen.chance:.0%}"
    else:
        why = (f"explore: too little evidence to rule it out, so this decision tries it, {numbers}; "
               f"chance it is best {chosen.chance:.0%}, against '{best.label}' at {best.mean:+.2f}")
    return f"Recommended for {scope_text}: '{chosen.label}' ({why})."


_HEAD = re.compile(r"Recommended for (?P<scope>.+?): '(?P<label>[^']*)' \((?P<why>[^()]*)\)\. ")
_ESTIMATE = re.compile(r"'(?P<label>[^']*)' (?P<mean>[+-]\d+\.\d+) \((?P<low>[+-]\d+\.\d+)\.\.(?P<high>[+-]\d+\.\d+), "
                       r"n=(?P<n>\d+)[^;()]*(?:\([^()]*\)[^;()]*)?; best (?P<chance>\d+)%\)")
_PLAN = re.compile(r" Next decisions here, in turn \((?P<share>\d+)% of the role's decisions\): (?P<steps>.*)\.$")
_STEP = re.compile(r"'(?P<label>[^']*)'(?: x(?P<count>\d+))?")


def line_for_turn(text: str, turn: int) -> str:
    """The brief line of a recommendation for the ``turn``-th wake-up of the role under its version.

    The turn maps to the plan's step ``round(turn * share)`` (the expected number of this cell's
    decisions already made under the version); the line names that step's option, with its
    estimate and whether that is exploit or explore, and leaves the plan out. A text without a
    plan (not a recommendation, or written by an older version) is returned as it is.
    """
    found = _PLAN.search(text)
    if found is None:
        return text
    line = text[:found.start()]
    plan = [m["label"] for m in _STEP.finditer(found["steps"]) for _ in range(int(m["count"] or 1))]
    head = _HEAD.match(line)
    if not plan or head is None:
        return line
    label = plan[min(round(max(turn, 0) * int(found["share"]) / 100), len(plan) - 1)]
    stated = {m["label"]: Stated(m["label"], float(m["mean"]), float(m["low"]), float(m["high"]), int(m["n"]),
                                 int(m["chance"]) / 100)
              for m in _ESTIMATE.finditer(line[head.end():])}
    if label == head["label"] or label not in stated:
        return line
    best = next(iter(stated.values()))
    return _head(head["scope"], stated[label], best) + " " + line[head.end():]


def scope(kind: str, condition: Condition) -> str:
    return f"{kind} decisions" + (f" with {condition[0]} = {condition[1]}" if condition else "")


def recommend(
    evidence: Sequence[Evidence],
    now: datetime,
    *,
    boundaries: Sequence[datetime] = (),
    borrowed: Mapping[tuple[str, Condition, str], Borrowed] | None = None,
    seed: str = "0",
) -> list[Recommendation]:
    """One recommendation per kind and per context value of the kind (and per borrowed cell)."""
    borrowed = borrowed or {}
    sigma = noise_sd(_finest_cells(evidence))
    by_kind: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        by_kind[item.kind].append(item)
    kinds = sorted(set(by_kind) | {kind for kind, _, _ in borrowed})
    found = []
    for kind in kinds:
        items = by_kind.get(kind, [])
        labels = _labels(items, [(o, b.label) for (k, _, o), b in borrowed.items() if k == kind])
        changed = change_point([_observation(e) for e in items], boundaries, sigma)
        roles = {e.role for e in items}
        role = roles.pop() if len(roles) == 1 else None

        def estimate_of(option: str, members: Sequence[Evidence], condition: Condition, kind: str = kind,
                        labels: Mapping[str, str] = labels, changed: datetime | None = changed) -> OptionEstimate:
            lent = borrowed.get((kind, condition, option))
            mean, weight = (lent.mean, lent.weight) if lent else (0.0, 1.0)
            post = posterior([_observation(e) for e in members], now, sigma, prior_mean=mean,
                             prior_weight=weight, change_point=changed, discount=1.0)
            return OptionEstimate(option, labels[option], post, lent)

        cells: list[Condition] = [None, *_conditions(items)]
        cells += sorted({c for k, c, _ in borrowed if k == kind and c is not None} - set(cells))
        peers = sum(1 for e in evidence if role is None or e.role == role)
        for condition in cells:
            members = items if condition is None else [e for e in items if e.context.get(condition[0]) == condition[1]]
            estimates = [estimate_of(o, [e for e in members if e.option == o], condition) for o in labels]
            levels = sum(1 for c in cells if c is not None and condition is not None and c[0] == condition[0])
            share = len(members) / peers if peers else 1 / max(levels, 1)
            found.append(_choose(kind, condition, role, estimates, changed, members, share,
                                 f"{seed}|{kind}|{condition}"))
    return found


def _choose(
    kind: str, condition: Condition, role: str | None, estimates: Sequence[OptionEstimate],
    changed: datetime | None, members: Sequence[Evidence], share: float, seed: str,
) -> Recommendation:
    ranked = sorted(estimates, key=lambda e: (-e.posterior.mean, e.option))
    rng = np.random.default_rng(int(hashlib.sha1(seed.encode()).hexdigest()[:16], 16))
    means = np.array([e.posterior.mean for e in ranked])
    sds = np.array([e.posterior.sd for e in ranked])
    draws = rng.normal(means, sds, size=(SAMPLES, len(ranked)))
    wins = np.bincount(np.argmax(draws, axis=1), minlength=len(ranked)) / SAMPLES
    steps = plan(ranked)
    ordered = sorted(members, key=lambda e: (e.observed_at, e.decision_id))
    return Recommendation(
        kind=kind, condition=condition, role=role, chosen=ranked[steps[0]],
        mode="exploit" if steps[0] == 0 else "explore", chance_best=float(wins[steps[0]]), estimates=tuple(ranked),
        chances=tuple(float(w) for w in wins), plan=tuple(ranked[i].label for i in steps), share=share,
        changed_at=changed, evidence_ids=tuple(e.decision_id for e in ordered),
    )


def plan(ranked: Sequence[OptionEstimate], steps: int = PLAN_STEPS) -> list[int]:
    """Indices into ``ranked`` (best mean first) of the next ``steps`` decisions: batch upper bounds.

    Each step takes the highest upper bound mean + ``UCB_Z`` sd (ties to the better mean), then
    counts as one more outcome of that option at its current mean: its sd shrinks to
    sigma / sqrt(weight + 1), so a thinly tested option gets a few decisions, not all of them,
    before its outcomes are in.
    """
    means = [e.posterior.mean for e in ranked]
    weights = [e.posterior.prior_weight + e.posterior.weight for e in ranked]
    sds = [e.posterior.sd for e in ranked]
    planned = [0] * len(ranked)
    chosen = []
    for _ in range(steps):
        bounds = [m + UCB_Z * sd * math.sqrt(w / (w + k)) if w > 0 else m + UCB_Z * sd
                  for m, sd, w, k in zip(means, sds, weights, planned, strict=True)]
        pick = max(range(len(ranked)), key=lambda i: (bounds[i], -i))
        planned[pick] += 1
        chosen.append(pick)
    return chosen


def _described(estimate: OptionEstimate, stated: Stated) -> str:
    lent = estimate.borrowed
    mostly_lent = lent is not None and lent.weight > estimate.posterior.weight
    source = f", borrowed from {lent.ventures} similar ventures (n={lent.n})" if lent and mostly_lent else ""
    return (f"'{stated.label}' {stated.mean:+.2f} ({stated.low:+.2f}..{stated.high:+.2f}, n={stated.n}{source}; "
            f"best {stated.chance:.0%})")


def _labels(items: Sequence[Evidence], extra: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Display label per option: chosen options, options the decisions listed, borrowed options."""
    spelled: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        spelled[item.option][item.label] += 2
        for option, label in item.listed:
            spelled[option][label] += 1
    for option, label in extra:
        spelled[option][label] += 1
    return {o: min(c, key=lambda s: (-c[s], s)) for o, c in sorted(spelled.items())}


def _conditions(items: Sequence[Evidence]) -> list[tuple[str, str]]:
    values: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for name, value in item.context.items():
            values[name].add(value)
    return [(name, value) for name, vs in sorted(values.items()) if 2 <= len(vs) <= MAX_LEVELS for value in sorted(vs)]


def _finest_cells(evidence: Sequence[Evidence]) -> list[list[float]]:
    cells: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for item in evidence:
        cells[(item.kind, item.option, *sorted(f"{k}={v}" for k, v in item.context.items()))].append(item.score)
    return list(cells.values())


def _observation(item: Evidence) -> Observation:
    cell = (item.option, *sorted(f"{k}={v}" for k, v in item.context.items()))
    return Observation(item.score, item.observed_at, cell)

