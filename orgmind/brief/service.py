"""The brief service: build the brief an agent receives when it wakes up, and record it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orgmind.brief import MIN_BUDGET
from orgmind.brief.gather import ContextInjector, Guardrail
from orgmind.brief.pack import pack
from orgmind.brief.record import brief_records
from orgmind.brief.render import WakeUpBrief
from orgmind.core.store import Store
from orgmind.errors import InvalidArgument, NotFound
from orgmind.graph.base import NodeQuery
from orgmind.models import NodeLabel, Venture, WakeUp, utc_now, validate
from orgmind.retrieval.search import HybridSearch


class BriefService:
    """Wake-up briefs: gather (graph + search), pack (token budget), render, record."""

    def __init__(self, store: Store, search: HybridSearch, guardrails: Sequence[Guardrail]) -> None:
        self.store = store
        self.injector = ContextInjector(store.graph, search, guardrails)

    def wake_up(
        self,
        venture: str,
        role: str,
        task: str | None = None,
        budget_tokens: int = 1200,
        *,
        agent_id: str | None = None,
        ref: str | None = None,
        now: datetime | None = None,
    ) -> WakeUpBrief:
        """Build the brief and record the wake-up (see ``OrgMind.wake_up``)."""
        graph = self.store.graph
        venture_node = graph.get(venture)
        if not isinstance(venture_node, Venture):
            raise NotFound(f"no venture with id {venture!r}")
        if budget_tokens < MIN_BUDGET:
            raise InvalidArgument("budget_tokens", f"must be at least {MIN_BUDGET}")
        self.store.ensure_indexed()
        now = now or utc_now()
        wakeup = validate(WakeUp, {"venture_id": venture, "role": role, "task": task, "started_at": now, "ref": ref,
                                   "agent_id": agent_id or self._agent_of(venture, role)})
        brain = self.injector.latest_brain(venture, wakeup.role)
        draft = self.injector.draft(venture_node, wakeup.role, task, now, brain)
        packed = pack(draft, budget_tokens, venture_node.name, wakeup.role, task, now)
        brief = WakeUpBrief(
            brief_id=f"brf_{wakeup.id.removeprefix('wak_')}", wakeup_id=wakeup.id, venture=venture,
            venture_name=venture_node.name, role=wakeup.role, task=task, built_at=now, tokens=packed.tokens,
            budget=budget_tokens, sections=packed.sections, cut_by_budget=packed.cut,
        )
        self.store.commit(*brief_records(wakeup, brain, brief, packed))
        return brief

    def _agent_of(self, venture: str, role: str) -> str | None:
        agents = self.store.graph.list_nodes(
            NodeQuery(NodeLabel.AGENT, venture_id=venture, role=role.lower(), limit=1)
        )
        return agents[0].id if agents else None
