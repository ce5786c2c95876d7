"""The production vector index: a Qdrant collection through qdrant-client.

The collection holds one unnamed cosine vector of ``dim`` components per point. Payload indexes
on ``venture_id`` (a tenant keyword, with HNSW links per venture), ``label``, ``kind``, ``role``
(keywords) and ``ts`` (integer) are created when missing. The embedding model and dimension live in the collection's
metadata (Qdrant 1.16 and later) under ``"orgmind"`` and are checked on every open; a collection
without them (made elsewhere, or by an older server) is refused with ``IndexMismatch``. The
metadata also holds the collection's identity (``"orgmind_identity"``, made with it), which every
process using the collection shares.

The server keeps its own WAL and builds HNSW in the background, so ``flush``/``optimize`` do
nothing. An ``upsert`` sends its points in chunks that the server queues in order and waits only
for the last one to be applied, which implies all before it. ``bulk_load`` turns the optimizer's
indexing off while a large import writes (searches meanwhile scan the new points exactly) and
back on after it, so the server builds each segment's HNSW once instead of rebuilding it as
segments grow and merge; a collection left with indexing off (a process killed in a bulk load)
gets it back on the next open. Failures to reach the server
(REST) become ``StoreUnavailable``, refused credentials ``AuthenticationFailed``.

The same class runs on qdrant-client's local mode (``QdrantClient(":memory:")`` or
``QdrantClient(path=...)``), which the tests use; local mode searches exactly and ignores
payload indexes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from orgmind.errors import AuthenticationFailed, IndexMismatch, StoreUnavailable
from orgmind.retrieval.vectors import (
    NODE_ID_KEY,
    VectorFilter,
    VectorHit,
    VectorPoint,
    best_first,
    point_id,
    vector_values,
)

__all__ = ["QdrantServerIndex"]

log = logging.getLogger(__name__)

META_KEY = "orgmind"
IDENTITY_KEY = "orgmind_identity"
FORMAT = 1

_BATCH = 512
_SCROLL = 10_000
INDEXING_THRESHOLD_KB = 10_000  # Qdrant's default: segments above this size get an HNSW index
# Only the tenant gets HNSW links of its own (every search filters by venture); links per label,
# kind, role and time range would multiply the build time and those filters do without them.
_PAYLOAD_INDEXES: dict[str, models.KeywordIndexParams | models.IntegerIndexParams] = {
    "venture_id": models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
    **{key: models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, enable_hnsw=False)
       for key in ("label", "kind", "role")},
    "ts": models.IntegerIndexParams(type=models.IntegerIndexType.INTEGER, lookup=True, range=True, enable_hnsw=False),
}


class QdrantServerIndex:
    """A cosine vector index in one Qdrant collection."""

    shared = True
    sealed_with: int | None = None

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        dim: int,
        model_name: str,
        *,
        recreate: bool = False,
    ) -> None:
        """Open (or create) ``collection``. The caller keeps ownership of ``client``."""
        self.collection = collection
        self.dim = dim
        self.model_name = model_name
        self._client = client
        self._owns_client = False
        with self._translated():
            self._open(recreate)

    @classmethod
    def from_url(
        cls,
        url: str,
        api_key: str | None,
        collection: str,
        dim: int,
        model_name: str,
        *,
        recreate: bool = False,
        timeout: int = 10,
    ) -> QdrantServerIndex:
        """Connect to the server at ``url``; the index owns the client and closes it."""
        client = QdrantClient(url=url, api_key=api_key, timeout=timeout, check_compatibility=False)
        try:
            index = cls(client, collection, dim, model_name, recreate=recreate)
        except BaseException:
            client.close()
            raise
        index._owns_client = True
        return index

    def _open(self, recreate: bool) -> None:
        exists = self._client.collection_exists(self.collection)
        if exists and recreate:
            self._client.delete_collection(self.collection)
        if recreate or not exists:
            try:
                self._client.create_collection(
                    self.collection,
                    vectors_config=models.VectorParams(size=self.dim, distance=models.Distance.COSINE),
                    metadata={META_KEY: self._meta(), IDENTITY_KEY: f"qdrant:{uuid.uuid4()}"},
                )
            except UnexpectedResponse as exc:
                if exc.status_code != 409:  # 409: another process made it first, which is as good
                    raise
        info = self._client.get_collection(self.collection)
        self._check(info.config)
        identity = (info.config.metadata or {}).get(IDENTITY_KEY)
        if not isinstance(identity, str):  # made by an earlier orgmind: give it one
            identity = f"qdrant:{uuid.uuid4()}"
            self._client.update_collection(self.collection, metadata={IDENTITY_KEY: identity})
        self.identity: str = identity
        for key, schema in _PAYLOAD_INDEXES.items():
            if key not in info.payload_schema:
                self._client.create_payload_index(self.collection, key, schema, wait=True)
        if info.config.optimizer_config.indexing_threshold == 0:  # a bulk load did not finish
            self._set_indexing_threshold(INDEXING_THRESHOLD_KB)

    def _set_indexing_threshold(self, kilobytes: int) -> None:
        self._client.update_collection(
            self.collection, optimizers_config=models.OptimizersConfigDiff(indexing_threshold=kilobytes)
        )

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Defer HNSW building while a large write runs; the server builds it once afterwards."""
        with self._translated():
            self._set_indexing_threshold(0)
        try:
            yield
        finally:
            try:
                with self._translated():
                    self._set_indexing_threshold(INDEXING_THRESHOLD_KB)
            except StoreUnavailable:  # the next open turns it back on
                log.warning("could not turn indexing back on for Qdrant collection %r", self.collection)

    def _meta(self) -> dict[str, Any]:
        return {"format": FORMAT, "dim": self.dim, "model_name": self.model_name}

    def _check(self, config: models.CollectionConfig) -> None:
        meta = (config.metadata or {}).get(META_KEY)
        vectors = config.params.vectors
        cosine_of_dim = (
            isinstance(vectors, models.VectorParams)
            and vectors.size == self.dim
            and vectors.distance == models.Distance.COSINE
        )
        if meta == self._meta() and cosine_of_dim:
            return
        if not isinstance(meta, dict):
            built = "without orgmind metadata (made elsewhere, or by a Qdrant server before 1.16)"
        else:
            built = f"with model {meta.get('model_name')!r} (dim {meta.get('dim')})"
        raise IndexMismatch(
            f"the Qdrant collection {self.collection!r} was built {built}, but model "
            f"{self.model_name!r} (dim {self.dim}) is configured; "
            "run `orgmind reindex` to rebuild it"
        )

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn qdrant-client's transport and HTTP errors into orgmind errors."""
        where = f"the Qdrant server holding collection {self.collection!r}"
        try:
            yield
        except UnexpectedResponse as exc:
            if exc.status_code in (401, 403):
                raise AuthenticationFailed(f"{where} refused the credentials") from exc
            if exc.status_code is not None and exc.status_code >= 500:
                raise StoreUnavailable(f"{where} failed: {exc}") from exc
            raise
        except ResponseHandlingException as exc:
            raise StoreUnavailable(f"cannot reach {where}: {exc.source!r}") from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach {where}: {exc!r}") from exc

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        """Write ``points`` (all vectors are checked before any is written)."""
        records = [
            models.PointStruct(
                id=point_id(p.node_id),
                vector=vector_values(p.vector, self.dim),
                payload=p.stored_payload(),
            )
            for p in points
        ]
        with self._translated():
            for start in range(0, len(records), _BATCH):
                batch = records[start : start + _BATCH]
                last = start + _BATCH >= len(records)
                self._client.upsert(self.collection, points=batch, wait=last)

    def delete(self, node_ids: Sequence[str]) -> None:
        if not node_ids:
            return
        selector = models.PointIdsList(points=[point_id(n) for n in node_ids])
        with self._translated():
            self._client.delete(self.collection, points_selector=selector, wait=True)

    def search(
        self, vector: Sequence[float] | np.ndarray, k: int, flt: VectorFilter | None = None
    ) -> list[VectorHit]:
        if k <= 0 or (flt is not None and flt.matches_nothing):
            return []
        with self._translated():
            hits = self._client.query_points(
                self.collection,
                query=vector_values(vector, self.dim),
                query_filter=None if flt is None else _qdrant_filter(flt),
                limit=k,
                with_payload=True,
            ).points
        return best_first(VectorHit.from_stored(h.payload or {}, h.score) for h in hits)

    def get_vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        by_point = {point_id(n): n for n in node_ids}
        with self._translated():
            records = self._client.retrieve(
                self.collection, ids=list(by_point), with_payload=False, with_vectors=True
            )
        return {by_point[str(r.id)]: np.asarray(r.vector, dtype=np.float32) for r in records}

    def similarities(self, vector: Sequence[float] | np.ndarray, node_ids: Sequence[str]) -> dict[str, float]:
        by_point = {point_id(n): n for n in node_ids}
        if not by_point:
            return {}
        with self._translated():
            hits = self._client.query_points(
                self.collection,
                query=vector_values(vector, self.dim),
                query_filter=models.Filter(must=[models.HasIdCondition(has_id=list(by_point))]),
                limit=len(by_point),
            ).points
        return {by_point[str(h.id)]: h.score for h in hits}

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset: models.ExtendedPointId | None = None
        with self._translated():
            while True:
                records, offset = self._client.scroll(
                    self.collection, limit=_SCROLL, offset=offset, with_payload=[NODE_ID_KEY]
                )
                found.update(r.payload[NODE_ID_KEY] for r in records if r.payload)
                if offset is None:
                    return found

    def count(self) -> int:
        with self._translated():
            return self._client.count(self.collection, exact=True).count

    def flush(self) -> None:
        """Nothing to do: every write waited for the server's acknowledgement."""

    def ensure_room(self, points: int, extra_bytes: int = 0) -> None:
        """Nothing to check: the server manages its own disk."""

    def optimize(self) -> None:
        """Nothing to do: the server builds its indexes in the background."""

    def seal(self, searchable: int) -> None:
        """Nothing to record: other processes may write the collection while this one is closed."""

    def close(self) -> None:
        """Close the client if this index created it (``from_url``)."""
        if self._owns_client:
            self._client.close()


def _qdrant_filter(flt: VectorFilter) -> models.Filter:
    must: list[models.Condition] = [
        models.FieldCondition(key=key, match=models.MatchAny(any=values))
        for key, values in flt.keyword_constraints()
    ]
    if flt.since_ts is not None or flt.until_ts is not None:
        ts_range = models.Range(gte=flt.since_ts, lt=flt.until_ts)
        must.append(models.FieldCondition(key="ts", range=ts_range))
    must_not: list[models.Condition] = []
    if flt.exclude_ids:
        must_not.append(models.HasIdCondition(has_id=[point_id(n) for n in flt.exclude_ids]))
    return models.Filter(must=must or None, must_not=must_not or None)
