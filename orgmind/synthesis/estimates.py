"""Effect estimates: a normal posterior per option, noise, change points.

An outcome observed ``age`` weeks before synthesis weighs ``discount ** age`` (1 for
recommendations, which forget only at change points; ``DISCOUNT`` for recency-weighted
summaries such as contradiction checks and borrowed evidence); a prior
(mean, weight in outcomes) stands in for evidence not yet seen. With outcome noise ``sigma``
the posterior of an option's mean effect is normal with mean ``(k0*m0 + sum w*y) / (k0 + W)``
and sd ``sigma / sqrt(k0 + W)``. A change point is a version boundary after which a kind's
outcomes sit far (``CHANGE_Z`` standard errors) from what the evidence before it predicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scipy import stats

DISCOUNT = 0.8
"""Weight per week of age of an outcome in recency-weighted summaries (half-weight after about three weeks)."""
DEFAULT_SIGMA = 0.5
"""Outcome noise assumed until there are enough repeated outcomes to estimate it."""
MIN_SIGMA = 0.05
CHANGE_Z = 2.75
"""Standardised shift of a kind's outcomes after a boundary that marks a change point."""
CHANGE_LOOKBACK = 4
"""Latest boundaries (brain versions' creation times) tested for a change point at each version."""
CHANGE_HISTORY = 12
"""Latest boundaries over which the change-point detector is replayed."""
STALE_WEIGHT = 0.1
"""Extra weight factor of outcomes before a kind's latest change point."""
CREDIBLE = 0.9
"""Mass of the stated intervals."""
WEEK_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Observation:
    """One outcome score, when it was observed, and the cell it belongs to."""

    score: float
    observed_at: datetime
    cell: tuple[str, ...] = ()


@dataclass(frozen=True)
class Posterior:
    """Normal posterior of an option's mean effect."""

    mean: float
    sd: float
    n: int
    """Own outcomes behind it (unweighted)."""
    weight: float
    """Effective own evidence: the sum of the outcomes' weights."""
    prior_weight: float

    def interval(self, mass: float = CREDIBLE) -> tuple[float, float]:
        half = float(stats.norm.ppf((1 + mass) / 2)) * self.sd
        return self.mean - half, self.mean + half


def weight(observed_at: datetime, now: datetime, change_point: datetime | None = None,
           discount: float = DISCOUNT) -> float:
    """Weight of an outcome: ``discount`` per week of age, times ``STALE_WEIGHT`` before a change point."""
    age = max(0.0, (now - observed_at).total_seconds() / WEEK_SECONDS)
    stale = STALE_WEIGHT if change_point is not None and observed_at < change_point else 1.0
    return float(discount**age) * stale


def posterior(
    observations: Sequence[Observation], now: datetime, sigma: float, *,
    prior_mean: float = 0.0, prior_weight: float = 1.0, change_point: datetime | None = None,
    discount: float = DISCOUNT,
) -> Posterior:
    """The (recency-weighted, with ``discount`` < 1) normal posterior of the mean of ``observations``."""
    weights = [weight(o.observed_at, now, change_point, discount) for o in observations]
    total = math.fsum(weights)
    mean = (prior_weight * prior_mean + math.fsum(w * o.score for w, o in zip(weights, observations, strict=True)))
    mean /= max(prior_weight + total, 1e-9)
    sd = sigma / math.sqrt(max(prior_weight + total, 1e-9))
    return Posterior(mean, sd, len(observations), total, prior_weight)


def noise_sd(cells: Sequence[Sequence[float]]) -> float:
    """Pooled within-cell standard deviation of outcome scores (``DEFAULT_SIGMA`` below 5 df)."""
    squares, df = 0.0, 0
    for scores in cells:
        if len(scores) >= 2:
            mean = math.fsum(scores) / len(scores)
            squares += math.fsum((s - mean) ** 2 for s in scores)
            df += len(scores) - 1
    return max(MIN_SIGMA, math.sqrt(squares / df)) if df >= 5 else DEFAULT_SIGMA


def change_point(observations: Sequence[Observation], boundaries: Sequence[datetime], sigma: float) -> datetime | None:
    """The latest change point an online detector would have marked, replayed version by version.

    The boundaries (brain versions' creation times) are visited in order, and once more at the
    end with every outcome: at each, the outcomes seen so far since the last change point are
    tested for a shift after each of the ``CHANGE_LOOKBACK`` latest boundaries since that change
    point (:func:`shift`); the boundary with the largest shift, if it reaches ``CHANGE_Z``,
    becomes the change point. A change once marked stays marked, so the evidence after it is
    not blended back with the evidence before it when the newer outcomes disagree among
    themselves (one option worse, another better).
    """
    ordered = sorted(set(boundaries))[-CHANGE_HISTORY:]
    found: datetime | None = None
    for checkpoint in [*ordered[1:], None]:
        seen = [o for o in observations if (checkpoint is None or o.observed_at < checkpoint)
                and (found is None or o.observed_at >= found)]
        candidates = [b for b in ordered if (found is None or b > found) and (checkpoint is None or b < checkpoint)]
        shifts = {b: shift(seen, b, sigma) for b in candidates[-CHANGE_LOOKBACK:]}
        best = max(shifts, key=lambda b: (shifts[b], b), default=None)
        if best is not None and shifts[best] >= CHANGE_Z:
            found = best
    return found


def shift(observations: Sequence[Observation], boundary: datetime, sigma: float) -> float:
    """Standardised shift of the outcomes after ``boundary`` from what their cells' outcomes before it predict.

    Every outcome after the boundary is compared with the mean of its cell before it (cells with
    at least two outcomes before); the absolute standardised sum of those residuals pools the
    evidence of a whole kind across its cells.
    """
    before: dict[tuple[str, ...], list[float]] = {}
    after: dict[tuple[str, ...], list[float]] = {}
    for o in observations:
        (before if o.observed_at < boundary else after).setdefault(o.cell, []).append(o.score)
    residual, variance = 0.0, 0.0
    for cell, fresh in after.items():
        old = before.get(cell, [])
        if len(old) >= 2:
            residual += math.fsum(fresh) - len(fresh) * math.fsum(old) / len(old)
            variance += sigma**2 * (len(fresh) + len(fresh) ** 2 / len(old))
    return abs(residual) / math.sqrt(variance) if variance > 0 else 0.0
