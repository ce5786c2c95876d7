"""The embedder, against the real bundled all-MiniLM-L6-v2, offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from orgmind.errors import OrgmindError
from orgmind.retrieval import embedder as embedder_module
from orgmind.retrieval.embedder import DEFAULT_MODEL, Embedder, ModelUnavailable, packaged_model_path


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.load()


def counting(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> list[int]:
    """Count the texts the model encodes from now on (whichever backend runs it)."""
    calls: list[int] = []
    encode: Callable[..., Any] = embedder._encode

    def wrapper(texts: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(len(texts))
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "_encode", wrapper)
    return calls


def test_packaged_model_loads_offline(embedder: Embedder) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert embedder.name == DEFAULT_MODEL
    assert embedder.dim == 384
    assert (packaged_model_path() / "model.safetensors").is_file()
    assert embedder.tokenizer.tokenize("The price rose") == ["the", "price", "rose"]


def test_model_is_loaded_once_per_process(embedder: Embedder) -> None:
    assert Embedder.load() is embedder
    assert Embedder.load(f"sentence-transformers/{DEFAULT_MODEL}", "cpu") is embedder
    loaded: list[Embedder] = []
    threads = [threading.Thread(target=lambda: loaded.append(Embedder.load())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(other is embedder for other in loaded)


def test_documents_are_float32_and_normalised(embedder: Embedder) -> None:
    vectors = embedder.embed_documents(["We raised prices.", "Churn fell in Q3.", ""])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_documents("a single string")


def test_paraphrase_is_closer_than_unrelated_text(embedder: Embedder) -> None:
    anchor, paraphrase, unrelated = embedder.embed_documents(
        [
            "We raised the subscription price by ten percent.",
            "The monthly plan now costs 10% more than before.",
            "The office coffee machine is broken again.",
        ]
    )
    assert anchor @ paraphrase > anchor @ unrelated + 0.2


def test_batch_equals_single(embedder: Embedder) -> None:
    texts = ["short", "a somewhat longer sentence about the Q3 pricing decision for ACME-42", "third one"]
    batch = embedder.embed_documents(texts, batch_size=64)
    singles = np.stack([embedder.embed_documents([text])[0] for text in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_query(texts[1]), batch[1], atol=1e-5)


def test_query_cache_hit_does_not_call_the_model(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, embedder)
    query = f"why did we drop the free tier? {uuid.uuid4()}"
    started = time.perf_counter()
    cold = embedder.embed_query(query)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = embedder.embed_query(query)
    cached_s = time.perf_counter() - started
    assert calls == [1]
    assert cached is cold and cached_s < cold_s
    assert cold.shape == (384,) and cold.dtype == np.float32
    with pytest.raises(ValueError):
        cached[0] = 1.0  # read-only: callers cannot corrupt the cache


def test_query_cache_is_bounded_lru(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder_module, "_QUERY_CACHE_SIZE", 2)
    calls = counting(monkeypatch, embedder)
    a, b, c = (f"{name} {uuid.uuid4()}" for name in "abc")
    for query in (a, b, a, c, a, b):  # c evicts b (a was used more recently); then b is encoded again
        embedder.embed_query(query)
    assert len(calls) == 4
    assert len(embedder._queries) <= 2


def test_repeated_texts_are_encoded_once(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, embedder)
    texts = ["pricing moved to $49", "support hours extended", "pricing moved to $49"]
    vectors = embedder.embed_documents(texts)
    assert calls == [2]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) < 0.99


@pytest.mark.parametrize("model", ["orgmind-test/no-such-model", "no-such-model", "/nonexistent/model/dir"])
def test_missing_model_fails_fast_without_network(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the loader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable, match="never downloads") as caught:
        Embedder.load(model)
    assert time.perf_counter() - started < 5
    assert isinstance(caught.value, OrgmindError)
    assert model in str(caught.value)
