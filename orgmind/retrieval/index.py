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
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from orgmind.graph.base import GraphStore
from orgmind.models import Decision, Node, Outcome
from orgmind.retrieval.documents import SEARCHABLE, Document, document_of
from orgmind.retrieval.embedder import Embedder
from orgmind.retrieval.lexical import LexicalDoc, LexicalIndex
from orgmind.retrieval.vectors import VectorIndex, VectorPayload, VectorPoint

log = logging.getLogger(__name__)

BATCH = 256
_T = TypeVar("_T")


class SearchIndex:
    """The vector index, the lexical index and the embedder, synchronised with one graph."""

    def __init__(self, graph: GraphStore, embedder: Embedder, vectors: VectorIndex) -> None:
        self.graph = graph
        self.embedder = embedder
        self.vectors = vectors
        self._lexical: LexicalIndex | None = None
        self._cursor = 0
        self._following = threading.Lock()

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index, rebuilt from the graph on first use so it never drifts from it."""
        if self._lexical is None:
            with self._following:
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

    def _index_batch(self, nodes: Sequence[Node]) -> None:
        documents = self.documents(nodes)
        if not documents:
            return
        vectors = self.embedder.embed_documents([d.text for d in documents])
        self.vectors.upsert(
            [VectorPoint(d.node_id, vector, d.payload) for d, vector in zip(documents, vectors, strict=True)]
        )
        if self._lexical is not None:
            self._lexical.upsert(_lexical(d) for d in documents)

    def remove(self, node_ids: Sequence[str]) -> None:
        """Drop nodes from both indexes."""
        self.vectors.delete(list(node_ids))
        if self._lexical is not None:
            self._lexical.delete(node_ids)

    def reconcile(self) -> int:
        """Bring the indexes in line with the graph; returns how many nodes were (re)indexed.

        Indexes every node the graph holds as unindexed, drops index entries the graph lacks,
        then compares the number of searchable nodes with the number of vectors: if they differ
        (a rebuild was interrupted, say, or the index was restored from elsewhere), the nodes
        without a vector are indexed too, whatever their flag says.
        """
        done = 0
        while batch := self.graph.unindexed(limit=BATCH * 4):
            self.index(batch)
            done += len(batch)
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
    return LexicalDoc(
        node_id=document.node_id,
        text=document.text,
        venture_id=payload.venture_id or "",
        label=payload.label,
        ts=payload.ts,
        kind=payload.kind,
        role=payload.role,
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
