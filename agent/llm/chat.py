"""Chat messages, the model's chat template and incremental detokenisation (no transformers import).

The tokenizer is read with the ``tokenizers`` library from ``tokenizer.json`` and the chat template
(``chat_template.jinja`` or ``tokenizer_config.json``) is rendered in a sandboxed Jinja
environment, so a warm load of a local model never imports transformers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from memberinsight.errors import ConfigError, DataValidationError

if TYPE_CHECKING:
    from memberinsight.agent.llm.constraints import CompiledGuidance, Guidance

ROLES = ("system", "user", "assistant")
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class Message(TypedDict):
    """One chat turn, in the OpenAI shape: ``{"role": "user", "content": "..."}``."""

    role: str
    content: str


def validate_messages(messages: Sequence[Message]) -> list[Message]:
    """Check roles and contents; raise :class:`DataValidationError` naming the bad message."""
    if not messages:
        raise DataValidationError("a chat needs at least one message", column="messages")
    out: list[Message] = []
    for i, msg in enumerate(messages):
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            raise DataValidationError(f"message {i}: role must be one of {', '.join(ROLES)}, got {role!r}",
                                      row=i, column="role")
        if not isinstance(content, str):
            raise DataValidationError(f"message {i}: content must be text", row=i, column="content")
        out.append({"role": role, "content": content})
    return out


class ChatTokenizer:
    """A ``tokenizer.json`` plus the model's chat template and stop tokens."""

    def __init__(self, model_dir: str | Path) -> None:
        from jinja2.sandbox import ImmutableSandboxedEnvironment
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        path = model_dir / "tokenizer.json"
        if not path.is_file():
            raise ConfigError(f"{model_dir}: no tokenizer.json (not a Hugging Face model directory?)")
        self.tokenizer = Tokenizer.from_file(str(path))
        tok_cfg = _read_json(model_dir / "tokenizer_config.json")
        template_file = model_dir / "chat_template.jinja"
        template = (template_file.read_text(encoding="utf-8") if template_file.is_file()
                    else tok_cfg.get("chat_template") or CHATML_TEMPLATE)
        if isinstance(template, list):  # named templates: take the default one
            template = next((t["template"] for t in template if t.get("name") == "default"), template[0]["template"])
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        self.template = env.from_string(template)
        self.bos_token = tok_cfg.get("bos_token") if isinstance(tok_cfg.get("bos_token"), str) else None
        self.eos_token = tok_cfg.get("eos_token") if isinstance(tok_cfg.get("eos_token"), str) else None
        self.stop_ids = frozenset(self._stop_ids(model_dir))
        self._texts: list[str] | None = None
        self._guided: dict[Guidance, CompiledGuidance] = {}

    def _stop_ids(self, model_dir: Path) -> Iterable[int]:
        for name in ("config.json", "generation_config.json"):
            eos = _read_json(model_dir / name).get("eos_token_id")
            for value in (eos if isinstance(eos, list) else [eos]):
                if isinstance(value, int):
                    yield value
        for token in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>", self.eos_token):
            if token and (tid := self.tokenizer.token_to_id(token)) is not None:
                yield tid

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text for ``messages`` with the assistant turn opened."""
        return self.template.render(messages=validate_messages(messages), add_generation_prompt=True,
                                    bos_token=self.bos_token or "", eos_token=self.eos_token or "")

    def encode_chat(self, messages: Sequence[Message], prefix: str = "") -> list[int]:
        """Token ids of the rendered chat prompt (special tokens in the template are honoured).

        ``prefix`` is the start of the assistant's reply, tokenised together with the prompt.
        """
        return self.tokenizer.encode(self.render(messages) + prefix, add_special_tokens=False).ids

    def guided(self, guidance: Guidance) -> CompiledGuidance:
        """``guidance``'s decoding rules compiled for this vocabulary, kept per guidance (prefix aside)."""
        from dataclasses import replace

        from memberinsight.agent.llm.constraints import compile_guidance, token_texts

        key = replace(guidance, prefix="")
        if key not in self._guided:
            if self._texts is None:
                self._texts = token_texts(self.tokenizer)
            self._guided[key] = compile_guidance(self._texts, key, self.stop_ids,
                                                 lambda t: self.tokenizer.encode(t, add_special_tokens=False).ids)
        return self._guided[key]

    def encode_text(self, text: str) -> list[int]:
        """Token ids of plain ``text`` (no template, no special tokens): a reply to score."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def stream_text(self, ids: Iterable[int]) -> Iterator[str]:
        """Turn a stream of token ids into text pieces, holding back incomplete UTF-8 characters."""
        seen: list[int] = []
        emitted = ""
        for tid in ids:
            seen.append(tid)
            text = self.decode(seen)
            if text.endswith("\ufffd") or not text.startswith(emitted):
                continue
            if len(text) > len(emitted):
                yield text[len(emitted):]
                emitted = text
        text = self.decode(seen)
        if text.startswith(emitted) and len(text) > len(emitted):
            yield text[len(emitted):]


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}
