"""The approval lifecycle: gating decisions as they are written, listing and resolving escalations.

A decision that triggers a gate of the policy is stored as ``pending_approval`` together with an
``Escalation`` that ``GATES`` it. Only ``resolve`` (a person's call) moves it to approved or
rejected. The statuses a gate decides (approved, executed, rejected) are unreachable by any
other write, recorded or imported, for a decision a gate matches, unless its escalations allow
them:

- approved or executed need an approved escalation and none pending or rejected; rejected
  needs a rejected escalation;
- an approval covers the decision as it was approved: a write that changes what the gates read
  (venture, role, kind, context: ``gate_subject``) is gated again (a new pending escalation),
  it never rides on the older approval;
- a write that leaves status and subject as stored is not gated again (a policy may change).

Audit trail: escalations are append-only. A stored escalation can only be written again
unchanged (``orgmind.core.immutability``); its one change, the resolution, is a compare-and-set
on its status inside the graph transaction, so of two racing resolutions exactly one wins and
the other raises Conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orgmind.core.store import Store
from orgmind.errors import Conflict, InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.base import Direction, Expect, GraphStore
from orgmind.models import (
    Decision,
    DecisionStatus,
    Escalation,
    EscalationStatus,
    Node,
    NodeLabel,
    RelType,
    Scalar,
    validate,
)
from orgmind.approvals.gates import Policy

CLEARED = (DecisionStatus.APPROVED, DecisionStatus.EXECUTED)  # need an approval covering the decision
KEEPS_STORED = (DecisionStatus.PROPOSED, DecisionStatus.PENDING_APPROVAL)


def escalation_id(decision_id: str, earlier: int = 0) -> str:
    """The id of the escalation gating ``decision_id`` after ``earlier`` ones (deterministic)."""
    candidate = f"esc-{decision_id}" + (f"-{earlier + 1}" if earlier else "")
    if len(candidate) <= 128:
        return candidate
    return f"esc-{hashlib.sha256(f'{decision_id}#{earlier}'.encode()).hexdigest()[:40]}"


SUBJECT_FIELDS = ("venture_id", "role", "kind", "context")


def gate_subject(decision: Decision) -> tuple[str, str, str, dict[str, Scalar]]:
    """What the gates read of a decision (``SUBJECT_FIELDS``); an approval covers exactly this."""
    return decision.venture_id, decision.role, decision.kind, decision.context


@dataclass(frozen=True)
class Gated:
    """The outcome of gating a batch: what to write (each with the position of the record it
    came from), the records refused (by position), and what the gating read of the stored
    decisions and escalations, to be checked again inside the write's transaction (so a
    resolution or an edit that lands meanwhile makes the write fail with Conflict instead of
    being overwritten or ridden on)."""

    written: list[tuple[int, Node]]
    refused: dict[int, InvalidRecord]
    expect: list[Expect] = field(default_factory=list)


def gate_decisions(
    policy: Policy, graph: GraphStore, records: Sequence[Node], now: datetime, *, history: bool = False
) -> list[Node]:
    """The records to write instead of ``records`` (same order; escalations follow their decision).

    Raises the first refusal (InvalidRecord, field ``status`` or the escalation field) before
    anything is written. See ``gate_each`` for the rules.
    """
    gated = gate_each(policy, graph, records, now, history=history)
    if gated.refused:
        raise gated.refused[min(gated.refused)]
    return [node for _, node in gated.written]


def gate_each(
    policy: Policy, graph: GraphStore, records: Sequence[Node], now: datetime, *, history: bool = False
) -> Gated:
    """Gate every record of a batch on its own (the module doc has the rules).

    - A decision a gate matches whose escalations do not allow its status is held: written as
      ``pending_approval`` with a new pending ``Escalation`` (gate = first triggered gate,
      reason = every triggered gate and condition, requested at ``now``) when it asks for
      proposed, pending_approval, approved or executed; refused when approved or executed is
      blocked by a pending or rejected escalation (with ``history``, a stored decision blocked by
      a pending one keeps its stored status instead, so re-importing a file changes nothing),
      or when it asks for rejected without one.
    - Re-recording a decision that has escalations as proposed or pending_approval keeps its
      stored status.
    - Escalations: a stored one may only be written unchanged; a new one must be pending and
      unresolved, except with ``history`` (an import of what happened), where a new resolved
      escalation is kept if it names its resolver and time.
    Nothing is written.
    """
    decision_ids = [r.id for r in records if isinstance(r, Decision)]
    escalation_ids = [r.id for r in records if isinstance(r, Escalation)]
    if not decision_ids and not escalation_ids:
        return Gated(list(enumerate(records)), {})
    found = graph.get_many(decision_ids + escalation_ids)
    stored = _own(records, found)
    decision_ids = [i for i in decision_ids if i in stored or i not in found]  # never another venture's
    refused: dict[int, InvalidRecord] = {}
    accepted: list[Escalation] = []  # new escalations of the batch that pass; stored ones never change
    for position, record in enumerate(records):
        if isinstance(record, Escalation):
            try:
                _check_escalation(record, stored.get(record.id), history)
            except InvalidRecord as error:
                refused[position] = error
                continue
            if record.id not in stored:
                accepted.append(record)
    escalations = _escalations_of(graph, decision_ids, accepted)
    new_ids = {e.id for e in accepted}
    written: list[tuple[int, Node]] = []
    for position, record in enumerate(records):
        if position in refused:
            continue
        try:
            if isinstance(record, Decision):
                previous = stored.get(record.id)
                nodes: list[Node] = _gate(policy, record, previous if isinstance(previous, Decision) else None,
                                          escalations.get(record.id, []), new_ids, now, history)
            else:
                nodes = [record]
        except InvalidRecord as error:
            refused[position] = error
            continue
        written.extend((position, node) for node in nodes)
    return Gated(written, refused, _as_read(stored, escalations, new_ids))


def _own(records: Sequence[Node], stored: dict[str, Node]) -> dict[str, Node]:
    """The stored nodes of the same kind and venture as the batch's record of that id.

    A node of another venture (or kind) is never read for gating: its status and escalations
    are that venture's, and the write of a record that takes its id fails with ``IdConflict``.
    """
    incoming = {r.id: r for r in records if isinstance(r, (Decision, Escalation))}
    return {i: node for i, node in stored.items()
            if type(node) is type(incoming[i]) and node.owner_venture == incoming[i].owner_venture}


def pending_approvals(graph: GraphStore, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
    """Pending escalations (of one venture, or all) with their decisions, oldest request first."""
    pending = sorted(
        (n for n in graph.scan(venture, [NodeLabel.ESCALATION])
         if isinstance(n, Escalation) and n.status == EscalationStatus.PENDING),
        key=lambda e: (e.requested_at, e.id),
    )
    decisions = graph.get_many([e.decision_id for e in pending])
    return [(e, d) for e in pending if isinstance(d := decisions.get(e.decision_id), Decision)]


def resolve(
    store: Store, escalation_id: str, approve: bool, resolver: str, note: str | None, now: datetime
) -> tuple[Escalation, Decision]:
    """Approve or reject a pending escalation; its decision becomes approved or rejected.

    Both are written in one commit whose graph transaction first checks that the escalation is
    still pending and the decision as read (a compare-and-set). Raises NotFound for an unknown id, Conflict when the
    escalation is already resolved (or was resolved meanwhile by a racing call), and
    InvalidArgument naming a bad ``resolver`` or ``note``.
    """
    graph = store.graph
    escalation = graph.get(escalation_id)
    if not isinstance(escalation, Escalation):
        raise NotFound(f"no escalation with id {escalation_id!r}")
    if escalation.status != EscalationStatus.PENDING:
        by = f" by {escalation.resolver}" if escalation.resolver else ""
        at = f" at {escalation.resolved_at.isoformat()}" if escalation.resolved_at else ""
        raise Conflict(f"escalation {escalation_id!r} was already {escalation.status.value}{by}{at}")
    decision = graph.get(escalation.decision_id)
    if not isinstance(decision, Decision):
        raise NotFound(f"no decision with id {escalation.decision_id!r} (escalation {escalation_id!r})")
    status = EscalationStatus.APPROVED if approve else EscalationStatus.REJECTED
    try:
        resolved = validate(Escalation, {
            **escalation.model_dump(), "status": status, "resolver": resolver, "note": note or None,
            "resolved_at": now,
        })
    except InvalidRecord as exc:
        raise InvalidArgument(exc.field, exc.reason) from None
    decided = decision.model_copy(
        update={"status": DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED}
    )
    read = decision.model_dump(mode="json")
    store.commit([resolved, decided], expect=[
        Expect(escalation_id, "status", EscalationStatus.PENDING.value),
        *(Expect(decision.id, name, read[name]) for name in ("status", *SUBJECT_FIELDS)),
    ])
    return resolved, decided


def _escalations_of(
    graph: GraphStore, decision_ids: list[str], new: Sequence[Escalation]
) -> dict[str, list[Escalation]]:
    """Escalations per decision id, stored ones and ``new`` ones, oldest first."""
    edges = graph.edges_of(decision_ids, direction=Direction.IN, rel_types=[RelType.GATES])
    found = {n.id: n for n in graph.get_many([e.source for e in edges]).values() if isinstance(n, Escalation)}
    found.update({e.id: e for e in new if e.id not in found})
    by_decision: dict[str, list[Escalation]] = {}
    for escalation in sorted(found.values(), key=lambda e: (e.requested_at, e.id)):
        by_decision.setdefault(escalation.decision_id, []).append(escalation)
    return by_decision


def _as_read(stored: dict[str, Node], escalations: dict[str, list[Escalation]], new_ids: set[str]) -> list[Expect]:
    """Preconditions: the stored decisions and escalations the gating read are still as read."""
    expect = [Expect(e.id, "status", e.status.value) for found in escalations.values() for e in found
              if e.id not in new_ids]
    for decision in stored.values():
        if isinstance(decision, Decision):
            data = decision.model_dump(mode="json")
            expect.extend(Expect(decision.id, name, data[name]) for name in ("status", *SUBJECT_FIELDS))
    return expect


def _refused(decision: Decision, why: str) -> InvalidRecord:
    return InvalidRecord("status", f"decision {decision.id!r} cannot be {decision.status.value}: {why}",
                         record_type="Decision")


def _gate(
    policy: Policy, decision: Decision, stored: Decision | None, escalations: list[Escalation],
    new_ids: set[str], now: datetime, history: bool,
) -> list[Node]:
    changed = stored is not None and gate_subject(stored) != gate_subject(decision)
    # an approval covers the decision it approved: a change to what the gates read voids it
    counted = [e for e in escalations if not (changed and e.status == EscalationStatus.APPROVED and e.id not in new_ids)]
    blocking = [e for e in counted if e.status != EscalationStatus.APPROVED]
    rejected = [e for e in counted if e.status == EscalationStatus.REJECTED]
    if decision.status == DecisionStatus.REJECTED and counted and not rejected:
        raise _refused(decision, f"no person rejected it (escalation {counted[0].id} is {counted[0].status.value})")
    if blocking:
        first = rejected[0] if rejected else blocking[0]
        if decision.status in CLEARED and history and not rejected and stored is not None:
            return [decision.model_copy(update={"status": stored.status})]  # history waits, as it did
        if decision.status in CLEARED:
            raise _refused(decision, f"it needs human approval (gate {first.gate}, escalation {first.id},"
                                     f" {first.status.value})")
    if counted:
        if decision.status in KEEPS_STORED and stored is not None:
            return [decision.model_copy(update={"status": stored.status})]
        return [decision]
    triggered = policy.explain(decision)
    unchanged = stored is not None and not changed and stored.status == decision.status
    if not triggered or unchanged or decision.status == DecisionStatus.ABANDONED:
        return [decision]
    if decision.status == DecisionStatus.REJECTED:
        raise _refused(decision, "only a person's rejection of its escalation makes it rejected")
    reason = "; ".join(f"{gate.name} ({', '.join(why)})" for gate, why in triggered)
    escalation = Escalation(
        id=escalation_id(decision.id, len(escalations)), venture_id=decision.venture_id, decision_id=decision.id,
        gate=triggered[0][0].name, reason=f"triggers {reason}", requested_at=now,
    )
    return [decision.model_copy(update={"status": DecisionStatus.PENDING_APPROVAL}), escalation]


def _check_escalation(record: Escalation, stored: Node | None, history: bool) -> None:
    if isinstance(stored, Escalation):
        if record != stored:
            raise InvalidRecord(
                "status",
                f"escalation {record.id!r} is part of the audit trail and cannot be rewritten; it is"
                " resolved with `orgmind approvals approve|reject`, once",
                record_type="Escalation",
            )
        return
    if record.status == EscalationStatus.PENDING:
        if (record.resolved_at, record.resolver, record.note) != (None, None, None):
            raise InvalidRecord("status", f"pending escalation {record.id!r} cannot carry a resolution",
                                record_type="Escalation")
        return
    if not history:
        raise InvalidRecord(
            "status", f"a new escalation must be pending and unresolved; {record.id!r} is {record.status.value}",
            record_type="Escalation",
        )
    if record.resolver is None or record.resolved_at is None:
        raise InvalidRecord("resolver", f"resolved escalation {record.id!r} must name its resolver and resolved_at",
                            record_type="Escalation")
