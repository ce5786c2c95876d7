"""Recommendations under uncertainty: per decision kind and context, which option to choose next.

Each option of a kind, and of each context cell of the kind (e.g. ``segment = b2b``), gets a
normal posterior of its mean effect (:mod:`orgmind.synthesis.estimates`) from its own outcomes:
every outcome counts fully until a change point, a cell does not borrow from other cells of its
venture, and borrowed evidence of similar ventures (:mod:`orgmind.synthesis.warmstart`) replaces
the flat prior where there is any. The recommendation is the option with the highest upper
credible bound (mean + ``UCB_Z`` sd): the best estimate ("exploit") unless an option with thinner
evidence could still be better ("explore"). Thompson draws, seeded by venture, version, cell and
``seed``, give each option's chance of being best. See docs/synthesis.md.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
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
    changed_at: datetime | None
    evidence_ids: tuple[str, ...]

    @property
    def text(self) -> str:
        best = self.estimates[0]
        post = self.chosen.posterior
        low, high = post.interval()
        numbers = f"{post.mean:+.2f}, 90% interval {low:+.2f}..{high:+.2f}, n={post.n}"
        if self.mode == "exploit":
            why = f"exploit: the best estimate so far, {numbers}; chance it is best {self.chance_best:.0%}"
        else:
            why = (f"explore: too little evidence to rule it out, {numbers}; chance it is best "
                   f"{self.chance_best:.0%}, against '{best.label}' at {best.posterior.mean:+.2f}")
        parts = [f"Recommended for {scope(self.kind, self.condition)}: '{self.chosen.label}' ({why})."]
        parts.append("Estimates: " + "; ".join(_described(e) for e in self.estimates) + ".")
        thin = [e.label for e in self.estimates if e.evidence < WORTH_TRYING and e is not best]
        if thin:
            parts.append("Worth trying (too little evidence): " + ", ".join(f"'{t}'" for t in thin) + ".")
        if self.changed_at is not None:
            parts.append(f"Outcomes shifted after {self.changed_at.date().isoformat()}; "
                         "evidence before that counts less.")
        return " ".join(parts)


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
        for condition in cells:
            members = items if condition is None else [e for e in items if e.context.get(condition[0]) == condition[1]]
            estimates = [estimate_of(o, [e for e in members if e.option == o], condition) for o in labels]
            found.append(_choose(kind, condition, role, estimates, changed, members, f"{seed}|{kind}|{condition}"))
    return found


def _choose(
    kind: str, condition: Condition, role: str | None, estimates: Sequence[OptionEstimate],
    changed: datetime | None, members: Sequence[Evidence], seed: str,
) -> Recommendation:
    ranked = sorted(estimates, key=lambda e: (-e.posterior.mean, e.option))
    rng = np.random.default_rng(int(hashlib.sha1(seed.encode()).hexdigest()[:16], 16))
    means = np.array([e.posterior.mean for e in ranked])
    sds = np.array([e.posterior.sd for e in ranked])
    draws = rng.normal(means, sds, size=(SAMPLES, len(ranked)))
    wins = np.bincount(np.argmax(draws, axis=1), minlength=len(ranked)) / SAMPLES
    pick = int(np.argmax(means + UCB_Z * sds))
    ordered = sorted(members, key=lambda e: (e.observed_at, e.decision_id))
    return Recommendation(
        kind=kind, condition=condition, role=role, chosen=ranked[pick], mode="exploit" if pick == 0 else "explore",
        chance_best=float(wins[pick]), estimates=tuple(ranked), changed_at=changed,
        evidence_ids=tuple(e.decision_id for e in ordered),
    )


def _described(estimate: OptionEstimate) -> str:
    post = estimate.posterior
    low, high = post.interval()
    lent = estimate.borrowed
    mostly_lent = lent is not None and lent.weight > post.weight
    source = f", borrowed from {lent.ventures} similar ventures (n={lent.n})" if lent and mostly_lent else ""
    return f"'{estimate.label}' {post.mean:+.2f} ({low:+.2f}..{high:+.2f}, n={post.n}{source})"


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

