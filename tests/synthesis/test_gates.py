"""Approval gates end to end on the embedded store: the policy file, gating, resolution, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orgmind.core.store import Store
from orgmind.errors import Conflict, IdConflict, InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.models import Decision, DecisionStatus, Escalation, EscalationStatus, Node, NodeLabel, Venture
from orgmind.approvals.lifecycle import escalation_id, gate_decisions, pending_approvals, resolve
from orgmind.approvals.gates import DEFAULT_GATES, Policy, PolicyError, default_policy, load_policy

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def decision(kind: str, id: str = "d1", role: str = "ceo", venture: str = "v1", **fields: Any) -> Decision:
    return Decision(id=id, venture_id=venture, role=role, kind=kind, title=f"a {kind} decision", **fields)


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[SqliteGraphStore]:
    store = SqliteGraphStore(tmp_path / "g.sqlite3")
    store.upsert([Venture(id="v1", name="One"), Venture(id="v2", name="Two")])
    yield store
    store.close()


def record(graph: SqliteGraphStore, *records: Node, now: datetime = NOW, policy: Policy | None = None) -> list[Node]:
    """What the facade does: gate, then write in one transaction."""
    gated = gate_decisions(policy or default_policy(), graph, records, now)
    graph.upsert(gated)
    return gated


def stored(graph: SqliteGraphStore, node_id: str) -> Any:
    node = graph.get(node_id)
    assert node is not None
    return node


# ---- the default policy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "context", "gate"),
    [
        ("pricing", {}, "pricing_change"),
        ("stage_transition", {}, "stage_transition"),
        ("customer_commitment", {}, "customer_commitment"),
        ("spend", {"amount": 25_000}, "spend_threshold"),
        ("budget", {"amount": 10_000.5}, "spend_threshold"),
        ("spend", {}, "spend_threshold"),  # no amount: a person decides
        ("vendor", {}, "new_dependency"),
        ("partnership", {}, "new_dependency"),
        ("security", {}, "security_compliance"),
        ("compliance", {}, "security_compliance"),
    ],
)
def test_default_policy_gates_strategic_decisions(kind: str, context: dict[str, Any], gate: str) -> None:
    assert [g.name for g in load_policy().match(decision(kind, context=context))] == [gate]


@pytest.mark.parametrize(("kind", "context"), [("hiring", {}), ("spend", {"amount": 500}), ("spend", {"amount": 10_000})])
def test_default_policy_lets_ordinary_decisions_through(kind: str, context: dict[str, Any]) -> None:
    assert load_policy().match(decision(kind, context=context)) == []


def test_default_gates_keep_the_brief_attributes() -> None:
    assert DEFAULT_GATES == default_policy().gates
    spend = {g.name: g for g in DEFAULT_GATES}["spend_threshold"]
    assert spend.kinds == ("spend", "budget") and "10,000" in spend.description


# ---- recording --------------------------------------------------------------------------------


def test_gated_decision_is_held_with_an_escalation(graph: SqliteGraphStore) -> None:
    original = decision("spend", role="cfo", context={"amount": 25_000})
    held, escalation = record(graph, original)
    assert isinstance(held, Decision) and held.status == DecisionStatus.PENDING_APPROVAL
    assert held.model_copy(update={"status": DecisionStatus.EXECUTED}) == original
    assert isinstance(escalation, Escalation)
    assert escalation.id == escalation_id("d1") == "esc-d1"
    assert (escalation.gate, escalation.status, escalation.requested_at) == ("spend_threshold", EscalationStatus.PENDING, NOW)
    assert "spend_threshold" in escalation.reason and "amount > 10000 (25000)" in escalation.reason
    assert stored(graph, "d1").status == DecisionStatus.PENDING_APPROVAL
    assert [n.id for n in graph.neighbours("d1", labels=[NodeLabel.ESCALATION])] == ["esc-d1"]


def test_reason_lists_every_triggered_gate(graph: SqliteGraphStore) -> None:
    policy = Policy.model_validate({"gates": [
        {"name": "pricing", "description": "prices", "kinds": ["pricing"]},
        {"name": "big_moves", "description": "big price moves", "kinds": ["pricing"], "percent_change_above": 10},
    ]})
    _, escalation = record(graph, decision("pricing", context={"percent_change": -15}), policy=policy)
    assert isinstance(escalation, Escalation) and escalation.gate == "pricing"
    assert "big_moves" in escalation.reason and "|percent_change| > 10 (-15)" in escalation.reason


def test_ungated_records_flow_unchanged(graph: SqliteGraphStore) -> None:
    records = [decision("hiring"), decision("spend", id="d2", context={"amount": 200}),
               decision("pricing", id="d3", status=DecisionStatus.ABANDONED)]
    assert gate_decisions(default_policy(), graph, records, NOW) == records
    venture = Venture(id="v3", name="Three")
    assert gate_decisions(default_policy(), graph, [venture], NOW) == [venture]


def test_re_recording_does_not_escalate_again_or_reset(graph: SqliteGraphStore) -> None:
    proposed = decision("pricing", status=DecisionStatus.PROPOSED, rationale="first")
    record(graph, proposed)
    again = record(graph, proposed.model_copy(update={"rationale": "second"}), now=NOW + timedelta(days=1))
    assert [(n.id, getattr(n, "status")) for n in again] == [("d1", DecisionStatus.PENDING_APPROVAL)]
    assert stored(graph, "d1").rationale == "second"
    assert stored(graph, "esc-d1").requested_at == NOW
    assert graph.count(NodeLabel.ESCALATION) == 1

    resolve(Store(graph), "esc-d1", True, "ada", None, NOW)
    record(graph, proposed)
    assert stored(graph, "d1").status == DecisionStatus.APPROVED
    assert stored(graph, "esc-d1").status == EscalationStatus.APPROVED
    assert graph.count(NodeLabel.ESCALATION) == 1


def test_cannot_execute_before_approval(graph: SqliteGraphStore) -> None:
    original = decision("vendor")
    record(graph, original)
    for status in (DecisionStatus.EXECUTED, DecisionStatus.APPROVED):
        with pytest.raises(InvalidRecord, match="needs human approval") as caught:
            record(graph, original.model_copy(update={"status": status}), decision("hiring", id="d2"))
        assert caught.value.field == "status"
        assert "gate new_dependency" in caught.value.reason and "escalation esc-d1" in caught.value.reason
    assert graph.get("d2") is None  # nothing of the batch was written
    assert stored(graph, "d1").status == DecisionStatus.PENDING_APPROVAL


def test_an_id_of_another_venture_reveals_nothing_of_its_gating(graph: SqliteGraphStore) -> None:
    record(graph, decision("vendor"))  # held in v1, escalation esc-d1 pending
    for status in (DecisionStatus.EXECUTED, DecisionStatus.APPROVED, DecisionStatus.REJECTED):
        taken = decision("hiring", venture="v2", status=status)
        with pytest.raises(IdConflict) as caught:
            record(graph, taken)
        assert "esc-d1" not in str(caught.value) and "pending" not in str(caught.value)
    assert stored(graph, "d1").venture_id == "v1" and stored(graph, "d1").status == DecisionStatus.PENDING_APPROVAL


def test_approve_then_execute(graph: SqliteGraphStore) -> None:
    original = decision("stage_transition")
    record(graph, original)
    escalation, approved = resolve(Store(graph), "esc-d1", True, "ada", "go ahead", NOW + timedelta(hours=2))
    assert approved.status == DecisionStatus.APPROVED == stored(graph, "d1").status
    assert escalation == stored(graph, "esc-d1")
    assert (escalation.status, escalation.resolver, escalation.note, escalation.resolved_at) == (
        EscalationStatus.APPROVED, "ada", "go ahead", NOW + timedelta(hours=2))
    assert escalation.requested_at == NOW and escalation.reason.startswith("triggers stage_transition")

    record(graph, original)  # status executed
    assert stored(graph, "d1").status == DecisionStatus.EXECUTED
    assert pending_approvals(graph) == []


def test_reject_keeps_it_from_being_executed(graph: SqliteGraphStore) -> None:
    original = decision("security")
    record(graph, original)
    escalation, rejected = resolve(Store(graph), "esc-d1", False, "grace", "too risky", NOW)
    assert escalation.status == EscalationStatus.REJECTED and rejected.status == DecisionStatus.REJECTED
    with pytest.raises(InvalidRecord, match="escalation esc-d1, rejected"):
        record(graph, original)
    record(graph, original.model_copy(update={"status": DecisionStatus.PROPOSED}))
    assert stored(graph, "d1").status == DecisionStatus.REJECTED


def test_resolution_is_final_and_one_transaction(graph: SqliteGraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    record(graph, decision("pricing"))
    writes: list[list[Node]] = []
    real = graph.upsert
    monkeypatch.setattr(graph, "upsert", lambda nodes, edges=(), expect=(): (writes.append(list(nodes)),
                                                                             real(nodes, edges, expect=expect)))
    resolve(Store(graph), "esc-d1", True, "ada", None, NOW)
    assert [[n.id for n in batch] for batch in writes] == [["esc-d1", "d1"]]
    for approve in (True, False):
        with pytest.raises(Conflict, match="already approved by ada"):
            resolve(Store(graph), "esc-d1", approve, "grace", None, NOW)
    assert stored(graph, "esc-d1").resolver == "ada"
    with pytest.raises(NotFound):
        resolve(Store(graph), "esc-nope", True, "ada", None, NOW)
    with pytest.raises(NotFound):
        resolve(Store(graph), "d1", True, "ada", None, NOW)


def test_resolver_is_required(graph: SqliteGraphStore) -> None:
    record(graph, decision("pricing"))
    with pytest.raises(InvalidArgument) as caught:
        resolve(Store(graph), "esc-d1", True, "  ", None, NOW)
    assert caught.value.field == "resolver"
    assert stored(graph, "esc-d1").status == EscalationStatus.PENDING


def test_escalations_cannot_be_resolved_by_recording_them(graph: SqliteGraphStore) -> None:
    _, escalation = record(graph, decision("pricing"))
    assert isinstance(escalation, Escalation)
    forged = escalation.model_copy(update={"status": EscalationStatus.APPROVED, "resolver": "agent"})
    with pytest.raises(InvalidRecord, match="audit trail"):
        record(graph, forged)
    own = Escalation(id="esc-own", venture_id="v1", decision_id="d1", gate="pricing_change",
                     status=EscalationStatus.APPROVED, resolver="agent", resolved_at=NOW)
    with pytest.raises(InvalidRecord, match="must be pending"):
        record(graph, own)
    record(graph, escalation)  # unchanged: fine
    # a second, approved escalation cannot clear a decision another one still holds
    record(graph, Escalation(id="esc-2", venture_id="v1", decision_id="d1", gate="pricing_change"))
    resolve(Store(graph), "esc-2", True, "ada", None, NOW)
    with pytest.raises(InvalidRecord, match="escalation esc-d1, pending"):
        record(graph, decision("pricing"))


def test_pending_approvals_oldest_first_by_venture(graph: SqliteGraphStore) -> None:
    record(graph, decision("pricing", id="late"), now=NOW + timedelta(days=2))
    record(graph, decision("vendor", id="early", venture="v2"), now=NOW)
    record(graph, decision("spend", id="middle", context={"amount": 50_000}), now=NOW + timedelta(days=1))
    record(graph, decision("hiring", id="free"))
    assert [(e.id, d.id) for e, d in pending_approvals(graph)] == [
        ("esc-early", "early"), ("esc-middle", "middle"), ("esc-late", "late")]
    assert [d.id for _, d in pending_approvals(graph, "v1")] == ["middle", "late"]
    resolve(Store(graph), "esc-middle", False, "ada", None, NOW)
    assert [d.id for _, d in pending_approvals(graph, "v1")] == ["late"]


def test_long_decision_ids_get_a_valid_escalation_id(graph: SqliteGraphStore) -> None:
    long_id = "d" * 128
    _, escalation = record(graph, decision("pricing", id=long_id))
    assert escalation.id == escalation_id(long_id) and len(escalation.id) <= 128


# ---- policy files -------------------------------------------------------------------------------


GOOD = """\
# a custom policy
[[gates]]
name = "cfo_spend"
description = "the CFO's spend above 5,000 in the EU"
kinds = ["spend"]
roles = ["cfo"]
amount_above = 5000
if_missing = "pass"

