"""Over HTTP: a gated decision cannot be written past its gate, and resolving an escalation that
is no longer pending is a 409 Conflict, which the client raises as ``Conflict``."""

from __future__ import annotations

import pytest

from orgmind import Client
from orgmind.errors import Conflict
from orgmind.models import Decision, DecisionStatus, Escalation

from tests.service.conftest import Service


def test_gated_decision_sent_as_approved_is_held_and_a_second_resolution_conflicts(service: Service) -> None:
    decision = Decision(id="http-gate-1", venture_id="harbor", role="ceo", kind="pricing",
                        title="Raise Pro to $129", status=DecisionStatus.APPROVED)
    with Client(service.url, service.keys["harbor-all"]) as harbor, service.client("harbor-all") as http:
        written = harbor.record_many([decision])
        assert [n.status.value for n in written] == ["pending_approval", "pending"]
        escalation = written[1]
        assert isinstance(escalation, Escalation)
        harbor.reject(escalation.id, note="not now")
        answer = http.post(f"/v1/approvals/{escalation.id}/approve", json={"note": "yes"})
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"] == "Conflict"
        with pytest.raises(Conflict):
            harbor.approve(escalation.id)
        assert harbor.get(decision.id).status == DecisionStatus.REJECTED  # type: ignore[union-attr]
