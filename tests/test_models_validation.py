"""The record models refuse, with InvalidRecord naming the field path, what no store can keep:
non-finite numbers, integers past 64 bits, booleans where numbers are meant, lone surrogates
and dates that cannot be expressed in UTC."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from orgmind.errors import InvalidRecord
from orgmind.models import Decision, Outcome, parse_record

DECISION = {"id": "d1", "venture_id": "v1", "role": "cto", "kind": "spend", "title": "Buy servers"}
OUTCOME = {"id": "o1", "venture_id": "v1", "decision_id": "d1", "score": 0.5}


def rejected(record_type: str, data: dict[str, Any]) -> InvalidRecord:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(record_type, data)
    return caught.value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_context_value_is_rejected_naming_its_path(value: float) -> None:
    error = rejected("decision", {**DECISION, "context": {"amount": value}})
    assert str(error).startswith("Decision.context.amount: ")
    assert "finite" in error.reason


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_metric_is_rejected_naming_its_path(value: float) -> None:
    error = rejected("outcome", {**OUTCOME, "metrics": {"revenue": value}})
    assert str(error).startswith("Outcome.metrics.revenue: ")


@pytest.mark.parametrize(("field", "value"), [("score", math.nan), ("confidence", math.inf)])
def test_non_finite_top_level_numbers_are_rejected(field: str, value: float) -> None:
    data = {**OUTCOME, field: value} if field == "score" else {**DECISION, field: value}
    error = rejected("outcome" if field == "score" else "decision", data)
    assert error.field == field


def test_a_model_built_in_python_refuses_them_too() -> None:
    with pytest.raises(ValidationError) as caught:  # pydantic's error: orgmind has not been called yet
        Decision(**DECISION, context={"amount": math.nan})
    assert caught.value.errors()[0]["loc"] == ("context", "amount")


def test_booleans_are_not_scores() -> None:
    assert rejected("outcome", {**OUTCOME, "score": True}).field == "score"
    assert rejected("decision", {**DECISION, "confidence": False}).field == "confidence"


def test_integers_past_64_bits_are_rejected() -> None:
    assert rejected("decision", {**DECISION, "context": {"n": 10**30}}).field == "context.n"


def test_lone_surrogates_are_rejected() -> None:
    assert rejected("decision", {**DECISION, "title": "bad \ud800 title"}).field == "title"
    assert rejected("decision", {**DECISION, "context": {"note": "\udc80"}}).field == "context.note"


def test_dates_outside_utc_range_are_rejected_not_raised_raw() -> None:
    error = rejected("decision", {**DECISION, "made_at": "0001-01-01T00:00:00+05:00"})
    assert error.field == "made_at"


def test_finite_values_still_round_trip() -> None:
    decision = parse_record("decision", {**DECISION, "context": {"amount": 1.5e300, "n": -(2**63), "ok": True}})
    assert isinstance(decision, Decision)
    assert Decision.model_validate_json(decision.model_dump_json()) == decision
    outcome = parse_record("outcome", {**OUTCOME, "score": 1})
    assert isinstance(outcome, Outcome) and outcome.score == 1.0
