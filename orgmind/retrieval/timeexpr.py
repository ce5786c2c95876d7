"""Periods a query names ("in March 2024", "2023", "last month", "yesterday"), as soft preferences.

Recall does not filter on them (the words may describe the answer rather than when it was
written); a candidate written inside a named period gains ``time_weight`` relevance instead.
Relative periods are taken from ``now``; a month or day without a year is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from orgmind.graph.keys import micros
from orgmind.retrieval.ranking import Candidate

__all__ = ["Period", "mentioned_periods", "prefer_periods"]

Period = tuple[int, int]
"""[start, end) in UTC microseconds."""

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+({_YEAR})\b")
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({_YEAR})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?,?\s+({_YEAR})\b")
_QUARTER_YEAR = re.compile(rf"\bq([1-4])\s+({_YEAR})\b")
_ISO_DATE = re.compile(rf"\b({_YEAR})-(\d\d)-(\d\d)\b")
_YEAR_ALONE = re.compile(rf"\b({_YEAR})\b")
_RELATIVE = re.compile(r"\b(today|yesterday|(?:this|last|past) (?:week|month|quarter|year))\b")


def mentioned_periods(query: str, now: datetime) -> list[Period]:
    """The periods ``query`` names, most specific first; empty if it names none."""
    text = query.lower()
    periods: list[tuple[datetime, datetime]] = []
    covered: list[tuple[int, int]] = []

    def take(match: re.Match[str], start: datetime, end: datetime) -> None:
        if not any(a <= match.start() < b for a, b in covered):
            covered.append(match.span())
            periods.append((start, end))

    for m in _DAY_MONTH_YEAR.finditer(text):
        _day(take, m, int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    for m in _MONTH_DAY_YEAR.finditer(text):
        _day(take, m, int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    for m in _ISO_DATE.finditer(text):
        _day(take, m, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _MONTH_YEAR.finditer(text):
        start = datetime(int(m.group(2)), _MONTHS[m.group(1)], 1, tzinfo=UTC)
        take(m, start, _add_months(start, 1))
    for m in _QUARTER_YEAR.finditer(text):
        start = datetime(int(m.group(2)), 3 * int(m.group(1)) - 2, 1, tzinfo=UTC)
        take(m, start, _add_months(start, 3))
    for m in _YEAR_ALONE.finditer(text):
        take(m, datetime(int(m.group(1)), 1, 1, tzinfo=UTC), datetime(int(m.group(1)) + 1, 1, 1, tzinfo=UTC))
    for m in _RELATIVE.finditer(text):
        take(m, *_relative(m.group(1), now.astimezone(UTC)))
    return [(micros(start), micros(end)) for start, end in periods]


def prefer_periods(
    candidates: Mapping[str, Candidate],
    timestamps_of: Callable[[Iterable[str]], dict[str, int]],
    periods: Sequence[Period],
    weight: float,
) -> None:
    """Add ``weight`` to the relevance of each candidate written inside one of ``periods``."""
    if weight <= 0 or not periods or not candidates:
        return
    for node_id, ts in timestamps_of(list(candidates)).items():
        if any(start <= ts < end for start, end in periods):
            candidates[node_id].relevance += weight


def _day(take: Callable[[re.Match[str], datetime, datetime], None], match: re.Match[str],
         year: int, month: int, day: int) -> None:
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:  # "31 February 2024" names no day
        return
    take(match, start, start + timedelta(days=1))


def _add_months(start: datetime, months: int) -> datetime:
    index = start.month - 1 + months
    return start.replace(year=start.year + index // 12, month=index % 12 + 1)


def _relative(phrase: str, now: datetime) -> tuple[datetime, datetime]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    quarter = month.replace(month=3 * ((month.month - 1) // 3) + 1)
    year = month.replace(month=1)
    week = today - timedelta(days=today.weekday())
    spans = {
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
        "this week": (week, week + timedelta(days=7)),
        "last week": (week - timedelta(days=7), week),
        "past week": (now - timedelta(days=7), now),
        "this month": (month, _add_months(month, 1)),
        "last month": (_add_months(month, -1), month),
        "past month": (now - timedelta(days=30), now),
        "this quarter": (quarter, _add_months(quarter, 3)),
        "last quarter": (_add_months(quarter, -3), quarter),
        "past quarter": (now - timedelta(days=91), now),
        "this year": (year, _add_months(year, 12)),
        "last year": (_add_months(year, -12), year),
        "past year": (now - timedelta(days=365), now),
    }
    return spans[phrase]
