"""The embedded vector index: Qdrant's own engine in-process (qdrant-edge), on disk.

Layout under ``path``::

    index.json   {"format": 1, "dim": ..., "model_name": ...}, checked on every open
    identity     a random id made with the index (see ``VectorIndex.identity``)
    lock         flock'ed by the process that holds the index (holds its pid)
    shard/       the qdrant-edge shard: edge_config.json, wal/, segments/

Persistence: qdrant-edge appends every update to a write-ahead log (``shard/wal``, memory-mapped
segment files) and applies it to the segments; on load it replays whatever the segments lack.
An update therefore survives the *process* being killed once ``upsert``/``delete`` returns (the
kernel holds the mapped pages), but it is on stable storage, safe from a machine crash or power
loss, only once ``flush()`` returns: flush msyncs the log and the segments and fsyncs the record
of how far the log is applied. ``close()`` flushes too.

Optimisation: writes land in an appendable segment that is searched exactly (brute force), and
qdrant-edge has no background optimiser. ``EdgeShard.optimize()`` runs Qdrant's segment
optimisers in the calling thread until none has work left: they build an HNSW graph for a
segment past the indexing threshold (Qdrant's default, 10 MB of vectors, about 6.5k 384-dim
points), merge small segments (rebuilding their graph) and vacuum deleted points. With nothing
to do it takes microseconds; otherwise it takes seconds to minutes and holds the GIL, so the
whole process pauses. ``upsert`` runs it once the points written since the last run reach
``max(OPTIMIZE_AFTER, points present after the last run or at open)``: a geometric schedule,
so a bulk load pays about one full build, in a handful of pauses. ``optimize()`` runs it on
demand (after a reindex, or when idle). Filters that select few points are answered exactly
through the payload indexes, optimised or not.

Only one process may hold the index: the opener takes a non-blocking exclusive ``flock`` on
``lock`` and a second opener gets ``StoreLocked`` at once. (qdrant-edge also locks its WAL,
but fails with a bare ``Exception``.)
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    HasIdCondition,
    KeywordIndexParams,
    MatchAny,
    PayloadSchemaType,
    Point,
    Query,
    QueryRequest,
    RangeFloat,
    ScrollRequest,
    UpdateOperation,
)

from orgmind.errors import IndexMismatch, StoreLocked, StoreUnavailable
from orgmind.retrieval.vectors import (
    NODE_ID_KEY,
    VectorFilter,
    VectorHit,
    VectorPoint,
    point_id,
    vector_values,
)

__all__ = ["OPTIMIZE_AFTER", "EdgeVectorIndex"]

META_FILE = "index.json"
IDENTITY_FILE = "identity"
LOCK_FILE = "lock"
SHARD_DIR = "shard"
FORMAT = 1
OPTIMIZE_AFTER = 10_000
"""The fewest written points after which ``upsert`` runs the optimisers itself."""

_BATCH = 1_000
_PAYLOAD_INDEXES: dict[str, Any] = {
    "venture_id": KeywordIndexParams(is_tenant=True),
    "label": PayloadSchemaType.Keyword,
    "kind": PayloadSchemaType.Keyword,
    "role": PayloadSchemaType.Keyword,
    "ts": PayloadSchemaType.Integer,
}


class EdgeVectorIndex:
    """A cosine vector index in a directory, held by one process at a time."""

    shared = False

    def __init__(self, path: Path, dim: int, model_name: str, *, recreate: bool = False) -> None:
        self.path = Path(path).absolute()
        self.dim = dim
        self.model_name = model_name
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.path)
        try:
            self._shard = self._open(recreate)
        except BaseException:
            self._lock.close()
            raise
        self.identity = _identity(self.path / IDENTITY_FILE, fresh=recreate)
        self._pending = 0
        self._settled = self.count()
        self._closed = False

    def _open(self, recreate: bool) -> EdgeShard:
        meta_path, shard_path = self.path / META_FILE, self.path / SHARD_DIR
        if recreate:
            shutil.rmtree(shard_path, ignore_errors=True)
            meta_path.unlink(missing_ok=True)
        if meta_path.exists():
            self._check(json.loads(meta_path.read_text()))
        elif shard_path.exists():
            raise IndexMismatch(
                f"the vector index at {self.path} has no {META_FILE}, so its embedding model is "
                "unknown; run `orgmind reindex` to rebuild it"
            )
        else:
            _write_json(meta_path, self._meta())
        try:
            if shard_path.exists():
                shard = EdgeShard.load(str(shard_path))
            else:
                vectors = EdgeVectorParams(size=self.dim, distance=Distance.Cosine)
                shard = EdgeShard.create(str(shard_path), EdgeConfig(vectors=vectors))
        except Exception as exc:
            raise StoreUnavailable(
                f"cannot open the vector index at {self.path}: {exc}; "
                "run `orgmind reindex` to rebuild it"
            ) from exc
        existing = shard.info().payload_schema
        for key, schema in _PAYLOAD_INDEXES.items():
            if key not in existing:
                shard.update(UpdateOperation.create_field_index(key, schema))
        return shard

    def _meta(self) -> dict[str, Any]:
        return {"format": FORMAT, "dim": self.dim, "model_name": self.model_name}

    def _check(self, meta: dict[str, Any]) -> None:
        if meta != self._meta():
            raise IndexMismatch(
                f"the vector index at {self.path} was built with model "
                f"{meta.get('model_name')!r} (dim {meta.get('dim')}), but model "
                f"{self.model_name!r} (dim {self.dim}) is configured; "
                "run `orgmind reindex` to rebuild it"
            )

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        """Write ``points`` (all vectors are checked before any is written)."""
        records = [
            Point(point_id(p.node_id), vector_values(p.vector, self.dim), p.stored_payload())
            for p in points
        ]
        for start in range(0, len(records), _BATCH):
            self._shard.update(UpdateOperation.upsert_points(records[start : start + _BATCH]))
        self._pending += len(points)
        if self._pending >= max(OPTIMIZE_AFTER, self._settled):
            self.optimize()

    def delete(self, node_ids: Sequence[str]) -> None:
        if node_ids:
            ids = [point_id(n) for n in node_ids]
            self._shard.update(UpdateOperation.delete_points(ids))  # type: ignore[arg-type]

    def search(
        self, vector: Sequence[float] | np.ndarray, k: int, flt: VectorFilter | None = None
    ) -> list[VectorHit]:
        if k <= 0 or (flt is not None and flt.matches_nothing):
            return []
        request = QueryRequest(
            limit=k,
            query=Query.Nearest(vector_values(vector, self.dim)),
            filter=None if flt is None else _edge_filter(flt),
            with_payload=True,
        )
        return [VectorHit.from_stored(h.payload or {}, h.score) for h in self._shard.query(request)]

    def get_vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        by_point = {point_id(n): n for n in node_ids}
        records = self._shard.retrieve(list(by_point), False, True)
        return {by_point[str(r.id)]: np.asarray(r.vector, dtype=np.float32) for r in records}

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = None
        while True:
            request = ScrollRequest(offset=offset, limit=_BATCH, with_payload=[NODE_ID_KEY])
            records, offset = self._shard.scroll(request)
            found.update(r.payload[NODE_ID_KEY] for r in records if r.payload)
            if offset is None:
                return found

    def count(self) -> int:
        return self._shard.count(CountRequest(exact=True))

    def flush(self) -> None:
        """Put every write so far on stable storage."""
        self._shard.flush()

    def optimize(self) -> None:
        """Run the optimisers until they are done (blocks; seconds per 10k points to index)."""
        self._shard.optimize()
        self._pending = 0
        self._settled = self.count()

    def close(self) -> None:
        """Flush (without optimising) and release the lock. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            self._shard.flush()
            self._shard.close()
        finally:
            self._lock.close()


