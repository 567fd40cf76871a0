"""Pick and build the configured backend (``Settings.llm_backend``), once per configuration."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from memberinsight.agent.llm.base import LLMBackend
from memberinsight.config import Settings, load_settings
from memberinsight.errors import ConfigError

BACKENDS = ("gguf", "hf", "openai")
ENGINES = ("fast", "transformers")
"""How a local model generates: the packed torch Llama engine, or plain ``transformers.generate``."""


def get_backend(settings: Settings | None = None) -> LLMBackend:
    """The backend named by ``settings.llm_backend`` (cached: one loaded model per configuration).

    * ``gguf``: the packaged SmolLM2 GGUF (or ``llm_model_path``/``llm_gguf_file``), converted once
      by transformers into ``<cache>/llm/`` and run by the fast local engine, or by plain
      transformers ``generate`` when ``llm_engine = "transformers"``;
    * ``hf``: a local Hugging Face model directory (``llm_model_path``); Llama models use the fast
      engine unless ``llm_engine = "transformers"``, other architectures always use transformers;
    * ``openai``: an OpenAI-compatible endpoint (``llm_endpoint_url``, ``llm_endpoint_model``).
    """
    s = settings or load_settings()
    if s.llm_backend not in BACKENDS:
        raise ConfigError(f"unknown llm_backend {s.llm_backend!r} (choose from {', '.join(BACKENDS)})")
    if s.llm_engine not in ENGINES:
        raise ConfigError(f"unknown llm_engine {s.llm_engine!r} (choose from {', '.join(ENGINES)})")
    if s.llm_backend == "openai":
        return _openai(s.llm_endpoint_url, s.llm_endpoint_model, s.llm_api_key_env)
    if s.llm_backend == "gguf":
        from memberinsight.agent.llm.convert import gguf_path

        return _gguf(str(gguf_path(s)), str(s.cache_path), s.llm_quant, s.llm_threads, s.llm_engine)
    if not s.llm_model_path:
        raise ConfigError("llm_backend 'hf' needs llm_model_path (a local Hugging Face model directory)")
    return _hf(str(Path(s.llm_model_path).expanduser()), s.llm_quant, s.llm_threads, s.llm_engine)


def warmup(settings: Settings | None = None) -> dict[str, object]:
    """Convert (if needed) and load the configured model; report what was done and how long it took."""
    s = settings or load_settings()
    info: dict[str, object] = {"llm_backend": s.llm_backend}
    if s.llm_backend == "gguf":
        from memberinsight.agent.llm.convert import ensure_converted, gguf_path

        conv = ensure_converted(gguf_path(s), s.cache_path)
        info.update(converted=conv.converted, convert_seconds=conv.seconds, cache_dir=str(conv.path))
    backend = get_backend(s)
    load = getattr(backend, "load", None)
    if callable(load):
        info["load_seconds"] = load()
    info.update(backend.describe())
    return info


@functools.lru_cache(maxsize=4)
def _gguf(source: str, cache_root: str, quant: str, threads: int, engine: str = "fast") -> LLMBackend:
    from memberinsight.agent.llm.convert import ensure_converted
    from memberinsight.agent.llm.hf import TransformersBackend
    from memberinsight.agent.llm.local import LocalBackend

    conv = ensure_converted(Path(source), Path(cache_root))
    stem = Path(source).stem
    if engine == "transformers":
        return TransformersBackend(conv.path, threads=threads, name=f"gguf:{stem}:transformers")
    return LocalBackend(conv.path, quant=quant, threads=threads, name=f"gguf:{stem}:{quant}")


@functools.lru_cache(maxsize=4)
def _hf(model_dir: str, quant: str, threads: int, engine: str = "fast") -> LLMBackend:
    from memberinsight.agent.llm.engine import supports
    from memberinsight.agent.llm.hf import TransformersBackend
    from memberinsight.agent.llm.local import LocalBackend, read_config

    path = Path(model_dir)
    if not path.is_dir():
        raise ConfigError(f"llm_model_path {path} is not a directory")
    if engine == "fast" and supports(read_config(path)) and any(path.glob("*.safetensors")):
        return LocalBackend(path, quant=quant, threads=threads)
    return TransformersBackend(path, threads=threads)


@functools.lru_cache(maxsize=4)
def _openai(url: str, model: str, key_env: str) -> LLMBackend:
    from memberinsight.agent.llm.openai import OpenAIBackend

    if not url:
        raise ConfigError("llm_backend 'openai' needs llm_endpoint_url (e.g. http://127.0.0.1:11434/v1)")
    return OpenAIBackend(url, model, api_key=os.environ.get(key_env) if key_env else None)
