"""The memory service: record and import history, recall it, and summarise what is stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgmind.approvals.lifecycle import Gated
from orgmind.core.store import Store
from orgmind.errors import InvalidArgument, NotFound
from orgmind.export import export_lines
from orgmind.graph.base import Expect, NodeQuery
from orgmind.graph.queries import ALL
from orgmind.importer import ImportReport, import_jsonl
from orgmind.models import Decision, Node, NodeLabel, Venture, parse_record
from orgmind.retrieval.documents import document_text
from orgmind.retrieval.tenancy import Scope, visible_ventures
from orgmind.summary import VentureStats
from orgmind.withdrawal import Withdrawal

if TYPE_CHECKING:  # the search stack is imported on the first search, not by read-only commands
    from orgmind.retrieval.hits import Hit
    from orgmind.retrieval.search import HybridSearch, SearchRequest

RecordLike = Node | Mapping[str, Any]
Gate = Callable[[list[Node]], Gated]
"""The approval gates, as a function from records to what to write instead (and what to refuse)."""

COUNTED = (NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.ESCALATION)


def as_node(obj: RecordLike) -> Node:
    """A record model, or a mapping with a ``type`` field validated into one."""
    if isinstance(obj, Node):
        return obj
    data = dict(obj)
    return parse_record(str(data.pop("type", "")), data)


class MemoryService:
    """Writing history (gated, or imported as it happened) and reading it back."""

    def __init__(self, store: Store, gate: Gate, gate_history: Gate, withdrawal: Withdrawal) -> None:
        self.store = store
        self.gate = gate
        self.gate_history = gate_history
        self.withdrawal = withdrawal
        self._search: HybridSearch | None = None

    @property
    def search(self) -> HybridSearch:
        """Hybrid search over the store's indexes."""
        if self._search is None:
            from orgmind.retrieval.search import HybridSearch

            self._search = HybridSearch(self.store.graph, self.store.index)
        return self._search

    def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        """Validate, gate and commit records; returns them as stored."""
        gated = self.gate([as_node(obj) for obj in objs])
        if gated.refused:
            raise gated.refused[min(gated.refused)]
        nodes = [node for _, node in gated.written]
        self._commit(nodes, gated.expect)
        return nodes

    def _commit(self, nodes: list[Node], expect: Sequence[Expect] = ()) -> None:
        """Commit; a venture that is to share less is first withdrawn from other briefs and from
        patterns (see ``orgmind.withdrawal``)."""
        self.withdrawal.withdraw(self.withdrawal.narrowing(nodes))
        self.store.commit(nodes, expect=expect)

    def import_jsonl(
        self, path: str | Path, *, batch_size: int = 500, on_commit: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import a JSONL file as history, through the approval gates; bad lines reported, good ones kept."""
        with self.store.bulk_load():
            return import_jsonl(
                self.store.graph, Path(path), write=self._commit, gate=self.gate_history,
                batch_size=batch_size, on_commit=on_commit,
            )

    def recall(self, request: SearchRequest) -> list[Hit]:
        """Run a search after reconciling any index write that failed."""
        self.store.ensure_indexed()
        return self.search.search(request)

    def search_request(
        self, query: str, venture: str | None, scope: Scope, k: int, **filters: Any
    ) -> SearchRequest:
        """A checked search request over the ventures ``venture`` may see in ``scope``."""
        if not query.strip():
            raise InvalidArgument("query", "must not be empty")
        if k < 1:
            raise InvalidArgument("k", "must be at least 1")
        from orgmind.retrieval.search import SearchRequest

        return SearchRequest(
            query=query, venture_ids=visible_ventures(self.store.graph, venture, scope), k=k, **filters
        )

    def decision(self, decision_id: str) -> Decision:
        """A stored decision; NotFound otherwise."""
        decision = self.store.graph.get(decision_id)
        if not isinstance(decision, Decision):
            raise NotFound(f"no decision with id {decision_id!r}")
        return decision

    def export(self, venture: str) -> list[dict[str, Any]]:
        """Every record of a venture as import lines; NotFound for an unknown venture."""
        if not isinstance(self.store.graph.get(venture), Venture):
            raise NotFound(f"no venture with id {venture!r}")
        return export_lines(self.store.graph, venture)

    def similar_text(self, decision: Decision) -> str:
        """The text a decision is searched by."""
        return document_text(decision) or decision.title

    def stats(self, ventures: Sequence[str] | None = None) -> list[VentureStats]:
        """Per venture (oldest first; all, or those named): counts of decisions, outcomes,
        observations, escalations and its three latest decisions with their outcomes."""
        graph = self.store.graph
        listed = graph.list_nodes(NodeQuery(NodeLabel.VENTURE, limit=ALL, newest_first=False))
        return [
            VentureStats(
                venture=venture,
                counts={label.value: graph.count(label, venture.id) for label in COUNTED},
                recent=graph.decisions_with_outcomes(venture_id=venture.id, limit=3),
            )
            for venture in listed
            if isinstance(venture, Venture) and (ventures is None or venture.id in ventures)
        ]
