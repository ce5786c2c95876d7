"""Precedents elsewhere: similar decisions of ventures that share ``open``, with their outcomes."""

from __future__ import annotations


from orgmind.errors import InvalidArgument, NotFound
from orgmind.graph.base import GraphStore
from orgmind.graph.queries import sharing_ventures
from orgmind.knowledge import Precedent
from orgmind.models import Decision, NodeLabel, Sharing
from orgmind.retrieval.vectors import VectorFilter, VectorIndex


def similar_elsewhere(graph: GraphStore, vectors: VectorIndex, decision_id: str, k: int = 5) -> list[Precedent]:
    """Decisions of other ventures sharing ``open`` most similar to this one, with outcomes.

    ``vectors`` is the search index's vector index (``mind.index.vectors``); the decision must
    be indexed. Ventures sharing ``patterns`` or ``none`` are never searched.
    """
    decision = graph.get(decision_id)
    if not isinstance(decision, Decision):
        raise NotFound(f"no decision with id {decision_id!r}")
    if k < 1:
        raise InvalidArgument("k", "must be at least 1")
    query = vectors.get_vectors([decision_id]).get(decision_id)
    if query is None:
        raise InvalidArgument("decision_id", f"{decision_id!r} is not in the vector index yet (reconcile first)")
    names = {v.id: v.name for v in sharing_ventures(graph, [Sharing.OPEN]) if v.id != decision.venture_id}
    if not names:
        return []
    flt = VectorFilter(venture_ids=sorted(names), labels=[NodeLabel.DECISION.value], exclude_ids=[decision_id])
    hits = vectors.search(query, 4 * k, flt)
    found = graph.get_many([h.node_id for h in hits])
    outcomes = graph.outcomes_of(list(found))
    precedents = []
    for hit in hits:
        other, latest = found.get(hit.node_id), outcomes.get(hit.node_id)
        if isinstance(other, Decision) and latest:
            precedents.append(Precedent(
                venture_id=other.venture_id, venture_name=names[other.venture_id], decision_id=other.id,
                kind=other.kind, title=other.title, chosen=other.chosen, similarity=round(hit.similarity, 4),
                score=latest[-1].score, outcome_summary=latest[-1].summary,
            ))
    return precedents[:k]
