"""Dates in copy: every date, month and weekday must be one of the sheet's dates (the deadline).

Dates are read in the common written forms (``31 March``, ``the 31st of March 2025``, ``March the
31st``, ``2025-03-31``, ``31/03``); spelled-out ordinals reach this check already rewritten as
digits by :func:`agent.campaigns.numwords.spell_out`. Month and weekday words count when
capitalised, as names are (``may`` and ``march`` are verbs too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from agent.campaigns.figures import blank

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_RE = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
             r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE_PATTERNS = (
    re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH_RE}\b\.?(?:,?\s+(\d{{4}}))?", re.I),
    re.compile(rf"\b{_MONTH_RE}\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I),
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(r"(?<![\d.,])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b"),
)
_MONTH_WORD = re.compile(r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
                         r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JANUARY|FEBRUARY|MARCH"
                         r"|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)\b")
_WEEKDAY_WORDS = (re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I),
                  re.compile(r"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b"))


def _date_ok(day: int, month: int | None, year: int | None, allowed: list[date]) -> bool:
    return any(d.day == day and (month is None or d.month == month) and (year is None or d.year == year)
               for d in allowed)


def month_no(word: str) -> int:
    """1-12 for a month name or abbreviation."""
    w = word.lower()[:3]
    return next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(w))


def _ok(index: int, g: tuple[str | None, ...], allowed: list[date]) -> bool:
    if index == 0:
        return _date_ok(int(g[0] or 0), month_no(g[1] or ""), int(g[2]) if g[2] else None, allowed)
    if index == 1:
        return _date_ok(int(g[1] or 0), month_no(g[0] or ""), int(g[2]) if g[2] else None, allowed)
    if index == 2:
        return _date_ok(int(g[2] or 0), int(g[1] or 0), int(g[0] or 0), allowed)
    year = int(g[2]) if g[2] else None
    year = year + 2000 if year is not None and year < 100 else year
    return _date_ok(int(g[0] or 0), int(g[1] or 0), year, allowed)


def check_dates(text: str, allowed: list[date], problems: list[str],
                shown: Callable[[int, int], str] | None = None) -> str:
    """Check dates in ``text`` against ``allowed``; return ``text`` with the dates blanked.

    ``shown(start, end)`` (optional) turns a span into the text a problem quotes.
    """
    original = text
    quote = shown or (lambda a, b: original[a:b].strip())
    for index, pattern in enumerate(_DATE_PATTERNS):
        for m in pattern.finditer(text):
            if not _ok(index, m.groups(), allowed):
                end = m.end() - m.group().endswith(".")
                problems.append(f"date not in the facts: {quote(m.start(), end)}")
            text = blank(text, m.start(), m.end())
    return text


def check_month_and_weekday_words(text: str, allowed: list[date], problems: list[str]) -> None:
    """Capitalised month names and weekday names must be those of an allowed date."""
    months = {d.month for d in allowed}
    for m in _MONTH_WORD.finditer(text):
        if month_no(m.group()) not in months:
            problems.append(f"month not in the facts: {m.group()}")
    weekdays = {d.weekday() for d in allowed}
    for pattern in _WEEKDAY_WORDS:
        for m in pattern.finditer(text):
            day_no = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(m.group(1).lower()[:3]))
            if day_no not in weekdays:
                problems.append(f"weekday not in the facts: {m.group()}")
