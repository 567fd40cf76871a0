"""Write one checked piece of copy: ask the model, clean, check, retry, else fall back to a template.

Every piece carries a :class:`CheckReport`: the checks run, each attempt (its sampling settings,
text and problems) and which attempt shipped. Shipped text always passes the checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agent.campaigns.facts import Fact, FactSheet, ProductFact
from agent.campaigns.grounding import LIMITS, check_copy, sms_length
from agent.campaigns.templates import template_copy
from agent.llm.base import LLMBackend, LLMUnavailableError
from agent.llm.untrusted import UNTRUSTED_OPEN, UNTRUSTED_RULE
from memberinsight.errors import DataValidationError

TEMPERATURES = (0.3, 0.7, 1.0, 1.0, 1.0)
DraftCallback = Callable[[str, str], None]
"""``on_draft(part, text_so_far)``: called as the model's tokens arrive, before the text is checked."""
SMS_STOP = " Reply STOP to opt out."
_PART_WORDS = {"subject": "email subject line", "preview": "email preview text", "body": "short email body",
               "sms": "SMS text message", "push": "push notification", "rationale": "explanation"}
_PART_TOKENS = {"subject": 40, "preview": 50, "body": 220, "sms": 70, "push": 50, "rationale": 140}
EXAMPLES: dict[str, str] = {
    "subject": "Your 20% off ends Sunday, {first_name}",
    "preview": "New season picks, chosen for you, with 20% off until Sunday.",
    "body": "Hi {first_name},\n\nIt has been a while, so here is 20% off your next order until Sunday 12 May. "
            "Our Linen Throw is back in stock too.\n\nShop now at Bloom & Co.\n\nThe Bloom & Co team",
    "sms": "Bloom & Co: {first_name}, 20% off everything until Sunday 12 May. Reply STOP to opt out.",
    "push": "{first_name}, your 20% off ends Sunday. Tap to shop.",
}
EXAMPLE_FACTS = FactSheet(segment="Lapsed", audience_size=120, offer="20% off", deadline=date(2024, 5, 12),
                          as_of=date(2024, 5, 1), brand="Bloom & Co",
                          stats=(Fact("avg_spend", "Average spend per member", 64.0, "money"),),
                          products=(ProductFact("Linen Throw", 35.0),))
"""The invented shop the :data:`EXAMPLES` are written for (shown to the writer as an earlier exchange)."""
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:subject(?: line)?|preview(?: text)?|sms|text message|push(?: notification)?"
                    r"|email(?: body)?|body|message|notification|rationale|explanation|answer)\s*\d*\s*(?:\*\*)?"
                    r"\s*[:\-]\s*", re.I)
_NAME_SLOT = re.compile(r"\{\{?\s*(?:first[_ ]?name|name|customer[_ ]?name)\s*\}?\}|\[(?:first[_ ]?name|name|"
                        r"customer(?:'s)?[_ ]name|customer)\]|<(?:first[_ ]?name|name)>", re.I)
_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                        "\u2026": "...", "\u00a0": " "})


@dataclass
class Attempt:
    """One try at a piece: where it came from, how it was sampled, the text and its problems."""

    number: int
    source: str  # "llm" or "template"
    text: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    temperature: float | None = None
    seed: int | None = None


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


def clean(text: str, part: str) -> str:
    """Tidy model output: labels, quotes, markdown, name placeholders; one line for short parts."""
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
    if part == "sms":
        _, gsm = sms_length(text)
        if not gsm:  # drop emoji and other non-GSM characters rather than lose 90 characters
            text = "".join(c for c in text if sms_length(c)[1]).strip()
            text = re.sub(r"\s{2,}", " ", text)
        if "STOP" not in text.upper() and sms_length(text + SMS_STOP)[0] <= LIMITS["sms"]:
            text = text.rstrip() + SMS_STOP
    return text


def _ask_text(part: str, facts: FactSheet, brief: str) -> str:
    limit = LIMITS.get(part)
    ask = f"Write one {_PART_WORDS[part]}"
    if limit and part != "rationale":
        ask += f" of at most {int(limit * 0.8)} characters"
    if facts.offer and part in ("sms", "push", "body", "subject"):
        ask += f' that states the offer "{facts.offer}"'
    return ask + ". " + brief + " Reply with the text only."


