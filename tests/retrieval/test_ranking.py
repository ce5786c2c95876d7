"""Ranking steps of hybrid recall: fusion, recency, reranking and MMR, on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgmind.retrieval.ranking import (
    Candidate,
    RankWeights,
    dense_spread,
    fuse,
    lexical_weight_for,
    mmr_order,
    mmr_reachable,
    recency,
    rerank,
)


def test_fuse_weights_lexical_ranks_and_scales_relevance_to_the_best() -> None:
    fused = fuse([("a", 0.9), ("b", 0.8)], [("b", 12.0), ("c", 3.0)], rrf_k=10, lexical_weight=0.5)
    assert fused["a"].fused == pytest.approx(1 / 11)
    assert fused["b"].fused == pytest.approx(1 / 12 + 0.5 / 11)
    assert fused["c"].fused == pytest.approx(0.5 / 12)
    assert (fused["b"].dense_rank, fused["b"].lexical_rank, fused["c"].dense_rank) == (2, 1, None)
    assert fused["b"].relevance == 1.0
    assert fused["a"].relevance == pytest.approx((1 / 11) / (1 / 12 + 0.5 / 11))
    assert fuse([], []) == {}


def test_dense_spread_is_the_best_cosine_minus_the_tenth_or_the_last() -> None:
    sims = [0.9 - 0.05 * i for i in range(12)]
    assert dense_spread(sims) == pytest.approx(0.9 - 0.45)
    assert dense_spread([0.7, 0.5, 0.4]) == pytest.approx(0.3)
    assert dense_spread([0.7]) == 0.0 and dense_spread([]) == 0.0


def test_bm25_weight_rises_as_the_dense_ranking_flattens() -> None:
    weights = RankWeights(lexical_weight=0.5, lexical_weight_unsure=1.0, spread_narrow=0.1, spread_wide=0.2)
    assert lexical_weight_for(0.35, weights) == 0.5  # confident dense ranking
    assert lexical_weight_for(0.2, weights) == 0.5
    assert lexical_weight_for(0.15, weights) == pytest.approx(0.75)  # halfway
    assert lexical_weight_for(0.1, weights) == 1.0
    assert lexical_weight_for(0.0, weights) == 1.0  # flat, or no dense ranking at all


def test_recency_halves_per_half_life_and_treats_the_future_as_now() -> None:
    assert recency(0, 120) == 1.0
    assert recency(120, 120) == pytest.approx(0.5)
    assert recency(240, 120) == pytest.approx(0.25)
    assert recency(-5, 120) == 1.0


def test_rerank_adds_recency_and_a_known_outcome() -> None:
    candidates = {"a": Candidate("a", relevance=1.0), "b": Candidate("b", relevance=0.5)}
    weights = RankWeights()
    rerank(candidates, {"a": 120.0, "b": 0.0}, {"a": -0.8, "b": None}, weights)
    assert candidates["a"].outcome_bonus == pytest.approx(0.05 + 0.05 * 0.8)
    assert candidates["a"].score == pytest.approx(0.8 * 1.0 + 0.1 * 0.5 + 0.09)
    assert candidates["b"].score == pytest.approx(0.8 * 0.5 + 0.1 * 1.0)


def _reference_mmr(candidates: list[Candidate], vectors: dict[str, np.ndarray], k: int, lam: float) -> list[str]:
    """MMR as defined, one candidate at a time (the specification the vectorised code meets)."""
    remaining = sorted(candidates, key=lambda c: (-c.score, c.node_id))
    chosen: list[Candidate] = []
    while remaining and len(chosen) < k:
        def value(c: Candidate) -> float:
            sims = [float(vectors[c.node_id] @ vectors[o.node_id]) for o in chosen
                    if c.node_id in vectors and o.node_id in vectors]
            return lam * c.score - (1 - lam) * max([0.0, *sims])
        best = max(remaining, key=value)  # max keeps the first of equal values
        remaining.remove(best)
        chosen.append(best)
    return [c.node_id for c in chosen]


def test_mmr_skips_a_near_duplicate_for_a_novel_candidate() -> None:
    vectors = {"a": np.array([1.0, 0.0]), "a2": np.array([0.995, math.sqrt(1 - 0.995**2)]),
               "b": np.array([0.0, 1.0])}
    candidates = [Candidate("a", score=1.0), Candidate("a2", score=0.95), Candidate("b", score=0.8)]
    chosen = mmr_order(candidates, vectors, k=3, mmr_lambda=0.5)
    assert [c.node_id for c in chosen] == ["a", "b", "a2"]
    assert chosen[0].max_similarity == 0.0 and chosen[0].mmr == pytest.approx(0.5)
    assert chosen[1].max_similarity == 0.0 and chosen[1].mmr == pytest.approx(0.4)
    assert chosen[2].max_similarity == pytest.approx(0.995)
    assert chosen[2].mmr == pytest.approx(0.5 * 0.95 - 0.5 * 0.995)


def test_mmr_without_vectors_is_score_order_and_k_bounds_the_result() -> None:
    candidates = [Candidate("c", score=0.2), Candidate("a", score=0.9), Candidate("b", score=0.9)]
    assert [c.node_id for c in mmr_order(candidates, {}, k=2, mmr_lambda=0.8)] == ["a", "b"]
    assert mmr_order([], {}, k=5, mmr_lambda=0.8) == []
    assert len(mmr_order(candidates, {}, k=10, mmr_lambda=0.8)) == 3


@pytest.mark.parametrize("seed", range(5))
def test_mmr_matches_the_one_at_a_time_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = [f"n{i:02d}" for i in range(40)]
    raw = rng.standard_normal((40, 8))
    vectors = {i: v / np.linalg.norm(v) for i, v in zip(ids, raw, strict=True) if i != "n07"}  # n07: no vector
    scores = rng.random(40).round(2)  # rounding makes ties, broken by id
    fresh = lambda: [Candidate(i, score=float(s)) for i, s in zip(ids, scores, strict=True)]  # noqa: E731
    expected = _reference_mmr(fresh(), vectors, 15, 0.7)
    assert [c.node_id for c in mmr_order(fresh(), vectors, 15, 0.7)] == expected


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("k", "mmr_lambda"), [(1, 0.8), (4, 0.8), (10, 0.5), (10, 0.9), (6, 1.0)])
def test_mmr_picks_the_same_from_the_reachable_candidates_alone(seed: int, k: int, mmr_lambda: float) -> None:
    rng = np.random.default_rng(seed)
    ids = [f"n{i:02d}" for i in range(60)]
    centres = rng.standard_normal((5, 8))  # clusters of near-duplicates: redundancy near 1
    raw = centres[rng.integers(0, 5, 60)] + 0.05 * rng.standard_normal((60, 8))
    vectors = {i: v / np.linalg.norm(v) for i, v in zip(ids, raw, strict=True) if i != "n03"}
    scores = (rng.random(60) * rng.choice([0.3, 1.5])).round(3)
    fresh = lambda: [Candidate(i, score=float(s)) for i, s in zip(ids, scores, strict=True)]  # noqa: E731
    reachable = mmr_reachable(fresh(), k, mmr_lambda)
    assert len(reachable) < 60 or scores.max() - scores.min() <= (1 - mmr_lambda) / mmr_lambda
    picked = mmr_order(reachable, {c.node_id: vectors[c.node_id] for c in reachable if c.node_id in vectors},
                       k, mmr_lambda)
    expected = mmr_order(fresh(), vectors, k, mmr_lambda)
    assert [(c.node_id, c.mmr, c.max_similarity) for c in picked] == \
        [(c.node_id, c.mmr, c.max_similarity) for c in expected]
