"""Write one checked piece of copy: ask the model, clean, check, retry, else fall back to a template.

Every piece carries a :class:`CheckReport`: the checks run, each attempt (its sampling settings,
text and problems) and which attempt shipped. Shipped text always passes the checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.grounding import LIMITS, check_copy, rendered_length, sms_length
from memberinsight.agent.campaigns.prompts import (
    EXAMPLE_FACTS,
    EXAMPLES,
    PART_TOKENS,
    SHOTS,
    guidance,
    messages,
)
from memberinsight.agent.campaigns.slots import fill, slot_names, slot_values
from memberinsight.agent.campaigns.templates import template_copy
from memberinsight.agent.llm.base import LLMBackend, LLMUnavailableError
from memberinsight.agent.llm.chat import Message
from memberinsight.agent.llm.constraints import Guidance
from memberinsight.errors import DataValidationError

TEMPERATURES = (0.3, 0.7, 1.0, 1.0, 1.0)
DraftCallback = Callable[[str, str], None]
"""``on_draft(part, text_so_far)``: called as the model's tokens arrive, before the text is checked."""
SMS_STOP = " Reply STOP to opt out."
__all__ = ["EXAMPLES", "EXAMPLE_FACTS", "Attempt", "CheckReport", "CopyPiece", "DraftCallback", "clean",
           "report_dict", "write_piece"]
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:subject(?: line)?|preview(?: text)?|sms|text message|push(?: notification)?"
                    r"|email(?: body)?|body|message|notification|rationale|explanation|answer)\s*\d*\s*(?:\*\*)?"
                    r"\s*[:\-]\s*", re.I)
_NAME_SLOT = re.compile(r"\{\{?\s*(?:first[_ ]?name|name|customer[_ ]?name)\s*\}?\}|\[(?:first[_ ]?name|name|"
                        r"customer(?:'s)?[_ ]name|customer)\]|<(?:first[_ ]?name|name)>", re.I)
_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                        "\u2026": "...", "\u00a0": " "})


@dataclass
class Attempt:
    """One try at a piece: where it came from, how it was sampled, the text and its problems.

    For a model attempt, ``draft`` is what the model wrote (after any forced start, with its
    placeholders), ``filled`` the placeholders code replaced with the sheet's values, and
    ``guidance`` how decoding was constrained (empty when the backend cannot be guided).
    """

    number: int
    source: str  # "llm", "composed" (the phrase bank) or "template"
    text: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    temperature: float | None = None
    seed: int | None = None
    draft: str = ""
    filled: dict[str, str] = field(default_factory=dict)
    guidance: dict[str, Any] = field(default_factory=dict)

    @property
    def provenance(self) -> str:
        """How the text was made, in words (for reports and the UI)."""
        if self.source == "composed":  # draft: the phrase-bank entries it was built from
            out = "composed by code from the phrase bank" + (f" ({self.draft})" if self.draft else "")
            return out + ("; facts filled in by code: " + ", ".join(f"{{{k}}} = {v}" for k, v in self.filled.items())
                          if self.filled else "")
        if self.source != "llm":
            return "deterministic template built from the fact sheet"
        out = "written by the model"
        if start := self.guidance.get("forced_start"):
            out += f" after a forced start {start!r}"
        if self.filled:
            out += "; facts filled in by code: " + ", ".join(f"{{{k}}} = {v}" for k, v in self.filled.items())
        if self.guidance.get("banned_characters"):
            out += "; digits, currency signs and % could not be generated"
        return out


@dataclass
class CheckReport:
    """What was checked on a piece of copy, every attempt, and which one shipped."""

    part: str
    checks: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    shipped_attempt: int = 0
    length: int = 0
    limit: int | None = None

    @property
    def shipped(self) -> Attempt:
        return self.attempts[self.shipped_attempt - 1]

    @property
    def shipped_source(self) -> str:
        return self.shipped.source

    @property
    def provenance(self) -> str:
        return self.shipped.provenance

    @property
    def passed(self) -> bool:
        return self.shipped.passed

    @property
    def problems(self) -> list[str]:
        return list(self.shipped.problems)

    @property
    def rejected(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.passed]


@dataclass
class CopyPiece:
    """A shipped piece of copy with its report."""

    part: str
    text: str
    report: CheckReport


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_CLAUSE_END = re.compile(r",(?=\s)")
_DANGLING = re.compile(r"\b(?:until|on|for|with|to|and|or|the|a|an|of|at|by|from|your|our|in|is|are|but|so|till"
                       r"|ends|starts|before|after|than|as|if|when|this|that|its|their|via|into|about)\W*$"
                       r"|[,:;&-]\s*$", re.I)


