"""The one small interface every language-model backend implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from memberinsight.agent.llm.chat import Message
from memberinsight.errors import ModelNotReadyError


class LLMUnavailableError(ModelNotReadyError):
    """The language model cannot be reached or loaded (endpoint down, bad answer, missing files)."""


@runtime_checkable
class LLMBackend(Protocol):
    """Chat completion with optional token streaming.

    ``temperature`` 0 means greedy decoding; ``seed`` makes sampling repeatable where the
    backend allows it. ``stream`` yields text pieces whose concatenation equals what
    ``generate`` returns for the same arguments.
    """

    name: str

    def generate(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = None) -> str: ...

    def stream(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]: ...

    def describe(self) -> dict[str, Any]: ...