def _lock(path: Path) -> IO[str]:
    """Take the exclusive lock on the index at ``path``, or raise ``StoreLocked`` at once."""
    handle = open(path / LOCK_FILE, "a+")  # held open until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StoreLocked(
            f"the vector index at {path} is already open (held by pid {holder}); "
            "only one process may open it, once, at a time"
        ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically and durably."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as out:
        json.dump(data, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _edge_filter(flt: VectorFilter) -> Filter:
    must: list[Any] = [
        FieldCondition(key, match=MatchAny(values)) for key, values in flt.keyword_constraints()
    ]
    if flt.since_ts is not None or flt.until_ts is not None:
        must.append(FieldCondition("ts", range=RangeFloat(gte=flt.since_ts, lt=flt.until_ts)))
    must_not: list[Any] = []
    if flt.exclude_ids:
        must_not.append(HasIdCondition({point_id(n) for n in flt.exclude_ids}))
    return Filter(must=must or None, must_not=must_not or None)


def _identity(path: Path, *, fresh: bool) -> str:
    """The index's identity, made (and stored) when the index is new or rebuilt."""
    if not fresh and path.exists():
        return path.read_text().strip()
    identity = f"edge:{uuid.uuid4()}"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(identity)
    os.replace(tmp, path)
    return identity
