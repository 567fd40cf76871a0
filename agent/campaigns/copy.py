"""Campaign copy for a channel: N variants, each piece grounded and checked.

Two writers (``writer``):

* ``composed`` (the default, and always without a backend): the phrase bank
  (:mod:`agent.campaigns.compose`): each variant takes its own angle (urgency, benefit, curiosity)
  in every part, every fact is filled in by code, every piece passes the checker;
* ``llm``: the configured model writes each piece freely under the same checks, with the composed
  text as its fallback (:func:`agent.campaigns.writer.write_piece`); an email has one model-written
  preview and body and a subject line per variant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memberinsight.agent.campaigns.compose import BrandVoice, ComposedPiece, ComposedVariant, compose
from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.phrasebank import (
    TONE_ALIASES,
    TONES,
    PhraseBank,
    load_phrasebank,
    resolve_tone,
)
from memberinsight.agent.campaigns.ranking import Ranker
from memberinsight.agent.campaigns.writer import (
    Attempt,
    CheckReport,
    CopyPiece,
    DraftCallback,
    report_dict,
    write_piece,
)
from memberinsight.agent.llm.base import LLMBackend
from memberinsight.errors import ConfigError, DataValidationError

CHANNELS = ("email", "sms", "push")
WRITERS = ("composed", "llm")
CAPABLE_BACKENDS = ("hf", "openai")
"""Configured backends that write free copy by default (the packaged 135M model does not)."""
MAX_VARIANTS = 10
MAX_REJECTED_SHOWN = 5
"""Rejected phrase candidates kept in a composed piece's report (the rest are counted, not listed)."""


@dataclass
class VariantReport:
    """The reports of every piece in a variant (an email variant has subject, preview and body)."""

    pieces: list[CheckReport]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.pieces)

    @property
    def problems(self) -> list[str]:
        return [f"{r.part}: {p}" for r in self.pieces for p in r.problems]

    @property
    def sources(self) -> dict[str, str]:
        return {r.part: r.shipped_source for r in self.pieces}


@dataclass
class CopyVariant:
    """One variant: its pieces, the text shown to an operator, its combined report, and its angle
    (``urgency``, ``benefit`` or ``curiosity`` for composed copy; empty when a model wrote it)."""

    index: int
    pieces: list[CopyPiece]
    angle: str = ""

    @property
    def text(self) -> str:
        if len(self.pieces) == 1:
            return self.pieces[0].text
        by_part = {p.part: p.text for p in self.pieces}
        return f"Subject: {by_part['subject']}\nPreview: {by_part['preview']}\n\n{by_part['body']}"

    @property
    def label(self) -> str:
        """``Variant 2 (urgency)``: how the operator sees it."""
        return f"Variant {self.index}" + (f" ({self.angle})" if self.angle else "")

    @property
    def report(self) -> VariantReport:
        return VariantReport([p.report for p in self.pieces])


@dataclass
class CampaignCopy:
    """Copy for one channel and audience, the facts it rests on, and how it was produced."""

    segment: str
    channel: str
    tone: str
    offer: str
    play: str
    variants: list[CopyVariant]
    facts: dict[str, Any] = field(default_factory=dict)
    backend: str = "composed"
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(v.report.passed for v in self.variants)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly result including every check report."""
        return {"segment": self.segment, "channel": self.channel, "tone": self.tone, "offer": self.offer,
                "play": self.play, "backend": self.backend, "seconds": self.seconds, "passed": self.passed,
                "facts": self.facts,
                "variants": [{"index": v.index, "angle": v.angle, "text": v.text, "passed": v.report.passed,
                              "pieces": [{"part": p.part, "text": p.text, "report": report_dict(p.report)}
                                         for p in v.pieces]} for v in self.variants]}


def _numbered(on_draft: DraftCallback | None, n: int) -> DraftCallback | None:
    """``on_draft`` with the piece label numbered by variant (``sms 2``, ``subject 1``)."""
    if on_draft is None:
        return None
    callback: Callable[[str, str], None] = on_draft
    return lambda part, text: callback(f"{part} {n}", text)


def composed_piece(piece: ComposedPiece, values: dict[str, str] | None = None) -> CopyPiece:
    """A composed piece as a :class:`CopyPiece` with its report (rejected candidates first, then the shipped one)."""
    report = CheckReport(part=piece.part, checks=list(piece.check.checked))
    for text, problems in piece.rejected[:MAX_REJECTED_SHOWN]:
        report.attempts.append(Attempt(len(report.attempts) + 1, "composed", text, False, problems))
    report.attempts.append(Attempt(len(report.attempts) + 1, "composed", piece.text, True, [],
                                   draft=", ".join(piece.phrase_ids), filled=dict(values or {})))
    report.shipped_attempt, report.length, report.limit = len(report.attempts), piece.check.length, piece.check.limit
    return CopyPiece(piece.part, piece.text, report)


def _check_args(channel: str, tone: str, variants: int, writer: str | None) -> None:
    if channel not in CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}", column="channel")
    if tone not in TONES and tone not in TONE_ALIASES:
        raise DataValidationError(f"tone must be one of {', '.join(TONES)}, got {tone!r}", column="tone")
    if not 1 <= variants <= MAX_VARIANTS:
        raise DataValidationError(f"variants must be between 1 and {MAX_VARIANTS}", column="variants")
    if writer is not None and writer not in WRITERS:
        raise DataValidationError(f"writer must be one of {', '.join(WRITERS)}, got {writer!r}", column="writer")


def _llm_variants(facts: FactSheet, channel: str, backend: LLMBackend, composed: list[ComposedVariant] | None,
                  variants: int, kw: dict[str, Any], on_draft: DraftCallback | None) -> list[CopyVariant]:
    """The model writes each piece under the checks; the composed text is each piece's fallback."""

    def fallback(i: int, part: str) -> str | None:
        if not composed:
            return None
        return next((p.text for p in composed[i % len(composed)].pieces if p.part == part), None)

    out: list[CopyVariant] = []
    shipped: set[str] = set()
    if channel == "email":
        preview = write_piece("preview", facts, backend, brief="Make the reader want to open the email.",
                              fallback=fallback(0, "preview"), on_draft=on_draft, **kw)
        body = write_piece("body", facts, backend, brief="Greet {first_name}, state the offer and when it ends, "
                           "mention a listed product if there is one, end with a call to action. "
                           "Three or four sentences.", fallback=fallback(0, "body"), on_draft=on_draft, **kw)
        for i in range(variants):
            subject = write_piece("subject", facts, backend, variant=i, avoid=shipped, fallback=fallback(i, "subject"),
                                  brief="Short and specific; no emoji.", on_draft=_numbered(on_draft, i + 1), **kw)
            out.append(CopyVariant(i + 1, [subject, preview, body]))
        return out
    brief = "Start with the brand name and a colon." if channel == "sms" else "Short, with a clear reason to tap."
    for i in range(variants):
        piece = write_piece(channel, facts, backend, variant=i, avoid=shipped, brief=brief,
                            fallback=fallback(i, channel), on_draft=_numbered(on_draft, i + 1), **kw)
        angle = composed[i % len(composed)].angle if composed and piece.report.shipped_source != "llm" else ""
        out.append(CopyVariant(i + 1, [piece], angle))
    return out


