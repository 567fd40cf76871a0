"""A look-back period in an operator's words, in days: "this week" -> 7, "past 30 days" -> 30, "today" -> 1.

Tools that take ``days`` (items from the last N days of the data) read it here; forecasts read periods
ahead as weeks (:mod:`agent.numbers`). Only periods that look back are read ("next week" is not one).
"""

from __future__ import annotations

import re

from memberinsight.agent.numbers import WORD_NUMBERS, number_value

_NUM = r"(\d{1,4}|" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + r")"
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14, "fortnights": 14,
              "month": 30, "months": 30, "mth": 30, "mths": 30, "quarter": 91, "quarters": 91, "year": 365,
              "years": 365, "yr": 365, "yrs": 365}
_UNIT = "(" + "|".join(sorted(_UNIT_DAYS, key=len, reverse=True)) + ")"
_AGO = re.compile(rf"\b(?:last|past|previous|recent|latest|within(?: the)?(?: last| past)?|in the(?: last| past)?|"
                  rf"over the(?: last| past)?|since)\s+{_NUM}\s+{_UNIT}\b")
_COUNT = re.compile(rf"\b{_NUM}[\s-]+{_UNIT}\b(?!\s+(?:ahead|from now|time|out|old))")
_HOURS = re.compile(rf"\b(?:last|past|previous|within(?: the)?(?: last| past)?)\s+{_NUM}\s+(?:hours?|hrs?)\b")
_WORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\b(?:today|tonight|this morning|this afternoon|last 24 hours|past 24 hours|past day|last day)\b"),
     1),
    (re.compile(r"\byesterday\b"), 2),
    (re.compile(r"\b(?:this|last|past|previous|the past|the last|recent) (?:week|7 days|seven days)\b|\bthis wk\b"), 7),
    (re.compile(r"\b(?:this|last|past|previous|the past|the last) fortnight\b"), 14),
    (re.compile(r"\b(?:this|last|past|previous|the past|the last) month\b"), 30),
    (re.compile(r"\b(?:this|last|past|previous|the past|the last) quarter\b"), 91),
    (re.compile(r"\b(?:this|last|past|previous|the past|the last) year\b"), 365),
)


def lookback_days(text: str) -> int | None:
    """The period ``text`` (normalised, lower case) looks back over, in days, or None when it names none."""
    if re.search(r"\b(?:next|coming|ahead|upcoming)\s+(?:\w+\s+)?(?:days?|weeks?|months?|quarters?|years?)\b", text):
        return None
    m = _AGO.search(text) or _COUNT.search(text)
    if m:
        value = number_value(m.group(1)) * _UNIT_DAYS[m.group(2)]
        return max(1, round(value))
    m = _HOURS.search(text)
    if m:
        return max(1, round(number_value(m.group(1)) / 24 + 0.49))
    for rx, days in _WORDS:
        if rx.search(text):
            return days
    return None
