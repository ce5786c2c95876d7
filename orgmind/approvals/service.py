"""The approval service: gate decisions as they are written, list what waits for a person, resolve it."""

from __future__ import annotations

from orgmind.approvals.gates import Policy
from orgmind.approvals.lifecycle import Gated, gate_each, pending_approvals, resolve
from orgmind.core.store import Store
from orgmind.models import Decision, Escalation, Node, utc_now


class ApprovalService:
    """Approval gates of a policy over one store."""

    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    def gate(self, records: list[Node]) -> Gated:
        """What to write instead of ``records`` (gated decisions held, with escalations)."""
        return gate_each(self.policy, self.store.graph, records, utc_now())

    def gate_history(self, records: list[Node]) -> Gated:
        """Gate imported history record by record: refusals are reported, resolved escalations kept."""
        return gate_each(self.policy, self.store.graph, records, utc_now(), history=True)

    def pending(self, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
        """Escalations waiting for a person, oldest first, with their decisions."""
        return pending_approvals(self.store.graph, venture)

    def resolve(self, escalation_id: str, approve: bool, by: str, note: str | None) -> tuple[Escalation, Decision]:
        """Approve or reject a pending escalation (now), through the commit path."""
        return resolve(self.store, escalation_id, approve, by, note, utc_now())
