"""Sentence embeddings: the packaged all-MiniLM-L6-v2 (or any local sentence-transformers folder).

Backends (``Settings.embedding_backend``):

* ``onnx`` - the model exported to ONNX locally at first use and run by ONNX Runtime; vectors equal
  the torch model's to ~1e-6.
* ``onnx-int8`` - the same with per-channel dynamically quantised int8 weights: the fastest backend
  whose search Recall@10 stays within 1% of fp32 (cosine to fp32 vectors ~0.99), so ``auto`` picks
  it whenever onnxruntime is installed and the model is a plain Transformer + mean/CLS pooling.
* ``torch`` - plain sentence-transformers; ``torch-int8`` - with dynamic int8 Linear layers.

Every backend returns L2-normalised float32 vectors and embeds in length-sorted batches (less
padding). Models are loaded lazily, once per process, by :func:`get_embedder`.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from memberinsight.config import Settings
from memberinsight.errors import ConfigError
from retrieval.modelinfo import ModelSpec, read_model_spec, resolve_model_dir

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnx", "onnx-int8", "torch", "torch-int8")


def _onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class Embedder:
    """Turns texts into L2-normalised float32 vectors with one model and one backend."""

    def __init__(self, spec: ModelSpec, backend: str, cache_root: Path, batch_size: int = 64) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"embedding_backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if backend == "auto":
            # bench/retrieval.py: int8 ONNX is the fastest backend whose search recall@10 stays within 1% of fp32
            backend = "onnx-int8" if spec.plain and _onnx_available() else "torch"
        if backend.startswith("onnx") and not spec.plain:
            raise ConfigError(f"embedding model {spec.path} has custom modules; use embedding_backend = 'torch'")
        self.spec, self.backend, self.batch_size = spec, backend, max(1, int(batch_size))
        self._onnx = None
        self._torch = None
        if backend.startswith("onnx"):
            from retrieval.onnx_backend import OnnxEncoder, onnx_model_file

            self._onnx = OnnxEncoder(spec, onnx_model_file(spec, cache_root, int8=backend == "onnx-int8"))
            self.dimension = self._onnx.dimension
        else:
            self._torch = _load_torch_model(spec.path, backend == "torch-int8")
            getter = getattr(self._torch, "get_embedding_dimension", None) or \
                self._torch.get_sentence_embedding_dimension
            self.dimension = int(getter())

    @property
    def model_id(self) -> str:
        """Identifies the vectors: fp32 backends share an id (same vectors), int8 ones get their own."""
        suffix = "-int8" if self.backend.endswith("int8") else ""
        if self.backend == "torch-int8":
            suffix = "-torch-int8"
        return f"{self.spec.name}@{self.spec.fingerprint}{suffix}"

    def encode(self, texts: Sequence[str], batch_size: int | None = None, show_progress: bool = False,
               description: str = "Embedding") -> np.ndarray:
        """Embeddings of ``texts`` as an ``(n, dimension)`` float32 array (rows in input order)."""
        n = len(texts)
        out = np.zeros((n, self.dimension), dtype=np.float32)
        if n == 0:
            return out
        size = batch_size or self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")  # longest first: less padding
        from tqdm import tqdm

        bar = tqdm(total=n, desc=description, unit="text", file=sys.stderr, leave=False,
                   disable=not show_progress)
        with bar:
            for start in range(0, n, size):
                idx = order[start:start + size]
                out[idx] = self._encode_batch([texts[i] for i in idx])
                bar.update(len(idx))
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector, shape ``(dimension,)``."""
        return self.encode([text])[0]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode_batch(texts)
        vectors = self._torch.encode(texts, batch_size=len(texts), normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _load_torch_model(path: Path, int8: bool):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.eval()
    if int8:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


@lru_cache(maxsize=4)
def _cached_embedder(spec: ModelSpec, backend: str, cache_root: Path, batch_size: int) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return Embedder(spec, backend, cache_root, batch_size)


def get_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """The process-wide embedder for these settings (loaded on first call, then reused; a model folder
    whose files changed gets a new fingerprint and so a freshly loaded embedder)."""
    return _cached_embedder(read_model_spec(resolve_model_dir(settings)), backend or settings.embedding_backend,
                            settings.cache_path, settings.embedding_batch_size)
