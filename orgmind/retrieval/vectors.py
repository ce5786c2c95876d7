"""The vector index protocol and its data types.

A vector index maps a graph node id to one embedding plus a small payload used for filtering.
Two implementations share this protocol and one congruence test suite:
``orgmind.retrieval.edge_index.EdgeVectorIndex`` (Qdrant's engine in-process, on disk) and
``orgmind.retrieval.qdrant_server.QdrantServerIndex`` (a Qdrant server through qdrant-client).

Distance is cosine; both backends L2-normalise vectors when they store them, so
``get_vectors`` returns unit vectors. Qdrant point ids are ``point_id(node_id)`` (uuid5), which
makes ``upsert`` idempotent; the node id itself is kept in the payload under ``node_id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from orgmind.errors import InvalidRecord

__all__ = [
    "KEYWORD_FIELDS",
    "NODE_ID_KEY",
    "VectorFilter",
    "VectorHit",
    "VectorIndex",
    "VectorPayload",
    "VectorPoint",
    "point_id",
    "vector_values",
]

NODE_ID_KEY = "node_id"
KEYWORD_FIELDS = ("venture_id", "label", "kind", "role")
"""Payload fields that filters match by value (both backends index them as keywords)."""

_NAMESPACE = uuid.UUID("5d1c3b7e-8f0a-5b52-9a43-6f72676d696e")  # fixed forever: ids depend on it


@lru_cache(maxsize=1 << 16)
def point_id(node_id: str) -> str:
    """The Qdrant point id of a node: a uuid5 of its id, stable across processes and versions
    (memoised: searches map the same few thousand ids again and again)."""
    return str(uuid.uuid5(_NAMESPACE, node_id))


def vector_values(vector: Sequence[float] | np.ndarray, dim: int) -> list[float]:
    """``vector`` as a list of floats, checked to have ``dim`` finite components, not all 0."""
    array = np.asarray(vector, dtype=np.float32)
    if array.shape != (dim,):
        raise InvalidRecord("vector", f"has shape {array.shape}, the index expects ({dim},)")
    if not np.isfinite(array).all():
        raise InvalidRecord("vector", "has NaN or infinite components")
    if not array.any():
        raise InvalidRecord("vector", "is all zeros, which has no cosine similarity")
    values: list[float] = array.tolist()
    return values


@dataclass(frozen=True)
class VectorPayload:
    """What the index stores beside a vector, for filtering and ranking."""

    venture_id: str | None
    label: str
    kind: str | None
    role: str | None
    ts: int
    """Microseconds since the epoch (UTC)."""
    score: float | None
    """The outcome score, if known."""
    brain_version_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VectorPayload:
        """Build from a stored payload; unknown keys (such as ``node_id``) are ignored."""
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class VectorPoint:
    node_id: str
    vector: Sequence[float] | np.ndarray
    payload: VectorPayload

    def stored_payload(self) -> dict[str, Any]:
        """The payload as stored: the payload fields plus ``node_id``."""
        return {**self.payload.to_dict(), NODE_ID_KEY: self.node_id}


@dataclass(frozen=True)
class VectorHit:
    node_id: str
    similarity: float
    """Cosine similarity to the query, in [-1, 1]."""
    payload: VectorPayload

    @classmethod
    def from_stored(cls, payload: dict[str, Any], similarity: float) -> VectorHit:
        return cls(payload[NODE_ID_KEY], similarity, VectorPayload.from_dict(payload))


def best_first(hits: Iterable[VectorHit]) -> list[VectorHit]:
    """Hits by similarity, ties by node id: the order never depends on where an engine keeps a point."""
    return sorted(hits, key=lambda hit: (-hit.similarity, hit.node_id))


@dataclass(frozen=True)
class VectorFilter:
    """Constraints on a search; all given constraints must hold.

    ``None`` means no constraint. An empty list in a positive constraint (``venture_ids``,
    ``labels``, ``kinds``, ``roles``) matches nothing; an empty ``exclude_ids`` excludes nothing.
    A point whose field is null never matches a list constraint on that field.
    """

    venture_ids: Sequence[str] | None = None
    labels: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    roles: Sequence[str] | None = None
    since_ts: int | None = None
    """Inclusive lower bound on ``ts``."""
    until_ts: int | None = None
    """Exclusive upper bound on ``ts``."""
    exclude_ids: Sequence[str] | None = None

    def keyword_constraints(self) -> list[tuple[str, list[str]]]:
        """The list constraints as ``(payload field, allowed values)`` pairs."""
        given = zip(KEYWORD_FIELDS, (self.venture_ids, self.labels, self.kinds, self.roles))
        return [(key, list(values)) for key, values in given if values is not None]

    @property
    def matches_nothing(self) -> bool:
        return any(not values for _, values in self.keyword_constraints())

    def admits(self, payload: dict[str, Any]) -> bool:
        """Whether a point with this stored payload passes the filter (as the backends apply it)."""
        for key, values in self.keyword_constraints():
            if payload.get(key) not in values:  # a null field never matches a list
                return False
        ts = payload.get("ts")
        if self.since_ts is not None and (ts is None or ts < self.since_ts):
            return False
        if self.until_ts is not None and (ts is None or ts >= self.until_ts):
            return False
        return not (self.exclude_ids and payload.get(NODE_ID_KEY) in self.exclude_ids)


class VectorIndex(Protocol):
    """A cosine vector index over graph nodes."""

    dim: int
    model_name: str
    identity: str
    """Names this index (not its copy elsewhere): a graph's indexed marks are kept for one identity."""
    shared: bool
    """True when other processes may write this index at the same time (a Qdrant server)."""
    sealed_with: int | None
    """The number of searchable records of the graph the index was sealed with when last closed
    (see ``seal``), when it holds as many points now; None otherwise, and always for a shared index."""

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        """Insert or replace points (keyed by node id)."""
        ...

    def delete(self, node_ids: Sequence[str]) -> None:
        """Remove points; unknown ids are ignored."""
        ...

    def search(
        self, vector: Sequence[float] | np.ndarray, k: int, flt: VectorFilter | None = None
    ) -> list[VectorHit]:
        """The ``k`` points most similar to ``vector`` that pass ``flt``, best first (ties by node id)."""
        ...

    def get_vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored (unit-length) vectors of the given nodes; unknown ids are left out."""
        ...

    def similarities(self, vector: Sequence[float] | np.ndarray, node_ids: Sequence[str]) -> dict[str, float]:
        """The cosine of ``vector`` with the stored vector of each given node; unknown ids are
        left out. Scored inside the index: no vector is read out."""
        ...

    def ids(self) -> set[str]:
        """Every node id in the index."""
        ...

    def count(self) -> int:
        """The number of points in the index."""
        ...

    def flush(self) -> None:
        """Make every write so far durable (a no-op where the backend does it on its own)."""
        ...

    def ensure_room(self, points: int, extra_bytes: int = 0) -> None:
        """Raise ``StoreFull`` unless writing ``points`` points (and ``extra_bytes`` of other data
        on the same disk) fits on the local disk (a no-op where the index lives on a server)."""
        ...

    def optimize(self) -> None:
        """Build search structures for recent writes (a no-op where the backend does it)."""
        ...

    def seal(self, searchable: int) -> None:
        """Flush, then record durably that the index agrees with a graph of ``searchable``
        searchable records, for the next open only (a no-op for a shared index). Call it right
        before ``close``, with nothing written in between."""
        ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """Around a large write: defer building search structures until it ends, where the
        backend would otherwise rebuild them as the data grows (a no-op elsewhere)."""
        ...

    def close(self) -> None:
        """Flush and release the index; it cannot be used afterwards."""
        ...
