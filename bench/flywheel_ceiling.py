"""A ceiling for any learner of the flywheel world: full information, the world's own prior, noise and change.

In ``bench/flywheel.py`` each (kind, segment, option) has an expected outcome drawn independently
from round(U(-0.5, 0.5), 2); an outcome is that plus the slot's N(0, 0.3) noise, clipped to
[-1, 1]. The drift world's change (``flywheel.drifted``), in two kinds, moves each segment's best
option's value to a uniformly drawn other option of the segment and that option's value to it.

:class:`Ceiling` knows all of this exactly. After every week it sees the outcome of every option
of every slot of the week: its own choice's outcome, as any learner does, and for every other
option an outcome with noise drawn afresh. In a drift world it is told, from the changed week
on, which kinds changed, and it keeps what the change leaves: its posterior over the values
before the change and the rule by which they were swapped. Since its choices do not change what
it learns, taking the option with the highest posterior expected outcome is Bayes-optimal for
it, decision by decision. A learner that sees only its chosen option's outcome (the slot's own
noise) sees a part of what this one sees, with the same distribution given the truth, so no such
learner, however it explores, earns more in expectation at any decision: the ceiling's expected
share of the oracle's lift bounds every learner's expected share in this world. (Outcomes of
every option with the slot's common noise would tell the ranking of a cell from one decision,
which no learner that sees one option per slot can ever learn; independent noise gives the
tighter bound.) Its figures bound expectations over seeds: on a few seeds a real learner can be
luckier than it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy import stats

NOISE = 0.3
"""Sd of the outcome noise of ``bench/flywheel.py`` (its default ``--noise``)."""
GRID = np.round(np.linspace(-0.5, 0.5, 101), 2)
"""Every value an expected outcome can take: round(U(-0.5, 0.5), 2)."""
PRIOR = np.where(np.abs(GRID) == 0.5, 0.005, 0.01)
"""Probability of each value (the two ends are half as likely after rounding)."""


def expected_outcome(noise: float = NOISE) -> np.ndarray:
    """E[clip(v + N(0, noise²), -1, 1)] for each value v of ``GRID``: what a decision earns on average."""
    low, high = (-1.0 - GRID) / noise, (1.0 - GRID) / noise
    inside = stats.norm.cdf(high) - stats.norm.cdf(low)
    return np.asarray(-stats.norm.cdf(low) + stats.norm.sf(high) + GRID * inside
                      + noise * (stats.norm.pdf(low) - stats.norm.pdf(high)))


def log_likelihood(score: float, noise: float = NOISE) -> np.ndarray:
    """Log-likelihood of one outcome (clipped, rounded to 0.001) for each value of ``GRID``."""
    if score >= 1.0:
        return np.asarray(stats.norm.logsf((0.9995 - GRID) / noise))
    if score <= -1.0:
        return np.asarray(stats.norm.logcdf((-0.9995 - GRID) / noise))
    return np.asarray(stats.norm.logpdf((score - GRID) / noise))


VALUE = expected_outcome()
Cell = tuple[str, str]


class Ceiling:
    """The flywheel world's exact Bayesian learner; fed every option's outcomes it is the ceiling.

    Fed only its own choices' outcomes it is a reference a real learner cannot match either, being
    told the change, the prior and the noise.
    """

    def __init__(self, options: Mapping[str, Sequence[str]]) -> None:
        self.options = options
        self.before: dict[tuple[str, str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(GRID)))
        self.after: dict[tuple[str, str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(GRID)))
        self.changed: frozenset[str] = frozenset()
        self.known: dict[Cell, tuple[np.ndarray, np.ndarray]] = {}
        self.planned: dict[Cell, np.ndarray] = {}

    def tell_change(self, kinds: Iterable[str]) -> None:
        """The world changed now in ``kinds`` (each segment's best option swapped with another)."""
        self.changed = frozenset(kinds)
        self.known.clear()

    def choose(self, kind: str, segment: str, z: float = 0.0) -> str:
        """The option with the highest posterior expected outcome (ties to the first listed).

        With ``z`` > 0, the highest batch upper bound instead: mean + ``z`` sd, where each earlier
        choice of the option in the cell since the last update counts as one more outcome at its mean.
        """
        cell = (kind, segment)
        if cell not in self.known:
            mean = self.expected(kind, segment)
            self.known[cell] = mean, np.sqrt(np.maximum(self.expected(kind, segment, VALUE**2) - mean**2, 1e-12))
            self.planned[cell] = np.zeros(len(mean))
        mean, sd = self.known[cell]
        weight = (NOISE / sd) ** 2
        pick = int(np.argmax(mean + z * sd * np.sqrt(weight / (weight + self.planned[cell]))))
        self.planned[cell][pick] += 1
        return self.options[kind][pick]

    def update(self, seen: Iterable[tuple[str, str, Mapping[str, float]]]) -> None:
        """Add a week's outcomes: (kind, segment, outcome of every option) per slot."""
        for kind, segment, scores in seen:
            into = self.after if kind in self.changed else self.before
            for option, score in scores.items():
                into[(kind, segment, option)] += log_likelihood(score)
        self.known.clear()

    def expected(self, kind: str, segment: str, value: np.ndarray = VALUE) -> np.ndarray:
        """Posterior expectation of ``value`` (per grid value; the expected outcome) of each option of the cell."""
        before = np.array([_scaled(self.before[(kind, segment, o)]) * PRIOR for o in self.options[kind]])
        if kind not in self.changed:
            return np.asarray(before @ value / before.sum(axis=1))
        return swapped_expectation(before, np.array([_scaled(self.after[(kind, segment, o)])
                                                     for o in self.options[kind]]), value)


def swapped_expectation(before: np.ndarray, after: np.ndarray, value: np.ndarray = VALUE) -> np.ndarray:
    """Posterior expectation of ``value`` of each option after the swap, summed exactly over the past values.

    ``before[o]`` is (proportional to) the posterior of option o's value before the change, ``after[o]``
    the likelihood of its value from the outcomes since. The change took b, the first option with the
    largest value m, and a uniformly drawn j != b: now j has m and b has j's old value; the others keep
    theirs. For each (b, j, m) the sum over the other values factorises into one sum per option over the
    values allowed by b being the first best (below m before b in order, up to m after it).
    """
    k = len(before)
    total = 0.0
    gained = np.zeros(k)
    for b in range(k):
        for j in range(k):
            if j == b:
                continue
            weight = before[b] * after[j] / (k - 1)  # over m: b had m, j has it now
            sums: dict[int, np.ndarray] = {}
            valued: dict[int, np.ndarray] = {}
            for o in range(k):
                if o == b:
                    continue
                w = before[j] * after[b] if o == j else before[o] * after[o]  # o == j: b now has j's old value
                sums[o], valued[o] = _up_to(w, strict=o < b), _up_to(w * value, strict=o < b)
            product = weight * np.prod([sums[o] for o in sums], axis=0)
            total += float(product.sum())
            gained[j] += float((product * value).sum())
            for o in sums:
                rest = weight * valued[o] * np.prod([sums[p] for p in sums if p != o], axis=0)
                gained[b if o == j else o] += float(rest.sum())
    return gained / total


def _up_to(weights: np.ndarray, strict: bool) -> np.ndarray:
    """For each grid index m: the sum of ``weights`` below m (``strict``) or up to and including m."""
    running = np.cumsum(weights)
    return np.concatenate([[0.0], running[:-1]]) if strict else running


def _scaled(log_weights: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(log_weights - log_weights.max()))
