"""The ONNX Runtime path of the default model: exported here, the same vectors as sentence-transformers."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pathlib import Path

import numpy as np
import pytest

from orgmind.retrieval.embedder import Embedder, packaged_model_path
from orgmind.retrieval.onnx_encoder import _weights_key, load_onnx_encoder

TEXTS = [
    "ok",
    "Raised the Team plan from $39 to $49/month after the Q3 win-rate review (ACME-42).",
    "Dana: the supplier call ran long, but we agreed on net-60 terms at last.",
    "Ünïcödé — café, naïve, 東京, emoji 🚀 and tabs\tand newlines\nhere",
    " ".join(["a long record that runs past the model's 256-token window"] * 40),
]


def reference(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """sentence-transformers on torch: the vectors the ONNX path must reproduce."""
    return np.asarray(embedder._model.encode(texts, normalize_embeddings=True, show_progress_bar=False))


def test_default_model_runs_on_onnxruntime_with_the_same_vectors() -> None:
    embedder = Embedder.load()
    assert embedder.backend == "onnxruntime"
    got = embedder.embed_documents(TEXTS, batch_size=2)  # batches mix lengths and padding
    cosines = np.sum(got * reference(embedder, TEXTS), axis=1)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), embedder.dim)
    assert cosines.min() >= 1 - 1e-3, cosines
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert float(embedder.embed_query(TEXTS[1]) @ got[1]) >= 1 - 1e-5


def test_export_is_made_once_into_the_cache_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = Embedder.load()._model
    weights = packaged_model_path() / "model.safetensors"
    encoder = load_onnx_encoder(model, weights, threads=1)
    assert encoder is not None
    exported = tmp_path / "orgmind" / "onnx" / _weights_key(weights) / "model.onnx"
    assert exported.is_file() and not list(exported.parent.glob("*.part"))
    stamp = exported.stat().st_mtime_ns
    again = load_onnx_encoder(model, weights, threads=1)
    assert again is not None and exported.stat().st_mtime_ns == stamp
    got = again.encode(TEXTS[:3], batch_size=8)
    assert np.sum(got * reference(Embedder.load(), TEXTS[:3]), axis=1).min() >= 1 - 1e-3


def test_a_broken_cached_export_falls_back_to_sentence_transformers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    weights = packaged_model_path() / "model.safetensors"
    broken = tmp_path / "orgmind" / "onnx" / _weights_key(weights) / "model.onnx"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not an onnx graph")
    assert load_onnx_encoder(Embedder.load()._model, weights, threads=1) is None
