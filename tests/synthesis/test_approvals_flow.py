"""The gate lifecycle through the facade and the CLI: record, list, approve or reject, brief."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.errors import InvalidRecord, PolicyError
from orgmind.mind import OrgMind
from orgmind.models import Decision, DecisionStatus, Escalation, Venture


def test_gated_decision_waits_for_a_person_and_shows_in_the_brief(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record(Venture(id="v", name="V"))
        stored = mind.record_many([
            Decision(id="price-up", venture_id="v", role="ceo", kind="pricing", title="Raise Team plan to $69"),
            Decision(id="blog", venture_id="v", role="cmo", kind="campaign", title="Publish a launch blog post"),
        ])
        assert [(n.id, n.status.value) for n in stored] == [
            ("price-up", "pending_approval"), ("esc-price-up", "pending"), ("blog", "executed")]
        assert isinstance(stored[1], Escalation) and stored[1].gate == "pricing_change"
        brief = mind.wake_up("v", "ceo")
        assert ("esc-price-up", "price-up") in [line.cites for line in brief.section("open_items").lines]
        with pytest.raises(InvalidRecord) as caught:
            mind.record(mind.graph.get("price-up").model_copy(update={"status": DecisionStatus.EXECUTED}))
        assert caught.value.field == "status"

    runner = CliRunner()
    listed = runner.invoke(app, ["--home", str(tmp_path), "approvals", "list"])
    assert listed.exit_code == 0 and "esc-price-up" in listed.output and "pricing_change" in listed.output
    approved = runner.invoke(app, ["--home", str(tmp_path), "approvals", "approve", "esc-price-up",
                                   "--by", "ada", "--note", "margin analysis supports it"])
    assert approved.exit_code == 0, approved.output
    assert "approved by ada" in approved.output and "now approved" in approved.output
    again = runner.invoke(app, ["--home", str(tmp_path), "approvals", "reject", "esc-price-up", "--by", "bob"])
    assert again.exit_code != 0

    with OrgMind.open(home=tmp_path) as mind:
        escalation = mind.graph.get("esc-price-up")
        assert (escalation.resolver, escalation.note) == ("ada", "margin analysis supports it")
        executed = mind.record(mind.graph.get("price-up").model_copy(update={"status": DecisionStatus.EXECUTED}))
        assert executed.status == DecisionStatus.EXECUTED
        assert mind.pending_approvals() == []


def test_bad_policy_file_fails_at_open_naming_file_line_and_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[[gates]]\nname = "big-spend"\ndescription = "large spend"\nkinds = ["spend"]\namount_above = -5\n')
    with pytest.raises(PolicyError) as caught:
        OrgMind.open(home=tmp_path / "home", policy_file=policy)
    assert caught.value.file.endswith("policy.toml") and caught.value.line == 5
    assert caught.value.key == "gates[0].amount_above"
