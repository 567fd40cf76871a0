"""Guided decoding for local backends: a forced start, banned tokens, placeholder names, a line budget.

A 135M model invents figures whenever it may write digits. With :class:`Guidance` a caller takes
that freedom away: tokens that contain a digit, a currency sign or ``%`` (or any other listed
character, word or fragment) get a logit of minus infinity at every step, so the model cannot
produce them, and facts reach the text only through placeholders (``{offer}``) that code fills in.
Inside braces only the listed placeholder names can be spelled, so every placeholder the model
opens is one code can fill.

:func:`compile_guidance` turns a :class:`Guidance` into token-level tables for one vocabulary, and
:class:`GuidedDecoding` is the (per-generation) logits processor that applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

DIGITS_AND_MONEY = "0123456789£$€¥%"
"""Characters that carry figures: with these banned the model cannot write a number or a price."""
_CLOSERS = ("}", "},", "}.", "}!", "}?", "}:", "};", "}'")


@dataclass(frozen=True)
class Guidance:
    """How to steer one generation (backends with ``supports_guidance`` honour it).

    * ``prefix``: text the reply is forced to start with (the model continues it; the returned
      text does not repeat it);
    * ``forbid_chars``: any token containing one of these characters is banned;
    * ``forbid_words``: tokens whose text, without surrounding spaces, is one of these (exact case);
    * ``forbid_fragments``: tokens containing one of these, compared in lower case (``http``);
    * ``ascii_only``: tokens with characters outside printable ASCII (emoji, symbols) are banned;
    * ``slots``: placeholder names; when given, ``{`` opens a placeholder in which only these
      names can be written (then ``}``), and braces are allowed nowhere else;
    * ``max_lines``: the reply ends at its ``max_lines``-th line break (1: a single line); a run of
      line breaks (a blank line) counts as one.
    """

    prefix: str = ""
    forbid_chars: str = ""
    forbid_words: tuple[str, ...] = ()
    forbid_fragments: tuple[str, ...] = ()
    ascii_only: bool = False
    slots: tuple[str, ...] = ()
    max_lines: int | None = None

    def describe(self) -> dict[str, Any]:
        """What this guidance does, for check reports."""
        out: dict[str, Any] = {}
        if self.prefix:
            out["forced_start"] = self.prefix
        if self.forbid_chars:
            out["banned_characters"] = self.forbid_chars
        if self.forbid_words:
            out["banned_words"] = list(self.forbid_words)
        if self.forbid_fragments:
            out["banned_fragments"] = list(self.forbid_fragments)
        if self.ascii_only:
            out["ascii_only"] = True
        if self.slots:
            out["placeholders"] = ["{" + s + "}" for s in self.slots]
        if self.max_lines is not None:
            out["max_lines"] = self.max_lines
        return out


@dataclass(frozen=True)
class CompiledGuidance:
    """:class:`Guidance` for one vocabulary: prefix ids, masks and the placeholder tables."""

    prefix_ids: tuple[int, ...]
    banned: torch.Tensor | None
    """Boolean mask over the vocabulary, True = never produced outside a placeholder (or None)."""
    stop_ids: frozenset[int]
    line_ids: frozenset[int] = frozenset()
    max_lines: int | None = None
    open_ids: frozenset[int] = frozenset()
    slot_steps: dict[str, dict[int, str | None]] = field(default_factory=dict)
    """For each partial name typed after ``{``: the allowed token ids and the state each leads to
    (the longer partial name, or None when the token closes the placeholder)."""

    def processor(self) -> GuidedDecoding:
        """A fresh logits processor for one generation."""
        return GuidedDecoding(self)


class GuidedDecoding:
    """Applies a :class:`CompiledGuidance` step by step: ``processor(generated_ids, logits) -> logits``.

    Banned tokens get ``-inf`` so neither greedy nor sampled decoding can pick them; inside a
    placeholder only the continuations of an allowed name survive; after the last allowed line
    break only a stop token does.
    """

    def __init__(self, compiled: CompiledGuidance) -> None:
        self.compiled = compiled
        self.seen = 0
        self.lines = 0
        self.in_break = False
        self.slot: str | None = None  # the partial name inside an open placeholder
        self._only_stop: torch.Tensor | None = None
        self._slot_masks: dict[str, torch.Tensor] = {}

    def _advance(self, generated: Sequence[int]) -> None:
        c = self.compiled
        for token in generated[self.seen:]:
            if self.slot is not None:
                self.slot = c.slot_steps.get(self.slot, {}).get(token)
            elif token in c.open_ids:
                self.slot = ""
            if token in c.line_ids:
                self.lines += not self.in_break  # a run of line breaks counts once
            self.in_break = token in c.line_ids
        self.seen = len(generated)

    def _allowed_only(self, key: str, ids: Sequence[int], size: int) -> torch.Tensor:
        import torch

        if key not in self._slot_masks:
            mask = torch.ones(size, dtype=torch.bool)
            mask[list(ids)] = False
            self._slot_masks[key] = mask
        return self._slot_masks[key]

    def __call__(self, generated: Sequence[int], logits: torch.Tensor) -> torch.Tensor:
        self._advance(generated)
        c = self.compiled
        size = logits.shape[-1]
        if c.max_lines is not None and self.lines >= c.max_lines:
            return logits.masked_fill(self._allowed_only("\0stop", sorted(c.stop_ids), size), float("-inf"))
        if self.slot is not None:
            steps = c.slot_steps.get(self.slot, {})
            return logits.masked_fill(self._allowed_only(self.slot, sorted(steps), size), float("-inf"))
        if c.banned is not None:
            return logits.masked_fill(c.banned[:size], float("-inf"))
        return logits


def token_texts(tokenizer: Any) -> list[str]:
    """The text of every token id of a ``tokenizers.Tokenizer`` (special tokens as empty strings)."""
    size = tokenizer.get_vocab_size()
    return tokenizer.decode_batch([[i] for i in range(size)], skip_special_tokens=True)


def _is_banned(text: str, guidance: Guidance, chars: set[str], words: set[str], fragments: tuple[str, ...]) -> bool:
    if (chars and not chars.isdisjoint(text)) or text.strip() in words:
        return True
    if fragments and any(f in text.lower() for f in fragments):
        return True
    if guidance.ascii_only and any(not (" " <= ch <= "~" or ch == "\n") for ch in text):
        return True
    return bool(guidance.slots) and ("{" in text or "}" in text)


def banned_mask(texts: Sequence[str], guidance: Guidance, keep: frozenset[int] = frozenset()) -> torch.Tensor:
    """The mask of token ids whose text breaks ``guidance``'s bans (ids in ``keep`` are never banned).

    With ``slots``, tokens holding a brace are banned here too: placeholders open only through
    :attr:`CompiledGuidance.open_ids`.
    """
    import torch

    chars, words = set(guidance.forbid_chars), set(guidance.forbid_words)
    fragments = tuple(f.lower() for f in guidance.forbid_fragments)
    flags = [bool(t) and i not in keep and _is_banned(t, guidance, chars, words, fragments)
             for i, t in enumerate(texts)]
    return torch.tensor(flags, dtype=torch.bool)


def _slot_steps(texts: Sequence[str], names: Sequence[str]) -> dict[str, dict[int, str | None]]:
    """Partial name -> {token id: next partial name, or None when the token closes the placeholder}."""
    ids: dict[str, int] = {}
    for i, t in enumerate(texts):
        ids.setdefault(t, i)
    steps: dict[str, dict[int, str | None]] = {}
    for name in names:
        for start in range(len(name) + 1):
            state = steps.setdefault(name[:start], {})
            for end in range(start + 1, len(name) + 1):
                if (tid := ids.get(name[start:end])) is not None:
                    state.setdefault(tid, name[:end])
            for closer in _CLOSERS:
                if (tid := ids.get(name[start:] + closer)) is not None:
                    state[tid] = None
    # A partial name that is also a whole name may close (handled above); drop dead-end states.
    return {k: v for k, v in steps.items() if v}


def compile_guidance(texts: Sequence[str], guidance: Guidance, stop_ids: frozenset[int],
                     prefix_ids: Sequence[int] = ()) -> CompiledGuidance:
    """``guidance`` for a vocabulary given as token ``texts`` (see :func:`token_texts`).

    :meth:`agent.llm.chat.ChatTokenizer.guided` calls this once per guidance and keeps the result.
    """
    bans = guidance.forbid_chars or guidance.forbid_words or guidance.forbid_fragments or guidance.ascii_only
    banned = banned_mask(texts, guidance, keep=stop_ids) if bans or guidance.slots else None
    line_ids = frozenset(i for i, t in enumerate(texts) if "\n" in t) if guidance.max_lines is not None else frozenset()
    open_ids: frozenset[int] = frozenset()
    steps: dict[str, dict[int, str | None]] = {}
    if guidance.slots:
        chars, words = set(guidance.forbid_chars), set(guidance.forbid_words)
        fragments = tuple(f.lower() for f in guidance.forbid_fragments)
        open_ids = frozenset(i for i, t in enumerate(texts) if t.endswith("{") and t.count("{") == 1
                             and "}" not in t and not _is_banned(t[:-1], guidance, chars, words, fragments))
        steps = _slot_steps(texts, guidance.slots)
        if banned is not None:
            banned[sorted(open_ids)] = False
    return CompiledGuidance(tuple(prefix_ids), banned, stop_ids, line_ids - stop_ids, guidance.max_lines,
                            open_ids, steps)


def contains_banned(text: str, guidance: Guidance) -> bool:
    """True when ``text`` outside its placeholders holds a banned character, word or fragment."""
    import re

    outside = re.sub(r"\{[A-Za-z0-9_]+\}", " ", text) if guidance.slots else text
    words = set(re.findall(r"[A-Za-z']+", outside))
    return bool(set(guidance.forbid_chars) & set(outside) or words & set(guidance.forbid_words)
                or any(f.lower() in outside.lower() for f in guidance.forbid_fragments)
                or (guidance.ascii_only and any(not (" " <= ch <= "~" or ch == "\n") for ch in outside)))
