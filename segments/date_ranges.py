"""Day ranges written the many ways people write them, rewritten to one form the tagger reads.

"between 20 July and 6 September", "26 Dec 2025 - 31 Jan 2026", "from 20 to 26 dec 2025", "dec 20 thru 26",
"July 20 to September 6", "Sat 29 - Mon 31 Aug": each becomes "from <day> <Month> <year> to <day> <Month>
<year>". A side without a year takes the other side's; with no year at all the range is the latest one that
has begun by the data's last date (as a month without a year is), and the read-back says so. Anything that is
not a real calendar day is left as written, so the parser reports it rather than guessing.
"""

from __future__ import annotations

import re
from datetime import date

from memberinsight.segments.periods import HOLIDAY_PHRASES, VAGUE_PERIODS
from memberinsight.segments.tokens import month_of

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"  # never the start of a longer word ("aug|ust")
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\.?,?\s+)?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_JOIN = r"\s*(?:-|–|—|to|thru|through|until|till|and)\s*"
_THIS_YEAR = r"(?:\s+(this|last)\s+year\b)?"
_LEAD = r"(?:\b(?:between|from)\s+)?"

_DAY_FIRST = re.compile(  # "20 July to 6 September 2026", "Sat 29 - Mon 31 Aug" (a month on each side or the end)
    rf"{_LEAD}\b{_WEEKDAY}{_DAY}(?:\s+({_MONTH}){_YEAR})?{_JOIN}{_WEEKDAY}{_DAY}\s+({_MONTH}){_YEAR}\b{_THIS_YEAR}", re.I)
_MONTH_FIRST = re.compile(  # "dec 20 thru 26", "July 20 to September 6, 2026"
    rf"{_LEAD}\b({_MONTH})\s+{_DAY}{_YEAR}{_JOIN}(?:({_MONTH})\s+)?{_DAY}(?!\s*(?:\+|%|days?|weeks?|months?|"
    rf"years?|orders?|times|items|products|reviews?|returns?|£|k\b))(?:,?\s+(\d{{4}}))?\b{_THIS_YEAR}", re.I)
# A year said just before the range names its year: "Prime Day 2025 (8-11 Jul)", "Black Friday week 2024 - 25th Nov
# to 1st Dec"
_YEAR_BEFORE = re.compile(r"\b(\d{4})\s*(?:weekend|week|shoppers|buyers|customers|sales?)?\s*[(,:\-–—]\s*(?:(?:like|say|i\.?e\.?|e\.?g\.?|so|roughly|"
                          r"that\s+is|namely)\s*,?\s*)?$", re.I)


_NAMED = "|".join(sorted((re.escape(p).replace("'", "['’]?").replace(r"\ ", r"[\s-]+")
                          for p in (*HOLIDAY_PHRASES, *VAGUE_PERIODS)), key=len, reverse=True))
_VAGUE = "|".join(sorted((re.escape(p).replace(r"\ ", r"[\s-]+") for p in VAGUE_PERIODS), key=len, reverse=True))
_PERIOD_LEAD = (rf"(?:(?:over|during|in|on|at|around|across|throughout|for)\s+)?(?:the\s+)?(?:(?:last|this|previous)\s+)?"
                rf"(?:{_MONTH}\s+)?")
_RANGE = (r"from \d{1,2} [A-Z][a-z]+ \d{4} to \d{1,2} [A-Z][a-z]+ \d{4}|"
          rf"between {_MONTH} (?:\d{{4}} )?and {_MONTH} \d{{4}}")
_NAMED_THEN_RANGE = re.compile(  # "over Christmas 2025, like dec 20 thru 26", "the January sale (26 Dec 2025 to ...)"
    rf"\b({_PERIOD_LEAD}(?:{_NAMED})(?:(?:\s+[a-z]+)?\s+(?:weekend|sales?|push|promo|promotion|campaign|period|week|rush))?"
    rf"(?:\s+(?:this|last)\s+year|\s+\d{{4}})?)(\s+(?:buyers|shoppers|customers|purchasers|sign[- ]?ups|joiners))?"
    rf"\s*(?:\(|,|:|-|–|—)\s*(?:(?:like|say|i\.?e\.?|e\.?g\.?|so|roughly|approx\w*|that\s+is|which\s+(?:is|was)|aka|"
    rf"namely|ran|runs|running)\s+)?({_RANGE})\s*\)?", re.I)

_VAGUE_NAME = re.compile(rf"^\s*{_PERIOD_LEAD}(?:{_VAGUE})\b(?:\s+(?:shoppers|buyers|customers|promo|push|campaign))?"
                         r"\s*(?::|\s[-–—]\s)", re.I)  # a label: "Back-to-school: ...", "summer sale - ..."


_LIST_JOIN = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)"
_MONTH_LIST = re.compile(  # "April and May this year", "both October and November": months without a year
    rf"(?<!between )(?<!from )\b({_MONTH}(?:{_LIST_JOIN}{_MONTH})+)(?!\s*(?:\d|'\d))(?:\s+(this|last)\s+year\b)?", re.I)
_MONTH_WORD = re.compile(_MONTH, re.I)
_AGAIN = re.compile(  # "ordered in May 2026 and again after that": another order after that month
    r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{4}))\s*,?\s+(?:and\s+)?(?:then\s+)?again\s+"
    r"(?:after\s+that|afterwards|since(?:\s+then)?|later(?:\s+on)?)\b", re.I)


