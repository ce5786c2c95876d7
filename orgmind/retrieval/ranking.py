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
    """BM25's weight in the fusion when the dense ranking is confident (its spread is wide)."""
    lexical_weight_unsure: float = 1.0
    """BM25's weight when the dense ranking is flat (its spread is narrow); in between, interpolated."""
    spread_narrow: float = 0.08
    """A dense spread (best cosine minus the tenth best) at or below which the dense ranking is flat."""
    spread_wide: float = 0.20
    """A dense spread at or above which the dense ranking is confident."""
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
    exact_weight: float = 0.0
    """Relevance added to a candidate whose text holds all the names and numbers the query spells out."""


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


SPREAD_DEPTH = 10
"""The dense spread compares the best cosine with the one at this rank (or the last, if fewer)."""


def dense_spread(similarities: Sequence[float]) -> float:
    """How far the best dense match stands out: its cosine minus the tenth best (0 if none)."""
    if not similarities:
        return 0.0
    return similarities[0] - similarities[min(SPREAD_DEPTH, len(similarities)) - 1]


def lexical_weight_for(spread: float, weights: RankWeights) -> float:
    """BM25's fusion weight for a query whose dense ranking has ``spread``.

    A flat dense ranking (the best match barely beats the tenth) is a sign the embedding does not
    single out the answer, so BM25 counts more; a wide spread keeps it at ``lexical_weight``.
    """
    narrow, wide = weights.spread_narrow, weights.spread_wide
    confident = 1.0 if spread >= wide else 0.0 if spread <= narrow else (spread - narrow) / (wide - narrow)
    return weights.lexical_weight_unsure + confident * (weights.lexical_weight - weights.lexical_weight_unsure)


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


def mmr_reachable(candidates: Sequence[Candidate], k: int, mmr_lambda: float) -> list[Candidate]:
    """The candidates ``mmr_order`` could pick in ``k`` steps; it picks the same from them alone.

    A step's value is ``mmr_lambda * score`` less at most ``1 - mmr_lambda`` (cosines are at
    most 1), so a candidate scoring more than ``(1 - mmr_lambda) / mmr_lambda`` under the
    ``k``-th best score is beaten at every step by one of the top ``k`` not yet picked, and is
    never picked; nor does it change another's value. Leaving it out spares reading its vector.
    """
    if mmr_lambda <= 0 or len(candidates) <= k:
        return list(candidates)
    kth = sorted((c.score for c in candidates), reverse=True)[max(k, 1) - 1]
    margin = (1 - mmr_lambda) / mmr_lambda * (1 + 1e-6)  # a cosine may round to just over 1
    return [c for c in candidates if c.score >= kth - margin]


def mmr_order(
    candidates: Sequence[Candidate], vectors: Mapping[str, np.ndarray], k: int, mmr_lambda: float
) -> list[Candidate]:
    """Maximal marginal relevance: pick ``k`` candidates, trading score against redundancy.

    Each step picks the candidate maximising ``mmr_lambda * score - (1 - mmr_lambda) * s``,
    where ``s`` is its largest cosine (floored at 0) with those already picked; ties go to the
    higher score, then the smaller id. A candidate without a vector is never redundant.
    Vectorised: per step one elementwise product with the picked vector updates every
    candidate's running maximum (no BLAS call, whose thread pool costs more than it saves on
    a few dozen candidates when the machine is busy).
    """
    ordered = sorted(candidates, key=lambda c: (-c.score, c.node_id))
    count = len(ordered)
    if count == 0 or k < 1:
        return []
    scores = np.array([c.score for c in ordered], dtype=np.float64)
    dim = next((len(vectors[c.node_id]) for c in ordered if c.node_id in vectors), 0)
    unit = np.zeros((count, dim), dtype=np.float64)  # a candidate without a vector: a zero row
    for row, candidate in enumerate(ordered):
        vector = vectors.get(candidate.node_id)
        if vector is not None:
            unit[row] = vector
    redundancy = np.zeros(count, dtype=np.float64)
    available = np.ones(count, dtype=bool)
    chosen: list[Candidate] = []
    for _ in range(min(k, count)):
        values = np.where(available, mmr_lambda * scores - (1 - mmr_lambda) * redundancy, -np.inf)
        best = int(np.argmax(values))  # the first maximum: the higher score, then the smaller id
        picked = ordered[best]
        picked.max_similarity = float(redundancy[best])
        picked.mmr = float(values[best])
        chosen.append(picked)
        available[best] = False
        np.maximum(redundancy, np.multiply(unit, unit[best]).sum(axis=1), out=redundancy)
    return chosen
