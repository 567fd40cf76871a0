"""ONNX Runtime backend: the transformer exported locally at first use, cached, run by ORT.

The export uses torch's TorchScript-based exporter from the local weights (no download), is
checked against torch on a few sentences, and is written atomically into
``<cache>/onnx/<weights fingerprint>/`` (the export depends on the transformer's config and weights
only) so every later process just loads it. Pooling and L2 normalisation run in numpy. Vectors are
*always* L2-normalised, whether or not the model folder declares a ``Normalize`` module: every
backend returns unit vectors (cosine search and the embedding cache depend on it), exactly like the
torch backend's ``normalize_embeddings=True``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from memberinsight.errors import ModelNotReadyError
from retrieval.modelinfo import ModelSpec

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
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_suffix(f".tmp{os.getpid()}")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
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
    """Runs a sentence-transformers model through ONNX Runtime (mean or CLS pooling, then L2 norm)."""

    def __init__(self, spec: ModelSpec, onnx_file: Path, tokenizer=None, threads: int | None = None) -> None:
        import onnxruntime as ort

        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(spec.path))
        self.spec, self.tokenizer = spec, tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        # no busy-waiting between ops: on a shared CPU spinning threads cost more than they save
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def _hidden(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feeds = {n: np.asarray(batch[n], dtype=np.int64) for n in self.input_names}
        return self.session.run(None, feeds)[0]

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of one batch: pooled and L2-normalised (always, like every backend), float32."""
        batch = self.tokenizer(list(texts), padding=True, truncation=True,
                               max_length=self.spec.max_seq_length, return_tensors="np")
        hidden = self._hidden(batch)
        if self.spec.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        pooled = pooled.astype(np.float32)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled

    @property
    def dimension(self) -> int:
        shape = self.session.get_outputs()[0].shape
        return int(shape[-1]) if isinstance(shape[-1], int) else int(self.encode_batch(["x"]).shape[1])
