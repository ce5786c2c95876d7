"""OrgMind: the facade. Thin delegation over the store core and four services.

- memory (``orgmind.memory``): record (through the approval gates), import, recall, stats;
- briefs (``orgmind.brief``): wake-up briefs, recorded with what they cite;
- brain (``orgmind.synthesis``): brain versions, scorecards, cross-venture patterns;
- approvals (``orgmind.approvals``): gates, pending escalations, approve and reject.

Every write goes through ``Store.commit`` (orgmind/core/store.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgmind.approvals.gates import Policy, load_policy
from orgmind.arguments import (
    ID,
    IDS,
    LABELS,
    NOTE,
    SLUG,
    SLUGS,
    TASK,
    WHEN,
    Fraction,
    Positive,
    Query,
    Record,
    checked,
)
from orgmind.approvals.service import ApprovalService
from orgmind.brief import MIN_BUDGET
from orgmind.config import Settings
from orgmind.core.store import Store, open_store
from orgmind.errors import InvalidArgument
from orgmind.graph import GraphStore
from orgmind.knowledge import KindKnowledge, KindStats, Precedent
from orgmind.importer import ImportReport
from orgmind.memory import MemoryService, RecordLike, as_node
from orgmind.summary import VentureStats
from orgmind.models import Decision, Escalation, Id, Name, Node, NodeLabel, Pattern, Slug
from orgmind.retrieval.tenancy import Scope
from orgmind.withdrawal import Withdrawal

if TYPE_CHECKING:  # the search, brief and brain stacks load on first use (read-only opens stay quick)
    from orgmind.brief.gather import ContextInjector
    from orgmind.brief.render import WakeUpBrief
    from orgmind.brief.service import BriefService
    from orgmind.retrieval.hits import Hit
    from orgmind.retrieval.index import SearchIndex
    from orgmind.retrieval.search import HybridSearch
    from orgmind.synthesis.brain import BrainService
    from orgmind.synthesis.result import Scorecard, SynthesisResult
    from orgmind.synthesis.synthesize import Summariser

__all__ = ["MIN_BUDGET", "OrgMind", "RecordLike", "as_node"]


class OrgMind:
    """The organisation's memory. Open it with ``OrgMind.open(...)``; close it when done."""

    def __init__(self, settings: Settings, store: Store, policy: Policy) -> None:
        self.settings = settings
        self.store = store
        self.policy = policy
        self.approvals = ApprovalService(store, policy)
        self.withdrawal = Withdrawal(store, remine=lambda excluded: self.brain.mine_patterns(excluded=excluded))
        self.memory = MemoryService(store, self.approvals.gate, self.approvals.gate_history, self.withdrawal)
        self._brain: BrainService | None = None
        self._briefs: BriefService | None = None

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, reindex: bool = False, read_only: bool = False, **overrides: Any
    ) -> OrgMind:
        """Open the stores named by ``settings`` (or ORGMIND_* environment), with overrides.

        ``OrgMind.open(home="./.orgmind")`` for the embedded default;
        ``OrgMind.open(graph_url="bolt://...", graph_password=..., qdrant_url=...)`` for servers.
        Anything written to the graph but missing from the search indexes is indexed on open.
        ``reindex=True`` rebuilds the vector index (needed after changing the embedding model).
        ``read_only=True`` opens the graph alone, for reading: no embedding model, no index lock,
        about a second, and it works while another process has the store open. Listing, stats,
        approvals lists, scorecards and platform statistics work; search, briefs and writes raise
        ReadOnly.
        """
        given = {key: value for key, value in overrides.items() if value is not None}
        if settings is None:
            settings = Settings(**given)
        elif given:
            settings = Settings(**{**settings.model_dump(), **given})
        policy = load_policy(settings.policy_file)
        return cls(settings, open_store(settings, reindex=reindex, read_only=read_only), policy)

    # ---- the stores, for tools and benchmarks ----------------------------------------------------

    @property
    def graph(self) -> GraphStore:
        """The graph store (the source of truth)."""
        return self.store.graph

    @property
    def index(self) -> SearchIndex:
        """The search indexes that follow the graph."""
        return self.store.index

    @property
    def search(self) -> HybridSearch:
        """Hybrid search over the indexes."""
        return self.memory.search

    @property
    def brain(self) -> BrainService:
        """The brain service: synthesis, scorecards, patterns, platform knowledge."""
        if self._brain is None:
            from orgmind.synthesis.brain import BrainService

            self._brain = BrainService(self.store)
        return self._brain

    @property
    def briefs(self) -> BriefService:
        """The wake-up brief service."""
        if self._briefs is None:
            from orgmind.brief.gather import Guardrail
            from orgmind.brief.service import BriefService

            guardrails = [Guardrail(g.name, g.description, tuple(g.kinds)) for g in self.policy.gates]
            self._briefs = BriefService(self.store, self.search, guardrails)
        return self._briefs

    @property
    def injector(self) -> ContextInjector:
        """What gathers the lines of a brief."""
        return self.briefs.injector

    # ---- writing -------------------------------------------------------------------------------

    @checked(obj=Record)
    def record(self, obj: RecordLike) -> Node:
        """Validate and store one record (idempotent by id); returns the stored model."""
        return self.record_many([obj])[0]

    @checked(objs=list[Record])
    def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        """Validate and store records in one transaction (all or none), then index them.

        A new decision that an approval gate matches is stored as ``pending_approval`` with an
        Escalation (returned right after it); a gated decision cannot be marked executed before
        it is approved. Returns the records as stored.
        """
        return self.memory.record_many(objs)

    def import_jsonl(
        self, path: str | Path, *, batch_size: int = 500, on_commit: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import a JSONL file (see docs/import-format.md); bad lines are reported, good ones kept.

        An import records history as it happened, through the approval gates: a gated decision
        comes in as approved or executed only with its approved escalation (in the file, after it,
        or stored); otherwise it is held like a recorded one, or its line is refused.
        """
        return self.memory.import_jsonl(path, batch_size=batch_size, on_commit=on_commit)

    def reconcile(self) -> int:
        """Index whatever the graph holds that the indexes lack; returns how many nodes."""
        return self.store.reconcile()

    @checked(venture_id=Id)
    def delete_venture(self, venture_id: str) -> dict[str, int]:
        """Delete a venture and everything that belongs only to it, from the graph and the indexes.

        Lines of other ventures' stored briefs that quoted it are redacted and, when it was part
        of any pattern, patterns are mined again at once (see ``orgmind.withdrawal``); the same
        happens when a venture is recorded with narrower sharing.
        """
        return self.withdrawal.delete_venture(venture_id)

    # ---- recall --------------------------------------------------------------------------------

    @checked(query=Query, venture=ID, k=Positive, kinds=SLUGS, roles=SLUGS, labels=LABELS, since=WHEN,
             until=WHEN, now=WHEN)
    def recall(
        self,
        query: str,
        venture: str | None = None,
        k: int = 10,
        kinds: Sequence[str] | None = None,
        scope: Scope = "venture",
        *,
        roles: Sequence[str] | None = None,
        labels: Sequence[NodeLabel | str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        now: datetime | None = None,
    ) -> list[Hit]:
        """Hybrid search over decisions, observations and insights.

        ``scope="venture"`` searches the venture's own records; ``"platform"`` adds ventures whose
        sharing is ``open``. ``kinds``/``roles`` filter decisions; ``since``/``until`` bound time.
        """
        request = self.memory.search_request(
            query, venture, scope, k,
            labels=[NodeLabel(label).value for label in labels] if labels else None,
            kinds=kinds, roles=roles, since=since, until=until, now=now,
        )
        return self.memory.recall(request)

    @checked(decision_id=ID, text=Query | None, venture=ID, k=Positive, now=WHEN)
    def similar_decisions(
        self,
        decision_id: str | None = None,
        text: str | None = None,
        venture: str | None = None,
        scope: Scope = "venture",
        k: int = 10,
        *,
        now: datetime | None = None,
    ) -> list[Hit]:
        """Past decisions like a stored one (by id) or like a description, with their outcomes."""
        if (decision_id is None) == (text is None):
            raise InvalidArgument("decision_id", "give exactly one of decision_id and text")
        exclude: list[str] = []
        if decision_id is not None:
            decision = self.memory.decision(decision_id)
            text = self.memory.similar_text(decision)
            venture = venture or decision.venture_id
            exclude = [decision.id]
        request = self.memory.search_request(
            text or "", venture, scope, k, labels=[NodeLabel.DECISION.value], exclude_ids=exclude, now=now
        )
        return self.memory.recall(request)

    @checked(ventures=IDS)
    def stats(self, ventures: Sequence[str] | None = None) -> list[VentureStats]:
        """What the store holds, per venture (all, or those named): counts by label and the
        latest decisions."""
        return self.memory.stats(ventures)

    @checked(venture=Id)
    def export(self, venture: str) -> list[dict[str, Any]]:
        """Every record of a venture as import lines (re-importable; see docs/import-format.md)."""
        return self.memory.export(venture)

    # ---- approvals -----------------------------------------------------------------------------

    @checked(venture=ID)
    def pending_approvals(self, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
        """Escalations waiting for a person, oldest first, with their decisions."""
        return self.approvals.pending(venture)

    @checked(escalation_id=Id, by=Name, note=NOTE)
    def approve(self, escalation_id: str, by: str, note: str | None = None) -> tuple[Escalation, Decision]:
        """Approve a pending escalation: who, when (now) and why are kept on it."""
        return self.approvals.resolve(escalation_id, True, by, note)

    @checked(escalation_id=Id, by=Name, note=NOTE)
    def reject(self, escalation_id: str, by: str, note: str | None = None) -> tuple[Escalation, Decision]:
        """Reject a pending escalation; its decision becomes ``rejected`` and cannot be executed."""
        return self.approvals.resolve(escalation_id, False, by, note)

    # ---- synthesis -----------------------------------------------------------------------------

    @checked(venture=Id, role=SLUG, now=WHEN)
    def synthesize(
        self,
        venture: str,
        role: str | None = None,
        *,
        now: datetime | None = None,
        summariser: Summariser | None = None,
    ) -> SynthesisResult:
        """Distil the venture's decisions and outcomes into the next brain version (see
        docs/synthesis.md); returns it with its insights and the diff against the previous one.
        Writes nothing when nothing changed."""
        return self.brain.synthesize(venture, role, now, summariser)

    @checked(venture=Id, role=SLUG)
    def scorecard(self, venture: str, role: str | None = None) -> Scorecard:
        """Decision quality per brain version and per insight (see docs/synthesis.md)."""
        return self.brain.scorecard(venture, role)

    # ---- cross-venture learning ---------------------------------------------------------------

    @checked(now=WHEN, min_ventures=Positive, similarity=Fraction)
    def mine_patterns(self, *, now: datetime | None = None, min_ventures: int = 2, similarity: float = 0.75) -> list[Pattern]:
        """Mine decision patterns that hold across ventures sharing ``patterns`` or ``open``
        (see docs/patterns.md), store them (stale ones are removed) and index them."""
        return self.brain.mine_patterns(now, min_ventures, similarity)

    @checked(kind=SLUG)
    def list_patterns(self, kind: str | None = None) -> list[Pattern]:
        """Stored cross-venture patterns (of one decision kind), largest support first."""
        return self.brain.list_patterns(kind)

    @checked(ventures=IDS)
    def kind_stats(self, ventures: Sequence[str] | None = None) -> list[KindStats]:
        """Which decision kinds succeed across ventures that share (optionally only ``ventures``)."""
        return self.brain.kind_success(ventures)

    @checked(kind=Slug)
    def platform_knowledge(self, kind: str) -> KindKnowledge:
        """What the platform knows about a kind of decision: statistics, options, patterns."""
        return self.brain.platform_knowledge(kind)

    @checked(decision_id=Id, k=Positive)
    def similar_elsewhere(self, decision_id: str, k: int = 5) -> list[Precedent]:
        """Similar decisions of other ventures that share openly, and what came of them."""
        return self.brain.similar_elsewhere(decision_id, k)

    # ---- wake-ups -----------------------------------------------------------------------------

    @checked(venture=Id, task=TASK, budget_tokens=Positive, now=WHEN)  # role, agent_id, ref: the WakeUp checks them
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
        """Build the brief an agent receives when it wakes up, and record the wake-up.

        The WakeUp and Brief nodes and the Brief's INCLUDED links (section, rank) to everything
        it cites are written in one transaction. Record decisions with ``wakeup_id`` set to the
        returned brief's ``wakeup_id`` so their outcomes trace back to what the agent was told.
        ``ref`` keeps the orchestrator's id of the run on the WakeUp.
        """
        return self.briefs.wake_up(venture, role, task, budget_tokens, agent_id=agent_id, ref=ref, now=now)

    # ---- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release the vector index and the graph."""
        self.store.close()

    def __enter__(self) -> OrgMind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