[[gates.conditions]]
field = "region"
op = "in"
value = ["eu", "uk"]

[[gates]]
name = "big_price_moves"
description = "price changes of more than 10%"
kinds = ["pricing"]
percent_change_above = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_policy_with_a_role_restricted_gate(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    assert [g.name for g in policy.gates] == ["cfo_spend", "big_price_moves"]

    def names(kind: str, role: str = "cfo", **context: Any) -> list[str]:
        return [g.name for g in policy.match(decision(kind, role=role, context=context))]

    assert names("spend", amount=6000, region="eu") == ["cfo_spend"]
    assert names("spend", role="cmo", amount=6000, region="eu") == []
    assert names("spend", amount=6000, region="us") == []
    assert names("spend", amount=4000, region="eu") == []
    assert names("spend", region="eu") == []  # if_missing = "pass"
    assert names("pricing", percent_change=-12) == ["big_price_moves"]
    assert names("pricing", percent_change=8) == []
    assert names("pricing") == ["big_price_moves"]  # unknown change: escalated


def test_empty_policy_gates_nothing(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "gates = []\n")).match(decision("pricing")) == []


GATE = '[[gates]]\nname = "{name}"\ndescription = "d"\nkinds = ["pricing"]\n'


@pytest.mark.parametrize(
    ("text", "line", "key", "reason"),
    [
        (GATE.format(name="a") + 'kinds2 = [pricing]\n', 5, None, "invalid TOML"),
        (GATE.format(name="a") + 'roles = ["cfo",\n', 5, None, "invalid TOML: Invalid value"),
        (GATE.format(name="a") + 'name = "b"\n', 5, None, "Cannot overwrite a value"),
        (GATE.format(name="a") + GATE.format(name="b") + "amount_abov = 5\n", 9, "gates[1].amount_abov", "unknown key"),
        ("gate = 1\n", 1, "gate", "unknown key"),
        (GATE.format(name="a") + 'amount_above = "lots"\n', 5, "gates[0].amount_above", "valid number"),
        (GATE.format(name="a") + "percent_change_above = -1\n", 5, "gates[0].percent_change_above", "greater than or equal to 0"),
        (GATE.format(name="a") + "\n" + GATE.format(name="b") + GATE.format(name="A"), 11, "gates[2].name", "duplicate gate name 'a'"),
        ('[[gates]]\nname = "a"\ndescription = "d"\nkinds = []\n', 4, "gates[0].kinds", "at least 1 item"),
        ('[[gates]]\nname = "a"\nkinds = ["x"]\n', 1, "gates[0].description", "Field required"),
        ('[[gates]]\nname = "a"\ndescription = "d"\nkinds = ["x", "Not a slug!"]\n', 4, "gates[0].kinds[1]", "pattern"),
        (GATE.format(name="a") + '[[gates.conditions]]\nfield = "region"\nop = "=="\nvalue = "eu"\n'
         + GATE.format(name="b") + '[[gates.conditions]]\nfield = "x"\nop = "~"\nvalue = 1\n',
         15, "gates[1].conditions[0].op", "'>', '>=', '<', '<=', '==', '!=' or 'in'"),
        (GATE.format(name="a") + '[[gates.conditions]]\nfield = "region"\nop = ">"\nvalue = "eu"\n',
         8, "gates[0].conditions[0].value", "'>' compares numbers"),
        (GATE.format(name="a") + 'if_missing = "ignore"\n', 5, "gates[0].if_missing", "'escalate' or 'pass'"),
    ],
)
def test_bad_policy_files_fail_at_load(tmp_path: Path, text: str, line: int, key: str | None, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    error = caught.value
    assert (error.file, error.line, error.key) == (str(path), line, key)
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}: ") and reason in str(error)
    assert isinstance(error, ValueError)


def test_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="nope.toml: cannot read the policy file") as caught:
        load_policy(tmp_path / "nope.toml")
    assert caught.value.line is None
