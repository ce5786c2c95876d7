"""Effect statistics of outcome scores: t-interval estimates and Welch's test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """Mean of outcome scores with a two-sided t-interval and a one-sample t-test against 0.

    ``low``, ``high`` and ``p_value`` are None below two scores.
    """

    n: int
    mean: float
    low: float | None
    high: float | None
    p_value: float | None
    success_rate: float

    @property
    def sign(self) -> int:
        """+1 or -1 when the interval excludes 0, else 0."""
        if self.low is not None and self.low > 0:
            return 1
        if self.high is not None and self.high < 0:
            return -1
        return 0


def estimate(scores: Sequence[float]) -> Estimate:
    """The t-based estimate of the mean of ``scores`` (at least one)."""
    n = len(scores)
    mean = math.fsum(scores) / n
    success = sum(1 for s in scores if s > 0) / n
    if n < 2:
        return Estimate(n, mean, None, None, None, success)
    from scipy import stats  # imported on first use: the result types stay light for the client

    sd = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / (n - 1))
    half = float(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1)) * sd / math.sqrt(n)
    if sd == 0:
        p = 1.0 if mean == 0 else 0.0
    else:
        p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return Estimate(n, mean, mean - half, mean + half, p, success)


class Change(BaseModel):
    """Difference in mean score against the previous period, with Welch's t-test."""

    delta: float
    t: float | None
    p_value: float | None
    significant: bool


def welch(before: Sequence[float], after: Sequence[float]) -> Change | None:
    """Welch's t-test of ``after`` against ``before``; None when either side is empty."""
    if not before or not after:
        return None
    delta = math.fsum(after) / len(after) - math.fsum(before) / len(before)
    if len(before) < 2 or len(after) < 2:
        return Change(delta=delta, t=None, p_value=None, significant=False)
    from scipy import stats

    result = stats.ttest_ind(after, before, equal_var=False)
    t, p = float(result.statistic), float(result.pvalue)
    if math.isnan(p):
        return Change(delta=delta, t=None, p_value=None, significant=False)
    return Change(delta=delta, t=t, p_value=p, significant=p < 1 - CONFIDENCE)
