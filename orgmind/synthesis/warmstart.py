"""Warm starts: a venture that shares borrows the evidence of similar sharing ventures.

Similar means: both ventures share (``patterns`` or ``open``), both have a description, and the
descriptions' embeddings reach ``SIMILAR`` cosine. Their decisions with outcomes are pooled per
kind, option and context value (e.g. the segment), recency-weighted, and become the prior of the
venture's own estimates with at most ``BORROW_WEIGHT`` outcomes' weight (times the similarity),
so its own evidence replaces them as it comes. Only cells seen in at least ``MIN_VENTURES``
ventures are lent: the brief states pooled numbers, never another venture's records.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

from orgmind.graph.base import GraphStore
from orgmind.graph.queries import ALL, sharing_ventures
from orgmind.models import Venture
from orgmind.synthesis.estimates import weight
from orgmind.synthesis.labels import normalise
from orgmind.synthesis.recommend import Borrowed, Condition

SIMILAR = 0.5
"""Cosine of two ventures' description embeddings from which one lends to the other."""
BORROW_WEIGHT = 3.0
"""Most prior weight, in outcomes, that borrowed evidence of one option and cell gets."""
MIN_VENTURES = 2

Embed = Callable[[Sequence[str]], np.ndarray]


def borrowed_evidence(
    graph: GraphStore, embed: Embed, venture: Venture, now: datetime
) -> dict[tuple[str, Condition, str], Borrowed]:
    """Borrowed prior per (kind, condition, option) for ``venture`` (empty when it does not share)."""
    lenders = sharing_ventures(graph)
    if venture.id not in {v.id for v in lenders} or not venture.description.strip():
        return {}
    others = [v for v in lenders if v.id != venture.id and v.description.strip()]
    if not others:
        return {}
    vectors = np.asarray(embed([venture.description, *(v.description for v in others)]), dtype=float)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = {v.id: float(vectors[0] @ vectors[i + 1]) for i, v in enumerate(others)}
    found = [
        (lender.id, item.decision, item.outcome)
        for lender in others if similarity[lender.id] >= SIMILAR
        for item in graph.decisions_with_outcomes(venture_id=lender.id, limit=ALL)
        if item.outcome is not None and item.decision.chosen and item.outcome.observed_at <= now
    ]
    as_of = max((outcome.observed_at for _, _, outcome in found), default=now)  # ages count from the newest
    cells: dict[tuple[str, Condition, str], list[tuple[str, float, float]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for lender_id, decision, outcome in found:
        option = normalise(decision.chosen or "")
        labels.setdefault(option, decision.chosen or "")
        conditions: list[Condition] = [None]
        conditions += [(normalise(k, 30), normalise(str(v), 40)) for k, v in sorted(decision.context.items())
                       if k != "option" and isinstance(v, (str, bool))]
        for condition in conditions:
            cells[(decision.kind, condition, option)].append(
                (lender_id, outcome.score, weight(outcome.observed_at, as_of)))
    lent = {}
    for key, rows in cells.items():
        ventures = {v for v, _, _ in rows}
        total = math.fsum(w for _, _, w in rows)
        if len(ventures) < MIN_VENTURES or total <= 0:
            continue
        mean = math.fsum(s * w for _, s, w in rows) / total
        likeness = sum(similarity[v] for v in ventures) / len(ventures)
        lent[key] = Borrowed(label=labels[key[2]], mean=mean, weight=min(BORROW_WEIGHT, total) * likeness,
                             ventures=len(ventures), n=len(rows))
    return lent
