"""History is append-only: the commit path refuses to rewrite brain versions and escalations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from orgmind.errors import Conflict, InvalidRecord
from orgmind.graph.base import Direction, Expect, GraphStore
from orgmind.models import BrainVersion, Escalation, EscalationStatus, Insight, Node, RelType

REQUEST_FIELDS = ("venture_id", "decision_id", "gate", "reason", "requested_at")


def check_immutable(graph: GraphStore, nodes: Iterable[Node], expect: Sequence[Expect] = ()) -> None:
    """Refuse writes that would change a stored brain version, its insights or an escalation.

    A stored BrainVersion, or a stored Insight that belongs to a version, may only be written
    again unchanged. A new Insight may join a stored version only while the version is open:
    no newer version SUCCEEDS it and no wake-up or decision ran UNDER it.
    Raises InvalidRecord("version", ...).

    A stored Escalation may only be written again unchanged, except its one resolution: a
    pending escalation becoming approved or rejected (request fields unchanged, resolver and
    time set) in a write that expects it to be pending (``expect``, checked in the
    transaction). Raises InvalidRecord("status" or the changed field, ...), or Conflict when the
    escalation expected pending was resolved meanwhile.
    """
    batch = [n for n in nodes if isinstance(n, (BrainVersion, Insight, Escalation))]
    if not batch:
        return
    version_ids = {n.brain_version_id for n in batch if isinstance(n, Insight) and n.brain_version_id}
    stored = graph.get_many(sorted({n.id for n in batch} | version_ids))
    expected_pending = {e.node_id for e in expect if (e.field, e.value) == ("status", EscalationStatus.PENDING.value)}
    for node in batch:
        old = stored.get(node.id)
        if isinstance(node, BrainVersion) and old is not None and old != node:
            raise InvalidRecord("version", f"brain version {node.id!r} is immutable; write a new version",
                                record_type="BrainVersion")
        if isinstance(node, Insight) and isinstance(old, Insight) and old.brain_version_id and old != node:
            raise InvalidRecord("version", f"insight {node.id!r} belongs to brain version {old.brain_version_id!r}"
                                " and is immutable", record_type="Insight")
        if isinstance(node, Escalation) and isinstance(old, Escalation) and old != node:
            _check_resolution(old, node, node.id in expected_pending)
    joining = sorted({n.brain_version_id for n in batch
                      if isinstance(n, Insight) and n.brain_version_id in stored and n.id not in stored})
    rels = [RelType.SUCCEEDS, RelType.UNDER]
    sealed = graph.edges_of(joining, direction=Direction.IN, rel_types=rels) if joining else []
    if sealed:
        raise InvalidRecord("version", f"brain version {sealed[0].target!r} is sealed (superseded or in use);"
                            " new insights go into a new version", record_type="Insight")


def _check_resolution(old: Escalation, new: Escalation, resolving: bool) -> None:
    """A change to a stored escalation is allowed only as its resolution (see check_immutable)."""
    for name in REQUEST_FIELDS:
        if getattr(old, name) != getattr(new, name):
            raise InvalidRecord(name, f"escalation {old.id!r} is part of the audit trail; its {name} cannot change",
                                record_type="Escalation")
    if resolving and old.status != EscalationStatus.PENDING:
        raise Conflict(f"escalation {old.id!r} was resolved meanwhile ({old.status.value} by {old.resolver})")
    is_resolution = (
        old.status == EscalationStatus.PENDING and new.status != EscalationStatus.PENDING
        and new.resolver is not None and new.resolved_at is not None
    )
    if not (resolving and is_resolution):
        raise InvalidRecord("status", f"escalation {old.id!r} is {old.status.value}; it is resolved only by approving"
                            " or rejecting it, once, and a resolution is final", record_type="Escalation")