def _month(word: str | None) -> int | None:
    """The month a matched month word names (its first three letters: "Sept." and "September" are 9)."""
    return None if word is None else month_of(word.lower().rstrip(".")[:3])


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _span(d1: int, m1: int, y1: int | None, d2: int, m2: int, y2: int | None,
          ref: date | None) -> tuple[date, date, bool] | None:
    """The two days, or None when one is not a calendar day or the end comes first; ``assumed`` when no year
    was written."""
    assumed = y1 is None and y2 is None
    if y1 is None and y2 is None:
        if ref is None:
            return None
        y1 = ref.year if (m1, d1) <= (ref.month, ref.day) else ref.year - 1
    if y1 is None:
        assert y2 is not None
        y1 = y2 if (m1, d1) <= (m2, d2) else y2 - 1
    if y2 is None:
        y2 = y1 if (m2, d2) >= (m1, d1) else y1 + 1
    start, end = _real(y1, m1, d1), _real(y2, m2, d2)
    if start is None or end is None or end < start or (end - start).days > 400:
        return None
    return start, end, assumed


def _words(start: date, end: date) -> str:
    return f"from {start.day} {start:%B} {start.year} to {end.day} {end:%B} {end.year}"


def _year_said_before(text: str, ref: date | None) -> int | None:
    """A year said just before a range ("Prime Day 2025 (8-11 Jul)"), when it is a plausible year of data and not an
    amount ("spend over 2000, 20 - 26 Dec")."""
    m = _YEAR_BEFORE.search(text)
    if m is None or re.search(r"(?:[£$€]|\b(?:over|under|above|below|than|spent|spend|least|most))\s*$",
                                text[:m.start(1)], re.I):
        return None
    year = int(m.group(1))
    return year if ref is None or ref.year - 15 <= year <= ref.year + 1 else None


def day_ranges(text: str, ref: date | None) -> tuple[str, list[str]]:
    """Day ranges rewritten to "from D Month YYYY to D Month YYYY", month lists without a year given their years,
    "<month> and again after that" as "again from <the next month>", and a named period followed by its dates
    read as those dates; read-back lines for every year not written and every name set aside."""
    said: list[str] = []

    def day_range(m: re.Match[str], d1: str, mon1: str | None, y1: str | None, d2: str, mon2: str | None,
                  y2: str | None, relative: str | None) -> str:
        """One range: a side's missing month is the other side's; the years as written, else said around it."""
        if re.search(r"\band\b", m.group(), re.I) and not m.group().lower().lstrip().startswith("between"):
            return m.group()  # "on 3 and 5 May": two days, not a range
        m1, m2 = _month(mon1), _month(mon2)
        m1, m2 = m1 or m2, m2 or m1
        assert m1 is not None and m2 is not None
        first, last = (int(y1) if y1 else None), (int(y2) if y2 else None)
        if first is None and last is None:
            last = ref.year - (relative.lower() == "last") if relative and ref is not None else \
                _year_said_before(m.string[max(0, m.start() - 60):m.start()], ref)
        span = _span(int(d1), m1, first, int(d2), m2, last, ref)
        if span is None:
            return m.group()
        start, end, assumed = span
        if assumed:
            said.append(f"'{m.group().strip()}' read as {start:%d %b %Y} to {end:%d %b %Y} (the latest up to the "
                        "data's last date)")
        return _words(start, end)

    def day_first(m: re.Match[str]) -> str:
        d1, mon1, y1, d2, mon2, y2, relative = m.groups()
        return day_range(m, d1, mon1, y1, d2, mon2, y2, relative)

    def month_first(m: re.Match[str]) -> str:
        mon1, d1, y1, mon2, d2, y2, relative = m.groups()
        return day_range(m, d1, mon1, y1, d2, mon2, y2, relative)

    def month_list(m: re.Match[str]) -> str:
        if ref is None or re.match(rf"{_LIST_JOIN}{_MONTH}", m.string[m.end():], re.I):
            return m.group()  # the list goes on past what matched ("January, February and March 2025")
        relative = m.group(2)
        words = list(_MONTH_WORD.finditer(m.group(1)))
        months = [_month(w.group()) or 0 for w in words]
        if len(set(months)) < len(words):
            return m.group()  # "may or may not": not a list of months
        years = [ref.year - (relative.lower() == "last") if relative else (ref.year if month <= ref.month
                                                                           else ref.year - 1) for month in months]
        if len(set(years)) > 1:
            return m.group()  # "August and October": latest ones ten months apart; left to be asked about
        out = m.group(1)
        for w, year in zip(reversed(words), reversed(years), strict=True):
            out = out[:w.end()] + f" {year}" + out[w.end():]
        if not relative:
            said.append(f"'{m.group().strip()}' read as {years[0]} (the latest up to the data's last date)")
        return out

    def again(m: re.Match[str]) -> str:
        month, year = _month(m.group(1).split()[0]), int(m.group(2))
        assert month is not None
        try:
            after = date(year + (month == 12), month % 12 + 1, 1)
        except ValueError:
            return m.group()
        said.append(f"'{m.group().strip()}' read as again from {after:%d %b %Y} on")
        return f"{m.group(1)} and again from {after.day} {after:%B} {after.year}"  # the same measure, later

    def dates_given(m: re.Match[str]) -> str:
        said.append(f"'{m.group(1)}' read as the dates given")
        return m.group(3) + (m.group(2) or "")  # "winter buyers (dates)" -> "<dates> buyers"

    text = _MONTH_LIST.sub(month_list, text)
    text = _AGAIN.sub(again, text)
    text = _DAY_FIRST.sub(day_first, text)
    text = _MONTH_FIRST.sub(month_first, text)
    text = _NAMED_THEN_RANGE.sub(dates_given, text)
    label = _VAGUE_NAME.match(text)
    if label is not None and len(re.findall(_RANGE, text, re.I)) == 1:  # "Back-to-school: ... 20 July to ..."
        said.append(f"'{label.group().strip(' :,-')}' read as the dates given")
        text = text[label.end():]
    return text, said