_DOUBLED_WORD = re.compile(r"\b([A-Za-z]{3,})\s+\1\b", re.IGNORECASE)
REPEATABLE_SLOTS = re.compile(r"brand|offer|deadline|product_\d+|price_\d+")
"""Facts a piece of copy may state more than once (names and the offer; not figures or the greeting)."""


def writer_problems(text: str, part: str, facts: FactSheet, draft: str | None = None) -> list[str]:
    """What makes a model attempt unusable even though the checker passes it (stricter, never looser).

    * it ends mid-sentence (``...free delivery until``), which happens when a line budget or the
      token budget cut it;
    * it is the worked example of the prompt with this sheet's facts filled in: that is the
      example's wording, not the model's;
    * it says the same sentence twice, or the same word twice in a row (``Fernhill Market market``);
    * it uses the same figure or the greeting twice (``{days_left}`` or ``{first_name}`` again later
      on): in copy this short that is the model filling space, and it gives a fact a second, wrong
      meaning ("a warranty for 14 days"). The brand, offer, deadline and product names may be repeated.
    """
    problems: list[str] = []
    body = text.removesuffix(SMS_STOP).rstrip() if part == "sms" else text.rstrip()
    last = body.splitlines()[-1] if body else ""
    if _DANGLING.search(last):
        problems.append(f"ends mid-sentence: ...{last[-30:]!r}")
    if part in EXAMPLES and any(text == clean(fill(answers[part], facts)[0], part) for _, answers in SHOTS):
        problems.append("copies the prompt's worked example word for word")
    sentences = [re.sub(r"\W+", " ", t).strip().lower() for t in re.split(r"[.!?\n]+", text)]
    repeated = sorted({t for t in sentences if len(t) >= 12 and sentences.count(t) > 1})
    if repeated:
        problems.append(f"repeats a sentence: {repeated[0]!r}")
    values = [v.lower() for v in slot_values(facts)]
    doubled = next((m.group(0) for m in _DOUBLED_WORD.finditer(text)
                    if not any(m.group(0).lower() in v for v in values)), None)  # "Bora Bora Hammock" is a name
    if doubled:
        problems.append(f"repeats a word: {doubled!r}")
    # counted on what ships: clean() keeps a subject's first line and cuts what does not fit
    slots_used = slot_names(clean(draft, part) if draft is not None else text)
    twice = sorted({n for n in slots_used if slots_used.count(n) > 1 and not REPEATABLE_SLOTS.fullmatch(n)})
    if twice:
        problems.append(f"uses {{{twice[0]}}} twice")
    return problems


def _fits(text: str, part: str) -> bool:
    limit = LIMITS.get(part)
    if limit is None:
        return True
    shown = rendered_length(text)
    return (sms_length(shown)[0] if part == "sms" else len(shown)) <= limit


def fit(text: str, part: str, reserve: str = "") -> str:
    """``text`` cut to its whole sentences that fit the part's limit with ``reserve`` appended.

    A subject line, which is one phrase, may also be cut at a comma between clauses. Text that
    fits is returned unchanged; when nothing fits, the text is returned as it is (and the checker
    rejects it).
    """
    if _fits(text + reserve, part):
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if part == "subject":
        ends = sorted(set(ends) | {m.start() for m in _CLAUSE_END.finditer(text)})
    for end in reversed(ends):
        if _fits(text[:end] + reserve, part):
            return text[:end].rstrip()
    return text


def clean(text: str, part: str) -> str:
    """Tidy model output: labels, quotes, markdown, name placeholders; one line for short parts.

    Over-long text is cut to the whole sentences that fit the channel's limit (:func:`fit`), and
    an SMS gets the opt-out line when it has room.
    """
    text = text.translate(_CURLY).replace("**", "").replace("__", "")
    text = _NAME_SLOT.sub("{first_name}", text)
    if part in ("subject", "preview", "sms", "push"):
        lines = [ln for ln in (_LABEL.sub("", ln).strip() for ln in text.strip().splitlines()) if ln]
        text = (lines[0] if part == "subject" else " ".join(lines)) if lines else ""
        text = text.strip().strip('"').strip("'").strip()
        text = re.sub(r"^#+\s*", "", text)
    else:
        text = "\n".join(_LABEL.sub("", ln, count=1) if i == 0 else ln
                         for i, ln in enumerate(text.strip().splitlines())).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", text)  # "for   14 days": runs of spaces inside a line
    if part == "sms":
        _, gsm = sms_length(text)
        if not gsm:  # drop emoji and other non-GSM characters rather than lose 90 characters
            text = "".join(c for c in text if sms_length(c)[1]).strip()
            text = re.sub(r"\s{2,}", " ", text)
        has_stop = "STOP" in text.upper()
        if not has_stop:  # "...Rain Jacket. Reply STOP", not "...Rain Jacket Reply STOP"
            text = text.rstrip()
            # only after a word: a cut-off ending (",", "-", ":") stays visible to the mid-sentence check
            text += "." if text and (text[-1].isalnum() or text[-1] in ")\"'") else ""
        text = fit(text, part, "" if has_stop else SMS_STOP)
        if not has_stop and _fits(text.rstrip() + SMS_STOP, part):
            text = text.rstrip() + SMS_STOP
    else:
        text = fit(text, part)
    return text


