"""Relevance of brief lines to the task: order by it, leave out what falls under a floor.

A brief's sections are gathered from the graph, not searched, so each candidate line is scored by
the cosine between the task and the stored vector of the record it cites (the same vectors recall
uses; nothing is embedded again but the task). Lines are ordered by that score, and a line whose
record scores under ``RELEVANCE_FLOOR`` is left out: an unrelated line costs the reader more than
a missing one. Without a task nothing is dropped and the section keeps its own order.

Guardrails name the decision kinds they gate; those the task touches are given in full, the
others as one line. The kinds a task touches are those of its closest decided precedents and
those it names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from orgmind.retrieval.lexical import analyze

__all__ = ["KIND_MATCH", "RELEVANCE_FLOOR", "kinds_named", "rank_by_task"]

RELEVANCE_FLOOR = 0.15
"""Cosine (all-MiniLM-L6-v2) under which a record is taken as unrelated to the task; fixed
before the judged brief set was scored (see docs/benchmarks.md for the precision it gives)."""

KIND_MATCH = 0.2
"""Relevance an insight or pattern gains when its decision kind is one the task touches."""

T = TypeVar("T")


def rank_by_task(
    items: Sequence[T],
    similarity: Sequence[float],
    *,
    floor: float | None = RELEVANCE_FLOOR,
    then: Callable[[T], tuple[object, ...]] | None = None,
) -> list[T]:
    """``items`` best first by ``similarity`` (ties by ``then``), those under ``floor`` left out."""
    paired = [(item, score) for item, score in zip(items, similarity, strict=True)
              if floor is None or score >= floor]
    paired.sort(key=lambda pair: (-pair[1], *(then(pair[0]) if then else ())))
    return [item for item, _ in paired]


def kinds_named(task: str, kinds: Collection[str]) -> set[str]:
    """The decision kinds whose name (or a word of it) the task uses, as analysed for BM25."""
    words = set(analyze(task))
    return {kind for kind in kinds if words.intersection(analyze(kind.replace("_", " ")))}
