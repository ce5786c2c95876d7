"""The facade checks every argument at its boundary: bad input is an InvalidInput naming the
argument (never a raw TypeError or pydantic error, never a silently wrong answer), and what
crosses between ventures is only what their sharing allows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.errors import IdConflict, InvalidInput, MissingReference
from orgmind.keys import create_key
from orgmind.mind import OrgMind
from orgmind.models import Decision, Insight, Observation, Pattern, Sharing, Venture, WakeUp
from orgmind.service import operations as ops
from orgmind.service.state import ServiceState

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("boundary")


@pytest.fixture(scope="module")
def mind(home: Path) -> Iterator[OrgMind]:
    with OrgMind.open(home=home) as opened:
        opened.record_many([
            Venture(id="open-co", name="Open Co", sharing=Sharing.OPEN),
            Venture(id="pattern-co", name="Pattern Co", sharing=Sharing.PATTERNS),
            Decision(id="d-open", venture_id="open-co", role="ceo", kind="pricing", title="Open pricing",
                     made_at=NOW),
            Decision(id="d-secret", venture_id="pattern-co", role="ceo", kind="pricing",
                     title="Secret pricing plan", made_at=NOW),
            Insight(id="i-open", venture_id="open-co", text="Open insight", kind="hiring"),
            Insight(id="i-secret", venture_id="pattern-co", text="Secret insight", kind="hiring"),
        ])
        opened.store.commit([Pattern(
            id="pat-hiring", text="Across 2 ventures, hiring decisions did well.", kind="hiring", support=4,
            venture_ids=["open-co", "pattern-co"], insight_ids=["i-open", "i-secret"])])
        yield opened


def invalid(call: Any, *args: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value


def test_record_none_is_invalid_input(mind: OrgMind) -> None:
    assert invalid(mind.record, None).field == "obj"
    assert invalid(mind.record_many, None).field == "objs"
    assert invalid(mind.record_many, [42]).field == "objs.0"


def test_surrogates_in_a_query_are_refused(mind: OrgMind) -> None:
    assert invalid(mind.recall, "pricing \ud800", venture="open-co").field == "query"


def test_a_bare_year_is_not_a_date(mind: OrgMind) -> None:
    error = invalid(mind.recall, "pricing", venture="open-co", since="2020")
    assert error.field == "since" and "ISO 8601" in error.reason
    assert invalid(mind.recall, "pricing", venture="open-co", since=2020).field == "since"
    found = mind.recall("pricing", venture="open-co", since="2026-01-01")  # type: ignore[arg-type]
    assert "d-open" in {hit.id for hit in found}
    later = mind.recall("pricing", venture="open-co", since="2026-04-01")  # type: ignore[arg-type]
    assert "d-open" not in {hit.id for hit in later}


def test_a_task_has_a_bounded_length(mind: OrgMind) -> None:
    error = invalid(mind.wake_up, "open-co", "ceo", task="x" * 10_000)
    assert error.field == "task" and "2000" in error.reason


def test_a_string_is_not_a_list_of_kinds(mind: OrgMind) -> None:
    assert invalid(mind.recall, "pricing", venture="open-co", kinds="pricing").field == "kinds"
    assert invalid(mind.stats, "open-co").field == "ventures"


def test_booleans_are_not_numbers(mind: OrgMind) -> None:
    assert invalid(mind.recall, "pricing", venture="open-co", k=True).field == "k"
    assert invalid(mind.wake_up, "open-co", "ceo", budget_tokens=True).field == "budget_tokens"
    assert invalid(mind.record, {"type": "outcome", "venture_id": "open-co", "decision_id": "d-open",
                                 "score": True}).field == "score"


@pytest.mark.parametrize("record", [
    Insight(venture_id="ghost", text="An insight about nothing"),
    WakeUp(venture_id="ghost", role="ceo"),
])
def test_records_of_an_unknown_venture_are_refused(mind: OrgMind, record: Insight | WakeUp) -> None:
    with pytest.raises(MissingReference) as caught:
        mind.record(record)
    assert caught.value.field == "venture_id"


def test_an_id_conflict_does_not_name_the_owning_venture(mind: OrgMind) -> None:
    with pytest.raises(IdConflict) as caught:
        mind.record(Observation(id="i-secret", venture_id="open-co", text="Mine"))
    assert "pattern-co" not in str(caught.value)


def test_patterns_name_no_venture_or_insight_of_a_patterns_venture(mind: OrgMind, home: Path) -> None:
    [pattern] = mind.list_patterns("hiring")
    assert (pattern.venture_ids, pattern.insight_ids, pattern.support) == (["open-co"], ["i-open"], 4)
    [known] = mind.platform_knowledge("hiring").patterns
    assert (known.venture_ids, known.insight_ids) == (["open-co"], ["i-open"])
    for command in (["patterns", "--json"], ["ask", "kind", "hiring", "--json"]):
        result = CliRunner().invoke(app, ["--home", str(home), *command])
        assert result.exit_code == 0, result.output
        assert "i-open" in result.stdout and "i-secret" not in result.stdout
        assert "open-co" in result.stdout and "pattern-co" not in result.stdout


def test_service_stats_and_approvals_show_only_the_keys_ventures(mind: OrgMind) -> None:
    mind.record(Decision(id="d-gated", venture_id="pattern-co", role="ceo", kind="pricing", title="Secret gated"))
    key, _ = create_key(mind.graph, "open-only", ["open-co"], ["read"])
    state = ServiceState()
    state.mind = mind
    shown = json.dumps([row.to_json_dict() for row in ops.stats(state, key)])
    assert "Open pricing" in shown and "Secret" not in shown
    assert all(e.venture_id == "open-co" for e, _ in ops.pending_approvals(state, key))
    assert mind.pending_approvals()  # a local operator still sees every venture
