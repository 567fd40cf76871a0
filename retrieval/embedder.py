"""Sentence embeddings: the packaged all-MiniLM-L6-v2 (or any local sentence-transformers folder).

Backends (``Settings.embedding_backend``):

* ``onnx`` - the model exported to ONNX locally at first use and run by ONNX Runtime; vectors equal
  the torch model's to ~1e-6.
* ``onnx-int8`` - the same with per-channel int8 weights and dynamically quantised activations,
  every text run alone (batch of one) on one thread per core: the fastest backend whose search
  Recall@10 stays within 1% of fp32 (cosine to fp32 vectors ~0.99), so ``auto`` picks it whenever
  onnxruntime is installed and the model is a plain Transformer + mean/CLS pooling.
* ``torch`` - plain sentence-transformers in length-sorted batches; ``torch-int8`` - with dynamic
  int8 Linear layers, one text at a time.

Every backend returns L2-normalised float32 vectors, and a text's vector depends on the text and
the model only - never on the other texts of the call (alone or in any batch: max abs difference
<= 1e-5). Dynamic int8 quantisation scales activations over the whole input tensor, which is why
the int8 backends never batch; fp32 padded batches agree with rows alone to ~1e-7. Models are loaded lazily, once per
process, by :func:`get_embedder`.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from memberinsight.config import Settings
from memberinsight.errors import ConfigError
from memberinsight.retrieval.modelinfo import ModelSpec, read_model_spec, resolve_model_dir

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnx", "onnx-int8", "torch", "torch-int8")
ID_SUFFIX = {"onnx": "", "torch": "", "onnx-int8": "-int8r", "torch-int8": "-torch-int8r"}
"""Model id suffix per backend: fp32 backends share the plain id (same vectors). The int8 ids end in
``r`` since their vectors come from texts run alone (rows); the earlier ``-int8`` / ``-torch-int8``
vectors were batch-dependent, so cached vectors and indexes under those ids are never reused."""


def _onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(spec: ModelSpec, backend: str) -> str:
    """``auto`` -> the default backend for this model; any other name unchanged."""
    if backend != "auto":
        return backend
    # bench/retrieval.py: int8 ONNX, texts run alone, is the fastest batch-invariant backend whose
    # search recall@10 stays within 1% of fp32
    return "onnx-int8" if spec.plain and _onnx_available() else "torch"


class Embedder:
    """Turns texts into L2-normalised float32 vectors with one model and one backend."""

    def __init__(self, spec: ModelSpec, backend: str, cache_root: Path, batch_size: int = 64) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"embedding_backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        backend = resolve_backend(spec, backend)
        if backend.startswith("onnx") and not spec.plain:
            raise ConfigError(f"embedding model {spec.path} has custom modules; use embedding_backend = 'torch'")
        self.spec, self.backend, self.batch_size = spec, backend, max(1, int(batch_size))
        self._onnx = None
        self._torch = None
        if backend.startswith("onnx"):
            from memberinsight.retrieval.onnx_backend import OnnxEncoder, onnx_model_file

            self._onnx = OnnxEncoder(spec, onnx_model_file(spec, cache_root, int8=backend == "onnx-int8"))
            self.dimension = self._onnx.dimension
        else:
            self._torch = _load_torch_model(spec.path, backend == "torch-int8")
            getter = getattr(self._torch, "get_embedding_dimension", None) or \
                self._torch.get_sentence_embedding_dimension
            self.dimension = int(getter())

    @property
    def model_id(self) -> str:
        """Identifies the vectors (keys the embedding cache and index manifests): fp32 backends share an
        id (same vectors), each int8 backend has its own."""
        return f"{self.spec.name}@{self.spec.fingerprint}{ID_SUFFIX[self.backend]}"

    def encode(self, texts: Sequence[str], batch_size: int | None = None, show_progress: bool = False,
               description: str = "Embedding") -> np.ndarray:
        """Embeddings of ``texts`` as an ``(n, dimension)`` float32 array (rows in input order).

        A text's vector does not depend on the other texts or on ``batch_size``: ONNX backends run each
        text alone (``batch_size`` only sizes the chunks the progress bar counts), ``torch-int8`` one
        at a time, ``torch`` in length-sorted fp32 batches (padding moves vectors by ~1e-7).
        """
        n = len(texts)
        out = np.zeros((n, self.dimension), dtype=np.float32)
        if n == 0:
            return out
        size = 1 if self.backend == "torch-int8" else batch_size or self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")  # longest first: less padding
        from memberinsight.progress import progress_bar  # a bar on a terminal, plain lines in a log

        with progress_bar(n, description, unit="text", enabled=show_progress) as bar:
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
            return self._onnx.encode(texts)
        assert self._torch is not None  # one of the two is loaded in __init__
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


@lru_cache(maxsize=8)
def _cached_embedder(spec: ModelSpec, backend: str, cache_root: Path, batch_size: int) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return Embedder(spec, backend, cache_root, batch_size)


def get_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """The process-wide embedder for these settings (loaded on first call, then reused; a model folder
    whose files changed gets a new fingerprint and so a freshly loaded embedder)."""
    spec = read_model_spec(resolve_model_dir(settings))
    return _cached_embedder(spec, resolve_backend(spec, backend or settings.embedding_backend),
                            settings.cache_path, settings.embedding_batch_size)
