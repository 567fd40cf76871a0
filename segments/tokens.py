"""Tokens of an operator's sentence, and reading numbers, amounts and dates out of them."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from memberinsight.segments.lexicon import COUNT_ADVERBS, MONTHS, NUMBER_WORDS

_NUMBODY = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_TOKEN = re.compile(rf"""
 (?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})
|(?P<triple>(?<![\d/-])[1-5][-/][1-5][-/][1-5](?![\d/-]))
|(?P<range>\d+(?:\.\d+)?\s?[-–]\s?\d+(?:\.\d+)?(?![\d/.]))
|(?P<num>(?:(?<![^\s(<>=])[-+](?=\.?\d))?(?:[£$€]\s?)?(?:{_NUMBODY}|\.\d+)(?:\s?[kK](?:\+|\b)|\s?%|\+|(?:st|nd|rd|th)\b)?)
|(?P<sym><=|>=|=<|=>|!=|<|>|=)
|(?P<word>[^\W\d][\w']*)
|(?P<punct>[,;:()&/])
|(?P<other>\S)
""", re.X)
# Characters dropped silently (hyphens join words; quotes and full stops carry no meaning here).
_IGNORED = set("'\"`.-–—!?")


@dataclass(frozen=True)
class Token:
    """One token: normalised text (lower case), original text and character span."""

    norm: str
    text: str
    start: int
    end: int
    kind: str


_POSSESSIVE_TIME = frozenset(("day", "week", "month", "quarter", "year", "yr", "weekend", "today", "yesterday",
                              "fortnight", "season", "christmas", "easter", "xmas", "friday", "monday"))
_MONTH_SUFFIX = frozenset(("m", "mo", "mos"))
_WITH = re.compile(r"\b([wW])/(?=[\s\w])")
_WITHOUT = re.compile(r"\b([wW])/([oO])\b")


def normalise_text(text: str) -> str:
    """Typographic quotes and dashes to plain ones, and "w/" / "w/o" (with / without) to words; the
    length never changes, so token spans still point into the original sentence."""
    text = (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
            .replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " "))
    return _WITH.sub(r"\1 ", _WITHOUT.sub(r"\1_\2", text))


def tokenize(sentence: str) -> list[Token]:
    """Split a sentence into tokens; hyphens, quotes and full stops are dropped."""
    text = normalise_text(sentence)
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        raw = m.group()
        if kind == "other" and raw == "-" and _spaced_dash(text, m.start()):
            out.append(Token("-", raw, m.start(), m.end(), "punct"))  # "lapsed Pets buyers - last order ...": a break
            continue
        if kind == "other" and (raw in _IGNORED or unicodedata.category(raw[0]) in ("So", "Cn")
                                or raw[0] in "\u200d\ufe0f"):
            continue  # emoji and pictographs carry no condition
        norm = raw.lower()
        if kind in ("num", "range"):
            norm = re.sub(r"\s+", "", norm).replace("–", "-")
        if kind == "word":
            norm = norm.strip("'")
            if norm.endswith("'s") and norm[:-2] in _POSSESSIVE_TIME:
                norm = norm[:-2]  # "last month's buyers", "this year's Champions"
            if not norm:
                continue
            if norm in _MONTH_SUFFIX and out and out[-1].kind == "num" and out[-1].end == m.start() \
                    and out[-1].norm.isdigit() and text[max(out[-1].start - 1, 0):out[-1].start] not in tuple("£$€") \
                    and text[m.end():m.end() + 1] in ("", " ", ",", ")"):
                norm = "months"  # "12m clv", "last 6m": months written against the number
            if norm in ("pc", "pct") and out and out[-1].kind == "num" and out[-1].end == m.start():
                norm = "percent"  # "return rate above 30pc"
        out.append(Token(norm, raw, m.start(), m.end(), kind))
    return out


def _spaced_dash(text: str, k: int) -> bool:
    """A dash with spaces around it that is not between two amounts ("£50 - £100")."""
    before, after = text[:k].rstrip(), text[k + 1:].lstrip()
    if not (text[k - 1:k].isspace() and text[k + 1:k + 2].isspace()) or not before or not after:
        return False
    return not (before[-1].isdigit() or before[-1] in "%kK") or not (after[0].isdigit() or after[0] in "£$€")


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """The token norms of a lexicon phrase (tokenised like a sentence)."""
    return tuple(t.norm for t in tokenize(phrase))


@dataclass(frozen=True)
class Number:
    value: float
    money: bool = False
    percent: bool = False
    plus: bool = False
    adverb: bool = False
    currency: str = ""
    """The currency sign written with the amount (``£``, ``$``, ``€``), if any."""

    @property
    def is_int(self) -> bool:
        return float(self.value).is_integer()


def read_number(norm: str) -> Number | None:
    """A number from a numeric token (``£1,200``, ``2k``, ``70%``, ``3+``, ``1st``) or a number word."""
    if norm in COUNT_ADVERBS:
        return Number(COUNT_ADVERBS[norm], adverb=True)
    if norm in NUMBER_WORDS and norm not in ("a", "an"):
        return Number(NUMBER_WORDS[norm])
    m = re.fullmatch(r"([-+])?([£$€])?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(k\+|k|%|\+|st|nd|rd|th)?", norm)
    if not m:
        return None
    value = float(m.group(3).replace(",", "")) * (-1 if m.group(1) == "-" else 1)
    suffix = m.group(4)
    if suffix in ("k", "k+"):
        value *= 1000
    percent = suffix == "%"
    if percent:
        value = value / 100
    return Number(value, money=bool(m.group(2)), percent=percent, plus=suffix in ("+", "k+"),
                  currency=m.group(2) or "")


MULTIPLIERS = {"hundred": 100, "thousand": 1000, "grand": 1000, "k": 1000}
"""Words that multiply the number before them ("two hundred", "a grand", "1.5 thousand")."""


def read_compound(norms: list[str], i: int) -> tuple[Number, int] | None:
    """A number written over several tokens at ``i`` ("two hundred", "a grand", "three hundred and fifty",
    "2 grand"): the number and how many tokens it took; ``None`` when there is no such compound."""
    pair = _tens_units(norms, i)
    if pair is not None and (i + 2 >= len(norms) or norms[i + 2] not in MULTIPLIERS):
        return Number(pair), 2  # "seventy-five" (the hyphen is not a token)
    if i >= len(norms) - 1 or norms[i + 1] not in MULTIPLIERS:
        return None
    base = Number(1) if norms[i] in ("a", "an") else read_number(norms[i])
    if base is None or base.percent or base.plus or base.adverb or base.value <= 0:
        return None
    value = base.value * MULTIPLIERS[norms[i + 1]]
    size = 2
    if norms[i + 1] == "hundred" and i + 3 < len(norms) and norms[i + 2] == "and":
        tail = _tens_units(norms, i + 3)
        k = i + 3 + (2 if tail is not None else 1)
        small = tail if tail is not None else NUMBER_WORDS.get(norms[i + 3]) if norms[i + 3] not in ("a", "an") else None
        if small is not None and 0 < small < 100 and (k >= len(norms) or norms[k] not in MULTIPLIERS):
            value += small  # "three hundred and fifty", not "one hundred and three hundred"
            size = k - i
    return Number(value, money=base.money or norms[i + 1] == "grand", currency=base.currency), size


_TENS = frozenset((20, 30, 40, 50, 60, 70, 80, 90))


def _tens_units(norms: list[str], i: int) -> int | None:
    """"seventy five" (tokens of "seventy-five"): 75; None otherwise (or before "star": "twenty one-star")."""
    if i + 1 >= len(norms) or norms[i] in ("a", "an") or norms[i + 1] in ("a", "an"):
        return None
    tens, unit = NUMBER_WORDS.get(norms[i]), NUMBER_WORDS.get(norms[i + 1])
    if tens not in _TENS or unit is None or not 1 <= unit <= 9:
        return None
    if i + 2 < len(norms) and norms[i + 2] in ("star", "stars"):
        return None
    return tens + unit


def days_for(n: float, unit_days: int) -> int:
    """Window length in days: months count 30 days, but whole years (12 months) count 365."""
    if unit_days == 30 and n % 12 == 0:
        return int(n // 12 * 365)
    if unit_days == 90 and n % 4 == 0:
        return int(n // 4 * 365)
    return int(round(n * unit_days))


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def read_iso_or_slash(norm: str) -> date | None:
    """``2024-03-01`` or ``01/03/2024`` (day first, as written in the UK and Europe; month first when the
    day-first reading is impossible, as in the American ``6/15/2025``)."""
    try:
        if "-" in norm:
            y, m, d = (int(p) for p in norm.split("-"))
            return date(y, m, d)
        a, b, y = (int(p) for p in norm.split("/"))
    except ValueError:
        return None
    for d, m in ((a, b), (b, a)):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    return None


def slash_readings(norm: str) -> list[date]:
    """Both readings of an ``a/b/yyyy`` date when both are valid and differ (day-first one first)."""
    try:
        a, b, y = (int(p) for p in norm.split("/"))
        if a == b:
            return []
        return [date(y, b, a), date(y, a, b)]
    except ValueError:
        return []


def read_day(norm: str) -> int | None:
    m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", norm)
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 31 else None


def read_year(norm: str) -> int | None:
    return int(norm) if re.fullmatch(r"(19|20)\d\d", norm) else None


def month_of(norm: str) -> int | None:
    return MONTHS.get(norm)
