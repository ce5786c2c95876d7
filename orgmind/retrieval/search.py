"""Hybrid recall: dense and lexical candidates, fused, joined to the graph, reranked, diversified."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orgmind.graph.base import GraphStore
from orgmind.graph.keys import micros
from orgmind.models import Decision, Node, Outcome, utc_now
from orgmind.retrieval.documents import document_text
from orgmind.retrieval.exact import exact_terms, prefer_exact
from orgmind.retrieval.hits import Hit, ScoreExplanation
from orgmind.retrieval.index import SearchIndex
from orgmind.retrieval.neighbours import spread_to_neighbours
from orgmind.retrieval.ranking import (
    Candidate,
    RankWeights,
    dense_spread,
    fuse,
    lexical_weight_for,
    mmr_order,
    mmr_reachable,
    rerank,
)
from orgmind.retrieval.timeexpr import mentioned_periods, prefer_periods
from orgmind.retrieval.vectors import VectorFilter

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class SearchRequest:
    """What to look for and where. ``venture_ids`` is the tenancy boundary: always set by the caller."""

    query: str
    venture_ids: Sequence[str]
    k: int = 10
    labels: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    roles: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    exclude_ids: Sequence[str] = field(default_factory=tuple)
    now: datetime | None = None
    dense: bool = True
    lexical: bool = True


class HybridSearch:
    """Reciprocal rank fusion of dense (Qdrant) and BM25 rankings, reranked for recency and
    outcome, ordered by maximal marginal relevance."""

    def __init__(self, graph: GraphStore, index: SearchIndex, weights: RankWeights | None = None) -> None:
        self.graph = graph
        self.index = index
        self.weights = weights or RankWeights()

    def search(self, request: SearchRequest) -> list[Hit]:
        pool = max(50, 5 * request.k)
        flt = VectorFilter(
            venture_ids=list(request.venture_ids),
            labels=request.labels,
            kinds=request.kinds,
            roles=request.roles,
            since_ts=micros(request.since) if request.since else None,
            until_ts=micros(request.until) if request.until else None,
            exclude_ids=list(request.exclude_ids) or None,
        )
        dense = []
        if request.dense:
            query_vector = self.index.queries.embed(request.query)
            dense = [(h.node_id, h.similarity) for h in self.index.vectors.search(query_vector, pool, flt)]
        lexical = []
        if request.lexical:
            lexical = self.index.lexical.search(request.query, pool, flt)
        lexical_weight = lexical_weight_for(dense_spread([s for _, s in dense]), self.weights)
        candidates = fuse(dense, lexical, self.weights.rrf_k, lexical_weight)
        now = request.now or utc_now()
        self._spread(request, candidates)
        prefer_periods(candidates, self.index.lexical.timestamps, mentioned_periods(request.query, now),
                       self.weights.time_weight)
        nodes = self.graph.get_many(sorted(candidates))
        allowed = set(request.venture_ids)
        candidates = {i: c for i, c in candidates.items() if i in nodes and nodes[i].owner_venture in allowed}
        if self.weights.exact_weight > 0:
            texts = {i: document_text(nodes[i]) or "" for i in candidates}
            prefer_exact(candidates, texts, exact_terms(request.query), self.weights.exact_weight)
        outcomes = self._latest_outcomes(nodes.values())
        rerank(
            candidates,
            {i: (now - nodes[i].timestamp).total_seconds() / SECONDS_PER_DAY for i in candidates},
            {i: outcomes[i].score if i in outcomes else None for i in candidates},
            self.weights,
        )
        reachable = mmr_reachable(list(candidates.values()), request.k, self.weights.mmr_lambda)
        vectors = self.index.vectors.get_vectors(sorted(c.node_id for c in reachable))
        chosen = mmr_order(reachable, vectors, request.k, self.weights.mmr_lambda)
        return [_hit(nodes[c.node_id], c, outcomes.get(c.node_id)) for c in chosen]

    def _spread(self, request: SearchRequest, candidates: dict[str, Candidate]) -> None:
        """Pass relevance to neighbouring records; new ones only when no filter could exclude them."""
        within_us = int(self.weights.neighbour_within_s * 1_000_000)
        filters = (request.kinds, request.roles, request.since, request.until, request.exclude_ids or None)
        unfiltered = all(f is None for f in filters)
        spread_to_neighbours(
            candidates,
            lambda ids: self.index.lexical.neighbours(ids, within_us),
            self.weights.neighbour_weight,
            self.weights.neighbour_seeds,
            admit_new=unfiltered,
        )

    def _latest_outcomes(self, nodes: Iterable[Node]) -> dict[str, Outcome]:
        decision_ids = [n.id for n in nodes if isinstance(n, Decision)]
        return {d: found[-1] for d, found in self.graph.outcomes_of(decision_ids).items() if found}


def _hit(node: Node, candidate: Candidate, outcome: Outcome | None) -> Hit:
    return Hit(
        id=node.id,
        label=node.label.value.lower(),
        venture=node.owner_venture,
        ref=getattr(node, "ref", None),
        text=document_text(node) or "",
        score=round(candidate.mmr, 6),
        explanation=ScoreExplanation(
            dense_rank=candidate.dense_rank,
            dense_similarity=candidate.dense_similarity,
            lexical_rank=candidate.lexical_rank,
            lexical_score=candidate.lexical_score,
            fused=candidate.fused,
            relevance=candidate.relevance,
            recency=candidate.recency,
            outcome_bonus=candidate.outcome_bonus,
            max_similarity=candidate.max_similarity,
            mmr=candidate.mmr,
        ),
        role=node.role_key,
        decision_kind=node.kind_key if isinstance(node, Decision) else None,
        timestamp=node.timestamp,
        outcome=outcome,
    )
