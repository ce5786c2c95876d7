"""Pure ranking steps of hybrid recall: reciprocal rank fusion, reranking, MMR diversity."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RankWeights:
    """How hybrid recall weighs its signals (documented in docs/retrieval.md)."""

    rrf_k: int = 10
    lexical_weight: float = 0.5
    relevance: float = 0.8
    recency: float = 0.1
    recency_half_life_days: float = 120.0
    outcome_known: float = 0.05
    outcome_strength: float = 0.05
    mmr_lambda: float = 0.8
    neighbour_weight: float = 0.3
    """Share of a top candidate's relevance passed to the records written beside it."""
    neighbour_seeds: int = 20
    neighbour_within_s: float = 1800.0
    """How far apart in time two records may be and still be neighbours."""
    time_weight: float = 0.0
    """Relevance added to a candidate inside a period the query names (``2023``, ``last month``)."""


@dataclass
class Candidate:
    """A candidate and what each stage said about it."""

    node_id: str
    dense_rank: int | None = None
    dense_similarity: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    fused: float = 0.0
    relevance: float = 0.0
    recency: float = 0.0
    outcome_bonus: float = 0.0
    score: float = 0.0
    max_similarity: float = 0.0
    mmr: float = 0.0


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    rrf_k: int = 10,
    lexical_weight: float = 0.5,
) -> dict[str, Candidate]:
    """Weighted reciprocal rank fusion of two best-first rankings; ``relevance`` is fused / best.

    BM25 matches on any shared word, so its ranks count ``lexical_weight`` as much as the dense
    ones; a small ``rrf_k`` keeps a top rank in one list worth more than a low rank in both.
    """
    candidates: dict[str, Candidate] = {}
    for rank, (node_id, similarity) in enumerate(dense, start=1):
        candidate = candidates.setdefault(node_id, Candidate(node_id))
        candidate.dense_rank, candidate.dense_similarity = rank, similarity
        candidate.fused += 1.0 / (rrf_k + rank)
    for rank, (node_id, score) in enumerate(lexical, start=1):
        candidate = candidates.setdefault(node_id, Candidate(node_id))
        candidate.lexical_rank, candidate.lexical_score = rank, score
        candidate.fused += lexical_weight / (rrf_k + rank)
    best = max((c.fused for c in candidates.values()), default=0.0)
    for candidate in candidates.values():
        candidate.relevance = candidate.fused / best if best else 0.0
    return candidates


def recency(age_days: float, half_life_days: float) -> float:
    """1 for now, 0.5 after one half-life; future timestamps count as now."""
    return math.pow(0.5, max(age_days, 0.0) / half_life_days)


def rerank(
    candidates: Mapping[str, Candidate],
    ages_days: Mapping[str, float],
    outcome_scores: Mapping[str, float | None],
    weights: RankWeights,
) -> None:
    """Set each candidate's ``score`` from relevance, recency and a known outcome."""
    for node_id, candidate in candidates.items():
        candidate.recency = recency(ages_days[node_id], weights.recency_half_life_days)
        outcome = outcome_scores.get(node_id)
        candidate.outcome_bonus = (
            0.0 if outcome is None else weights.outcome_known + weights.outcome_strength * abs(outcome)
        )
        candidate.score = (
            weights.relevance * candidate.relevance
            + weights.recency * candidate.recency
            + candidate.outcome_bonus
        )


def mmr_order(
    candidates: Sequence[Candidate], vectors: Mapping[str, np.ndarray], k: int, mmr_lambda: float
) -> list[Candidate]:
    """Maximal marginal relevance: pick ``k`` candidates, trading score against redundancy."""
    remaining = sorted(candidates, key=lambda c: (-c.score, c.node_id))
    chosen: list[Candidate] = []
    while remaining and len(chosen) < k:
        best_index, best_value = 0, -math.inf
        for index, candidate in enumerate(remaining):
            similarity = _max_similarity(candidate.node_id, chosen, vectors)
            value = mmr_lambda * candidate.score - (1 - mmr_lambda) * similarity
            if value > best_value:
                best_index, best_value = index, value
                candidate.max_similarity = similarity
        picked = remaining.pop(best_index)
        picked.max_similarity = _max_similarity(picked.node_id, chosen, vectors)
        picked.mmr = best_value
        chosen.append(picked)
    return chosen


def _max_similarity(node_id: str, chosen: Sequence[Candidate], vectors: Mapping[str, np.ndarray]) -> float:
    vector = vectors.get(node_id)
    if vector is None or not chosen:
        return 0.0
    others = [vectors[c.node_id] for c in chosen if c.node_id in vectors]
    if not others:
        return 0.0
    return max(0.0, float(np.max(np.stack(others) @ vector)))
