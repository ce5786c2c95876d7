"""What every adapter needs from orgmind, and the venture-bound operations they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from orgmind.errors import InvalidArgument
from orgmind.models import TYPE_NAME_OF, Decision, Node, Observation, Outcome
from orgmind.brief.render import WakeUpBrief, outcome_words
from orgmind.retrieval.hits import Hit
from orgmind.retrieval.tenancy import Scope


@runtime_checkable
class MemoryBackend(Protocol):
    """The part of orgmind the adapters use: an embedded ``OrgMind`` or an ``orgmind.Client``."""

    def record(self, obj: Mapping[str, Any]) -> Node: ...

    def recall(
        self,
        query: str,
        venture: str | None = None,
        k: int = 10,
        kinds: Sequence[str] | None = None,
        scope: Scope = "venture",
        *,
        roles: Sequence[str] | None = None,
    ) -> list[Hit]: ...

    def wake_up(
        self, venture: str, role: str, task: str | None = None, budget_tokens: int = 1200,
        *, agent_id: str | None = None,
    ) -> WakeUpBrief: ...


RecordT = TypeVar("RecordT", bound=Node)


class VentureMemory:
    """One venture's memory as the adapters see it: briefs, recall, decisions, outcomes, notes.

    Everything read or written belongs to ``venture``; ``scope="platform"`` lets recall also
    return records of ventures whose sharing is ``open``, as orgmind's tenancy allows.
    """

    def __init__(
        self, backend: MemoryBackend, venture: str, *, scope: Scope = "venture",
        budget_tokens: int = 1200, k: int = 5,
    ) -> None:
        if not venture.strip():
            raise InvalidArgument("venture", "must not be empty")
        self.backend = backend
        self.venture = venture
        self.scope: Scope = scope
        self.budget_tokens = budget_tokens
        self.k = k

    def wake_up(self, role: str, task: str | None = None) -> WakeUpBrief:
        """Build, record and return the brief for ``role`` starting ``task``."""
        return self.backend.wake_up(self.venture, role, task, self.budget_tokens)

    def recall(self, query: str, *, k: int | None = None, role: str | None = None) -> list[Hit]:
        """Precedents for ``query`` from this venture (and open ventures on platform scope)."""
        return self.backend.recall(
            query, self.venture, k or self.k, scope=self.scope, roles=[role] if role else None
        )

    def record_decision(
        self, role: str, wakeup_id: str | None, *, kind: str, title: str, rationale: str = "",
        options: Sequence[str] = (), chosen: str | None = None, confidence: float | None = None,
    ) -> Decision:
        """Record a decision made during the wake-up ``wakeup_id`` (linked to its brief)."""
        return self._record(Decision, venture_id=self.venture, role=role, kind=kind, title=title,
                            rationale=rationale, options=list(options), chosen=chosen,
                            confidence=confidence, wakeup_id=wakeup_id)

    def record_outcome(self, decision_id: str, score: float, summary: str = "") -> Outcome:
        """Record what came of a decision of this venture (score in [-1, 1])."""
        return self._record(Outcome, venture_id=self.venture, decision_id=decision_id, score=score, summary=summary)

    def remember(self, text: str, *, role: str | None = None, source: str = "agent",
                 key: str | None = None) -> Observation:
        """Record a note (an observation) of this venture; ``key`` makes the write idempotent."""
        return self._record(Observation, id=key, venture_id=self.venture, text=text, role=role, source=source)

    def _record(self, model: type[RecordT], **fields: Any) -> RecordT:
        """Store a record given as fields: bad values raise ``InvalidRecord`` naming the field."""
        data = {"type": TYPE_NAME_OF[model], **{name: value for name, value in fields.items() if value is not None}}
        stored = self.backend.record(data)
        assert isinstance(stored, model)
        return stored


def render_hit(hit: Hit) -> str:
    """A recalled record as one cited line with its outcome: ``text [id] (outcome: ...)``."""
    outcome = f" (outcome: {outcome_words(hit.outcome)})" if hit.outcome else ""
    return f"{' '.join(hit.text.split())} [{hit.id}]{outcome}"


def render_hits(hits: Sequence[Hit]) -> str:
    """Recalled records as a Markdown list of cited lines."""
    return "\n".join(f"- {render_hit(hit)}" for hit in hits)
