"""The default model run by ONNX Runtime: the same vectors as sentence-transformers, faster on a CPU.

The ONNX graph is exported from the bundled all-MiniLM-L6-v2 weights on this machine (never
downloaded), the first time a process needs it, and cached outside the project under
``$XDG_CACHE_HOME/orgmind/onnx`` (``~/.cache`` by default), keyed by the weights file. The export
is fused by ONNX Runtime's transformer optimiser (one Attention, SkipLayerNormalization and
BiasGelu kernel where the plain graph runs a dozen small operators); that graph is named after the
onnxruntime version that fused it, so an upgrade fuses afresh. A fresh graph is checked against
sentence-transformers on a few probe texts before it is used. If the fusion fails or its graph
disagrees, the plain export is used instead; if onnx or onnxruntime is missing, or the plain
export fails or disagrees too, :func:`load_onnx_encoder` returns None and the embedder keeps
using sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    " ".join(["The pilot customer renewed for a second year and asked for a shared roadmap."] * 12),
)
_MIN_COSINE = 1.0 - 1e-4
"""How close a graph's vectors must come to sentence-transformers' on the probes to be used."""
_BATCH_TOKENS = 768
"""At most this many token positions (texts x longest text) go through the model in one call."""

_Make = Callable[["SentenceTransformer", Path], None]


class OnnxEncoder:
    """Tokenise, run the exported transformer, mean-pool over real tokens, L2-normalise."""

    def __init__(self, session: Any, tokenizer: Any, max_length: int) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._max_length = max_length

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Embeddings of ``texts`` in their order.

        The texts are tokenised once, sorted by token count and cut into batches of at most
        ``batch_size`` texts and :data:`_BATCH_TOKENS` padded positions, so little padding is run.
        """
        out = np.empty((len(texts), 0), dtype=np.float32)
        if not texts:
            return out
        encoded = self._tokenizer(texts, truncation=True, max_length=self._max_length)
        tokens: list[list[int]] = encoded["input_ids"]
        types: list[list[int]] = encoded.get("token_type_ids") or [[0] * len(row) for row in tokens]
        for rows in _batches([len(row) for row in tokens], batch_size):
            vectors = self._encode_batch([tokens[i] for i in rows], [types[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _encode_batch(self, tokens: list[list[int]], types: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in tokens)
        mask = np.zeros((len(tokens), width), dtype=np.int64)
        for i, row in enumerate(tokens):
            mask[i, : len(row)] = 1
        feed = {
            "input_ids": _padded(tokens, width, int(self._tokenizer.pad_token_id or 0)),
            "attention_mask": mask,
            "token_type_ids": _padded(types, width, 0),
        }
        hidden: np.ndarray = self._session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit


def _batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Indices of texts, longest first, in batches within ``batch_size`` texts and the token budget."""
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * lengths[batch[0]] > _BATCH_TOKENS):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def _padded(rows: list[list[int]], width: int, pad: int) -> np.ndarray:
    """``rows`` right-padded with ``pad`` to ``width`` columns."""
    out = np.full((len(rows), width), pad, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


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
    folder = _cache_dir() / _weights_key(weights)
    fused = folder / f"model-fused-ort{onnxruntime.__version__}.onnx"
    return _encoder(model, fused, _export_fused, threads) or _encoder(model, folder / "model.onnx", _export, threads)


def _encoder(model: SentenceTransformer, path: Path, make: _Make, threads: int) -> OnnxEncoder | None:
    """An encoder on the graph at ``path``, made by ``make`` if it is not cached and then checked.

    A graph that disagreed with sentence-transformers when made is not made again: a marker beside
    it (``<graph>.refused``) records the refusal for these weights and this onnxruntime version.
    """
    import onnxruntime

    refused = path.with_name(path.name + ".refused")
    if refused.is_file():
        return None
    fresh = not path.is_file()
    try:
        if fresh:
            make(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see embedder._prefer_passive_waits
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - any failure leaves the next way of embedding in place
        log.warning("no ONNX graph %s (%s: %s)", path.name, type(exc).__name__, exc)
        return None
    encoder = OnnxEncoder(session, model.tokenizer, int(model.max_seq_length or 512))
    if fresh and not _agrees(encoder, model):
        path.unlink(missing_ok=True)
        _write_atomically(refused, b"")
        log.warning("the ONNX graph %s disagrees with sentence-transformers; not used, and not made "
                    "again while %s exists", path.name, refused)
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
    """Export the transformer to ``path``."""
    graph = _exported(model)
    _write_atomically(path, graph)
    log.info("exported %s to %s", type(model[0].auto_model).__name__, path)


def _export_fused(model: SentenceTransformer, path: Path) -> None:
    """Export the transformer and fuse it with ONNX Runtime's transformer optimiser into ``path``."""
    import onnx
    from onnxruntime.transformers.optimizer import optimize_model

    config = cast(Any, model[0].auto_model).config
    fused = optimize_model(
        onnx.load_from_string(_exported(model)), model_type="bert", num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size), opt_level=0, use_gpu=False,
    )
    counts = fused.get_fused_operator_statistics()
    if not counts.get("Attention"):
        raise RuntimeError(f"the optimiser fused no attention ({counts})")
    _write_atomically(path, fused.model.SerializeToString())
    log.info("exported and fused %s to %s", type(model[0].auto_model).__name__, path)


def _exported(model: SentenceTransformer) -> bytes:
    """The transformer's ONNX graph (inputs ``_INPUTS``, output ``last_hidden_state``), exported here."""
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
    sample = model.tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    axes = {"batch": 0, "tokens": 1}
    dynamic = {name: {i: n for n, i in axes.items()} for name in (*_INPUTS, "last_hidden_state")}
    with tempfile.TemporaryDirectory(prefix="orgmind-onnx-") as scratch:
        graph = Path(scratch) / "model.onnx"
        with _eager_attention(transformer), torch.no_grad():
            torch.onnx.export(
                _LastHiddenState(transformer).eval(), tuple(sample[name] for name in _INPUTS), str(graph),
                input_names=list(_INPUTS), output_names=["last_hidden_state"], dynamic_axes=dynamic,
                opset_version=17, dynamo=False,
            )
        return graph.read_bytes()


@contextmanager
def _eager_attention(transformer: Any) -> Iterator[None]:
    """Trace attention as plain matrix products (the form the optimiser fuses); the same arithmetic.

    A transformers release without ``set_attn_implementation`` traces the model as loaded.
    """
    switch = getattr(transformer, "set_attn_implementation", None)
    if switch is None:
        yield
        return
    chosen = transformer.config._attn_implementation
    switch("eager")
    try:
        yield
    finally:
        switch(chosen)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that a half-written file is never left there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".onnx.part", delete=False) as part:
        partial = Path(part.name)
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _agrees(encoder: OnnxEncoder, model: SentenceTransformer) -> bool:
    expected = model.encode(list(_PROBES), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    got = encoder.encode(list(_PROBES), batch_size=len(_PROBES))
    return bool(np.min(np.sum(expected * got, axis=1)) >= _MIN_COSINE)
