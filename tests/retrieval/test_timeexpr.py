"""Periods named in queries, and the soft preference they give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orgmind.graph.keys import micros
from orgmind.retrieval.ranking import Candidate
from orgmind.retrieval.timeexpr import mentioned_periods, prefer_periods

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


def day(year: int, month: int, date: int = 1) -> int:
    return micros(datetime(year, month, date, tzinfo=UTC))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did we ship in May 2023?", [(day(2023, 5), day(2023, 6))]),
        ("the call on 8 May, 2023", [(day(2023, 5, 8), day(2023, 5, 9))]),
        ("the call on March 3rd 2024", [(day(2024, 3, 3), day(2024, 3, 4))]),
        ("churn in Q3 2024", [(day(2024, 7), day(2024, 10))]),
        ("released 2024-02-29", [(day(2024, 2, 29), day(2024, 3, 1))]),
        ("the 2022 offsite", [(day(2022, 1), day(2023, 1))]),
        ("pricing changes last month", [(day(2026, 11), day(2026, 12))]),
        ("what broke yesterday", [(day(2026, 11, 30), day(2026, 12, 1))]),
        ("deals closed last quarter", [(day(2026, 7), day(2026, 10))]),
        ("pricing for the Team plan", []),
        ("the 31 February 2024 incident", [(day(2024, 2), day(2024, 3))]),  # no such day: the month stands
        ("May we raise the price?", []),  # a month without a year names no period
    ],
)
def test_named_periods(query: str, expected: list[tuple[int, int]]) -> None:
    assert mentioned_periods(query, NOW) == expected


def test_candidates_inside_a_named_period_gain_the_weight() -> None:
    candidates = {"in": Candidate("in", relevance=0.5), "out": Candidate("out", relevance=0.9)}
    stamps = {"in": day(2023, 5, 20), "out": day(2023, 7, 1)}
    prefer_periods(candidates, lambda ids: {i: stamps[i] for i in ids}, [(day(2023, 5), day(2023, 6))], 0.5)
    assert candidates["in"].relevance == pytest.approx(1.0) and candidates["out"].relevance == pytest.approx(0.9)
    prefer_periods(candidates, lambda ids: {i: stamps[i] for i in ids}, [], 0.5)
    assert candidates["in"].relevance == pytest.approx(1.0)