def write_copy(facts: FactSheet, channel: str, backend: LLMBackend | None, *, tone: str = "friendly",
               variants: int = 3, play: str = "reactivation", max_attempts: int = 3, seed: int = 42,
               on_draft: DraftCallback | None = None, writer: str | None = None, voice: BrandVoice | None = None,
               bank: PhraseBank | None = None, ranker: Ranker | None = None) -> CampaignCopy:
    """Grounded copy for ``channel``: ``variants`` variants, each piece checked.

    ``writer`` ``composed`` (the default without a backend) builds every variant from the phrase
    bank, each from its own angle and labelled with it; ``llm`` (the default with a backend) has
    the model write and falls back to the composed text. ``tone`` is friendly, premium (or its old
    name professional), playful or urgent; ``voice`` holds the brand's sign-off and banned words.
    ``on_draft(label, text_so_far)`` is called as text arrives, before each check: composed pieces
    arrive whole (``subject 1``, ``preview 1``, ``body 1``, ``sms 2``...); model drafts grow token
    by token (``preview``, ``body``, ``subject 2``, ``sms 1``...).
    """
    _check_args(channel, tone, variants, writer)
    writer = writer or ("composed" if backend is None else "llm")
    if writer == "llm" and backend is None:
        raise DataValidationError("the llm writer needs a language-model backend", column="writer")
    start = time.perf_counter()
    composed: list[ComposedVariant] | None = None
    try:
        composed = compose(facts, channel, play, tone, variants, seed, voice=voice, bank=bank,
                           on_draft=on_draft if writer == "composed" else None, ranker=ranker)
    except DataValidationError:
        if writer == "composed":
            raise
    if writer == "composed" and composed is not None:
        out = [CopyVariant(v.index, [composed_piece(p, v.values) for p in v.pieces], v.angle) for v in composed]
        name = "composed+model" if ranker is not None else "composed"
    else:
        assert backend is not None
        kw: dict[str, Any] = dict(tone=resolve_tone(tone), play=play, max_attempts=max_attempts, seed=seed)
        out = _llm_variants(facts, channel, backend, composed, variants, kw, on_draft)
        name = getattr(backend, "name", "llm")
    return CampaignCopy(facts.segment, channel, tone, facts.offer, play, out, facts.to_dict(), name,
                        round(time.perf_counter() - start, 2))


def choose_writer(settings: Any, use_llm: bool = True, backend: LLMBackend | None = None) -> str:
    """``llm`` or ``composed`` for a campaign: a backend passed in writes; ``use_llm=False`` composes;
    else ``copy_writer = "llm"``, or a capable configured model (``llm_backend`` hf or openai), writes."""
    if backend is not None:
        return "llm"
    if not use_llm:
        return "composed"
    writer = str(getattr(settings, "copy_writer", "composed") or "composed")
    if writer not in WRITERS:
        raise ConfigError(f"setting 'copy_writer' must be one of {', '.join(WRITERS)}, got {writer!r}")
    if writer == "llm" or getattr(settings, "llm_backend", "") in CAPABLE_BACKENDS:
        return "llm"
    return "composed"


def settings_phrasebank(settings: Any) -> PhraseBank:
    """The shipped phrase bank plus the folder named by ``copy_phrases_dir`` (validated, cached)."""
    extra = str(getattr(settings, "copy_phrases_dir", "") or "")
    return load_phrasebank([extra] if extra else [])
