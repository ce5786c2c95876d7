"""The composition root of the stores, and the one path every write takes.

The graph is the source of truth; the vector and lexical indexes follow it. ``Store.commit``:

1. checks immutability (brain versions and escalations are history) and skips records identical to what is
   stored, unless an index write failed since the last reconcile (then nothing is skipped, so a
   retry of the same write re-indexes it), and that the disk has room for the vectors
   (``StoreFull`` otherwise, before anything is written);
2. upserts nodes and relationships in one graph transaction (ids and references checked first,
   all or nothing; ``expect`` preconditions checked inside it, a compare-and-set);
3. indexes them, retried once. If indexing still fails the records stay marked unindexed in the
   graph and the next search reconciles first, so they are findable without a reopen; an
   ``OrgmindError`` (a Qdrant server that is down, say) is raised after that, the write itself
   being durable.

Deletes take the same route: graph first, then the indexes. Writes (and reconciles) run one at
a time, so the indexes change in the graph's order; searches run beside them, seeing each
record once it is indexed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from orgmind.config import Settings
from orgmind.core.binding import bind
from orgmind.core.immutability import check_immutable
from orgmind.errors import OrgmindError, ReadOnly
from orgmind.graph import GraphStore, open_graph
from orgmind.graph.base import Expect
from orgmind.models import Edge, Node

if TYPE_CHECKING:  # the search stack is imported when a store opens with its indexes
    from orgmind.retrieval.embedder import Embedder
    from orgmind.retrieval.index import SearchIndex
    from orgmind.retrieval.vectors import VectorIndex

log = logging.getLogger(__name__)


class Store:
    """A graph and (unless opened read-only) the search indexes that follow it."""

    def __init__(self, graph: GraphStore, index: SearchIndex | None = None) -> None:
        self.graph = graph
        self._index = index
        self._needs_reconcile = index is not None
        self._writing = threading.RLock()

    @property
    def read_only(self) -> bool:
        """True when opened for reading the graph only (no indexes, no writes)."""
        return bool(getattr(self.graph, "read_only", False))

    @property
    def index(self) -> SearchIndex:
        """The search indexes; ReadOnly when the store was opened without them."""
        if self._index is None:
            raise ReadOnly("this needs the search indexes; open the store without read_only")
        return self._index

    # ---- the write path --------------------------------------------------------------------------

    def commit(self, nodes: Sequence[Node], edges: Sequence[Edge] = (), *, expect: Sequence[Expect] = ()) -> list[Node]:
        """Write records (and explicit relationships) to the graph, then to the indexes.

        Returns the records actually written (identical ones are skipped; see the module doc).
        ``expect``: preconditions on stored nodes, checked in the graph transaction (Conflict).
        """
        self._check_writable()
        with self._writing:
            return self._commit(list(nodes), edges, expect)

    def _commit(self, batch: list[Node], edges: Sequence[Edge], expect: Sequence[Expect]) -> list[Node]:
        if not edges and not self._needs_reconcile:
            stored = self.graph.get_many([n.id for n in batch])
            batch = [n for n in batch if stored.get(n.id) != n]
        if not batch and not edges:
            return []
        check_immutable(self.graph, batch, expect)
        if self._index is not None:  # a full disk refuses the write before any of it is stored
            graph_bytes = sum(3 * len(node.model_dump_json()) + 4096 for node in batch)  # rows, log, pages
            self._index.vectors.ensure_room(len(batch), graph_bytes)
        self.graph.upsert(batch, edges, expect=expect)
        self._index_written(batch)
        return batch

    def bulk_load(self) -> AbstractContextManager[None]:
        """Around a large import: the vector index defers building its search structures to the end."""
        return nullcontext() if self._index is None else self._index.vectors.bulk_load()

    def delete(self, node_ids: Sequence[str]) -> int:
        """Delete nodes and their relationships from the graph, then from the indexes."""
        self._check_writable()
        with self._writing:
            deleted = self.graph.delete_nodes(node_ids)
            self._unindex(node_ids)
        return deleted

    def delete_venture(self, venture_id: str) -> dict[str, int]:
        """Delete a venture and everything that belongs only to it, from the graph and the indexes.

        Platform patterns rewritten without the venture are re-indexed by the next reconcile.
        """
        self._check_writable()
        with self._writing:
            owned = [n.id for n in self.graph.scan(venture_id=venture_id)]
            counts = self.graph.delete_venture(venture_id)
            self._unindex(owned)
            self._needs_reconcile = self._index is not None
        return counts

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly("the store is open read-only")

    def _index_written(self, nodes: list[Node]) -> None:
        if self._index is None:
            return  # indexed when the store is next opened with its indexes
        failure: Exception | None = None
        for attempt in (1, 2):
            try:
                self._index.index(nodes)
                return
            except Exception as exc:  # noqa: BLE001 - any index failure is recoverable from the graph
                failure = exc
                log.warning("indexing %d records failed (attempt %d)", len(nodes), attempt, exc_info=True)
        self._needs_reconcile = True
        if isinstance(failure, OrgmindError):
            raise failure

    def _unindex(self, node_ids: Sequence[str]) -> None:
        if self._index is None or not node_ids:
            return
        try:
            self._index.remove(list(node_ids))
        except Exception:
            self._needs_reconcile = True
            raise

    # ---- keeping the indexes in step -----------------------------------------------------------

    def ensure_indexed(self) -> None:
        """Before reading the indexes: reconcile if an index write failed since the last time, and
        follow what other processes wrote to a shared graph."""
        if self._needs_reconcile:
            with self._writing:
                if self._needs_reconcile:
                    self.reconcile()
        if self._index is not None:
            self._index.follow()

    def reconcile(self, *, trust_seal: bool = False) -> int:
        """Index whatever the graph holds that the indexes lack; returns how many nodes."""
        with self._writing:
            done = self.index.reconcile(trust_seal=trust_seal)
            self._needs_reconcile = False
        return done

    def close(self) -> None:
        """Release the vector index and the graph."""
        try:
            if self._index is not None:
                self._index.close(in_step=not self._needs_reconcile)
        finally:
            self.graph.close()


def open_vectors(settings: Settings, embedder: Embedder, *, recreate: bool = False) -> VectorIndex:
    """The Qdrant server collection when ``settings.qdrant_url`` is set, else the embedded index."""
    if settings.qdrant_url:
        from orgmind.retrieval.qdrant_server import QdrantServerIndex

        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantServerIndex.from_url(
            settings.qdrant_url, api_key, settings.qdrant_collection, embedder.dim, embedder.name,
            recreate=recreate, timeout=settings.qdrant_timeout_s,
        )
    from orgmind.retrieval.edge_index import EdgeVectorIndex

    return EdgeVectorIndex(settings.home / "vectors", embedder.dim, embedder.name, recreate=recreate)


def open_store(
    settings: Settings, *, reindex: bool = False, read_only: bool = False, reconcile: bool = True
) -> Store:
    """Open the graph and, unless ``read_only``, the embedder and the vector index; bind the graph
    to the index (see ``orgmind.core.binding``), then reconcile.

    ``read_only`` opens the graph alone, for reading: no model is loaded and no index lock is
    taken, so it is quick and works while another process has the store open. ``reconcile=False``
    opens the indexes as they are, for ``orgmind check`` to inspect.
    """
    graph = open_graph(settings, read_only=read_only)
    if read_only:
        return Store(graph)
    from orgmind.retrieval.embedder import Embedder
    from orgmind.retrieval.index import SearchIndex

    try:
        embedder = Embedder.load(settings.model)
        index = SearchIndex(graph, embedder, open_vectors(settings, embedder, recreate=reindex))
    except BaseException:
        graph.close()
        raise
    store = Store(graph, index)
    try:
        marked_all = bind(graph, index.vectors, take_over=reindex)
        if reindex:
            index.rebuild()
        if reconcile or reindex:
            store.reconcile(trust_seal=not (marked_all or reindex))
    except BaseException:
        store.close()
        raise
    return store
