"""Round-8 paraphrases, rewritten before tagging (used by :func:`segments.spoken.respeak`, after numbers are digits).

Families, each rewritten to words the grammar already reads, and said in the read-back:

* "most recent (Electronics) order", "first ever order ... was placed during Q1": the date fields
  ("last Electronics order was in", "first order was in");
* "... between 1st October 2024 and the end of that year / month / quarter": the end is resolved against the
  date just named ("31 December 2024");
* "order at least monthly (on average)", "buy weekly", "shop once a fortnight": the average gap between
  orders ("every 30 / 7 / 14 days or less");
* "order count has fallen / dropped compared with the previous 90 days": the trend fields, whose window is
  the last 90 days against the 90 before (another window is left alone, so it is not understood and asked);
* "expected to order on more than 6 (separate) days over the next 12 months": the 365-day prediction;
* "but not those who have only ever written a single review" / "excluding those with only one order": the
  complement of the exact count ("not exactly 1 review"), combined with the rest of the sentence.

:func:`unit_less_counts` (given the shop's categories) finds "more than 5 in Home": a number and a category
with no unit (orders? spend? items?) is read as orders and asked about.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

_MONTHS = {m.lower(): k for k, m in enumerate(calendar.month_name) if m} | {
    m.lower(): k for k, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
_VERB = r"(orders?|ordering|ordered|buys?|buying|shops?|shopping|purchases?|purchasing)"
_GAP = {"week": 7, "fortnight": 14, "month": 30}
_WORD_NUMBERS = {w: k for k, w in enumerate(("zero one two three four five six seven eight nine ten eleven twelve "
                                             "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                                             "twenty").split())}
_NUMBER = rf"(\d+|{'|'.join(_WORD_NUMBERS)})"


def _gap(m: re.Match[str]) -> str:
    days = _GAP[m.group(2).lower()]
    return f"{m.group(1)} every {days} days or less"


_EXPECTED_DAYS = re.compile(
    r"\b(?:expected|predicted|forecast|likely)\s+to\s+(?:order|buy|purchase|shop)\s+(?:on\s+)?"
    r"(more\s+than|over|at\s+least|fewer\s+than|less\s+than|under)\s+"
    rf"{_NUMBER}\s+(?:separate\s+|different\s+|distinct\s+)?"
    r"(?:days|times|occasions|orders)\s+(?:over|in|during|within)\s+the\s+(?:next|coming)\s+"
    r"(?:12\s+months|twelve\s+months|year|365\s+days)\b", re.I)
_TREND_WINDOW = r"(?:90\s+days|3\s+months|three\s+months|quarter|period)"
_TREND = re.compile(
    r"\b(order\s+count|orders|number\s+of\s+orders|order\s+frequency|ordering|spend|spending)\s+(?:has|have)\s+"
    r"(?:also\s+)?(fallen|dropped|declined|decreased|gone\s+down|fell|risen|grown|increased|gone\s+up)\s+"
    r"(?:compared\s+(?:with|to)|versus|vs\.?|against|from)\s+(?:the\s+)?(?:previous|prior|preceding)\s+"
    rf"{_TREND_WINDOW}\b", re.I)
_DOWN = ("fallen", "dropped", "declined", "decreased", "gone down", "fell")
_ONLY_ONE = re.compile(
    r"\b(?:but\s+)?(?:not|excluding|except(?:\s+for)?|minus|leaving\s+out)\s+(?:those|people|anyone|customers|members|"
    r"the\s+ones)\s+(?:who\s+have|who've|who\s+has|with|having|that\s+have)\s+(?:only\s+)?(?:ever\s+)?(?:only\s+)?"
    r"(?:written|placed|made|left|had|given|posted|got)?\s*(?:just\s+)?(?:a\s+single|one|1|a\s+lone)\s+"
    r"(review|order|return|purchase)s?\b", re.I)
_END_OF_THAT = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})\s+(and|to|until|through)\s+the\s+end\s+of\s+"
    r"(?:that|the\s+same)\s+(year|month|quarter)\b", re.I)
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bmost\s+recent(?=\s+(?:[A-Za-z]+\s+)?(?:order|purchase)\b)", re.I), "last"),
    (re.compile(r"\b(first|last|latest)\s+ever\b", re.I), r"\1"),
    (re.compile(r"\b((?:first|last|latest)\s+(?:[A-Za-z]+\s+)?(?:order|purchase))\s+(?:was\s+)?(?:placed|made)\s+"
                r"(?:during|in|within)\b", re.I), r"\1 was in"),
    (re.compile(r"\bdiff\.?(?=\s+(?:categories|products|cities|channels)\b)", re.I), "different"),
    (re.compile(r"\b(?:falls?|fall(?:ing)?|lands?|is\s+due)\s+(?=(?:within|in)\s+the\s+next\b)", re.I), ""),
    (re.compile(r"\b(have|has)\s+since\s+(?=(?:placed|made|bought|ordered)\b)", re.I), r"\1 "),
)


def _end_of_that(m: re.Match[str]) -> str:
    month = _MONTHS.get(m.group(2).lower())
    if month is None:
        return m.group()
    day, year, unit = int(m.group(1)), int(m.group(3)), m.group(5).lower()
    if unit == "year":
        end_month = 12
    elif unit == "quarter":
        end_month = ((month - 1) // 3 + 1) * 3
    else:
        end_month = month
    end = date(year, end_month, calendar.monthrange(year, end_month)[1])
    return f"{day} {calendar.month_name[month]} {year} {m.group(4)} {end.day} {calendar.month_name[end.month]} {end.year}"


_DAY_MONTH_THIS_YEAR = re.compile(
    r"\b(\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)\s+(?:of\s+)?this\s+year\b",
    re.I)


def paraphrase(text: str, ref: date | None = None) -> tuple[str, list[str]]:
    """Rewrite the families of the module docstring; returns the text and what was read how."""
    said: list[str] = []

    def note(pattern: re.Pattern[str], repl: object, how: str) -> None:
        nonlocal text
        for m in pattern.finditer(text):
            said.append(f"'{m.group().strip()}' read as {how}")
        text = pattern.sub(repl, text)  # type: ignore[call-overload]

    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    if ref is not None:
        note(_DAY_MONTH_THIS_YEAR, lambda m: f"{m.group(1)} {ref.year}", f"in {ref.year}, the data's latest year")
    note(_END_OF_THAT, _end_of_that, "the dates named, the end of that period included")
    note(re.compile(rf"\b{_VERB}\s+(?:on\s+average\s+)?(?:at\s+least\s+)?(?:once\s+(?:a|per|every)\s+)?"
                    r"(week|fortnight|month)(?:ly)?(?:\s+or\s+more(?:\s+often)?)?(?:\s+on\s+average)?\b"
                    r"(?!\s+or\s+(?:less|fewer|rarer|more\s+rarely))", re.I),
         _gap, "the average days between orders")
    note(re.compile(rf"\b{_VERB}\s+(?:on\s+average\s+)?(?:at\s+most\s+|no\s+more\s+than\s+|less\s+than\s+)?"
                    r"once\s+(?:a|per|every)\s+(week|fortnight|month)(?:\s+or\s+(?:less|fewer)(?:\s+often)?)?"
                    r"(?:\s+on\s+average)?\b", re.I),
         lambda m: f"{m.group(1)} every {_GAP[m.group(2).lower()]} days or more", "the average days between orders")
    note(_EXPECTED_DAYS, lambda m: f"expected orders in the next 365 days {m.group(1)} "
         f"{_WORD_NUMBERS.get(m.group(2).lower(), m.group(2))}",
         "the predicted orders over the next 365 days")
    note(_TREND, lambda m: ("spend trend" if m.group(1).lower().startswith("spend") else "order trend")
         + (" is negative" if m.group(2).lower() in _DOWN else " is positive"),
         "the trend (the last 90 days against the 90 before)")
    note(_ONLY_ONE, lambda m: f"and not exactly 1 {m.group(1).lower()}",
         "every count but exactly one")
    return text, said


_FEW_WEEKS = re.compile(rf"\b{_VERB}\s+(?:about\s+|roughly\s+)?every\s+(?:few|several|couple\s+of)\s+weeks\b"
                        r"(?!\s+or\s+(?:less|more|fewer))", re.I)


def vague_gaps(text: str) -> tuple[str, list[tuple[str, str]]]:
    """"order every few weeks": the average gap between orders, read as 30 days or less and asked (how many weeks
    "a few" is, is the writer's to say)."""
    guesses = [(m.group(), f"'{m.group()}' read as an average of 30 days or less between orders; is that the gap "
                           "you meant?") for m in _FEW_WEEKS.finditer(text)]
    return _FEW_WEEKS.sub(lambda m: f"{m.group(1)} every 30 days or less", text), guesses


_UNITLESS = r"(?:more\s+than|over|at\s+least|fewer\s+than|less\s+than|under|above|below)\s+(\d+)(?:\s*\+)?\s+in\s+"
_BEFORE_OK = ("with", "have", "has", "having", "had", "got", "and", "who", "members", "customers", "people", "anyone")


@lru_cache(maxsize=8)
def _unit_less_pattern(categories: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(c) for c in categories), key=len, reverse=True))
    return re.compile(rf"{_UNITLESS}(?:the\s+)?({names})\b(?!\s+(?:orders?|purchases?|items?|spend|products?))",
                      re.I)


def unit_less_counts(text: str, categories: tuple[str, ...]) -> tuple[str, list[tuple[str, str]]]:
    """"members with more than 5 in Home": a number and a category with no unit word or currency sign. Read as
    orders (the first reading) and asked: spend and items are as plausible."""
    if not categories:
        return text, []
    pattern = _unit_less_pattern(categories)
    guesses: list[tuple[str, str]] = []
    for m in reversed(list(pattern.finditer(text))):
        before = text[:m.start()].split()
        if before and before[-1].lower().strip(",") not in _BEFORE_OK:
            continue
        guesses.append((m.group(), f"'{m.group()}' names no unit; I read it as orders. Or do you mean the amount "
                                   "spent, or the number of items?"))
        cut = m.start(1) + len(m.group(1))
        text = text[:cut] + " orders" + text[cut:]
    return text, guesses
