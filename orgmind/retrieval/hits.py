"""Typed search results: a hit, its record's essentials, and how its score came about."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from orgmind.models import Outcome


class ScoreExplanation(BaseModel):
    """The parts of a hit's score.

    ``relevance`` is the reciprocal-rank fusion of the dense and lexical rankings, scaled so the
    best candidate has 1. ``score = relevance_weight * relevance + recency_weight * recency +
    outcome_bonus``; MMR then orders hits, trading score against ``max_similarity`` to hits
    already chosen.
    """

    model_config = ConfigDict(frozen=True)

    dense_rank: int | None
    dense_similarity: float | None
    lexical_rank: int | None
    lexical_score: float | None
    fused: float
    relevance: float
    recency: float
    outcome_bonus: float
    max_similarity: float
    mmr: float

    def describe(self) -> str:
        """One line for people: where the hit ranked and what moved it."""
        parts = []
        if self.dense_rank is not None:
            parts.append(f"semantic #{self.dense_rank} (cos {self.dense_similarity:.2f})")
        if self.lexical_rank is not None:
            parts.append(f"keyword #{self.lexical_rank} (bm25 {self.lexical_score:.2f})")
        parts.append(f"recency {self.recency:.2f}")
        if self.outcome_bonus:
            parts.append(f"outcome +{self.outcome_bonus:.2f}")
        if self.max_similarity > 0:
            parts.append(f"novelty vs earlier hits {1 - self.max_similarity:.2f}")
        return ", ".join(parts)


class Hit(BaseModel):
    """One search result: ``label`` is the record's type in lower case (``decision``,
    ``observation``, ``insight``, ``pattern``), ``decision_kind`` a decision's kind. For a
    decision, ``outcome`` is its latest outcome, if observed."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    venture: str | None
    ref: str | None
    text: str
    score: float
    explanation: ScoreExplanation
    role: str | None = None
    decision_kind: str | None = None
    timestamp: datetime
    outcome: Outcome | None = None
