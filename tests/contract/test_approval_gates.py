"""Approval gates cannot be bypassed, on every backend: not by recording, importing or editing a
decision, not by rewriting an escalation, and not by racing two resolutions.

The facade runs over the graph alone (no search indexes): gating is a graph-level guarantee.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgmind.approvals.gates import default_policy
from orgmind.approvals.lifecycle import gate_each
from orgmind.config import Settings
from orgmind.core.store import Store
from orgmind.errors import Conflict, InvalidRecord
from orgmind.graph.base import GraphStore
from orgmind.mind import OrgMind
from orgmind.models import Decision, DecisionStatus, Escalation, EscalationStatus, Node, Venture, import_line

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def mind(store: GraphStore, tmp_path: Path) -> Iterator[OrgMind]:
    opened = OrgMind(Settings(home=tmp_path), Store(store), default_policy())
    opened.record_many([Venture(id="v1", name="One"), Venture(id="v2", name="Two")])
    yield opened


def decision(kind: str, id: str = "d1", **fields: Any) -> Decision:
    return Decision(id=id, venture_id="v1", role="ceo", kind=kind, title=f"a {kind} decision", made_at=NOW, **fields)


def stored(mind: OrgMind, node_id: str) -> Any:
    node = mind.graph.get(node_id)
    assert node is not None, node_id
    return node


def escalations_of(mind: OrgMind, decision_id: str) -> list[Escalation]:
    found = [n for n in mind.graph.scan("v1") if isinstance(n, Escalation) and n.decision_id == decision_id]
    return sorted(found, key=lambda e: e.id)


def import_lines(mind: OrgMind, tmp_path: Path, *records: Node) -> list[int]:
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(import_line(r)) + "\n" for r in records), encoding="utf-8")
    return [r.line for r in mind.import_jsonl(path).rejected]


@pytest.mark.parametrize("status", [DecisionStatus.APPROVED, DecisionStatus.EXECUTED])
def test_a_new_gated_decision_cannot_be_recorded_past_its_gate(mind: OrgMind, status: DecisionStatus) -> None:
    written = mind.record_many([decision("pricing", status=status)])
    assert stored(mind, "d1").status == DecisionStatus.PENDING_APPROVAL
    assert [(n.id, n.status.value) for n in written] == [("d1", "pending_approval"), ("esc-d1", "pending")]


def test_rejected_is_set_only_by_a_persons_rejection(mind: OrgMind) -> None:
    with pytest.raises(InvalidRecord) as caught:
        mind.record(decision("pricing", status=DecisionStatus.REJECTED))
    assert caught.value.field == "status"
    assert mind.graph.get("d1") is None


def test_import_cannot_bring_in_a_gated_decision_as_approved(mind: OrgMind, tmp_path: Path) -> None:
    import_lines(mind, tmp_path, decision("pricing", status=DecisionStatus.APPROVED),
                 decision("spend", id="d2", context={"amount": 90_000}))
    assert stored(mind, "d1").status == DecisionStatus.PENDING_APPROVAL
    assert stored(mind, "d2").status == DecisionStatus.PENDING_APPROVAL
    assert [e.status for e in escalations_of(mind, "d1")] == [EscalationStatus.PENDING]


def test_import_keeps_history_with_its_approval(mind: OrgMind, tmp_path: Path) -> None:
    approval = Escalation(id="esc-old", venture_id="v1", decision_id="d1", gate="pricing_change", requested_at=NOW,
                          status=EscalationStatus.APPROVED, resolver="ada", resolved_at=NOW)
    assert import_lines(mind, tmp_path, decision("pricing"), approval) == []
    assert stored(mind, "d1").status == DecisionStatus.EXECUTED
    assert stored(mind, "esc-old") == approval


def test_import_cannot_rewrite_a_resolution(mind: OrgMind, tmp_path: Path) -> None:
    _, escalation = mind.record_many([decision("pricing")])
    mind.reject(escalation.id, by="grace", note="too risky")
    rejected = stored(mind, escalation.id)
    forged = rejected.model_copy(update={"status": EscalationStatus.APPROVED, "resolver": "mallory"})
    lines = import_lines(mind, tmp_path, forged, decision("pricing", status=DecisionStatus.EXECUTED))
    assert lines == [1, 2]
    assert stored(mind, escalation.id) == rejected
    assert stored(mind, "d1").status == DecisionStatus.REJECTED
    with pytest.raises(InvalidRecord):
        mind.record(forged)
    assert stored(mind, escalation.id) == rejected


def test_an_escalation_cannot_be_pointed_at_another_decision(mind: OrgMind, tmp_path: Path) -> None:
    mind.record(decision("architecture", id="other"))
    _, escalation = mind.record_many([decision("pricing")])
    mind.approve(escalation.id, by="ada")
    moved = stored(mind, escalation.id).model_copy(update={"decision_id": "other"})
    with pytest.raises(InvalidRecord):
        mind.record(moved)
    assert import_lines(mind, tmp_path, moved) == [1]
    assert stored(mind, escalation.id).decision_id == "d1"
    with pytest.raises(InvalidRecord):  # nor can a pending one be re-recorded as resolved
        mind.record(Escalation(id="esc-x", venture_id="v1", decision_id="other", gate="pricing_change",
                               status=EscalationStatus.APPROVED, resolver="agent", resolved_at=NOW))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"kind": "spend", "context": {"amount": 5_000}}, {"kind": "spend", "context": {"amount": 5_000_000}}),
        ({"kind": "architecture"}, {"kind": "pricing"}),
    ],
    ids=["amount-5k-to-5M", "architecture-to-pricing"],
)
def test_an_edit_that_matters_to_a_gate_is_gated_again(
    mind: OrgMind, before: dict[str, Any], after: dict[str, Any]
) -> None:
    original = Decision(id="d1", venture_id="v1", role="ceo", title="a decision", made_at=NOW, **before)
    mind.record(original)
    assert stored(mind, "d1").status == DecisionStatus.EXECUTED
    mind.record(original.model_copy(update=after))
    assert stored(mind, "d1").status == DecisionStatus.PENDING_APPROVAL
    assert [e.status for e in escalations_of(mind, "d1")] == [EscalationStatus.PENDING]


def test_an_approval_does_not_cover_a_larger_spend(mind: OrgMind, tmp_path: Path) -> None:
    spend = decision("spend", context={"amount": 20_000})
    _, first = mind.record_many([spend])
    mind.approve(first.id, by="ada")
    huge = spend.model_copy(update={"context": {"amount": 9_000_000}, "status": DecisionStatus.EXECUTED})
    mind.record(huge)
    assert stored(mind, "d1").status == DecisionStatus.PENDING_APPROVAL
    first_after, second = escalations_of(mind, "d1")
    assert (first_after.status, second.status) == (EscalationStatus.APPROVED, EscalationStatus.PENDING)
    with pytest.raises(InvalidRecord):  # and no write path executes it before a person approves
        mind.record(huge)
    assert import_lines(mind, tmp_path, huge) == []  # history: it keeps waiting
    assert stored(mind, "d1").status == DecisionStatus.PENDING_APPROVAL
    mind.approve(second.id, by="ada")
    assert mind.record(huge).status == DecisionStatus.EXECUTED
    assert stored(mind, "d1").context == {"amount": 9_000_000}


def test_the_approved_decision_itself_may_be_executed(mind: OrgMind) -> None:
    spend = decision("spend", context={"amount": 20_000})
    _, escalation = mind.record_many([spend])
    mind.approve(escalation.id, by="ada")
    assert mind.record(spend.model_copy(update={"rationale": "as approved"})).status == DecisionStatus.EXECUTED
    assert len(escalations_of(mind, "d1")) == 1


def test_racing_approve_and_reject_exactly_one_wins(mind: OrgMind, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = 4
    ids = [escalation.id for n in range(rounds)
           for escalation in mind.record_many([decision("pricing", id=f"race-{n}")])[1:]]
    both_read = threading.Barrier(2, timeout=30)
    real_get = mind.graph.get

    def get_then_wait(node_id: str) -> Node | None:  # both resolutions read the pending escalation first
        found = real_get(node_id)
        if isinstance(found, Escalation) and threading.current_thread() is not threading.main_thread():
            both_read.wait()
        return found

    monkeypatch.setattr(mind.graph, "get", get_then_wait)
    for escalation_id in ids:
        results: dict[str, object] = {}

        def resolve(approve: bool, escalation_id: str = escalation_id, results: dict[str, object] = results) -> None:
            try:
                results["approve" if approve else "reject"] = (
                    mind.approve(escalation_id, by="ada") if approve else mind.reject(escalation_id, by="bob"))
            except Exception as exc:  # noqa: BLE001 - the loser's error is what is checked
                results["approve" if approve else "reject"] = exc

        threads = [threading.Thread(target=resolve, args=(approve,)) for approve in (True, False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        both_read.reset()
        winners = [name for name, result in results.items() if isinstance(result, tuple)]
        losers = [result for result in results.values() if not isinstance(result, tuple)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], Conflict), losers[0]
        final = stored(mind, escalation_id)
        expected = EscalationStatus.APPROVED if winners == ["approve"] else EscalationStatus.REJECTED
        assert final.status == expected and final.resolver == ("ada" if winners == ["approve"] else "bob")
        decision_status = stored(mind, final.decision_id).status
        assert decision_status.value == expected.value


def test_a_write_gated_before_a_resolution_cannot_land_after_it(mind: OrgMind) -> None:
    spend = decision("spend", context={"amount": 20_000})
    _, escalation = mind.record_many([spend])
    bigger = spend.model_copy(update={"context": {"amount": 9_000_000}, "status": DecisionStatus.PROPOSED})
    gated = gate_each(mind.policy, mind.graph, [bigger], NOW)  # reads the escalation as pending
    assert not gated.refused
    mind.approve(escalation.id, by="ada")  # approves the 20k spend
    with pytest.raises(Conflict):
        mind.store.commit([node for _, node in gated.written], expect=gated.expect)
    assert stored(mind, "d1").context == {"amount": 20_000}
    assert mind.record(bigger).status == DecisionStatus.PENDING_APPROVAL  # gated again, on the approval's news


def test_an_export_reimports_with_its_approvals_whatever_the_batch_size(mind: OrgMind, tmp_path: Path) -> None:
    _, escalation = mind.record_many([decision("pricing"), decision("architecture", id="filler")])[:2]
    mind.approve(escalation.id, by="ada", note="fine")
    mind.record(decision("pricing", status=DecisionStatus.EXECUTED))
    lines = mind.export("v1")
    before = sorted(mind.graph.scan("v1"), key=lambda n: n.id)
    mind.delete_venture("v1")
    path = tmp_path / "v1.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = mind.import_jsonl(path, batch_size=1)
    assert report.rejected == []
    assert sorted(mind.graph.scan("v1"), key=lambda n: n.id) == before
