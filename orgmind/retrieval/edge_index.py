"""The embedded vector index: Qdrant's own engine in-process (qdrant-edge), on disk.

Layout under ``path``::

    index.json   {"format": 1, "dim": ..., "model_name": ...}, checked on every open
    identity     a random id made with the index (see ``VectorIndex.identity``)
    lock         flock'ed by the process that holds the index (holds its pid)
    sealed       {"identity", "points", "searchable"}: written by ``seal`` at a clean close, removed
                 (durably) by the next open, which reads it first (see ``sealed_with``)
    shard/       the qdrant-edge shard: edge_config.json, wal/, segments/

Persistence: qdrant-edge appends every update to a write-ahead log (``shard/wal``, memory-mapped
segment files) and applies it to the segments; on load it replays whatever the segments lack.
An update therefore survives the *process* being killed once ``upsert``/``delete`` returns (the
kernel holds the mapped pages), but it is on stable storage, safe from a machine crash or power
loss, only once ``flush()`` returns: flush msyncs the log and the segments and fsyncs the record
of how far the log is applied. ``close()`` flushes too.

Search is exact: writes land in an appendable segment that is searched by brute force, and the
shard is configured never to build an HNSW graph (``EXACT_INDEXING_THRESHOLD_KB``). Every search
orgmind makes is filtered to a few ventures, and a filter on the tenant payload index scores
only the points it selects, so a search costs time in proportion to the selected ventures'
records, not to the whole index, and a bulk import never stalls on graph builds (on two cores
an HNSW build took minutes per 50k points and held the GIL throughout). Checking the filter costs
more per point than scoring it, though (a filter on 24 of 50 ventures and a label, over 100k
points: 45 ms; the same scan unfiltered: 12 ms), so a filter that selects a large share of the
points (``WIDE_SHARE`` or more by the payload indexes' estimate, in an index of at least
``WIDE_SCAN_MIN_POINTS``) is answered from an unfiltered scan for ``WIDE_OVERSAMPLE * k / share``
hits, filtered here: its first ``k`` passing hits are the exact answer; when fewer than ``k``
pass, the filtered scan runs instead. Either way the result is the exact top ``k``. ``EdgeShard.optimize()``
still merges small segments and vacuums deleted points, in the calling thread: ``upsert`` runs it
once the points written since the last run reach ``max(OPTIMIZE_AFTER, points present after the
last run or at open)``, a geometric schedule, and ``optimize()`` runs it on demand (after a
reindex). Shards made with an HNSW graph keep the segments they have and index no new ones.

Disk space: qdrant-edge writes through memory-mapped files that it creates sparse, and a write
into a mapped page the disk has no room for kills the process with SIGBUS. So every write first
checks that the disk has room for it (``ensure_room``: a fixed reserve plus a generous bound per
point) and raises ``StoreFull``, writing nothing, when it has not; the optimiser, which copies
segments, runs only when there is room for a copy. Errors of the engine on a full disk become
``StoreFull`` too.

Rebuilding (``recreate``) never leaves a half-made shard in place: the old shard is moved aside
and a new one is created under ``shard.new`` and renamed into place once it exists, so a process
killed at any point leaves either the old shard, no shard (an empty one is created on the next
open) or the new one, which the next open fills from the graph (see ``SearchIndex.reconcile``).
Leftovers of an interrupted rebuild are removed on open.

Only one process may hold the index: the opener takes a non-blocking exclusive ``flock`` on
``lock`` and a second opener gets ``StoreLocked`` at once. (qdrant-edge also locks its WAL,
but fails with a bare ``Exception``.)
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import math
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

import numpy as np
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeOptimizersConfig,
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

from orgmind.errors import IndexMismatch, OrgmindError, StoreFull, StoreLocked, StoreUnavailable
from orgmind.retrieval.vectors import (
    NODE_ID_KEY,
    VectorFilter,
    VectorHit,
    VectorPoint,
    best_first,
    point_id,
    vector_values,
)

__all__ = [
    "EXACT_INDEXING_THRESHOLD_KB", "OPTIMIZE_AFTER", "ROOM_PER_POINT", "ROOM_RESERVE", "WIDE_OVERSAMPLE",
    "WIDE_SCAN_MIN_POINTS", "WIDE_SHARE", "EdgeVectorIndex",
]

log = logging.getLogger(__name__)

META_FILE = "index.json"
IDENTITY_FILE = "identity"
LOCK_FILE = "lock"
SEALED_FILE = "sealed"
SHARD_DIR = "shard"
NEW_SHARD_DIR = "shard.new"
OLD_SHARD_DIR = "shard.old"
FORMAT = 1
OPTIMIZE_AFTER = 10_000
"""The fewest written points after which ``upsert`` runs the optimisers itself."""
WIDE_SCAN_MIN_POINTS = 20_000
"""The fewest points at which a wide filter is answered from an unfiltered scan (see ``WIDE_SHARE``)."""
WIDE_SHARE = 0.2
"""The estimated share of the points a filter must select for an unfiltered scan to be cheaper."""
WIDE_OVERSAMPLE = 2.0
"""How many more hits than ``k / share`` the unfiltered scan of a wide filter reads."""
EXACT_INDEXING_THRESHOLD_KB = 2**40
"""The segment size past which qdrant-edge would build an HNSW graph: never reached, so search is exact."""
ROOM_RESERVE = 16 * 2**20
"""Free bytes every write leaves in hand: pages of the mapped files it may touch first."""
ROOM_PER_POINT = 16 * 2**10
"""A generous bound of the bytes one point adds to the log, the vectors and the payload indexes."""

_BATCH = 1_000
_OPTIMIZERS = EdgeOptimizersConfig(indexing_threshold=EXACT_INDEXING_THRESHOLD_KB)
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
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StoreFull(f"no room on the disk for the vector index at {self.path}") from exc
            raise
        self._lock = _lock(self.path)
        try:
            self._shard = self._open(recreate)
        except BaseException:
            self._lock.close()
            raise
        self.identity = _identity(self.path / IDENTITY_FILE, fresh=recreate)
        self._pending = 0
        self._settled = self.count()
        self.sealed_with = _unseal(self.path / SEALED_FILE, self.identity, self._settled)
        self._closed = False

    def _open(self, recreate: bool) -> EdgeShard:
        meta_path, shard_path = self.path / META_FILE, self.path / SHARD_DIR
        for leftover in (NEW_SHARD_DIR, OLD_SHARD_DIR):  # of a rebuild that was interrupted
            shutil.rmtree(self.path / leftover, ignore_errors=True)
        self._ensure_room_to_load()
        if recreate:
            if shard_path.exists():
                os.replace(shard_path, self.path / OLD_SHARD_DIR)
            _write_json(meta_path, self._meta())
            shutil.rmtree(self.path / OLD_SHARD_DIR, ignore_errors=True)
        if meta_path.exists():
            self._check(json.loads(meta_path.read_text()))
        elif shard_path.exists():
            raise IndexMismatch(
                f"the vector index at {self.path} has no {META_FILE}, so its embedding model is "
                "unknown; run `orgmind reindex` to rebuild it"
            )
        else:
            _write_json(meta_path, self._meta())
        config = EdgeConfig(
            vectors=EdgeVectorParams(size=self.dim, distance=Distance.Cosine), optimizers=_OPTIMIZERS
        )
        try:
            if not shard_path.exists():
                new_path = self.path / NEW_SHARD_DIR
                EdgeShard.create(str(new_path), config).close()
                os.replace(new_path, shard_path)
            shard = EdgeShard.load(str(shard_path), config)
        except Exception as exc:
            self._raise_if_full(exc, "opening it")
            raise StoreUnavailable(
                f"cannot open the vector index at {self.path}: {exc}; "
                "run `orgmind reindex` to rebuild it"
            ) from exc
        existing = shard.info().payload_schema
        with self._translated("creating its payload indexes"):
            for key, schema in _PAYLOAD_INDEXES.items():
                if key not in existing:
                    shard.update(UpdateOperation.create_field_index(key, schema))
        return shard

    # ---- disk space ----------------------------------------------------------------------------

    def free_bytes(self) -> int:
        """Bytes free for this process on the disk under the index."""
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def ensure_room(self, points: int, extra_bytes: int = 0) -> None:
        """Raise ``StoreFull`` unless the disk has room to write ``points`` points safely, after
        ``extra_bytes`` of other data (the graph's share of the same write)."""
        self._need(ROOM_RESERVE + points * ROOM_PER_POINT + extra_bytes, f"writing {points} vectors")

    def _ensure_room_to_load(self) -> None:
        """Raise ``StoreFull`` unless loading the shard cannot run out of space.

        Loading reads the mapped files whole. On tmpfs a read of a hole in a shared mapping
        allocates the page, so there the holes of the sparse files must fit too.
        """
        holes = 0
        if _on_tmpfs(self.path):
            files = (f.stat() for f in (self.path / SHARD_DIR).rglob("*") if f.is_file())
            holes = sum(max(0, stat.st_size - stat.st_blocks * 512) for stat in files)
        self._need(ROOM_RESERVE + holes, "opening it")

    def _need(self, needed: int, doing: str) -> None:
        free = self.free_bytes()
        if free < needed:
            raise StoreFull(
                f"the disk under the vector index at {self.path} has {_mib(free)} free; {doing} "
                f"needs {_mib(needed)}: free some space and retry"
            )

    def _room_to_optimize(self) -> bool:
        """Whether the disk can hold a copy of the segments (what the optimiser may write)."""
        segments = self.path / SHARD_DIR / "segments"
        used = sum(f.stat().st_blocks * 512 for f in segments.rglob("*") if f.is_file())
        return self.free_bytes() >= ROOM_RESERVE + 2 * used

    def _raise_if_full(self, exc: Exception, doing: str) -> None:
        """Raise ``StoreFull`` for an engine error caused by a full disk."""
        if "No space left" in str(exc) or self.free_bytes() < ROOM_RESERVE:
            raise StoreFull(
                f"the disk under the vector index at {self.path} is full ({_mib(self.free_bytes())} "
                f"free) while {doing}: free some space and retry"
            ) from exc

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """The engine's bare exceptions as ``StoreFull`` or ``StoreUnavailable``."""
        try:
            yield
        except OrgmindError:
            raise
        except Exception as exc:  # noqa: BLE001 - qdrant-edge raises bare Exceptions
            self._raise_if_full(exc, doing)
            raise StoreUnavailable(f"the vector index at {self.path} failed while {doing}: {exc}") from exc

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
        self.ensure_room(len(records))
        with self._translated("writing vectors"):
            for start in range(0, len(records), _BATCH):
                self._shard.update(UpdateOperation.upsert_points(records[start : start + _BATCH]))
        self._pending += len(points)
        if self._pending >= max(OPTIMIZE_AFTER, self._settled):
            if self._room_to_optimize():
                self.optimize()
            else:
                log.warning("not optimising the vector index at %s: too little disk space", self.path)

    def delete(self, node_ids: Sequence[str]) -> None:
        if node_ids:
            self.ensure_room(len(node_ids))
            ids = [point_id(n) for n in node_ids]
            with self._translated("deleting vectors"):
                self._shard.update(UpdateOperation.delete_points(ids))  # type: ignore[arg-type]

    def search(
        self, vector: Sequence[float] | np.ndarray, k: int, flt: VectorFilter | None = None
    ) -> list[VectorHit]:
        if k <= 0 or (flt is not None and flt.matches_nothing):
            return []
        values = vector_values(vector, self.dim)
        if flt is not None:
            wide = self._search_wide(values, k, flt)
            if wide is not None:
                return wide
        request = QueryRequest(
            limit=k,
            query=Query.Nearest(values),
            filter=None if flt is None else _edge_filter(flt),
            with_payload=True,
        )
        return best_first(VectorHit.from_stored(h.payload or {}, h.score) for h in self._shard.query(request))

    def _search_wide(self, values: list[float], k: int, flt: VectorFilter) -> list[VectorHit] | None:
        """The exact answer to a filtered search that selects a large share of the points, read
        off an unfiltered scan; None when the filter is narrow or too few of the scan's hits pass
        it (the filtered scan answers then). See the module doc."""
        total = self._shard.count(CountRequest(exact=False))
        if total < WIDE_SCAN_MIN_POINTS:
            return None
        share = self._shard.count(CountRequest(filter=_edge_filter(flt), exact=False)) / total
        if share < WIDE_SHARE:
            return None
        limit = min(total, math.ceil(WIDE_OVERSAMPLE * k / share))
        request = QueryRequest(limit=limit, query=Query.Nearest(values), with_payload=True)
        scanned = self._shard.query(request)
        passed = [h for h in scanned if flt.admits(h.payload or {})]
        if len(passed) < k and len(scanned) == limit < total:
            return None
        return best_first(VectorHit.from_stored(h.payload or {}, h.score) for h in passed)[:k]

    def get_vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        by_point = {point_id(n): n for n in node_ids}
        records = self._shard.retrieve(list(by_point), False, True)
        return {by_point[str(r.id)]: np.asarray(r.vector, dtype=np.float32) for r in records}

    def similarities(self, vector: Sequence[float] | np.ndarray, node_ids: Sequence[str]) -> dict[str, float]:
        by_point = {point_id(n): n for n in node_ids}
        if not by_point:
            return {}
        request = QueryRequest(
            limit=len(by_point),
            query=Query.Nearest(vector_values(vector, self.dim)),
            filter=Filter(must=[HasIdCondition(set(by_point))]),
        )
        return {by_point[str(h.id)]: h.score for h in self._shard.query(request)}

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
        with self._translated("flushing"):
            self._shard.flush()

    def optimize(self) -> None:
        """Run the optimisers (merging segments, vacuuming deleted points) until they are done."""
        if not self._room_to_optimize():
            raise StoreFull(f"the disk under the vector index at {self.path} has no room to optimise it")
        with self._translated("optimising"):
            self._shard.optimize()
        self._pending = 0
        self._settled = self.count()

    def seal(self, searchable: int) -> None:
        self.flush()
        seal = {"identity": self.identity, "points": self.count(), "searchable": searchable}
        _write_json(self.path / SEALED_FILE, seal)

    def bulk_load(self) -> AbstractContextManager[None]:
        """Nothing to defer: this index searches exactly and builds no search structures."""
        return nullcontext()

    def close(self) -> None:
        """Flush (without optimising) and release the lock. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            with self._translated("closing"):
                try:
                    self._shard.flush()
                finally:
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
    try:
        handle.write(str(os.getpid()))
        handle.flush()
    except OSError as exc:  # the pid is only a hint for the StoreLocked message
        log.warning("cannot record the pid in %s: %s", path / LOCK_FILE, exc)
    return handle


def _on_tmpfs(path: Path) -> bool:
    """Whether ``path`` lies on a tmpfs (the mount with the longest matching mount point)."""
    best, kind = "", ""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return False
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind == "tmpfs"


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically and durably (``StoreFull`` when the disk is)."""
    tmp = path.with_suffix(".tmp")
    try:
        with open(tmp, "w") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreFull(f"no room on the disk for {path}: free some space and retry") from exc
        raise
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


def _unseal(path: Path, identity: str, points: int) -> int | None:
    """The searchable count the index at ``path`` was sealed with, if the seal is its own and the
    index holds the points it held then; the seal is removed durably first, so that a session
    that ends without sealing again leaves none."""
    try:
        seal = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        seal = None
    path.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    if not isinstance(seal, dict) or seal.get("identity") != identity or seal.get("points") != points:
        return None
    searchable = seal.get("searchable")
    return searchable if isinstance(searchable, int) else None


def _identity(path: Path, *, fresh: bool) -> str:
    """The index's identity, made (and stored) when the index is new or rebuilt."""
    if not fresh and path.exists():
        return path.read_text().strip()
    identity = f"edge:{uuid.uuid4()}"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(identity)
    os.replace(tmp, path)
    return identity
