"""Language-model backends behind one interface, plus prompt-safety helpers.

``get_backend(settings)`` returns the configured :class:`LLMBackend`: the packaged SmolLM2 GGUF run
by a fast local engine (default), any local Hugging Face model, or an OpenAI-compatible endpoint.
"""

from __future__ import annotations

from memberinsight.agent.llm.base import LLMBackend, LLMUnavailableError
from memberinsight.agent.llm.chat import Message
from memberinsight.agent.llm.constraints import DIGITS_AND_MONEY, Guidance, GuidedDecoding
from memberinsight.agent.llm.factory import BACKENDS, get_backend, warmup
from memberinsight.agent.llm.hf import TransformersBackend
from memberinsight.agent.llm.local import LocalBackend
from memberinsight.agent.llm.openai import OpenAIBackend
from memberinsight.untrusted import UNTRUSTED_RULE, quote_untrusted

__all__ = [
    "BACKENDS", "DIGITS_AND_MONEY", "Guidance", "GuidedDecoding", "LLMBackend", "LLMUnavailableError", "LocalBackend", "Message", "OpenAIBackend",
    "TransformersBackend", "UNTRUSTED_RULE", "get_backend", "quote_untrusted", "warmup",
]
