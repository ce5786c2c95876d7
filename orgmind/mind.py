"""OrgMind: the facade that wires the graph, retrieval and synthesis together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from orgmind.config import Settings
from orgmind.errors import InvalidArgument, OrgmindError
from orgmind.export import export_lines, summary
from orgmind.graph import GraphStore, open_graph
from orgmind.graph.base import NodeQuery
from orgmind.importer import ImportReport, import_jsonl
from orgmind.models import (
    Brief,
    Decision,
    Escalation,
    Node,
    NodeLabel,
    Pattern,
    RelType,
    Venture,
    WakeUp,
    make_edge,
    parse_record,
    utc_now,
)
from orgmind.retrieval.brief import WakeUpBrief
from orgmind.retrieval.documents import document_text
from orgmind.retrieval.embedder import Embedder
from orgmind.retrieval.hits import Hit
from orgmind.retrieval.index import SearchIndex
from orgmind.retrieval.injector import ContextInjector, pack
from orgmind.retrieval.search import HybridSearch, SearchRequest
from orgmind.retrieval.tenancy import Scope, visible_ventures
from orgmind.retrieval.vectors import VectorIndex
from orgmind.synthesis.approvals import gate_decisions, pending_approvals, resolve
from orgmind.synthesis.gates import Policy, load_policy
from orgmind.synthesis.patterns import mine_patterns, write_patterns
from orgmind.synthesis.quality import Scorecard, check_immutable
from orgmind.synthesis.quality import scorecard as brain_scorecard
from orgmind.synthesis.synthesize import Summariser, SynthesisResult
from orgmind.synthesis.synthesize import synthesize as synthesize_brain

log = logging.getLogger(__name__)

RecordLike = Node | Mapping[str, Any]
MIN_BUDGET = 50


def as_node(obj: RecordLike) -> Node:
    """A record model, or a mapping with a ``type`` field validated into one."""
    if isinstance(obj, Node):
        return obj
    data = dict(obj)
    return parse_record(str(data.pop("type", "")), data)


def open_vectors(settings: Settings, embedder: Embedder, *, recreate: bool = False) -> VectorIndex:
    """The Qdrant server collection when ``settings.qdrant_url`` is set, else the embedded index."""
    if settings.qdrant_url:
        from orgmind.retrieval.qdrant_server import QdrantServerIndex

        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantServerIndex.from_url(
            settings.qdrant_url, api_key, settings.qdrant_collection, embedder.dim, embedder.name,
            recreate=recreate,
        )
    from orgmind.retrieval.edge_index import EdgeVectorIndex

    return EdgeVectorIndex(settings.home / "vectors", embedder.dim, embedder.name, recreate=recreate)


class OrgMind:
    """The organisation's memory. Open it with ``OrgMind.open(...)``; close it when done."""

    def __init__(self, settings: Settings, graph: GraphStore, index: SearchIndex, policy: Policy) -> None:
        self.settings = settings
        self.graph = graph
        self.index = index
        self.policy = policy
        self.search = HybridSearch(graph, index)
        self.injector = ContextInjector(graph, self.search, policy.gates)
        self._needs_reconcile = True

    @classmethod
    def open(cls, settings: Settings | None = None, *, reindex: bool = False, **overrides: Any) -> OrgMind:
        """Open the stores named by ``settings`` (or ORGMIND_* environment), with overrides.

        ``OrgMind.open(home="./.orgmind")`` for the embedded default;
        ``OrgMind.open(graph_url="bolt://...", graph_password=..., qdrant_url=...)`` for servers.
        Anything written to the graph but missing from the search indexes is indexed on open.
        ``reindex=True`` rebuilds the vector index (needed after changing the embedding model).
        """
        given = {key: value for key, value in overrides.items() if value is not None}
        if settings is None:
            settings = Settings(**given)
        elif given:
            settings = Settings(**{**settings.model_dump(), **given})
        policy = load_policy(settings.policy_file)
        graph = open_graph(settings)
        try:
            embedder = Embedder.load(settings.model)
            index = SearchIndex(graph, embedder, open_vectors(settings, embedder, recreate=reindex))
        except BaseException:
            graph.close()
            raise
        mind = cls(settings, graph, index, policy)
        try:
            if reindex:
                index.rebuild()
            mind.reconcile()
        except BaseException:
            mind.close()
            raise
        return mind

    # ---- writing -------------------------------------------------------------------------------

    def record(self, obj: RecordLike) -> Node:
        """Validate and store one record (idempotent by id); returns the stored model."""
        return self.record_many([obj])[0]

    def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        """Validate and store records in one transaction (all or none), then index them.

        A new decision that an approval gate matches is stored as ``pending_approval`` with an
        Escalation (returned right after it); a gated decision cannot be marked executed before
        it is approved. Returns the records as stored.
        """
        nodes = gate_decisions(self.policy, self.graph, [as_node(obj) for obj in objs], utc_now())
        self._write(nodes)
        return nodes

    def _write(self, nodes: list[Node]) -> None:
        """Graph first (the source of truth), then the search indexes, retried once.

        If indexing still fails the nodes stay marked unindexed and are indexed by the next
        ``reconcile`` (before the next search, on the next open, or by ``orgmind reindex``).
        Records identical to what is stored are skipped, so re-imports cost no re-embedding.
        """
        stored = self.graph.get_many([n.id for n in nodes])
        nodes = [n for n in nodes if stored.get(n.id) != n]
        if not nodes:
            return
        check_immutable(self.graph, nodes)
        self.graph.upsert(nodes)
        for attempt in (1, 2):
            try:
                self.index.index(nodes)
                return
            except OrgmindError:
                raise
            except Exception:
                log.warning("indexing %d records failed (attempt %d)", len(nodes), attempt, exc_info=True)
        self._needs_reconcile = True

    def import_jsonl(
        self, path: str | Path, *, batch_size: int = 500, on_commit: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import a JSONL file (see docs/import-format.md); bad lines are reported, good ones kept.

        An import records history as it happened: approval gates are not applied to it.
        """
        return import_jsonl(self.graph, Path(path), write=self._write, batch_size=batch_size, on_commit=on_commit)

    def _ensure_indexed(self) -> None:
        """Reconcile before reading the indexes if an index write failed since the last time."""
        if self._needs_reconcile:
            self.reconcile()

    def reconcile(self) -> int:
        """Index whatever the graph holds that the indexes lack; returns how many nodes."""
        done = self.index.reconcile()
        self._needs_reconcile = False
        return done

    def delete_venture(self, venture_id: str) -> dict[str, int]:
        """Delete a venture and everything that belongs only to it, from the graph and the indexes."""
        owned = [n.id for n in self.graph.scan(venture_id=venture_id)]
        counts = self.graph.delete_venture(venture_id)
        self.index.remove(owned)
        return counts

    # ---- recall --------------------------------------------------------------------------------

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
        if not query.strip():
            raise InvalidArgument("query", "must not be empty")
        if k < 1:
            raise InvalidArgument("k", "must be at least 1")
        self._ensure_indexed()
        request = SearchRequest(
            query=query,
            venture_ids=visible_ventures(self.graph, venture, scope),
            k=k,
            labels=[NodeLabel(label).value for label in labels] if labels else None,
            kinds=kinds,
            roles=roles,
            since=since,
            until=until,
            now=now,
        )
        return self.search.search(request)

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
            decision = self.graph.get(decision_id)
            if not isinstance(decision, Decision):
                raise InvalidArgument("decision_id", f"no decision with id {decision_id!r}")
            text = document_text(decision)
            venture = venture or decision.venture_id
            exclude = [decision.id]
        assert text is not None
        self._ensure_indexed()
        request = SearchRequest(
            query=text,
            venture_ids=visible_ventures(self.graph, venture, scope),
            k=k,
            labels=[NodeLabel.DECISION.value],
            exclude_ids=exclude,
            now=now,
        )
        return self.search.search(request)

    # ---- approvals -----------------------------------------------------------------------------

    def pending_approvals(self, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
        """Escalations waiting for a person, oldest first, with their decisions."""
        return pending_approvals(self.graph, venture)

    def approve(self, escalation_id: str, by: str, note: str | None = None) -> tuple[Escalation, Decision]:
        """Approve a pending escalation: who, when (now) and why are kept on it."""
        return self._resolve(escalation_id, True, by, note)

    def reject(self, escalation_id: str, by: str, note: str | None = None) -> tuple[Escalation, Decision]:
        """Reject a pending escalation; its decision becomes ``rejected`` and cannot be executed."""
        return self._resolve(escalation_id, False, by, note)

    def _resolve(self, escalation_id: str, approve: bool, by: str, note: str | None) -> tuple[Escalation, Decision]:
        escalation, decision = resolve(self.graph, escalation_id, approve, by, note, utc_now())
        self.graph.mark_indexed([escalation.id])
        self.index.index([decision])
        return escalation, decision

    # ---- synthesis -----------------------------------------------------------------------------

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
        result = synthesize_brain(self.graph, self.index.embedder, venture, role, now=now, summariser=summariser)
        if result.created:
            self.reconcile()
        return result

    def scorecard(self, venture: str, role: str | None = None) -> Scorecard:
        """Decision quality per brain version and per insight (see docs/synthesis.md)."""
        return brain_scorecard(self.graph, venture, role)

    # ---- cross-venture learning ---------------------------------------------------------------

    def mine_patterns(self, *, now: datetime | None = None, min_ventures: int = 2, similarity: float = 0.75) -> list[Pattern]:
        """Mine decision patterns that hold across ventures sharing ``patterns`` or ``open``
        (see docs/patterns.md), store them (stale ones are removed) and index them."""
        self._ensure_indexed()
        patterns = mine_patterns(self.graph, self.index.vectors.get_vectors, now=now,
                                 min_ventures=min_ventures, similarity=similarity)
        write_patterns(self.graph, patterns)
        self.reconcile()
        return patterns

    # ---- wake-ups -----------------------------------------------------------------------------

    def wake_up(
        self,
        venture: str,
        role: str,
        task: str | None = None,
        budget_tokens: int = 1200,
        *,
        agent_id: str | None = None,
        now: datetime | None = None,
    ) -> WakeUpBrief:
        """Build the brief an agent receives when it wakes up, and record the wake-up.

        The WakeUp and Brief nodes and the Brief's INCLUDED links (section, rank) to everything
        it cites are written in one transaction. Record decisions with ``wakeup_id`` set to the
        returned brief's ``wakeup_id`` so their outcomes trace back to what the agent was told.
        """
        venture_node = self.graph.get(venture)
        if not isinstance(venture_node, Venture):
            raise InvalidArgument("venture", f"no venture with id {venture!r}")
        if budget_tokens < MIN_BUDGET:
            raise InvalidArgument("budget_tokens", f"must be at least {MIN_BUDGET}")
        self._ensure_indexed()
        now = now or utc_now()
        wakeup = WakeUp(venture_id=venture, role=role, task=task, started_at=now, agent_id=agent_id or self._agent_of(venture, role))
        brain = self.injector.latest_brain(venture, wakeup.role)
        draft = self.injector.draft(venture_node, wakeup.role, task, now, brain)
        packed = pack(draft, budget_tokens, venture_node.name, wakeup.role, task, now)
        brief = WakeUpBrief(
            brief_id=f"brf_{wakeup.id.removeprefix('wak_')}", wakeup_id=wakeup.id, venture=venture,
            venture_name=venture_node.name, role=wakeup.role, task=task, built_at=now, tokens=packed.tokens,
            budget=budget_tokens, sections=packed.sections,
        )
        nodes = [
            wakeup.model_copy(update={"brain_version_id": brain.id if brain else None}),
            Brief(id=brief.brief_id, venture_id=venture, wakeup_id=wakeup.id, role=wakeup.role,
                  tokens=packed.tokens, budget=budget_tokens, content=brief.to_markdown(), built_at=now),
        ]
        edges = [make_edge(brief.brief_id, RelType.INCLUDED, node_id, section=section, rank=rank)
                 for section, rank, node_id in packed.ranks]
        self.graph.upsert(nodes, edges)
        self.graph.mark_indexed([n.id for n in nodes])
        return brief

    def _agent_of(self, venture: str, role: str) -> str | None:
        agents = self.graph.list_nodes(NodeQuery(NodeLabel.AGENT, venture_id=venture, role=role.lower(), limit=1))
        return agents[0].id if agents else None

    # ---- export and summary -------------------------------------------------------------------

    def export(self, venture: str) -> list[dict[str, Any]]:
        """Every record of a venture as import lines (re-importable; see docs/import-format.md)."""
        if not isinstance(self.graph.get(venture), Venture):
            raise InvalidArgument("venture", f"no venture with id {venture!r}")
        return export_lines(self.graph, venture)

    def stats(self, ventures: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Per venture (all, or those named): identity, record counts, latest decisions."""
        return summary(self.graph, ventures)

    # ---- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        try:
            self.index.vectors.close()
        finally:
            self.graph.close()

    def __enter__(self) -> OrgMind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