def _ask(backend: LLMBackend, chat: Sequence[Message], part: str, temperature: float, seed: int,
         guide: Guidance | None, facts: FactSheet, on_draft: DraftCallback | None) -> str:
    """The model's reply (after ``guide.prefix``, which it is included with); streamed into ``on_draft``.

    Drafts are shown with their placeholders already filled in.
    """
    kwargs: dict[str, Any] = dict(max_new_tokens=PART_TOKENS[part], temperature=temperature, seed=seed)
    prefix = ""
    if guide is not None:
        kwargs["guidance"], prefix = guide, guide.prefix
    if on_draft is None:
        return prefix + backend.generate(chat, **kwargs)
    so_far = prefix
    for piece in backend.stream(chat, **kwargs):
        so_far += piece
        on_draft(part, fill(so_far, facts)[0])
    return so_far


def write_piece(part: str, facts: FactSheet, backend: LLMBackend | None, *, tone: str = "friendly",
                play: str = "reactivation", variant: int = 0, max_attempts: int = 3, seed: int = 42,
                brief: str = "", fallback: str | None = None, avoid: set[str] | None = None,
                on_draft: DraftCallback | None = None) -> CopyPiece:
    """One piece of copy that passes the checker (LLM first, then the deterministic template).

    Copy parts are written with placeholders that code fills in (:mod:`agent.campaigns.slots`);
    a backend with ``supports_guidance`` is also constrained (:func:`agent.campaigns.prompts.guidance`).
    ``avoid`` holds texts already shipped (variants must differ); ``fallback`` overrides the
    template text for parts without a template (e.g. a rationale). ``on_draft(part, text_so_far)``
    receives the model's draft as its tokens arrive (each attempt starts again from its first
    piece), and the template text in one call when the template ships; what ships is in the result.
    """
    report = CheckReport(part=part)
    avoid = avoid if avoid is not None else set()
    if backend is not None:
        chat = messages(part, facts, tone, brief)
        guide = guidance(part, facts) if getattr(backend, "supports_guidance", False) else None
        source_text = " ".join(m["content"] for m in chat)
        for n in range(max_attempts):
            temperature = TEMPERATURES[min(n, len(TEMPERATURES) - 1)]
            attempt_seed = seed + 7919 * n + 104729 * variant
            try:
                raw = _ask(backend, chat, part, temperature, attempt_seed, guide, facts, on_draft)
            except LLMUnavailableError as exc:
                report.attempts.append(Attempt(len(report.attempts) + 1, "llm", "", False,
                                               [f"model unavailable: {exc}"], temperature, attempt_seed))
                break
            filled, used = fill(raw, facts)
            text = clean(filled, part)
            result = check_copy(text, facts, part, source_text=source_text)
            problems = list(result.problems) + writer_problems(text, part, facts, draft=raw)
            if text in avoid:
                problems.append("repeats an earlier variant")
            report.checks = result.checked
            report.attempts.append(Attempt(len(report.attempts) + 1, "llm", text, not problems, problems,
                                           temperature, attempt_seed, draft=raw, filled=used,
                                           guidance=guide.describe() if guide else {}))
            if not problems:
                report.shipped_attempt, report.length, report.limit = len(report.attempts), result.length, result.limit
                avoid.add(text)
                return CopyPiece(part, text, report)
    text = fallback if fallback is not None else template_copy(part, facts, play=play, tone=tone, variant=variant,
                                                               avoid=avoid)
    result = check_copy(text, facts, part)
    if not result.passed:
        raise DataValidationError(f"no {part} copy can satisfy the checks for this offer: "
                                  + "; ".join(result.problems), column="offer")
    report.checks = result.checked
    if on_draft is not None:
        on_draft(part, text)
    report.attempts.append(Attempt(len(report.attempts) + 1, "template", text, True, []))
    report.shipped_attempt, report.length, report.limit = len(report.attempts), result.length, result.limit
    avoid.add(text)
    return CopyPiece(part, text, report)


def report_dict(report: CheckReport) -> dict[str, Any]:
    """A JSON-friendly report (properties included)."""
    return {"part": report.part, "passed": report.passed, "shipped_attempt": report.shipped_attempt,
            "shipped_source": report.shipped_source, "provenance": report.provenance, "length": report.length,
            "limit": report.limit, "checks": report.checks, "problems": report.problems,
            "attempts": [{**vars(a), "provenance": a.provenance} for a in report.attempts]}
