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

from collections.abc import Callable, Sequence
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
      line breaks (a blank line) counts as one;
    * ``require``: placeholders the reply should contain: until each is written, opening it gets
      ``require_bias`` extra logit, and with ``require_blocks_end`` the reply cannot end (no stop
      token, no line break);
    * ``repetition_penalty``: replaces the backend's default (1.0 lets the model reuse the
      prompt's words, which it needs to copy facts and follow a worked example);
    * ``avoid_copying`` and ``ngram``: no run of ``ngram`` tokens from these texts (worked
      examples), nor one the reply already contains, can be written: the model may echo a short
      phrase, never copy a whole sentence or loop.
    """

    prefix: str = ""
    forbid_chars: str = ""
    forbid_words: tuple[str, ...] = ()
    forbid_fragments: tuple[str, ...] = ()
    ascii_only: bool = False
    slots: tuple[str, ...] = ()
    max_lines: int | None = None
    require: tuple[str, ...] = ()
    require_bias: float = 2.0
    require_blocks_end: bool = True
    repetition_penalty: float | None = None
    avoid_copying: tuple[str, ...] = ()
    ngram: int = 0

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
        if self.require:
            out["required_placeholders"] = ["{" + s + "}" for s in self.require]
        if self.ngram:
            out["no_copied_or_repeated_runs_of_tokens"] = self.ngram
        return out


@dataclass(frozen=True)
class CompiledGuidance:
    """:class:`Guidance` for one vocabulary: masks and placeholder tables (the prefix is the caller's)."""

    banned: torch.Tensor | None
    """Boolean mask over the vocabulary, True = never produced outside a placeholder (or None)."""
    stop_ids: frozenset[int]
    line_ids: frozenset[int] = frozenset()
    max_lines: int | None = None
    open_ids: frozenset[int] = frozenset()
    slot_steps: dict[str, dict[int, str]] = field(default_factory=dict)
    """For each partial name typed after ``{``: the allowed token ids and the state each leads to
    (the longer partial name, or ``"}" + name`` when the token closes the placeholder)."""
    require: tuple[str, ...] = ()
    require_bias: float = 0.0
    require_blocks_end: bool = True
    ngram: int = 0
    copy_next: dict[tuple[int, ...], frozenset[int]] = field(default_factory=dict)
    """(ngram - 1) tokens of a text to avoid -> the tokens that would complete a copied run."""

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
        self.written: list[str] = []  # placeholders completed so far
        self._masks: dict[str, torch.Tensor] = {}
        self._own: dict[tuple[int, ...], set[int]] = {}  # the reply's own runs, as copy_next

    def _advance(self, generated: Sequence[int]) -> None:
        c = self.compiled
        n = c.ngram
        for i in range(self.seen, len(generated)):
            token = generated[i]
            if n and i >= n - 1:
                self._own.setdefault(tuple(generated[i - n + 1:i]), set()).add(token)
            if self.slot is not None:
                nxt = c.slot_steps.get(self.slot, {}).get(token)
                if nxt is not None and nxt.startswith("}"):
                    self.written.append(nxt[1:])
                    nxt = None
                self.slot = nxt
            elif token in c.open_ids:
                self.slot = ""
            if token in c.line_ids:
                self.lines += not self.in_break  # a run of line breaks counts once
            self.in_break = token in c.line_ids
        self.seen = len(generated)

    def _mask(self, key: str, ids: Sequence[int], size: int, allowed: bool = True) -> torch.Tensor:
        """A cached mask: True everywhere but ``ids`` (``allowed``), or True only at ``ids``."""
        import torch

        if key not in self._masks:
            mask = torch.full((size,), allowed, dtype=torch.bool)
            mask[list(ids)] = not allowed
            self._masks[key] = mask
        return self._masks[key]

    def missing(self) -> list[str]:
        """Required placeholders not written yet."""
        return [r for r in self.compiled.require if r not in self.written]

    def __call__(self, generated: Sequence[int], logits: torch.Tensor) -> torch.Tensor:
        self._advance(generated)
        c = self.compiled
        size = logits.shape[-1]
        if c.max_lines is not None and self.lines >= c.max_lines:
            return logits.masked_fill(self._mask("\0stop", sorted(c.stop_ids), size), float("-inf"))
        missing = self.missing()
        if self.slot is not None:
            steps = c.slot_steps.get(self.slot, {})
            logits = logits.masked_fill(self._mask(self.slot, sorted(steps), size), float("-inf"))
            toward = [t for t, nxt in steps.items() if any(("}" + m).startswith(nxt) or m.startswith(nxt)
                                                           for m in missing)]
            if toward:
                logits[toward] += c.require_bias
            return logits
        if c.banned is not None:
            logits = logits.masked_fill(c.banned[:size], float("-inf"))
        if c.ngram and len(generated) >= c.ngram - 1:
            context = tuple(generated[len(generated) - c.ngram + 1:])
            blocked = c.copy_next.get(context, frozenset()) | self._own.get(context, set())
            if blocked:
                logits = logits.clone() if c.banned is None else logits
                logits[sorted(blocked)] = float("-inf")
        if missing:
            if c.require_blocks_end:
                ends = sorted(c.stop_ids | c.line_ids)
                logits = logits.masked_fill(self._mask("\0ends", ends, size, allowed=False), float("-inf"))
            elif c.banned is None:
                logits = logits.clone()
            logits[sorted(c.open_ids)] += c.require_bias
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


def _slot_steps(texts: Sequence[str], names: Sequence[str]) -> dict[str, dict[int, str]]:
    """Partial name -> {token id: next partial name, or ``"}" + name`` when the token closes it}."""
    ids: dict[str, int] = {}
    for i, t in enumerate(texts):
        ids.setdefault(t, i)
    steps: dict[str, dict[int, str]] = {}
    for name in names:
        for start in range(len(name) + 1):
            state = steps.setdefault(name[:start], {})
            for end in range(start + 1, len(name) + 1):
                if (tid := ids.get(name[start:end])) is not None:
                    state.setdefault(tid, name[:end])
            for closer in _CLOSERS:
                if (tid := ids.get(name[start:] + closer)) is not None:
                    state[tid] = "}" + name
    # A partial name that is also a whole name may close (handled above); drop dead-end states.
    return {k: v for k, v in steps.items() if v}


def compile_guidance(texts: Sequence[str], guidance: Guidance, stop_ids: frozenset[int],
                     encode: Callable[[str], list[int]] | None = None) -> CompiledGuidance:
    """``guidance``'s decoding rules for a vocabulary given as token ``texts`` (see :func:`token_texts`).

    ``encode`` (text -> token ids) is needed for ``avoid_copying``.

    The prefix is not compiled: a backend puts it after the rendered chat before tokenising, so it
    is split into tokens as the model saw such text in training.

    :meth:`agent.llm.chat.ChatTokenizer.guided` calls this once per guidance and keeps the result.
    """
    bans = guidance.forbid_chars or guidance.forbid_words or guidance.forbid_fragments or guidance.ascii_only
    banned = banned_mask(texts, guidance, keep=stop_ids) if bans or guidance.slots else None
    lines = guidance.max_lines is not None or guidance.require
    line_ids = frozenset(i for i, t in enumerate(texts) if "\n" in t) if lines else frozenset()
    open_ids: frozenset[int] = frozenset()
    steps: dict[str, dict[int, str]] = {}
    if guidance.slots:
        chars, words = set(guidance.forbid_chars), set(guidance.forbid_words)
        fragments = tuple(f.lower() for f in guidance.forbid_fragments)
        open_ids = frozenset(i for i, t in enumerate(texts) if t.endswith("{") and t.count("{") == 1
                             and "}" not in t and not _is_banned(t[:-1], guidance, chars, words, fragments))
        steps = _slot_steps(texts, guidance.slots)
        if banned is not None:
            banned[sorted(open_ids)] = False
    require = tuple(r for r in guidance.require if r in guidance.slots)
    copy_next: dict[tuple[int, ...], set[int]] = {}
    n = guidance.ngram
    if n and guidance.avoid_copying:
        if encode is None:
            raise ValueError("avoid_copying needs the tokenizer's encode function")
        for text in guidance.avoid_copying:
            ids = encode(text)
            for i in range(n - 1, len(ids)):
                copy_next.setdefault(tuple(ids[i - n + 1:i]), set()).add(ids[i])
    return CompiledGuidance(banned, stop_ids, line_ids - stop_ids, guidance.max_lines,
                            open_ids, steps, require, guidance.require_bias, guidance.require_blocks_end, n,
                            {k: frozenset(v) for k, v in copy_next.items()})


def contains_banned(text: str, guidance: Guidance) -> bool:
    """True when ``text`` outside its placeholders holds a banned character, word or fragment."""
    import re

    outside = re.sub(r"\{[A-Za-z0-9_]+\}", " ", text) if guidance.slots else text
    words = set(re.findall(r"[A-Za-z']+", outside))
    return bool(set(guidance.forbid_chars) & set(outside) or words & set(guidance.forbid_words)
                or any(f.lower() in outside.lower() for f in guidance.forbid_fragments)
                or (guidance.ascii_only and any(not (" " <= ch <= "~" or ch == "\n") for ch in outside)))
