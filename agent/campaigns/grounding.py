"""The grounding checker: copy may only state what its fact sheet says, within channel limits.

:func:`check_copy` runs every check on one piece of copy and returns a :class:`CheckResult` naming
what was checked and each problem found:

* numbers, percentages and prices must equal a fact (at the precision written), by meaning: a
  discount must be the offer's, a price next to a product that product's, and audience statistics
  appear only in rationales (:mod:`agent.campaigns.figures`); figures written in words count
  (:mod:`agent.campaigns.numwords`);
* dates, month and weekday names must be the deadline's (or the sheet's other dates);
* promo codes and offer mechanics must be the offer's; product names (catalogue titles, plurals,
  the writer's example names, product-like capitalised phrases) must be the sheet's
  (:mod:`agent.campaigns.claims`);
* no email address, phone number, web address not in the sheet, or real member's name, and no
  instruction-like phrasing (*ignore the rules above*, *system:*); imported names count as the
  sheet's own words only when they are clean (:mod:`agent.campaigns.untrusted`), so a figure,
  phone number or link inside a name is checked like any other text;
* meaning, not only numbers (:mod:`agent.campaigns.meaning`): claims about the member (orders,
  basket, loyalty, absence), stock, rankings, guarantees, delivery and product attributes need a
  fact that supports them; customer copy never uses the team's vocabulary (segment, horizon,
  churn, risk, score) or an unflattering segment label; deadlines in words (*this weekend*,
  *all month*) must fit the dates; no sentence is repeated; a real member's name counts only
  where it is used as a name (:mod:`agent.campaigns.names`); the offer may be stated in any
  honest wording (:mod:`agent.campaigns.offer_sense`: *a tenner off*, *2 for 1*);
* only known personalisation tokens (``{first_name}``), no unfilled ``[Name]`` placeholders;
* the channel's length limit (SMS: 160 GSM-7 characters, 70 with emoji or other Unicode);
* the offer is stated where the part must carry it (SMS, push, email body); subjects and previews
  start with a capital letter.

The check runs on the final text, after every placeholder but ``{first_name}`` is filled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from memberinsight.agent.campaigns.claims import (
    STOP_CAPITALS,
    check_offer_claims,
    check_product_names,
    name_pattern,
)
from memberinsight.agent.campaigns.dates import (
    MONTHS,
    WEEKDAYS,
    Timing,
    check_dates,
    check_month_and_weekday_words,
    check_relative_deadlines,
)
from memberinsight.agent.campaigns.facts import Fact, FactSheet
from memberinsight.agent.campaigns.figures import BLANK, CUSTOMER_PARTS, blank, check_figures, product_marker
from memberinsight.agent.campaigns.meaning import (
    check_claims,
    check_internal_words,
    check_repetition,
    claim_text,
)
from memberinsight.agent.campaigns.names import member_names_used
from memberinsight.agent.campaigns.numwords import spell_out
from memberinsight.agent.campaigns.offer_sense import offer_sense, offer_window
from memberinsight.agent.campaigns.untrusted import find_links, instruction_phrases, is_clean
from memberinsight.privacy import EMAIL_RE

PARTS = ("subject", "preview", "body", "sms", "push", "rationale")
LIMITS: dict[str, int] = {"subject": 70, "preview": 120, "body": 1500, "sms": 160, "push": 100, "rationale": 900}
SMS_UNICODE_LIMIT = 70
OFFER_REQUIRED = frozenset({"sms", "push", "body", "subject"})
TOKENS: dict[str, int] = {"first_name": 12}
"""Allowed personalisation tokens and the width reserved for each when measuring length."""

# Like memberinsight.privacy.PHONE_RE, but a phone number may end a sentence ("... 0958.").
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,}\d(?!\w|\.\d)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')]+|\b[a-z0-9-]+\.(?:com|co\.uk|net|org|shop|store|io)\b[^\s]*", re.I)
_TOKEN = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,30}\]|<[A-Za-z _]{2,30}>|\{\{[^}]*\}\}|\bXX+\b")
_CHATTER = re.compile(r"\bhere(?:'s| is| are) (?:how\b|(?:a|an|the|some|my|your|two|three|four|five|\d+)\s+(?:[\w-]+\s+)?(?:emails?|messages?|"
                      r"subject(?: line)?s?|drafts?|versions?|texts?|responses?|samples?|examples?|copy|sms|"
                      r"notifications?|push(?:es)?|options?)\b)|\b(?:sample|example|response|template)\b"
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


def _style(text: str, facts: FactSheet, part: str, source_text: str, result: CheckResult) -> None:
    """Reject chatter about the task, first-person voice, hashtags, bare greetings and invented content."""
    result.checked.append("copy style (no meta-commentary, first person, hashtags)")
    shown = text
    for product in facts.products:  # a product's own name ("Memory Card - UHS-I") is not the copy's voice
        shown = shown.replace(product.name, " ")
    for m in _CHATTER.finditer(shown):
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


def _dates(facts: list[Fact]) -> list[date]:
    return [f.value for f in facts if isinstance(f.value, date)]


def _window_days(facts: FactSheet) -> list[date]:
    """The days a short offer runs before its deadline (double points this weekend: Saturday too)."""
    window = offer_window(facts)
    if window is None or facts.deadline is None:
        return []
    return [facts.deadline - timedelta(days=i) for i in range(1, max(1, int(window)))]


def _scrub_names(text: str, facts: FactSheet) -> str:
    """``text`` with the offer, brand and segment blanked and product names replaced by markers.

    Allowed names may contain digits (``Set of 3 Tins``) that are not figures to check. Imported
    names (the segment, products) are trusted only when clean: a name carrying a figure, phone
    number, link or instruction stays in the text and is checked like the rest of it.
    """
    segment = facts.segment if is_clean(facts.segment) else ""
    for name in sorted([facts.offer, facts.brand, segment], key=len, reverse=True):
        if name.strip():
            text = re.sub(rf"(?<!\w){re.escape(name.strip())}(?!\w)", " ", text, flags=re.I)
    products = sorted(facts.product_name_forms(), key=lambda p: len(p[1]), reverse=True)
    for i, name in products:
        if name.strip() and is_clean(name):
            text = name_pattern(name.strip()).sub(product_marker(i), text)
    if facts.landing_url:
        text = text.replace(facts.landing_url, " ")
    return text


def _personal_data(text: str, scrubbed: str, facts: FactSheet, result: CheckResult) -> str:
    result.checked.append("personal data (emails, phone numbers, member names used as names)")
    for m in EMAIL_RE.finditer(text):
        result.problems.append(f"contains an email address: {m.group()}")
    known = set(_WORD.findall(facts.vocabulary())) | _COMMON | STOP_CAPITALS | set(MONTHS) | set(WEEKDAYS)
    for name in member_names_used(text, facts.forbidden_names, known):
        result.problems.append(f"contains the name of a real member: {name}")
    return EMAIL_RE.sub(" ", scrubbed)


def _links_and_tokens(text: str, scrubbed: str, result: CheckResult) -> str:
    problems = result.problems
    result.checked.append("web addresses")
    for m in _URL.finditer(scrubbed):
        problems.append(f"web address not in the facts: {m.group()}")
    scrubbed = _URL.sub(" ", scrubbed)
    for link in find_links(scrubbed):  # other domains (shop.example/win, x dot com)
        problems.append(f"web address not in the facts: {link}")
        scrubbed = scrubbed.replace(link, " ")
    result.checked.append("instructions or chat markup (as imported text might carry)")
    for phrase in instruction_phrases(text):
        problems.append(f"contains instruction-like text: {phrase!r}")
    result.checked.append("personalisation tokens and placeholders")
    for m in _TOKEN.finditer(scrubbed):
        if m.group(1) not in TOKENS:
            problems.append(f"unknown personalisation token {m.group(0)} (allowed: "
                            + ", ".join("{" + t + "}" for t in TOKENS) + ")")
    scrubbed = _TOKEN.sub(" ", scrubbed)
    for m in _PLACEHOLDER.finditer(scrubbed):
        problems.append(f"unfilled placeholder {m.group()}")
    if meta := _META.search(text):
        problems.append(f"contains prompt or template text: {meta.group()}")
    return scrubbed


def _shape(text: str, part: str, result: CheckResult) -> None:
    """Subjects and previews start with a capital letter (a cut-off ending is the writer's check)."""
    first = _TOKEN.sub("X", text.strip())[:1]
    if part in ("subject", "preview"):
        result.checked.append("starts with a capital letter")
        if first.isalpha() and first.islower():
            result.problems.append(f"{part} starts with a lower-case letter")


def _meaning(text: str, facts: FactSheet, part: str, result: CheckResult) -> None:
    """Claims, the team's vocabulary, deadlines in words and repetition (:mod:`agent.campaigns.meaning`)."""
    check_repetition(text, result.problems, result.checked)
    if part not in CUSTOMER_PARTS:
        return
    plain = claim_text(text, facts)
    check_internal_words(plain, facts, result.problems, result.checked)
    check_claims(plain, facts, offer_sense(facts), True, result.problems, result.checked)
    timing = Timing(facts.as_of, facts.deadline, offer_window(facts)) if facts.as_of and facts.deadline else None
    check_relative_deadlines(plain, timing, facts.offer, result.problems, result.checked)


def _length(text: str, part: str, result: CheckResult) -> None:
    limit = LIMITS.get(part)
    if limit is None:
        return
    result.checked.append("length limit")
    shown = rendered_length(text)
    if part == "sms":
        length, gsm = sms_length(shown)
        if not gsm:
            limit = SMS_UNICODE_LIMIT
        result.length = length
        if length > limit:
            result.problems.append(f"SMS is {length} characters; the limit is {limit}" + (
                "" if gsm else " because it uses characters outside GSM-7 (emoji, curly quotes)"))
    else:
        result.length = len(shown)
        if len(shown) > limit:
            result.problems.append(f"{part} is {len(shown)} characters; the limit is {limit}")
    result.limit = limit


def _states(text: str, marker: str) -> bool:
    """True when ``text`` (as written, or with its number words as digits) contains ``marker``.

    Spacing never matters; for an offer without figures (``buy one get one free``) punctuation
    does not either.
    """
    squash = r"\s+" if re.search(r"\d", marker) else r"[\W_]+"
    wanted = re.sub(squash, "", marker.lower())
    return any(wanted in re.sub(squash, "", t.lower()) for t in (text, spell_out(text).text))


def check_copy(text: str, facts: FactSheet, part: str, source_text: str = "") -> CheckResult:
    """Check one piece of copy (``part`` is subject, preview, body, sms, push or rationale).

    Customer-facing parts (everything but a rationale) may state only the offer, the deadline, the
    days left and product prices; a rationale may also cite the audience's statistics and
    forecasts. ``source_text`` (the brief the writer was given) enables the content-word check:
    most words must come from the facts or the brief.
    """
    result = CheckResult(part=part)
    problems = result.problems
    _style(text, facts, part, source_text, result)
    scrubbed = _personal_data(text, _scrub_names(text, facts), facts, result)
    scrubbed = _links_and_tokens(text, scrubbed, result)

    result.checked.append("figures written in words (twenty percent, half price) read as figures")
    spelled = spell_out(scrubbed)
    s = spelled.text
    result.checked.append("dates against the deadline")
    allowed_dates = _dates(facts.customer_facts() if part in CUSTOMER_PARTS else facts.all_facts())
    allowed_dates += _window_days(facts)
    s = check_dates(s, allowed_dates, problems, spelled.shown)
    for m in _PHONE.finditer(s):  # after dates, so 2025-03-31 is not read as a phone number
        if sum(c.isdigit() for c in m.group()) >= 7:
            problems.append(f"contains a phone number: {m.group().strip()}")
            s = blank(s, m.start(), m.end())
    check_month_and_weekday_words(s, allowed_dates, problems)
    check_offer_claims(s, facts, problems, result.checked)
    s = check_figures(s, spelled, facts, part, problems, result.checked)
    check_product_names(text, s.replace(BLANK, " "), facts, problems, result.checked)
    _meaning(text, facts, part, result)
    _shape(text, part, result)

    _length(text, part, result)
    if not text.strip():
        problems.append(f"{part} is empty")
    if part in OFFER_REQUIRED and facts.offer:
        result.checked.append("offer stated")
        markers = facts.offer_markers()
        if markers and not any(_states(text, mk) for mk in markers) and not offer_sense(facts).states(text):
            problems.append(f"does not state the offer ({' or '.join(markers)})")
    return result
