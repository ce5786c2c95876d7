"""Embeddings for concurrent callers: the texts that wait share one model call.

When many threads embed at once (the service: searches embed their query, writes their
records' documents), each model call for one text pays the model's fixed cost per call, and
the calls compete for the same cores. Here, while one batch is being embedded, the texts that
arrive queue up; when it is done, the first of them embeds the whole queue in one call and
hands each waiter its vector. A lone caller never waits: its text is embedded at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

EmbedMany = Callable[[Sequence[str]], Sequence[np.ndarray]]
Cached = Callable[[str], "np.ndarray | None"]


@dataclass
class _Pending:
    text: str
    vector: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.vector is not None or self.error is not None


class EmbeddingBatcher:
    """Embeds texts with ``embed_many``, batching those that arrive while the model is busy.

    ``cached``: a vector known without the model (the embedder's query cache), returned at once.
    """

    def __init__(self, embed_many: EmbedMany, cached: Cached | None = None) -> None:
        self._embed_many = embed_many
        self._cached = cached
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False

    def embed(self, text: str) -> np.ndarray:
        """The embedding of ``text``, as ``embed_many`` returns it."""
        return self.embed_all([text])[0]

    def embed_all(self, texts: Sequence[str]) -> list[np.ndarray]:
        """The embeddings of ``texts``, in one batch (with whatever else is waiting)."""
        known = {text: vector for text in texts if (vector := self._known(text)) is not None}
        pending = [_Pending(text) for text in dict.fromkeys(texts) if text not in known]
        with self._cond:
            self._queue.extend(pending)
            while self._busy and not all(p.done for p in pending):
                self._cond.wait()
            batch: list[_Pending] = []
            if not all(p.done for p in pending):  # the model is free: embed everything queued, these included
                self._busy = True
                batch, self._queue = self._queue, []
        if batch:
            self._run(batch)
        for p in pending:
            if p.vector is None:
                raise p.error or RuntimeError("embedding lost")
            known[p.text] = p.vector
        return [known[text] for text in texts]

    def _known(self, text: str) -> np.ndarray | None:
        return self._cached(text) if self._cached is not None else None

    def _run(self, batch: list[_Pending]) -> None:
        try:
            vectors = self._embed_many([p.text for p in batch])
            for p, vector in zip(batch, vectors, strict=True):
                p.vector = vector
        except BaseException as exc:  # every waiter gets the failure, not a hang
            for p in batch:
                p.error = exc
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
