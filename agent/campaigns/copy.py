"""Campaign copy for a channel: N variants, each piece grounded and checked."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.campaigns.facts import FactSheet
from agent.campaigns.templates import TONES
from agent.campaigns.writer import CheckReport, CopyPiece, DraftCallback, report_dict, write_piece
from agent.llm.base import LLMBackend
from memberinsight.errors import DataValidationError

CHANNELS = ("email", "sms", "push")
MAX_VARIANTS = 10


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
    """One variant: its pieces, the text shown to an operator, and its combined report."""

    index: int
    pieces: list[CopyPiece]

    @property
    def text(self) -> str:
        if len(self.pieces) == 1:
            return self.pieces[0].text
        by_part = {p.part: p.text for p in self.pieces}
        return f"Subject: {by_part['subject']}\nPreview: {by_part['preview']}\n\n{by_part['body']}"

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
    backend: str = "template"
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(v.report.passed for v in self.variants)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly result including every check report."""
        return {"segment": self.segment, "channel": self.channel, "tone": self.tone, "offer": self.offer,
                "play": self.play, "backend": self.backend, "seconds": self.seconds, "passed": self.passed,
                "facts": self.facts,
                "variants": [{"index": v.index, "text": v.text, "passed": v.report.passed,
                              "pieces": [{"part": p.part, "text": p.text, "report": report_dict(p.report)}
                                         for p in v.pieces]} for v in self.variants]}


def _numbered(on_draft: DraftCallback | None, n: int) -> DraftCallback | None:
    """``on_draft`` with the piece label numbered by variant (``sms 2``, ``subject 1``)."""
    if on_draft is None:
        return None
    callback: Callable[[str, str], None] = on_draft
    return lambda part, text: callback(f"{part} {n}", text)


def write_copy(facts: FactSheet, channel: str, backend: LLMBackend | None, *, tone: str = "friendly",
               variants: int = 3, play: str = "reactivation", max_attempts: int = 3, seed: int = 42,
               on_draft: DraftCallback | None = None) -> CampaignCopy:
    """Grounded copy for ``channel`` (email: N subject lines with one preview and body; sms/push: N texts).

    ``backend`` None writes from templates only. Every shipped piece passed the grounding checker.
    ``on_draft(label, text_so_far)`` is called as the model's tokens arrive, before each check, so a
    caller can show the draft being written; ``label`` is ``preview`` or ``body``, or the part and
    the variant number for per-variant pieces (``subject 2``, ``sms 1``, ``push 3``). Each new
    attempt at a piece starts its text again; a template that ships arrives in one call.
    """
    if channel not in CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}", column="channel")
    if tone not in TONES:
        raise DataValidationError(f"tone must be one of {', '.join(TONES)}, got {tone!r}", column="tone")
    if not 1 <= variants <= MAX_VARIANTS:
        raise DataValidationError(f"variants must be between 1 and {MAX_VARIANTS}", column="variants")
    start = time.perf_counter()
    kw: dict[str, Any] = dict(tone=tone, play=play, max_attempts=max_attempts, seed=seed)
    out: list[CopyVariant] = []
    shipped: set[str] = set()
    if channel == "email":
        preview = write_piece("preview", facts, backend, brief="Make the reader want to open the email.",
                              on_draft=on_draft, **kw)
        body = write_piece("body", facts, backend, brief="Greet {first_name}, state the offer and when it ends, "
                           "mention a listed product if there is one, end with a call to action. "
                           "Three or four sentences.", on_draft=on_draft, **kw)
        for i in range(variants):
            subject = write_piece("subject", facts, backend, variant=i, avoid=shipped,
                                  brief="Short and specific; no emoji.", on_draft=_numbered(on_draft, i + 1), **kw)
            out.append(CopyVariant(i + 1, [subject, preview, body]))
    else:
        brief = ("Start with the brand name and a colon." if channel == "sms"
                 else "Short, with a clear reason to tap.")
        for i in range(variants):
            out.append(CopyVariant(i + 1, [write_piece(channel, facts, backend, variant=i, avoid=shipped,
                                                       brief=brief, on_draft=_numbered(on_draft, i + 1), **kw)]))
    name = getattr(backend, "name", "template") if backend is not None else "template"
    return CampaignCopy(facts.segment, channel, tone, facts.offer, play, out, facts.to_dict(), name,
                        round(time.perf_counter() - start, 2))
