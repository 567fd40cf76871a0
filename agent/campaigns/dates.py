"""Dates in copy: every date, month and weekday must be one of the sheet's dates (the deadline).

Dates are read in the common written forms (``31 March``, ``the 31st of March 2025``, ``March the
31st``, ``2025-03-31``, ``31/03``); spelled-out ordinals reach this check already rewritten as
digits by :func:`agent.campaigns.numwords.spell_out`. Month and weekday words count when
capitalised, as names are (``may`` and ``march`` are verbs too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from memberinsight.agent.campaigns.figures import blank

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
_DAY_RANGE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?=\s+(?:and|to)\s+(?:[A-Za-z]+day\s+)?\d{{1,2}}(?:st|nd|rd|th)?"
                        rf"\s+{_MONTH_RE}\b)", re.I)
"""The first day of a range that names its month once ("Saturday 12 and Sunday 13 December")."""
_DAY_ONLY = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:order|purchase|visit|time|anniversary|birthday"
                       r"|year|edition|item)\b)", re.I)
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
    for m in _DAY_RANGE.finditer(text):  # "Saturday 12 and Sunday 13 December": the 12th of that month
        later = re.match(rf"\s+(?:and|to)\s+(?:[A-Za-z]+day\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}",
                         text[m.end():], re.I)
        month = month_no(later.group(1)) if later else None
        if not _date_ok(int(m.group(1)), month, None, allowed):
            problems.append(f"date not in the facts: {quote(m.start(), m.end())}")
        text = blank(text, m.start(), m.end())
    for index, pattern in enumerate(_DATE_PATTERNS):
        for m in pattern.finditer(text):
            if not _ok(index, m.groups(), allowed):
                end = m.end() - m.group().endswith(".")
                problems.append(f"date not in the facts: {quote(m.start(), end)}")
            text = blank(text, m.start(), m.end() - m.group().endswith("."))  # a full stop ends a clause
    for m in _DAY_ONLY.finditer(text):  # "ends on the 21st": the deadline's day of the month
        if not _date_ok(int(m.group(1)), None, None, allowed):
            problems.append(f"date not in the facts: {quote(m.start(), m.end())}")
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



@dataclass(frozen=True)
class Timing:
    """When an offer runs, for deadlines in words: sent ``as_of``, ends ``deadline``; ``window`` is how
    many days it really runs when shorter than the time to the deadline (a weekend offer sent on a
    Tuesday: 2), else ``None``."""

    as_of: date
    deadline: date
    window: float | None = None

    @property
    def left(self) -> int:
        return (self.deadline - self.as_of).days

    def runs_at_least(self, days: int) -> bool:
        return self.left >= days and (self.window is None or self.window >= days)


def _weekend(t: Timing) -> bool:
    return t.deadline.weekday() >= 5 and t.left <= 6


def _same_week(t: Timing) -> bool:
    return t.deadline.isocalendar()[:2] == t.as_of.isocalendar()[:2] or t.left <= 7


def _next_week(t: Timing) -> bool:
    return 7 <= (t.deadline - (t.as_of - timedelta(days=t.as_of.weekday()))).days < 14


def _month_end(t: Timing) -> bool:
    same = (t.deadline.month, t.deadline.year) == (t.as_of.month, t.as_of.year)
    return same and (t.deadline + timedelta(days=4)).month != t.deadline.month and t.window is None


_MIDNIGHT = r"(?![^.!?\n]{0,8}(?:\bon\b|\d|\b(?:mon|tue|wed|thu|fri|sat|sun)))"
_NAMED_DAYS = (
    ("Christmas Eve", r"christmas\s+eve", lambda t: t.deadline == date(t.as_of.year, 12, 24)),
    ("Christmas Day", r"(?:christmas|xmas)\s+day", lambda t: t.deadline == date(t.as_of.year, 12, 25)),
    ("Boxing Day", r"boxing\s+day", lambda t: t.deadline == date(t.as_of.year, 12, 26)),
    ("New Year's Eve", r"new\s+year'?s\s+eve", lambda t: t.deadline == date(t.as_of.year, 12, 31)),
    ("New Year's Day", r"new\s+year'?s\s+day", lambda t: t.deadline == date(t.as_of.year + (t.as_of.month > 1), 1, 1)),
)
"""Deadlines named by a day of the season: "right up to Christmas Eve" states the 24th."""


RELATIVE_DEADLINES: tuple[tuple[str, re.Pattern[str], Callable[[Timing], bool]], ...] = (
    ("ends today", re.compile(r"\b(?:today|tonight)\s+only\b|\bends\s+(?:today|tonight)\b|\blast\s+day\b|\bfinal"
                              rf"\s+(?:day|hours)\b|\b(?:until|till|by|at)\s+midnight\b{_MIDNIGHT}|\bmidnight\s+tonight\b"
                              r"|\bhours\s+(?:left|to\s+go)\b", re.I), lambda t: t.left == 0),
    ("ends tomorrow", re.compile(r"\b(?:ends|until|till|by|closes)\s+tomorrow\b|\btomorrow\s+only\b", re.I),
     lambda t: t.left == 1),
    ("ends this weekend", re.compile(r"\bthis\s+weekend\b|\bweekend\s+only\b|\ball\s+weekend\b"
                                       r"|\b(?:until|till|over|ends)\s+(?:at\s+)?the\s+weekend\b", re.I),
     _weekend),
    ("runs all week", re.compile(r"\ball\s+week(?:\s+long)?\b|\bweek[\s-]long\b|\bevery\s+day\s+this\s+week\b"
                                 r"|\b(?:for\s+)?(?:a|one|the)\s+whole\s+week\b", re.I), lambda t: t.runs_at_least(6)),
    ("ends this week", re.compile(r"\bthis\s+week(?:\s+only)?\b", re.I), _same_week),
    ("ends next week", re.compile(r"\b(?:ends|until|till|closes)\s+next\s+week\b", re.I), _next_week),
    ("runs all month", re.compile(r"\ball\s+month(?:\s+long)?\b|\bmonth[\s-]long\b|\b(?:until|till|to)\s+the\s+end\s+"
                                  r"of\s+(?:the\s+)?month\b|\bend\s+of\s+the\s+month\b", re.I), _month_end),
    ("ends this month", re.compile(r"\bthis\s+month\b", re.I),
     lambda t: (t.deadline.month, t.deadline.year) == (t.as_of.month, t.as_of.year)),
    ("ends very soon", re.compile(r"\b(?:last|final)\s+chance\b|\b(?:ends|ending|closes|closing)\s+soon\b|\b(?:almost"
                                  r"|nearly)\s+over\b|\b(?:a\s+)?(?:few|couple\s+of)\s+days\s+(?:left|to\s+go)\b"
                                  r"|\bonly\s+(?:a\s+)?few\s+days\b", re.I), lambda t: t.left <= 3),
    ("has no end", re.compile(r"\ball\s+(?:year|season|winter|summer)(?:\s+long)?\b|\bforever\b|\bno\s+end\s+date\b"
                              r"|\bpermanent(?:ly)?\b|\bnever\s+ends\b|\bongoing\b|\bno\s+expiry\b|\bany\s*time\b",
                              re.I), lambda t: False),
    *(("ends on " + name, re.compile(rf"\b(?:ends|ending|closes|closing|until|till|up\s+to|through|runs\s+to|to)\s+"
                                     rf"(?:on\s+)?(?:the\s+)?{words}\b", re.I), fits)
      for name, words, fits in _NAMED_DAYS),
    ("ends before Christmas", re.compile(r"\b(?:ends|until|till|up\s+to|closes)\s+(?:before\s+)?(?:christmas|xmas)"
                                         r"(?:\s+day)?\b|\b(?:all\s+the\s+way\s+)?(?:to|through)\s+christmas\b", re.I),
     lambda t: t.deadline <= date(t.as_of.year, 12, 25)),
    ("runs past Christmas", re.compile(r"\b(?:after|past|beyond|through|over)\s+(?:christmas|xmas)\b|\binto\s+the\s+"
                                       r"new\s+year\b|\b(?:until|till)\s+(?:the\s+)?new\s+year\b", re.I),
     lambda t: t.deadline > date(t.as_of.year, 12, 25)),
)
"""Deadlines in words, each with the test the sheet's timing must pass."""
URGENT = frozenset({"ends today", "ends tomorrow", "ends very soon"})


def check_relative_deadlines(text: str, timing: Timing | None, offer: str, problems: list[str],
                             checked: list[str]) -> None:
    """Deadlines in words (*this weekend*, *all month*, *last chance*, *tomorrow*) must fit the sheet's
    timing: double points "this weekend" with a deadline two weeks away is invented, and so is "all
    week" for an offer that runs only at the weekend. Words the operator's ``offer`` uses are its own;
    without dates only urgency (*today only*, *last chance*) is refused."""
    checked.append("deadlines in words (this weekend, all month, last chance) against the dates")
    for what, pattern, fits in RELATIVE_DEADLINES:
        m = next((m for m in pattern.finditer(text) if m.group().lower() not in offer.lower()), None)
        if m is None:
            continue
        if timing is None:
            if what in URGENT:
                problems.append(f"deadline not in the facts: {m.group()!r} (the offer has no end date)")
            continue
        if not fits(timing):
            d = timing.deadline
            problems.append(f"deadline not in the facts: {m.group()!r} ({what}, but the offer "
                            + (f"runs {timing.window:g} days and " if timing.window is not None else "")
                            + f"ends {d.strftime('%A')} {d.day} {d.strftime('%B')})")
