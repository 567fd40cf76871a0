"""The grounding checker: copy may only state what its fact sheet says, within channel limits.

:func:`check_copy` runs every check on one piece of copy and returns a :class:`CheckResult` naming
what was checked and each problem found:

* numbers, percentages and prices must equal a fact (at the precision written);
* dates, month and weekday names must be the deadline's (or the sheet's other dates);
* product names from the catalogue must be among the sheet's products;
* no email address, phone number, web address not in the sheet, or real member's name;
* only known personalisation tokens (``{first_name}``), no unfilled ``[Name]`` placeholders;
* the channel's length limit (SMS: 160 GSM-7 characters, 70 with emoji or other Unicode);
* the offer is stated where the part must carry it (SMS, push, email body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from agent.campaigns.facts import Fact, FactSheet
from memberinsight.privacy import EMAIL_RE

PARTS = ("subject", "preview", "body", "sms", "push", "rationale")
LIMITS: dict[str, int] = {"subject": 70, "preview": 120, "body": 1500, "sms": 160, "push": 100, "rationale": 900}
SMS_UNICODE_LIMIT = 70
OFFER_REQUIRED = frozenset({"sms", "push", "body", "subject"})
TOKENS: dict[str, int] = {"first_name": 12}
"""Allowed personalisation tokens and the width reserved for each when measuring length."""

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_RE = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE_PATTERNS = (
    re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH_RE}\b\.?(?:,?\s+(\d{{4}}))?", re.I),
    re.compile(rf"\b{_MONTH_RE}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I),
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(r"(?<![\d.,])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b"),
)
# Month and weekday words count when capitalised, as names are ("may" and "march" are verbs too).
_MONTH_WORD = re.compile(r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
                         r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JANUARY|FEBRUARY|MARCH"
                         r"|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)\b")
_WEEKDAY_WORDS = (re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I),
                  re.compile(r"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b"))
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)", re.I)
_MONEY = re.compile(r"(?:[£$€]|\b(?:GBP|USD|EUR)\s?)\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                    r"|(\d+(?:\.\d+)?)\s?(?:pounds|dollars|euros?)\b", re.I)
_NUMBER = re.compile(r"(?<![\w])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
# Like memberinsight.privacy.PHONE_RE, but a phone number may end a sentence ("... 0958.").
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,}\d(?!\w|\.\d)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')]+|\b[a-z0-9-]+\.(?:com|co\.uk|net|org|shop|store|io)\b[^\s]*", re.I)
_TOKEN = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,30}\]|<[A-Za-z _]{2,30}>|\{\{[^}]*\}\}|\bXX+\b")
_CHATTER = re.compile(r"\bhere(?:'s| is| are) (?:a|an|the|some|my|your|how)\b|\b(?:sample|example|response|template)\b"
                      r"|\bthis (?:article|message|email|text|post)\b|\bI(?:'m| am| have|'ve| will)?\b(?!')"
                      r"|\bmy\b|(?<![\w.])[#@][A-Za-z]\w*", re.I)
_GREETING_ONLY = re.compile(r"^\W*(?:dear|hi|hello|hey)\b", re.I)
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
NOVELTY_LIMIT = {"rationale": 0.35}
"""Share of content words that may be found neither in the facts nor the writer's brief (rationales
paraphrase findings, so they get a tight limit; copy may be more inventive)."""
NOVELTY_DEFAULT = 0.5
_COMMON = frozenset("""about above after again against also always another any anything around away back
because been before being below best between both bring came come comes coming could days didn does doing
done down during each even ever every first from full gets give given goes going good great have having here
into just keep know last least left less like little long look made make many more most much must need never
next none nothing once only other ours over own part really right same some soon still such sure take than
thank thanks that their them then there these they thing think this those though through time today together
told very want well were what when where which while whom whose will with within without would year years your
yours yourself love loved enjoy enjoyed happy new season shop shopping order orders offer offers price
deal deals save saving savings treat visit today tomorrow week weekend favourite favorite items item""".split())
_META = re.compile(r"<\|[^|]*\|>|untrusted_data|fact sheet|\bas an ai\b|\blanguage model\b", re.I)
# GSM 03.38 basic character set plus the extension table (the extension costs two characters).
_GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXT = set("^{}\\[~]|€")


@dataclass
class CheckResult:
    """The outcome of checking one text: what was checked and what failed."""

    part: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    length: int = 0
    limit: int | None = None

    @property
    def passed(self) -> bool:
        return not self.problems


def sms_length(text: str) -> tuple[int, bool]:
    """(billed length, is GSM-7): extension characters count twice; Unicode counts one per char."""
    if all(c in _GSM or c in _GSM_EXT for c in text):
        return sum(2 if c in _GSM_EXT else 1 for c in text), True
    return len(text), False


def rendered_length(text: str) -> str:
    """``text`` with each personalisation token replaced by its reserved width (for length checks)."""
    return _TOKEN.sub(lambda m: "x" * TOKENS.get(m.group(1), len(m.group(0))), text)


def _decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def _matches(value: float, written: str, facts: list[float]) -> bool:
    places = _decimals(written)
    for f in facts:
        if abs(f - value) < 1e-9 or abs(round(f, places) - value) < 1e-9:
            return True
        if places == 0 and abs(f) >= 20 and abs(round(f) - value) < 1e-9:  # "about £43" for £42.60
            return True
    return False


def _values(facts: list[Fact], kinds: tuple[str, ...]) -> list[float]:
    return [float(f.value) for f in facts if f.kind in kinds and isinstance(f.value, int | float)
            and not isinstance(f.value, bool)]


def _dates(facts: list[Fact]) -> list[date]:
    return [f.value for f in facts if isinstance(f.value, date)]


def _date_ok(day: int, month: int | None, year: int | None, allowed: list[date]) -> bool:
    return any(d.day == day and (month is None or d.month == month) and (year is None or d.year == year)
               for d in allowed)


def _month_no(word: str) -> int:
    w = word.lower()[:3]
    return next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(w))


def _style(text: str, facts: FactSheet, part: str, source_text: str, result: CheckResult) -> None:
    """Reject chatter about the task, first-person voice, hashtags, bare greetings and invented content."""
    result.checked.append("copy style (no meta-commentary, first person, hashtags)")
    for m in _CHATTER.finditer(text):
        result.problems.append(f"not usable as copy: {m.group().strip()!r}")
    if part in ("subject", "preview") and (_GREETING_ONLY.match(text) or len(text.split()) < 3):
        result.problems.append(f"{part} is a greeting or fragment, not a {part}")
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.5 * len(letters):
        result.problems.append("mostly capital letters")
    if source_text:
        result.checked.append("content words come from the facts and the brief")
        known = set(_WORD.findall((facts.vocabulary() + " " + source_text + " " + facts.to_prompt()).lower()))
        words = _WORD.findall(text.lower())
        words = [w for w in words if w not in _COMMON]
        novel = [w for w in words if w not in known and w.rstrip("s") not in known]
        if words and len(novel) / len(words) > NOVELTY_LIMIT.get(part, NOVELTY_DEFAULT):
            result.problems.append(f"{len(novel)} of {len(words)} words are not in the facts or the brief "
                                   f"(e.g. {', '.join(sorted(set(novel))[:5])})")


def check_copy(text: str, facts: FactSheet, part: str, source_text: str = "") -> CheckResult:
    """Check one piece of copy (``part`` is subject, preview, body, sms, push or rationale).

    ``source_text`` (the brief the writer was given) enables the content-word check used for
    rationales: most of their words must come from the facts or the brief.
    """
    result = CheckResult(part=part)
    problems = result.problems
    _style(text, facts, part, source_text, result)
    fact_list = facts.all_facts()
    scrubbed = text
    # Allowed product and brand names may contain digits ("Set of 3 Tins"): blank them out first.
    for name in sorted([*facts.product_names(), facts.brand, facts.segment, facts.offer], key=len, reverse=True):
        if name:
            scrubbed = re.sub(re.escape(name), " ", scrubbed, flags=re.I)
    if facts.landing_url:
        scrubbed = scrubbed.replace(facts.landing_url, " ")

    result.checked.append("personal data (emails, phone numbers, member names)")
    for m in EMAIL_RE.finditer(text):
        problems.append(f"contains an email address: {m.group()}")
    scrubbed = EMAIL_RE.sub(" ", scrubbed)
    vocab = facts.vocabulary()
    for name in sorted(facts.forbidden_names, key=len, reverse=True):
        if len(name) > 2 and name.lower() not in vocab and re.search(rf"\b{re.escape(name)}\b", text, re.I):
            problems.append(f"contains the name of a real member: {name}")

    result.checked.append("web addresses")
    for m in _URL.finditer(scrubbed):
        problems.append(f"web address not in the facts: {m.group()}")
    scrubbed = _URL.sub(" ", scrubbed)

    result.checked.append("personalisation tokens and placeholders")
    for m in _TOKEN.finditer(scrubbed):
        if m.group(1) not in TOKENS:
            problems.append(f"unknown personalisation token {m.group(0)} (allowed: "
                            + ", ".join("{" + t + "}" for t in TOKENS) + ")")
    scrubbed = _TOKEN.sub(" ", scrubbed)
    for m in _PLACEHOLDER.finditer(scrubbed):
        problems.append(f"unfilled placeholder {m.group()}")
    if _META.search(text):
        problems.append(f"contains prompt or template text: {_META.search(text).group()}")

    result.checked.append("dates against the deadline")
    allowed_dates = _dates(fact_list)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(scrubbed):
            g = m.groups()
            if pattern is _DATE_PATTERNS[0]:
                ok = _date_ok(int(g[0]), _month_no(g[1]), int(g[2]) if g[2] else None, allowed_dates)
            elif pattern is _DATE_PATTERNS[1]:
                ok = _date_ok(int(g[1]), _month_no(g[0]), int(g[2]) if g[2] else None, allowed_dates)
            elif pattern is _DATE_PATTERNS[2]:
                ok = _date_ok(int(g[2]), int(g[1]), int(g[0]), allowed_dates)
            else:
                year = int(g[2]) if g[2] else None
                year = year + 2000 if year is not None and year < 100 else year
                ok = _date_ok(int(g[0]), int(g[1]), year, allowed_dates)
            if not ok:
                problems.append(f"date not in the facts: {m.group().strip().rstrip('.')}")
            scrubbed = scrubbed.replace(m.group(), " ")
    for m in _PHONE.finditer(scrubbed):  # after dates, so 2025-03-31 is not read as a phone number
        if sum(c.isdigit() for c in m.group()) >= 7:
            problems.append(f"contains a phone number: {m.group().strip()}")
            scrubbed = scrubbed.replace(m.group(), " ")
    allowed_months = {d.month for d in allowed_dates}
    for m in _MONTH_WORD.finditer(scrubbed):
        if _month_no(m.group()) not in allowed_months:
            problems.append(f"month not in the facts: {m.group()}")
    allowed_weekdays = {d.weekday() for d in allowed_dates}
    for pattern in _WEEKDAY_WORDS:
        for m in pattern.finditer(scrubbed):
            day_no = next(i for i, d in enumerate(_WEEKDAYS) if d.startswith(m.group(1).lower()[:3]))
            if day_no not in allowed_weekdays:
                problems.append(f"weekday not in the facts: {m.group()}")

    result.checked.append("percentages, prices and numbers against the facts")
    for m in _PERCENT.finditer(scrubbed):
        if not _matches(float(m.group(1)), m.group(1), _values(fact_list, ("percent",))):
            problems.append(f"percentage not in the facts: {m.group().strip()}")
    scrubbed = _PERCENT.sub(" ", scrubbed)
    for m in _MONEY.finditer(scrubbed):
        written = (m.group(1) or m.group(2)).replace(",", "")
        if not _matches(float(written), written, _values(fact_list, ("money",))):
            problems.append(f"price or amount not in the facts: {m.group().strip()}")
    scrubbed = _MONEY.sub(" ", scrubbed)
    any_number = _values(fact_list, ("money", "percent", "count", "number", "days"))
    for m in _NUMBER.finditer(scrubbed):
        written = m.group(1).replace(",", "")
        if not _matches(float(written), written, any_number):
            problems.append(f"number not in the facts: {m.group(1)}")

    if facts.catalogue_names:
        result.checked.append("product names against the facts")
        allowed = [n.lower() for n in facts.product_names()]
        low = text.lower()
        for name in facts.catalogue_names:
            n = name.lower()
            if len(n) > 3 and n in low and not any(n in a for a in allowed) and \
                    re.search(rf"(?<!\w){re.escape(n)}(?!\w)", low):
                problems.append(f"product not in the facts: {name}")

    limit = LIMITS.get(part)
    if limit is not None:
        result.checked.append("length limit")
        shown = rendered_length(text)
        if part == "sms":
            length, gsm = sms_length(shown)
            if not gsm:
                limit = SMS_UNICODE_LIMIT
            result.length = length
            if length > limit:
                problems.append(f"SMS is {length} characters; the limit is {limit}"
                                + ("" if gsm else " because it uses characters outside GSM-7 (emoji, curly quotes)"))
        else:
            result.length = len(shown)
            if len(shown) > limit:
                problems.append(f"{part} is {len(shown)} characters; the limit is {limit}")
        result.limit = limit
    if not text.strip():
        problems.append(f"{part} is empty")
    if part in OFFER_REQUIRED and facts.offer:
        result.checked.append("offer stated")
        markers = facts.offer_markers()
        compact = re.sub(r"\s+", "", text.lower())
        if markers and not any(re.sub(r"\s+", "", mk.lower()) in compact for mk in markers):
            problems.append(f"does not state the offer ({' or '.join(markers)})")
    return result
