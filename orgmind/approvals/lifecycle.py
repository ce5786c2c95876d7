"""The approval lifecycle: gating decisions as they are recorded, listing and resolving escalations.

A decision that triggers a gate of the policy is stored as ``pending_approval`` together with an
``Escalation`` that ``GATES`` it. Only ``resolve`` (a person's call) moves it to approved or
rejected; until it is approved it cannot be recorded as approved or executed.

Audit trail: resolutions are final. The escalation keeps who resolved it, when and why
(``resolver``, ``resolved_at``, ``note``); a resolved escalation cannot be resolved again, and
recording an escalation that changes a stored resolution, or a new one that is not pending, is
refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from orgmind.core.store import Store
from orgmind.errors import InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.base import Direction, GraphStore
from orgmind.models import (
    Decision,
    DecisionStatus,
    Escalation,
    EscalationStatus,
    Node,
    NodeLabel,
    RelType,
    validate,
)
from orgmind.approvals.gates import Policy

HELD = (DecisionStatus.PROPOSED, DecisionStatus.EXECUTED)  # a triggering decision is held from these
CLEARED = (DecisionStatus.APPROVED, DecisionStatus.EXECUTED)  # need approval; stored ones are not re-gated
KEEPS_STORED = (DecisionStatus.PROPOSED, DecisionStatus.PENDING_APPROVAL)


def escalation_id(decision_id: str) -> str:
    """The id of the escalation gating ``decision_id`` (deterministic: re-recording reuses it)."""
    candidate = f"esc-{decision_id}"
    return candidate if len(candidate) <= 128 else f"esc-{hashlib.sha256(decision_id.encode()).hexdigest()[:40]}"


def gate_decisions(policy: Policy, graph: GraphStore, records: Sequence[Node], now: datetime) -> list[Node]:
    """The records to write instead of ``records`` (same order; escalations follow their decision).

    - A decision without an escalation that triggers a gate, has status proposed or executed and
      is not stored as approved or executed is held: written as ``pending_approval`` with a new
      pending ``Escalation`` (id ``escalation_id(decision.id)``, gate = first triggered gate,
      reason = every triggered gate and condition, requested at ``now``).
    - A decision that has an escalation keeps its stored status when recorded as proposed or
      pending_approval (re-recording neither resets it nor escalates again); recording it as
      approved or executed while any of its escalations is pending or rejected raises
      InvalidRecord("status").
    - Escalation records must be new and pending, or leave the stored resolution unchanged
      (InvalidRecord otherwise).
    - Everything else is returned unchanged. Nothing is written; errors come before any write.
    """
    decision_ids = [r.id for r in records if isinstance(r, Decision)]
    escalation_ids = [r.id for r in records if isinstance(r, Escalation)]
    if not decision_ids and not escalation_ids:
        return list(records)
    stored = graph.get_many(decision_ids + escalation_ids)
    escalations = _escalations_of(graph, decision_ids, records)
    gated: list[Node] = []
    for record in records:
        if isinstance(record, Escalation):
            _check_resolution(record, stored.get(record.id))
            gated.append(record)
        elif isinstance(record, Decision):
            previous = stored.get(record.id)
            gated.extend(_gate(policy, record, previous if isinstance(previous, Decision) else None,
                               escalations.get(record.id, []), now))
        else:
            gated.append(record)
    return gated


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

    Both are written in one commit (one graph transaction, then the indexes). Raises NotFound for an unknown id and InvalidArgument
    (``escalation_id``) when the escalation is already resolved, or naming a bad ``resolver``
    or ``note``.
    """
    graph = store.graph
    escalation = graph.get(escalation_id)
    if not isinstance(escalation, Escalation):
        raise NotFound(f"no escalation with id {escalation_id!r}")
    if escalation.status != EscalationStatus.PENDING:
        by = f" by {escalation.resolver}" if escalation.resolver else ""
        at = f" at {escalation.resolved_at.isoformat()}" if escalation.resolved_at else ""
        raise InvalidArgument("escalation_id", f"{escalation_id!r} was already {escalation.status.value}{by}{at}")
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
    store.commit([resolved, decided])
    return resolved, decided


def _escalations_of(
    graph: GraphStore, decision_ids: list[str], records: Sequence[Node]
) -> dict[str, list[Escalation]]:
    """Escalations per decision id, stored ones overridden by those in ``records``, oldest first."""
    edges = graph.edges_of(decision_ids, direction=Direction.IN, rel_types=[RelType.GATES])
    found = {n.id: n for n in graph.get_many([e.source for e in edges]).values() if isinstance(n, Escalation)}
    found.update({r.id: r for r in records if isinstance(r, Escalation)})
    by_decision: dict[str, list[Escalation]] = {}
    for escalation in sorted(found.values(), key=lambda e: (e.requested_at, e.id)):
        by_decision.setdefault(escalation.decision_id, []).append(escalation)
    return by_decision


def _gate(
    policy: Policy, decision: Decision, stored: Decision | None, escalations: list[Escalation], now: datetime
) -> list[Node]:
    if escalations:
        blocking = [e for e in escalations if e.status != EscalationStatus.APPROVED]
        if decision.status in CLEARED and blocking:
            first = blocking[0]
            raise InvalidRecord(
                "status",
                f"decision {decision.id!r} needs human approval (gate {first.gate}, escalation "
                f"{first.id}, {first.status.value})",
                record_type="Decision",
            )
        if decision.status in KEEPS_STORED and stored is not None:
            return [decision.model_copy(update={"status": stored.status})]
        return [decision]
    if decision.status not in HELD or (stored is not None and stored.status in CLEARED):
        return [decision]
    triggered = policy.explain(decision)
    if not triggered:
        return [decision]
    reason = "; ".join(f"{gate.name} ({', '.join(why)})" for gate, why in triggered)
    escalation = Escalation(
        id=escalation_id(decision.id), venture_id=decision.venture_id, decision_id=decision.id,
        gate=triggered[0][0].name, reason=f"triggers {reason}", requested_at=now,
    )
    return [decision.model_copy(update={"status": DecisionStatus.PENDING_APPROVAL}), escalation]


def _check_resolution(record: Escalation, stored: Node | None) -> None:
    def resolution(e: Escalation) -> tuple[object, ...]:
        return e.status, e.resolved_at, e.resolver, e.note

    if isinstance(stored, Escalation):
        if resolution(record) != resolution(stored):
            raise InvalidRecord(
                "status",
                f"escalation {record.id!r} is {stored.status.value}; resolutions are made with "
                "`orgmind approvals approve|reject` and are final",
                record_type="Escalation",
            )
    elif resolution(record) != (EscalationStatus.PENDING, None, None, None):
        raise InvalidRecord(
            "status",
            f"a new escalation must be pending and unresolved; {record.id!r} is {record.status.value}",
            record_type="Escalation",
        )