def _messages(part: str, facts: FactSheet, tone: str, brief: str) -> list[dict[str, str]]:
    """The chat for one piece: rules, then (for copy) a worked example as an earlier exchange, then the ask.

    A 135M model imitates a demonstrated answer far better than a described one: with the example
    as a prior user/assistant turn about another shop (:data:`EXAMPLE_FACTS`), about three times as
    many first attempts pass the checker (bench/llm.py). Its invented names are rejected by the
    checker if copied (:data:`agent.campaigns.claims.EXAMPLE_ONLY_NAMES`).
    """
    system = (f"You write marketing copy. Tone: {tone}. Use only the facts you are given: never invent numbers, "
              "prices, dates, products, names or links. Write {first_name} where the customer's first name goes.")
    if UNTRUSTED_OPEN in facts.to_prompt():
        system += " " + UNTRUSTED_RULE
    messages = [{"role": "system", "content": system}]
    if part in EXAMPLES:
        messages += [{"role": "user", "content": f"Facts:\n{EXAMPLE_FACTS.to_prompt()}\n\n"
                                                 f"{_ask_text(part, EXAMPLE_FACTS, brief)}"},
                     {"role": "assistant", "content": EXAMPLES[part]}]
    messages.append({"role": "user", "content": f"Facts:\n{facts.to_prompt()}\n\n{_ask_text(part, facts, brief)}"})
    return messages


def _ask(backend: LLMBackend, messages: Sequence[dict[str, str]], part: str, temperature: float, seed: int,
         on_draft: DraftCallback | None) -> str:
    """The model's raw reply; streamed piece by piece into ``on_draft`` when one is given."""
    budget = _PART_TOKENS[part]
    if on_draft is None:
        return backend.generate(messages, max_new_tokens=budget, temperature=temperature, seed=seed)
    so_far = ""
    for piece in backend.stream(messages, max_new_tokens=budget, temperature=temperature, seed=seed):
        so_far += piece
        on_draft(part, so_far)
    return so_far


def write_piece(part: str, facts: FactSheet, backend: LLMBackend | None, *, tone: str = "friendly",
                play: str = "reactivation", variant: int = 0, max_attempts: int = 3, seed: int = 42,
                brief: str = "", fallback: str | None = None, avoid: set[str] | None = None,
                on_draft: DraftCallback | None = None) -> CopyPiece:
    """One piece of copy that passes the checker (LLM first, then the deterministic template).

    ``avoid`` holds texts already shipped (variants must differ); ``fallback`` overrides the
    template text for parts without a template (e.g. a rationale). ``on_draft(part, text_so_far)``
    receives the model's draft as its tokens arrive (each attempt starts again from its first
    piece), and the template text in one call when the template ships; what ships is in the result.
    """
    report = CheckReport(part=part)
    avoid = avoid if avoid is not None else set()
    if backend is not None:
        messages = _messages(part, facts, tone, brief)
        for n in range(max_attempts):
            temperature = TEMPERATURES[min(n, len(TEMPERATURES) - 1)]
            attempt_seed = seed + 7919 * n + 104729 * variant
            try:
                raw = _ask(backend, messages, part, temperature, attempt_seed, on_draft)
            except LLMUnavailableError as exc:
                report.attempts.append(Attempt(len(report.attempts) + 1, "llm", "", False,
                                               [f"model unavailable: {exc}"], temperature, attempt_seed))
                break
            text = clean(raw, part)
            result = check_copy(text, facts, part, source_text=" ".join(m["content"] for m in messages))
            problems = list(result.problems)
            if text in avoid:
                problems.append("repeats an earlier variant")
            report.checks = result.checked
            report.attempts.append(Attempt(len(report.attempts) + 1, "llm", text, not problems, problems,
                                           temperature, attempt_seed))
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
            "shipped_source": report.shipped_source, "length": report.length, "limit": report.limit,
            "checks": report.checks, "problems": report.problems,
            "attempts": [vars(a) for a in report.attempts]}
