"""Context spread: a record written just before or after a relevant one shares some of its relevance.

An answer often sits beside the record that matches the question: the reply after a question in
a conversation, the note after the one naming the topic. Each candidate among the best ``seeds``
passes ``weight`` times its relevance to its neighbours (records of its venture and label written
right before and after it, close in time); a neighbour keeps the largest share offered, and one
that was not a candidate becomes one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence

from orgmind.retrieval.ranking import Candidate

__all__ = ["spread_to_neighbours"]

NeighbourLookup = Callable[[Iterable[str]], dict[str, list[str]]]


def spread_to_neighbours(
    candidates: MutableMapping[str, Candidate],
    neighbours_of: NeighbourLookup,
    weight: float,
    seeds: int,
    *,
    admit_new: bool = True,
) -> None:
    """Raise each neighbour's ``relevance`` by ``weight`` times the best seed beside it.

    ``admit_new=False`` only raises records already among the candidates (used when the search
    has filters a neighbour might not pass).
    """
    if weight <= 0 or not candidates:
        return
    ranked: Sequence[Candidate] = sorted(candidates.values(), key=lambda c: (-c.relevance, c.node_id))[:seeds]
    gains: dict[str, float] = {}
    for seed, around in neighbours_of(c.node_id for c in ranked).items():
        share = weight * candidates[seed].relevance
        for other in around:
            if admit_new or other in candidates:
                gains[other] = max(gains.get(other, 0.0), share)
    for node_id, gain in gains.items():
        candidates.setdefault(node_id, Candidate(node_id)).relevance += gain
