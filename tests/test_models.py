"""Record validation: bad input fails naming the field, before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from orgmind.errors import InvalidRecord
from orgmind.models import Decision, Outcome, Venture, derived_edges, parse_record


def decision_data(**changes):
    data = {"venture_id": "v", "role": "cto", "kind": "architecture", "title": "Move to Postgres",
            "made_at": "2026-01-01T10:00:00+02:00"}
    data.update(changes)
    return data


def test_timestamps_are_converted_to_utc() -> None:
    decision = parse_record("decision", decision_data())
    assert decision.made_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert decision.made_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("record_type", "data", "field", "reason"),
    [
        ("decision", decision_data(made_at="2026-01-01T10:00:00"), "made_at", "timezone"),
        ("decision", decision_data(title=""), "title", "at least 1 character"),
        ("decision", decision_data(title="x" * 301), "title", "at most 300"),
        ("decision", decision_data(colour="red"), "colour", "unknown field"),
        ("decision", decision_data(confidence=1.5), "confidence", "less than or equal to 1"),
        ("decision", decision_data(id="has space"), "id", "should match pattern"),
        ("decision", decision_data(role="Chief Technology Officer"), "role", "should match pattern"),
        ("outcome", {"venture_id": "v", "decision_id": "d", "score": 1.01}, "score", "less than or equal to 1"),
        ("outcome", {"venture_id": "v", "decision_id": "d", "score": -2}, "score", "greater than or equal to -1"),
        ("outcome", {"venture_id": "v", "decision_id": "d"}, "score", "Field required"),
        ("venture", {"name": "V", "sharing": "everyone"}, "sharing", "'none', 'patterns' or 'open'"),
        ("gadget", {}, "type", "unknown record type"),
    ],
)
def test_bad_records_name_the_field_and_reason(record_type, data, field, reason) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(record_type, data)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert field in str(caught.value)


def test_ids_are_generated_when_missing_and_kept_when_given() -> None:
    generated = Decision(**decision_data())
    assert generated.id.startswith("dec_") and len(generated.id) > 10
    assert Decision(**decision_data()).id != generated.id
    assert Decision(**decision_data(id="D-1")).id == "D-1"


def test_role_and_kind_are_normalised_to_lowercase() -> None:
    decision = Decision(**decision_data(role="CTO", kind="Architecture"))
    assert (decision.role, decision.kind) == ("cto", "architecture")


def test_records_are_immutable() -> None:
    venture = Venture(id="v", name="V")
    with pytest.raises(ValidationError):
        venture.name = "W"  # type: ignore[misc]


def test_outcome_link_points_from_decision() -> None:
    outcome = Outcome(id="o", venture_id="v", decision_id="d", score=0.0,
                      observed_at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))))
    [edge] = derived_edges(outcome)
    assert (edge.source, edge.type.value, edge.target) == ("d", "LED_TO", "o")
    assert outcome.observed_at.tzinfo == UTC
