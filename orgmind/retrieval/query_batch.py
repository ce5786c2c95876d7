"""Query embeddings for concurrent searches: the queries that wait share one model call.

A search embeds its query first. When many threads search at once (the service), each model
call for one query pays the model's fixed cost per call, and the calls compete for the same
cores. Here, while one batch is being embedded, the queries that arrive queue up; when it is
done, the first of them embeds the whole queue in one call and hands each waiter its vector.
A lone caller never waits: its query is embedded at once. A query embedded lately comes from
the embedder's cache without waiting at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from orgmind.retrieval.embedder import Embedder


@dataclass
class _Pending:
    text: str
    vector: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.vector is not None or self.error is not None


class QueryBatcher:
    """Embeds search queries, batching those that arrive while the model is busy."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False

    def embed(self, text: str) -> np.ndarray:
        """The query's embedding, as ``Embedder.embed_query`` returns it (read-only, shared)."""
        cached = self.embedder.cached_query(text)
        if cached is not None:
            return cached
        pending = _Pending(text)
        with self._cond:
            self._queue.append(pending)
            while self._busy and not pending.done:
                self._cond.wait()
            if not pending.done:  # the model is free: embed everything queued, this query included
                self._busy = True
                batch, self._queue = self._queue, []
        if not pending.done:
            self._run(batch)
        if pending.vector is None:
            raise pending.error or RuntimeError("query embedding lost")
        return pending.vector

    def _run(self, batch: list[_Pending]) -> None:
        try:
            vectors = self.embedder.embed_queries([p.text for p in batch])
            for p, vector in zip(batch, vectors, strict=True):
                p.vector = vector
        except BaseException as exc:  # every waiter gets the failure, not a hang
            for p in batch:
                p.error = exc
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
