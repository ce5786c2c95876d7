"""Embeddings batched across concurrent callers, with the real bundled model."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from orgmind.mind import OrgMind
from orgmind.models import Observation
from orgmind.retrieval.batching import EmbeddingBatcher
from orgmind.retrieval.embedder import Embedder


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.load()


def held_model(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], threading.Event, threading.Event]:
    """The model's calls (texts per call); the first call waits for ``release`` after setting ``entered``."""
    calls: list[int] = []
    entered, release = threading.Event(), threading.Event()
    encode: Callable[..., Any] = embedder._encode  # the one model call, on either backend

    def wrapper(texts: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(len(texts))
        if len(calls) == 1:
            entered.set()
            release.wait(30)
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "_encode", wrapper)
    return calls, entered, release


def run_all(targets: Sequence[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(targets)

    def run(i: int) -> None:
        try:
            results[i] = targets[i]()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_queries_that_wait_share_one_model_call(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    batcher = EmbeddingBatcher(embedder.embed_queries, cached=embedder.cached_query)
    texts = [f"pricing question {n} {uuid.uuid4()}" for n in range(6)]
    calls, entered, release = held_model(embedder, monkeypatch)
    first = threading.Thread(target=batcher.embed, args=(texts[0],))
    first.start()
    assert entered.wait(30)
    waiting = threading.Thread(target=lambda: release.set() if wait_queued(batcher, 5) else None)
    waiting.start()
    vectors = run_all([lambda t=t: batcher.embed(t) for t in texts[1:]])  # type: ignore[misc]
    first.join(30)
    waiting.join(30)
    assert calls == [1, 5]  # the five that came while the model was busy: one call
    monkeypatch.undo()
    for text, vector in zip(texts[1:], vectors, strict=True):
        np.testing.assert_allclose(vector, embedder.embed_query(text), atol=1e-5)


def wait_queued(batcher: EmbeddingBatcher, count: int) -> bool:
    for _ in range(3000):
        with batcher._cond:
            if len(batcher._queue) >= count:
                return True
        threading.Event().wait(0.01)
    return False


def test_a_cached_query_does_not_wait_for_the_model(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    batcher = EmbeddingBatcher(embedder.embed_queries, cached=embedder.cached_query)
    known = f"known query {uuid.uuid4()}"
    expected = embedder.embed_query(known)
    calls, entered, release = held_model(embedder, monkeypatch)
    busy = threading.Thread(target=batcher.embed, args=(f"slow query {uuid.uuid4()}",))
    busy.start()
    assert entered.wait(30)
    try:
        assert batcher.embed(known) is expected  # answered while the model is still busy
    finally:
        release.set()
        busy.join(30)
    assert calls == [1]


def test_a_failed_batch_fails_every_waiter_and_the_next_batch_runs() -> None:
    attempts: list[list[str]] = []

    def embed_many(texts: Sequence[str]) -> list[np.ndarray]:
        attempts.append(list(texts))
        if len(attempts) == 1:
            raise RuntimeError("model failed")
        return [np.full(3, float(len(text)), dtype=np.float32) for text in texts]

    batcher = EmbeddingBatcher(embed_many)
    with pytest.raises(RuntimeError, match="model failed"):
        batcher.embed("first")
    assert batcher.embed_all(["ab", "abc", "ab"])[2].tolist() == [2.0, 2.0, 2.0]
    assert attempts == [["first"], ["ab", "abc"]]


@pytest.fixture
def fresh_mind(tmp_path: Any) -> Iterator[OrgMind]:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record({"type": "venture", "id": "acme", "name": "Acme"})
        yield mind


def test_prepared_documents_are_indexed_without_a_model_call(
    fresh_mind: OrgMind, monkeypatch: pytest.MonkeyPatch
) -> None:
    observation = Observation(id="obs-prepared", venture_id="acme", text="Churn rose after the onboarding change")
    fresh_mind.index.prepare([observation])
    calls, _, release = held_model(fresh_mind.index.embedder, monkeypatch)
    release.set()
    fresh_mind.record(observation)
    assert calls == []
    monkeypatch.undo()
    stored = fresh_mind.index.vectors.get_vectors([observation.id])[observation.id]
    expected = fresh_mind.index.embedder.embed_documents([observation.text])[0]
    np.testing.assert_allclose(stored, expected, atol=1e-5)
    assert [h.id for h in fresh_mind.recall("onboarding churn", "acme")] == [observation.id]
