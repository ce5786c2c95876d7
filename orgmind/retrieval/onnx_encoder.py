"""The default model run by ONNX Runtime: the same vectors as sentence-transformers, faster on a CPU.

The ONNX graph is exported from the bundled all-MiniLM-L6-v2 weights on this machine (never
downloaded), the first time a process needs it, and cached outside the project under
``$XDG_CACHE_HOME/orgmind/onnx`` (``~/.cache`` by default), keyed by the weights file. A fresh
export is checked against sentence-transformers on a few probe texts before it is used; if
onnx or onnxruntime is missing, the export fails or the check does, :func:`load_onnx_encoder`
returns None and the embedder keeps using sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["OnnxEncoder", "load_onnx_encoder"]

log = logging.getLogger(__name__)

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROBES = (
    "Raised the annual plan price to $49 after the Q3 churn review.",
    "ok",
    "Dana: the supplier call ran long, but we agreed on net-60 terms at last.",
)
_MIN_COSINE = 1.0 - 1e-4
"""How close an export's vectors must come to sentence-transformers' on the probes to be used."""


class OnnxEncoder:
    """Tokenise, run the exported transformer, mean-pool over real tokens, L2-normalise."""

    def __init__(self, session: Any, tokenizer: Any, max_length: int) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._max_length = max_length

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Embeddings of ``texts`` in their order; batches group texts of similar length."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            vectors = self._encode_batch([texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
        )
        feed = {name: np.asarray(encoded[name], dtype=np.int64) for name in _INPUTS}
        hidden: np.ndarray = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit


def load_onnx_encoder(model: SentenceTransformer, weights: Path, threads: int) -> OnnxEncoder | None:
    """An ONNX encoder equivalent to ``model`` (mean pooling, normalised), or None if none can be had."""
    if [type(m).__name__ for m in model] != ["Transformer", "Pooling", "Normalize"]:
        return None
    if getattr(model[1], "pooling_mode_mean_tokens", True) is not True:
        return None
    try:
        import onnxruntime
    except ImportError:
        log.info("onnxruntime is not installed; embedding with sentence-transformers")
        return None
    path = _cache_dir() / _weights_key(weights) / "model.onnx"
    fresh = not path.is_file()
    try:
        if fresh:
            _export(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see embedder._prefer_passive_waits
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - any failure leaves the sentence-transformers path in place
        log.warning("no ONNX model for %s (%s); embedding with sentence-transformers", weights.parent, exc)
        return None
    encoder = OnnxEncoder(session, model.tokenizer, int(model.max_seq_length or 512))
    if fresh and not _agrees(encoder, model):
        path.unlink(missing_ok=True)
        log.warning("the ONNX export of %s disagrees with sentence-transformers; not used", weights.parent)
        return None
    return encoder


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orgmind" / "onnx"


def _weights_key(weights: Path) -> str:
    """A name for the weights file: its size and the hash of its first and last megabyte."""
    size = weights.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with weights.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(size - (1 << 20), 0))
        digest.update(handle.read())
    return digest.hexdigest()[:24]


def _export(model: SentenceTransformer, path: Path) -> None:
    """Export the transformer to ``path`` (atomically: a half-written file is never left there)."""
    import torch

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            output = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids)
            hidden: torch.Tensor = output.last_hidden_state
            return hidden

    transformer = cast(torch.nn.Module, model[0].auto_model)
    wrapper = _LastHiddenState(transformer).eval()
    sample = model.tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    axes = {"batch": 0, "tokens": 1}
    dynamic = {name: {i: n for n, i in axes.items()} for name in (*_INPUTS, "last_hidden_state")}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".onnx.part", delete=False) as part:
        partial = Path(part.name)
    try:
        with torch.no_grad():
            torch.onnx.export(
                wrapper, tuple(sample[name] for name in _INPUTS), str(partial),
                input_names=list(_INPUTS), output_names=["last_hidden_state"], dynamic_axes=dynamic,
                opset_version=17, dynamo=False,
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    log.info("exported %s to %s", type(model[0].auto_model).__name__, path)


def _agrees(encoder: OnnxEncoder, model: SentenceTransformer) -> bool:
    expected = model.encode(list(_PROBES), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    got = encoder.encode(list(_PROBES), batch_size=len(_PROBES))
    return bool(np.min(np.sum(expected * got, axis=1)) >= _MIN_COSINE)
