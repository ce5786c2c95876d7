"""Keeps the search indexes (vectors + BM25) in step with the graph, the source of truth.

Every node written to the graph is marked unindexed; ``index`` embeds what is searchable, upserts
it into the vector and lexical indexes and marks the nodes indexed. A failure in between leaves
them unindexed, and ``reconcile`` (run on open and by ``orgmind reindex``) indexes them again:
point ids derive from node ids, so nothing is duplicated. A decision's document carries its
latest outcome, so writing an outcome re-indexes its decision.

The vector index may be shared with other processes (a Qdrant server); the BM25 index lives in
this process, so on a ``shared`` graph ``follow`` brings it up to what any process wrote or
deleted since it last looked (the graph's change log), before every search.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np

from orgmind.errors import OrgmindError
from orgmind.graph.base import GraphStore
from orgmind.models import Decision, Node, Outcome
from orgmind.retrieval.documents import SEARCHABLE, Document, document_of
from orgmind.retrieval.batching import EmbeddingBatcher
from orgmind.retrieval.embedder import Embedder
from orgmind.retrieval.lexical import LexicalDoc, LexicalIndex
from orgmind.retrieval.vectors import VectorIndex, VectorPayload, VectorPoint

log = logging.getLogger(__name__)

BATCH = 256
PREPARED_KEPT = 512
_T = TypeVar("_T")


class SearchIndex:
    """The vector index, the lexical index and the embedder, synchronised with one graph."""

    def __init__(self, graph: GraphStore, embedder: Embedder, vectors: VectorIndex) -> None:
        self.graph = graph
        self.embedder = embedder
        self.queries = EmbeddingBatcher(embedder.embed_queries, cached=embedder.cached_query)
        self._documents = EmbeddingBatcher(lambda texts: list(embedder.embed_documents(texts)))
        self._prepared: OrderedDict[str, np.ndarray] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self.vectors = vectors
        self._lexical: LexicalIndex | None = None
        self._cursor = 0
        self._following = threading.Lock()

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index, rebuilt from the graph on first use so it never drifts from it."""
        if self._lexical is None:
            with self._following:  # a write indexed meanwhile waits, then finds the built index
                if self._lexical is not None:
                    return self._lexical
                cursor = self.graph.change_cursor()  # before the scan: later changes are followed
                lexical = LexicalIndex()
                lexical.upsert(_lexical(doc) for nodes in _chunks(self.graph.scan(labels=SEARCHABLE))
                               for doc in self.documents(nodes))
                self._cursor, self._lexical = cursor, lexical
        return self._lexical

    def follow(self) -> None:
        """Apply to the BM25 index what any process wrote or deleted in a shared graph since last time."""
        if self._lexical is None or not self.graph.shared:
            return  # built from the graph on first use; or every write came through this process
        with self._following:
            changes = self.graph.changes_since(self._cursor)
            self._lexical.delete(changes.deleted)
            targets = {n.id: n for n in changes.written}
            decision_ids = {n.decision_id for n in changes.written if isinstance(n, Outcome)} - targets.keys()
            targets.update(self.graph.get_many(sorted(decision_ids)))
            self._lexical.upsert(_lexical(d) for d in self.documents(list(targets.values())))
            self._cursor = changes.cursor

    def documents(self, nodes: Sequence[Node]) -> list[Document]:
        """Searchable documents of ``nodes``; decisions carry their latest outcome."""
        decisions = [n for n in nodes if isinstance(n, Decision)]
        outcomes = self.graph.outcomes_of([d.id for d in decisions]) if decisions else {}
        documents = []
        for node in nodes:
            latest = outcomes.get(node.id, [None])[-1] if isinstance(node, Decision) else None
            document = document_of(node, latest)
            if document is not None:
                documents.append(document)
        return documents

    def index(self, nodes: Sequence[Node]) -> None:
        """Index freshly written nodes (and the decisions of any outcomes among them)."""
        targets = {n.id: n for n in nodes}
        decision_ids = {n.decision_id for n in nodes if isinstance(n, Outcome)} - targets.keys()
        targets.update(self.graph.get_many(sorted(decision_ids)))
        for start in range(0, len(targets), BATCH):
            self._index_batch(list(targets.values())[start : start + BATCH])
        self.graph.mark_indexed([n.id for n in nodes] + sorted(decision_ids))

    def prepare(self, nodes: Sequence[Node]) -> None:
        """Embed the documents of records about to be written, before they are written, batched
        with other writers' documents: indexing them once written then needs no model call. (A
        document that changes meanwhile, a decision whose outcome arrives, is embedded again.)
        A failure here is only logged: indexing the written records embeds them itself."""
        try:
            documents = self.documents(nodes)
            vectors = self._documents.embed_all([d.text for d in documents])
        except Exception:  # noqa: BLE001 - the write goes on; its indexing retries the embedding
            log.warning("embedding %d documents ahead of their write failed", len(nodes), exc_info=True)
            return
        with self._prepared_lock:
            for document, vector in zip(documents, vectors, strict=True):
                self._prepared[document.text] = vector
            while len(self._prepared) > PREPARED_KEPT:
                self._prepared.popitem(last=False)

    def _embedded(self, texts: list[str]) -> list[np.ndarray]:
        """Vectors of documents: prepared ones taken, the rest embedded now."""
        with self._prepared_lock:
            ready = {text: self._prepared.pop(text) for text in texts if text in self._prepared}
        missing = [text for text in dict.fromkeys(texts) if text not in ready]
        if missing:
            ready.update(zip(missing, self.embedder.embed_documents(missing), strict=True))
        return [ready[text] for text in texts]

    def _index_batch(self, nodes: Sequence[Node]) -> None:
        documents = self.documents(nodes)
        if not documents:
            return
        vectors = self._embedded([d.text for d in documents])
        self.vectors.upsert(
            [VectorPoint(d.node_id, vector, d.payload) for d, vector in zip(documents, vectors, strict=True)]
        )
        with self._following:
            if self._lexical is not None:
                self._lexical.upsert(_lexical(d) for d in documents)

    def remove(self, node_ids: Sequence[str]) -> None:
        """Drop nodes from both indexes."""
        self.vectors.delete(list(node_ids))
        with self._following:
            if self._lexical is not None:
                self._lexical.delete(node_ids)

    def reconcile(self, *, trust_seal: bool = False) -> int:
        """Bring the indexes in line with the graph; returns how many nodes were (re)indexed.

        Indexes every node the graph holds as unindexed, drops index entries the graph lacks,
        then compares the number of searchable nodes with the number of vectors: if they differ
        (a rebuild was interrupted, say, or the index was restored from elsewhere), the nodes
        without a vector are indexed too, whatever their flag says.

        ``trust_seal`` (on open, for a graph bound to this index): when the index was sealed at
        its last close (``close(in_step=True)``), holds the points it held then, and the graph,
        which only the holder of the index writes, has nothing unindexed and as many searchable
        nodes as then, the id-by-id comparison (which reads every id) is skipped.
        """
        done = 0
        while batch := self.graph.unindexed(limit=BATCH * 4):
            self.index(batch)
            done += len(batch)
        sealed = self.vectors.sealed_with
        if trust_seal and not done and not self.graph.shared and sealed is not None:
            if sealed == self.searchable_count() == self.vectors.count():
                return 0
        indexed = set(self.vectors.ids())
        stale = indexed - {found for ids in _chunks(sorted(indexed)) for found in self.graph.existing(ids)}
        if stale:
            log.warning("dropping %d index entries with no node in the graph", len(stale))
            self.remove(sorted(stale))
        if len(indexed) - len(stale) != self.searchable_count():
            missing = sorted(self.searchable_ids() - indexed)
            log.warning("indexing %d searchable nodes the vector index lacks", len(missing))
            for start in range(0, len(missing), BATCH * 4):
                self.index(list(self.graph.get_many(missing[start : start + BATCH * 4]).values()))
            done += len(missing)
        self.vectors.flush()
        return done

    def close(self, *, in_step: bool) -> None:
        """Release the vector index, sealing it first when ``in_step`` (nothing to reconcile) and
        it holds a vector for every searchable node, so that the next open trusts it."""
        try:
            if in_step and not self.graph.shared and not self.graph.unindexed(limit=1):
                searchable = self.searchable_count()
                if self.vectors.count() == searchable:
                    self.vectors.seal(searchable)
        except OrgmindError:
            log.warning("could not seal the vector index; the next open compares it with the graph", exc_info=True)
        finally:
            self.vectors.close()

    def searchable_count(self) -> int:
        """How many searchable nodes the graph holds (each has a vector when in step)."""
        return sum(self.graph.count(label) for label in SEARCHABLE)

    def searchable_ids(self) -> set[str]:
        """The ids of the searchable nodes in the graph."""
        return {node.id for node in self.graph.scan(labels=SEARCHABLE)}

    def rebuild(self) -> int:
        """Re-embed and re-index every searchable node (after a model change)."""
        nodes = list(self.graph.scan(labels=SEARCHABLE))
        for start in range(0, len(nodes), BATCH):
            self._index_batch(nodes[start : start + BATCH])
        self.vectors.optimize()
        self.vectors.flush()
        return len(nodes)


def _lexical(document: Document) -> LexicalDoc:
    payload: VectorPayload = document.payload
    return LexicalDoc(  # the payload's few distinct values shared, not copied per document
        node_id=document.node_id,
        text=document.text,
        venture_id=sys.intern(payload.venture_id or ""),
        label=sys.intern(payload.label),
        ts=payload.ts,
        kind=None if payload.kind is None else sys.intern(payload.kind),
        role=None if payload.role is None else sys.intern(payload.role),
    )


def _chunks(items: Iterable[_T], size: int = 10_000) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter), so that no query or batch of
    documents grows with the whole store."""
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
