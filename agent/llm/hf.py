"""Any local Hugging Face causal LM through plain ``transformers.generate`` (the general path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from memberinsight.agent.llm.base import LLMUnavailableError
from memberinsight.agent.llm.chat import Message
from memberinsight.agent.llm.constraints import CompiledGuidance, Guidance, compile_guidance, token_texts
from memberinsight.agent.llm.local import REPETITION_PENALTY, auto_threads, torch_threads


class TransformersBackend:
    """Any local Hugging Face causal LM through ``transformers.generate`` (the general path).

    ``dynamic_int8`` applies torch's dynamic int8 quantisation to the linear layers. Decoding uses
    the same settings as the fast engine (repetition penalty 1.1 over prompt and output; sampling
    with top-k 40 and top-p 0.95), so both give the same greedy text for the same weights, and it
    honours the same :class:`~agent.llm.constraints.Guidance` (forced start, banned tokens, one line).
    """

    supports_guidance = True

    def __init__(self, model_dir: str | Path, threads: int = 0, dynamic_int8: bool = False,
                 name: str | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.dynamic_int8 = dynamic_int8
        self.name = name or f"transformers:{self.model_dir.name}{':int8' if dynamic_int8 else ''}"
        self.load_seconds: float | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        self._lock = threading.Lock()
        self._texts: list[str] | None = None
        self._guided: dict[Guidance, CompiledGuidance] = {}

    def load(self) -> float:
        with self._load_lock:
            if self._model is not None:
                return self.load_seconds or 0.0
            start = time.perf_counter()
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            try:
                self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
                model = AutoModelForCausalLM.from_pretrained(self.model_dir, local_files_only=True,
                                                             dtype=torch.float32)
            except (OSError, ValueError) as exc:
                raise LLMUnavailableError(f"cannot load model from {self.model_dir}: {exc}") from exc
            model.eval()
            if self.dynamic_int8:
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            self._model = model
            self.load_seconds = round(time.perf_counter() - start, 3)
            return self.load_seconds

    def _compiled(self, guidance: Guidance) -> CompiledGuidance:
        from dataclasses import replace

        guidance = replace(guidance, prefix="")
        if guidance not in self._guided:
            tok = self._tokenizer.backend_tokenizer
            if self._texts is None:
                self._texts = token_texts(tok)
            stop = {self._tokenizer.eos_token_id, self._tokenizer.pad_token_id,
                    self._tokenizer.convert_tokens_to_ids("<|im_end|>")}
            self._guided[guidance] = compile_guidance(self._texts, guidance,
                                                      frozenset(i for i in stop if isinstance(i, int)),
                                                      lambda t: tok.encode(t, add_special_tokens=False).ids)
        return self._guided[guidance]

    def _inputs(self, messages: Sequence[Message], guidance: Guidance | None = None) -> Any:

        from memberinsight.agent.llm.chat import validate_messages

        if guidance is not None and guidance.prefix:  # the reply's forced start, tokenised with the prompt
            text = self._tokenizer.apply_chat_template(validate_messages(messages), add_generation_prompt=True,
                                                       tokenize=False)
            return self._tokenizer(text + guidance.prefix, return_tensors="pt", add_special_tokens=False)
        return self._tokenizer.apply_chat_template(validate_messages(messages), add_generation_prompt=True,
                                                   return_tensors="pt", return_dict=True)

    def _kwargs(self, enc: Any, max_new_tokens: int, temperature: float, seed: int | None,
                guidance: Guidance | None = None) -> dict[str, Any]:
        import torch

        kwargs: dict[str, Any] = dict(enc, max_new_tokens=max_new_tokens, repetition_penalty=REPETITION_PENALTY,
                                      pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id)
        if temperature > 0:
            torch.manual_seed(seed if seed is not None else 0)
            kwargs.update(do_sample=True, temperature=temperature, top_k=40, top_p=0.95)
        else:
            kwargs.update(do_sample=False, temperature=None, top_k=None, top_p=None)
        if guidance is not None:
            kwargs.update(_guidance_hooks(self._compiled(guidance), int(enc["input_ids"].shape[1])))
            if guidance.repetition_penalty is not None:
                kwargs["repetition_penalty"] = guidance.repetition_penalty
        return kwargs

    def stream(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
               seed: int | None = None, guidance: Guidance | None = None) -> Iterator[str]:
        """Yield text pieces as tokens are produced (after ``guidance.prefix``, which is not repeated)."""
        import torch
        from transformers import TextIteratorStreamer

        self.load()
        with self._lock, torch_threads(auto_threads(self.threads)):
            enc = self._inputs(messages, guidance)
            streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
            kwargs = self._kwargs(enc, max_new_tokens, temperature, seed, guidance)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    with torch.inference_mode():
                        self._model.generate(**kwargs, streamer=streamer)
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                    errors.append(exc)
                    streamer.end()

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            for piece in streamer:
                if piece:
                    yield piece
            worker.join()
            if errors:
                raise errors[0]

    def generate(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = None, guidance: Guidance | None = None) -> str:
        """The whole reply as one string (after ``guidance.prefix``, which is not repeated)."""
        import torch

        self.load()
        with self._lock, torch_threads(auto_threads(self.threads)), torch.inference_mode():
            enc = self._inputs(messages, guidance)
            out = self._model.generate(**self._kwargs(enc, max_new_tokens, temperature, seed, guidance))
            return self._tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)

    def describe(self) -> dict[str, Any]:
        return {"backend": "transformers", "name": self.name, "model_dir": str(self.model_dir),
                "dynamic_int8": self.dynamic_int8, "loaded": self._model is not None,
                "load_seconds": self.load_seconds}


def _guidance_hooks(compiled: CompiledGuidance, prompt_length: int) -> dict[str, Any]:
    """``generate`` keyword arguments applying ``compiled`` through a logits processor."""
    from transformers import LogitsProcessor, LogitsProcessorList

    guided = compiled.processor()

    class _Guided(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            generated = input_ids[0, prompt_length:].tolist()
            scores[0] = guided(generated, scores[0])
            return scores

    return {"logits_processor": LogitsProcessorList([_Guided()])}
