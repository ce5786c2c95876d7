"""The ONNX Runtime path of the default model: exported and fused here, the same vectors as sentence-transformers."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

from orgmind.retrieval.embedder import Embedder, packaged_model_path
from orgmind.retrieval import onnx_encoder
from orgmind.retrieval.onnx_encoder import _BATCH_TOKENS, _batches, _weights_key, load_onnx_encoder

TEXTS = [
    "ok",
    "Raised the Team plan from $39 to $49/month after the Q3 win-rate review (ACME-42).",
    "Dana: the supplier call ran long, but we agreed on net-60 terms at last.",
    "Ünïcödé — café, naïve, 東京, emoji 🚀 and tabs\tand newlines\nhere",
    " ".join(["a long record that runs past the model's 256-token window"] * 40),
]
MIXED = [
    *TEXTS,
    "",
    "no",
    "Hired a second support engineer; first-response time fell from 9 h to 2 h within a month.",
    " ".join(["Churn among annual customers stayed flat while monthly churn rose two points."] * 6),
    "Q4",
    " ".join(["The warehouse lease renewal was postponed until the audit closes."] * 25),
    "Switched the onboarding e-mails to plain text: open rate 41% → 47%.",
]


def reference(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """sentence-transformers on torch: the vectors the ONNX path must reproduce."""
    return np.asarray(embedder._model.encode(texts, normalize_embeddings=True, show_progress_bar=False))


def weights() -> Path:
    return packaged_model_path() / "model.safetensors"


def fused_name() -> str:
    return f"model-fused-ort{onnxruntime.__version__}.onnx"


def assert_same_vectors(got: np.ndarray, texts: list[str]) -> None:
    cosines = np.sum(got * reference(Embedder.load(), texts), axis=1)
    assert cosines.min() >= 1 - 1e-3, cosines


def test_default_model_runs_on_onnxruntime_with_the_same_vectors() -> None:
    embedder = Embedder.load()
    assert embedder.backend == "onnxruntime"
    got = embedder.embed_documents(TEXTS, batch_size=2)  # batches mix lengths and padding
    cosines = np.sum(got * reference(embedder, TEXTS), axis=1)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), embedder.dim)
    assert cosines.min() >= 1 - 1e-3, cosines
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert float(embedder.embed_query(TEXTS[1]) @ got[1]) >= 1 - 1e-5


@pytest.mark.parametrize("batch_size", [64, 3, 1])
def test_one_batch_mixing_very_short_and_long_texts_gives_the_same_vectors(batch_size: int) -> None:
    got = Embedder.load().embed_documents(MIXED, batch_size=batch_size)
    assert_same_vectors(got, MIXED)


def test_the_longest_text_padded_next_to_the_shortest_keeps_its_vectors() -> None:
    texts = [TEXTS[4], "", "ok"]  # 256, 2 and 3 tokens: one batch, mostly padding for two rows
    assert len(list(_batches([256, 2, 3], batch_size=64))) == 1
    assert_same_vectors(Embedder.load().embed_documents(texts, batch_size=64), texts)


def test_batches_hold_every_text_once_longest_first_within_the_limits() -> None:
    lengths = [3, 256, 40, 40, 7, 128, 90, 12, 256, 5, 60, 33] * 5
    batches = list(_batches(lengths, batch_size=8))
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    widths = [lengths[batch[0]] for batch in batches]
    assert widths == sorted(widths, reverse=True)
    for batch in batches:
        assert max(lengths[i] for i in batch) == lengths[batch[0]]
        assert len(batch) <= 8 and len(batch) * lengths[batch[0]] <= _BATCH_TOKENS
    per_batch = _BATCH_TOKENS // 256  # long texts: the token budget, not batch_size, sets the batch
    sizes = [len(batch) for batch in _batches([256] * 20, batch_size=64)]
    assert sizes == [per_batch] * (20 // per_batch) + ([20 % per_batch] if 20 % per_batch else [])


def test_export_is_fused_once_into_the_cache_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = Embedder.load()._model
    encoder = load_onnx_encoder(model, weights(), threads=1)
    assert encoder is not None
    folder = tmp_path / "orgmind" / "onnx" / _weights_key(weights())
    fused = folder / fused_name()
    assert sorted(p.name for p in folder.iterdir()) == [fused.name]  # no plain export, no partial file
    operators = {node.op_type for node in onnx.load(str(fused)).graph.node}
    assert {"Attention", "SkipLayerNormalization", "BiasGelu"} <= operators
    assert_same_vectors(encoder.encode(MIXED, batch_size=64), MIXED)
    assert encoder.encode([], batch_size=64).shape[0] == 0
    stamp = fused.stat().st_mtime_ns
    again = load_onnx_encoder(model, weights(), threads=1)
    assert again is not None and fused.stat().st_mtime_ns == stamp
    assert_same_vectors(again.encode(TEXTS[:3], batch_size=8), TEXTS[:3])


def test_without_the_optimiser_the_plain_export_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setitem(sys.modules, "onnxruntime.transformers.optimizer", None)  # its import fails
    encoder = load_onnx_encoder(Embedder.load()._model, weights(), threads=1)
    assert encoder is not None
    folder = tmp_path / "orgmind" / "onnx" / _weights_key(weights())
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx"]
    assert "Attention" not in {node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node}
    assert_same_vectors(encoder.encode(MIXED, batch_size=64), MIXED)


def test_broken_cached_graphs_fall_back_to_sentence_transformers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "orgmind" / "onnx" / _weights_key(weights())
    folder.mkdir(parents=True)
    for name in (fused_name(), "model.onnx"):
        (folder / name).write_bytes(b"not an onnx graph")
    assert load_onnx_encoder(Embedder.load()._model, weights(), threads=1) is None


def test_a_graph_that_disagrees_is_refused_once_and_not_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(onnx_encoder, "_agrees", lambda encoder, model: False)
    model = Embedder.load()._model
    assert load_onnx_encoder(model, weights(), threads=1) is None
    folder = tmp_path / "orgmind" / "onnx" / _weights_key(weights())
    assert sorted(p.name for p in folder.iterdir()) == [fused_name() + ".refused", "model.onnx.refused"]

    def made_again(*args: object) -> None:
        raise AssertionError("a refused graph was made again")

    monkeypatch.setattr(onnx_encoder, "_export", made_again)
    monkeypatch.setattr(onnx_encoder, "_export_fused", made_again)
    assert load_onnx_encoder(model, weights(), threads=1) is None
