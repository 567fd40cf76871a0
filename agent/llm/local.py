"""The local backend: the fast Llama engine (plain transformers is in :mod:`agent.llm.hf`)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memberinsight.agent.llm.base import LLMUnavailableError
from memberinsight.agent.llm.chat import ChatTokenizer, Message
from memberinsight.agent.llm.constraints import Guidance
from memberinsight.errors import ConfigError

REPETITION_PENALTY = 1.1
"""The fast engine's default (``LlamaEngine.generate_ids``); the transformers path uses the same."""


def auto_threads(requested: int = 0) -> int:
    """Torch threads for generation: ``requested`` when positive, else chosen from the machine's load.

    Per-token work in a small model is tiny, so splitting it over threads only pays when those
    cores are idle; on a busy machine (1-minute load average at or above cores - 1) a second
    thread waits on preempted siblings and decoding slows several-fold, so one thread is used.
    """
    if requested > 0:
        return requested
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1
    return cores if cores > 1 and load < cores - 1 else 1


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` intra-op torch threads, restoring the previous count after."""
    import torch

    previous = torch.get_num_threads()
    if n != previous:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n != previous:
            torch.set_num_threads(previous)


def read_config(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "config.json"
    if not path.is_file():
        raise ConfigError(f"{model_dir}: no config.json (not a Hugging Face model directory)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from exc


class LocalBackend:
    """A local Llama-architecture model run by :class:`~agent.llm.engine.LlamaEngine`.

    Loading is lazy (first call) and happens once; calls are serialised because the engine owns
    one KV cache. ``quant`` is the weight format (``int4`` default, ``int8``, ``bf16``, ``fp32``).
    Generation accepts a :class:`~agent.llm.constraints.Guidance` (forced start, banned tokens).
    """

    supports_guidance = True

    def __init__(self, model_dir: str | Path, quant: str = "int4", threads: int = 0, max_seq: int = 2048,
                 name: str | None = None, head_quant: str | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.quant = quant
        self.head_quant = head_quant
        self.threads = threads
        self.max_seq = max_seq
        self.name = name or f"local:{self.model_dir.name}:{quant}"
        self.load_seconds: float | None = None
        self._engine: Any = None
        self._tokenizer: ChatTokenizer | None = None
        self._load_lock = threading.Lock()
        self._gen_lock = threading.Lock()  # a plain Lock: a generator may be closed from another thread

    def load(self) -> float:
        """Load weights and tokenizer (once); returns the seconds the load took."""
        with self._load_lock:
            if self._engine is not None:
                return self.load_seconds or 0.0
            start = time.perf_counter()
            from safetensors.torch import load_file

            from memberinsight.agent.llm.engine import LlamaEngine, supports

            config = read_config(self.model_dir)
            if not supports(config):
                raise ConfigError(f"{self.model_dir}: model type {config.get('model_type')!r} is not a plain "
                                  "Llama model; use the transformers backend for it")
            files = sorted(self.model_dir.glob("*.safetensors"))
            if not files:
                raise LLMUnavailableError(f"{self.model_dir}: no .safetensors weights")
            weights: dict[str, Any] = {}
            for file in files:
                weights.update(load_file(str(file)))
            weights = {k.removeprefix("base_model."): v for k, v in weights.items()}
            self._tokenizer = ChatTokenizer(self.model_dir)
            with torch_threads(auto_threads(self.threads)):
                self._engine = LlamaEngine(weights, config, quant=self.quant, head_quant=self.head_quant,
                                           max_seq=self.max_seq)
            self.load_seconds = round(time.perf_counter() - start, 3)
            return self.load_seconds

    @property
    def tokenizer(self) -> ChatTokenizer:
        self.load()
        assert self._tokenizer is not None
        return self._tokenizer

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Prompt length in tokens for ``messages``."""
        return len(self.tokenizer.encode_chat(messages))

    def stream_ids(self, prompt_ids: list[int], max_new_tokens: int = 256, temperature: float = 0.0,
                   seed: int | None = None, guidance: Guidance | None = None) -> Iterator[int]:
        """Raw token ids (for benchmarks and callers that decode themselves).

        With ``guidance`` decoding follows its rules (:class:`~agent.llm.constraints.GuidedDecoding`);
        its prefix is the caller's to put in ``prompt_ids`` (``tokenizer.encode_chat(messages, prefix)``).
        """
        self.load()
        stop_ids = self.tokenizer.stop_ids
        kwargs: dict[str, Any] = {}
        if guidance is not None:
            kwargs["logits_processor"] = self.tokenizer.guided(guidance).processor()
            if guidance.repetition_penalty is not None:
                kwargs["repetition_penalty"] = guidance.repetition_penalty
        with self._gen_lock, torch_threads(auto_threads(self.threads)):
            yield from self._engine.generate_ids(prompt_ids, max_new_tokens, temperature=temperature, seed=seed,
                                                 stop_ids=stop_ids, **kwargs)

    def stream(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
               seed: int | None = None, guidance: Guidance | None = None) -> Iterator[str]:
        """Yield text pieces as tokens are produced (after ``guidance.prefix``, which is not repeated)."""
        ids = self.tokenizer.encode_chat(messages, guidance.prefix if guidance else "")
        yield from self.tokenizer.stream_text(self.stream_ids(ids, max_new_tokens, temperature, seed, guidance))

    def generate(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = None, guidance: Guidance | None = None) -> str:
        """The whole reply as one string (after ``guidance.prefix``, which is not repeated)."""
        ids = self.tokenizer.encode_chat(messages, guidance.prefix if guidance else "")
        return self.tokenizer.decode(list(self.stream_ids(ids, max_new_tokens, temperature, seed, guidance)))

    def score(self, messages: Sequence[Message], texts: Sequence[str]) -> list[float]:
        """Mean log-probability per token of each of ``texts`` as the assistant's reply to ``messages``
        (higher: more natural to the model). Used to rank candidate phrasings."""
        prompt = self.tokenizer.encode_chat(messages)
        conts = [self.tokenizer.encode_text(t) for t in texts]
        with self._gen_lock, torch_threads(auto_threads(self.threads)):
            rows = self._engine.continuation_logprobs(prompt, conts)
        return [sum(r) / len(r) if r else float("-inf") for r in rows]

    def describe(self) -> dict[str, Any]:
        return {"backend": "local", "name": self.name, "model_dir": str(self.model_dir), "quant": self.quant,
                "threads": self.threads or "auto", "loaded": self._engine is not None,
                "load_seconds": self.load_seconds}
