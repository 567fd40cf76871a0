"""ONNX Runtime backend: the transformer exported locally at first use, cached, run by ORT.

The export uses torch's TorchScript-based exporter from the local weights (no download), is
checked against torch on a few sentences, and is written atomically into
``<cache>/onnx/<weights fingerprint>/`` (the export depends on the transformer's config and weights
only) so every later process just loads it. Pooling and L2 normalisation run in numpy. Vectors are
*always* L2-normalised, whether or not the model folder declares a ``Normalize`` module: every
backend returns unit vectors (cosine search and the embedding cache depend on it), exactly like the
torch backend's ``normalize_embeddings=True``.

A text's vector depends on the text and the model only, never on what else is embedded with it:
:meth:`OnnxEncoder.encode` runs every text alone (a batch of one: no padding, no batch mates), the
rows spread over single-threaded workers sharing one session. That matters for the int8 model: its
activations are quantised *dynamically*, with one scale per tensor computed over the whole input,
so in a padded batch a text's vector shifted with its batch mates (cosine ~0.99 to itself alone,
max abs difference ~0.03). Alone, the scale is the text's own. For short texts (product titles,
reviews, questions) rows alone on one thread per core are also faster than padded batches on a
small CPU (bench/retrieval.py measures both).
"""

from __future__ import annotations

import fcntl
import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from memberinsight.errors import ModelNotReadyError
from memberinsight.retrieval.modelinfo import ModelSpec

log = logging.getLogger(__name__)

CHECK_SENTENCES = ("Waterproof hiking boots with a grippy sole.", "A stainless steel kitchen knife.")


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _export(spec: ModelSpec, target: Path) -> None:
    """Export the transformer to ONNX at ``target`` (temp file + os.replace)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(spec.path))
    model = AutoModel.from_pretrained(str(spec.path)).eval()
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]
    sample = tokenizer(list(CHECK_SENTENCES), padding=True, return_tensors="pt")

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    tmp = target.with_suffix(f".tmp{os.getpid()}")
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "hidden"]}
    with torch.no_grad():
        reference = model(**{n: sample[n] for n in names}).last_hidden_state.numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # .eval() on the wrapper: the exporter restores the wrapper's mode (train, for a new module)
        torch.onnx.export(_Hidden(model).eval(), tuple(sample[n] for n in names), str(tmp), dynamo=False,
                          input_names=names, output_names=["hidden"], dynamic_axes=axes, opset_version=17)
    os.replace(tmp, target)
    got = OnnxEncoder(spec, target, tokenizer)._hidden({n: sample[n].numpy() for n in names})
    valid = sample["attention_mask"].numpy().astype(bool)  # padded positions are never pooled
    if not np.allclose(got[valid], reference[valid], atol=1e-3):
        target.unlink(missing_ok=True)
        raise ModelNotReadyError(f"ONNX export of {spec.path} does not reproduce the torch model")


def _quantize(source: Path, target: Path) -> None:
    """Per-channel int8 weights; activations quantised at run time (per tensor: per text, run alone)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_suffix(f".tmp{os.getpid()}")
    root = logging.getLogger()
    level = root.level
    # onnxruntime logs a "consider pre-processing" advice on the root logger; it does not apply
    # to a transformer exported by torch, and an operator's terminal should not show it.
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    os.replace(tmp, target)


def onnx_model_file(spec: ModelSpec, cache_root: Path, int8: bool) -> Path:
    """The cached ONNX file for this model, exporting (and quantising) it on first use."""
    folder = cache_root / "onnx" / (spec.weights_fingerprint or spec.fingerprint)  # same weights, same export
    fp32, q8 = folder / "model.onnx", folder / "model.int8.onnx"
    want = q8 if int8 else fp32
    if want.is_file():
        return want
    with _locked(folder / ".lock"):
        if not fp32.is_file():
            log.info("exporting %s to ONNX (first use) into %s", spec.path, folder)
            _export(spec, fp32)
        if int8 and not q8.is_file():
            _quantize(fp32, q8)
    return want


class OnnxEncoder:
    """Runs a sentence-transformers model through ONNX Runtime (mean or CLS pooling, then L2 norm).

    :meth:`encode` runs each text alone on ``workers`` threads (default: one per CPU) that share one
    session with single-threaded operators; with ``workers=1`` the session gets ``threads`` intra-op
    threads instead (default: one per CPU).
    """

    def __init__(self, spec: ModelSpec, onnx_file: Path, tokenizer=None, threads: int | None = None,
                 workers: int | None = None) -> None:
        import onnxruntime as ort

        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(spec.path))
        self.spec, self.tokenizer = spec, tokenizer
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if self.workers > 1 else max(1, int(threads or os.cpu_count() or 1))
        options.inter_op_num_threads = 1
        # no busy-waiting between ops: on a shared CPU spinning threads cost more than they save
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0

    def _hidden(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feeds = {n: np.asarray(batch[n], dtype=np.int64) for n in self.input_names}
        return self.session.run(None, feeds)[0]

    def _pooled(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.spec.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
        pooled = pooled.astype(np.float32)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` (float32, unit norm, input order), each text run alone: a text's
        vector is the same whatever else is in ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        tokens = self.tokenizer(list(texts), truncation=True, max_length=self.spec.max_seq_length)

        def run(i: int) -> np.ndarray:
            row = {n: np.asarray([tokens[n][i]], dtype=np.int64) for n in self.input_names}
            return self._pooled(self.session.run(None, row)[0], np.asarray([tokens["attention_mask"][i]]))[0]

        order = sorted(range(len(texts)), key=lambda i: -len(tokens["input_ids"][i]))  # longest first: even finish
        if self.workers == 1 or len(texts) == 1:
            rows = [run(i) for i in order]
        else:
            if self._pool is None or self._pool_pid != os.getpid():  # a forked child has no pool threads
                self._pool, self._pool_pid = ThreadPoolExecutor(self.workers, thread_name_prefix="onnx-embed"), os.getpid()
            rows = list(self._pool.map(run, order))
        out = np.empty((len(texts), rows[0].shape[0]), dtype=np.float32)
        out[order] = rows
        return out

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of one padded batch in one ORT call. For the int8 model these depend on the batch
        mates (dynamic activation scales): kept for the export check and the benchmark; the embedder
        uses :meth:`encode`."""
        batch = self.tokenizer(list(texts), padding=True, truncation=True,
                               max_length=self.spec.max_seq_length, return_tensors="np")
        return self._pooled(self._hidden(batch), batch["attention_mask"])

    @property
    def dimension(self) -> int:
        """Width of the vectors."""
        shape = self.session.get_outputs()[0].shape
        return int(shape[-1]) if isinstance(shape[-1], int) else int(self.encode_batch(["x"]).shape[1])
