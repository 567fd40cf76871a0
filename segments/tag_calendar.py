"""Tagging pass for calendar expressions, run before the other date passes (:mod:`segments.tagger`).

Turns into ``DATE`` items (value ``(first day, last day)``): "this year" / "last yr" / "this quarter" /
"last month" / "this week", "Q4 2025" / "2025 Q3" / "Q1" (the latest one begun), named holidays with or
without a year ("since Black Friday", "on Cyber Monday 2024", "Boxing Day last year", "between
Thanksgiving and New Year's Eve last year", "Black Friday to Cyber Monday 2024"). "Between 60 and 120
days ago" becomes an ``AGO`` item with a range of days. What cannot be dated ("Q5", "spring", a future
Prime Day) becomes a ``BADDATE`` item, which is reported, never dropped.

A guess (a holiday without a year, Mother's Day UK or US) carries a ``question`` in its extra: the
parser asks, with the other readings as options.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from memberinsight.segments import lexicon as lx
from memberinsight.segments.periods import (
    HOLIDAY_PHRASES,
    HOLIDAYS,
    VAGUE_PERIODS,
    describe_span,
    holiday_span,
    latest_holiday,
    latest_quarter,
    quarter_span,
    relative_period,
)
from memberinsight.segments.tokens import phrase_tokens, read_number, read_year

PERIOD_UNITS = {"year": "year", "yr": "year", "quarter": "quarter", "qtr": "quarter", "month": "month",
                "mth": "month", "mnth": "month", "mo": "month", "week": "week", "wk": "week"}
TO_DATE = {"ytd": "year", "qtd": "quarter", "mtd": "month", "wtd": "week"}
"""Abbreviations of a calendar unit so far ("QTD": this quarter up to the data's last date)."""
# Before "last <unit>" these make it a trailing window ("in the last year" = 365 days), not a calendar period.
WINDOW_LEAD = ("the", "in", "within", "over", "for", "across", "throughout", "inside", "past")
RANGE_JOINERS = ("to", "and", "through", "thru", "until", "till")
SHOPPER_WORDS = ("shoppers", "shopper", "buyers", "buyer", "customers", "purchasers", "orders", "sales", "signups",
                 "sign-ups", "joiners", "spend", "spenders")
_HOLIDAY_KEYS = {phrase_tokens(p): keys for p, keys in HOLIDAY_PHRASES.items()}
_VAGUE_KEYS = {phrase_tokens(p) for p in VAGUE_PERIODS}
_LONGEST = max(len(k) for k in (*_HOLIDAY_KEYS, *_VAGUE_KEYS))
_QUARTER = re.compile(r"q([0-9])")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_PHRASE_OF = {"mothers_day_uk": "mothering sunday", "mothers_day_us": "us mother's day"}


def tag_calendar(t: Any) -> None:
    """Run the calendar pass on a ``_Tagging`` (see the module docstring)."""
    ref: date | None = t.vocab.ref_date
    _ago_ranges(t)
    if ref is None:
        return
    _quarters(t, ref)
    _halves(t, ref)
    _holidays(t, ref)
    _periods(t, ref)


def _ago_ranges(t: Any) -> None:
    n = len(t.tokens)
    for i in range(n):
        if not t.free(i, i + 1):
            continue
        lo = hi = None
        k = i
        if t.norm(i) in ("between", "from") and t.norm(i + 2) in ("and", "to", "&"):
            lo, hi = read_number(t.norm(i + 1)), read_number(t.norm(i + 3))
            k = i + 4
        elif t.tokens[i].kind == "range":
            parts = t.norm(i).split("-", 1)
            lo, hi = read_number(parts[0]), read_number(parts[1])
            k = i + 1
        if lo is None or hi is None or t.norm(k) not in lx.TIME_UNITS or t.norm(k + 1) != "ago":
            continue
        if t.free(i, k + 2):
            unit = lx.TIME_UNITS[t.norm(k)]
            days = sorted((int(round(lo.value * unit)), int(round(hi.value * unit))))
            t.take("AGO", i, k + 2, value=days[0], extra={"range": tuple(days)})


def _year_after(t: Any, j: int, ref: date) -> tuple[int | None, int]:
    """A year written after position ``j`` ("2024", "of 2024", "last year", "from last year"): (year, tokens)."""
    k = j + (t.norm(j) in ("of", "from", "in"))
    if (year := read_year(t.norm(k))) and t.free(k, k + 1):
        return year, k + 1 - j
    if t.norm(k) in ("last", "this", "previous") and t.norm(k + 1) in ("year", "yr") and t.free(k, k + 2):
        return ref.year - (t.norm(k) != "this"), k + 2 - j
    return None, 0


def _lead(t: Any, i: int) -> int:
    """Absorb "over the" / "during the" / "the" before a dated phrase ("spent 100 over the Easter weekend")."""
    if t.norm(i - 1) == "the" and t.free(i - 1, i):
        i -= 1
    if t.norm(i - 1) in ("over", "across", "throughout") and t.free(i - 1, i):
        i -= 1  # "over Black Friday weekend 2025"
    return i


def _unit_name(unit: str, start: date, end: date) -> str:
    """How a calendar unit is named, in words the tagger reads back: "Q3 2026", "September 2026", "2026"."""
    if unit == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if unit == "month":
        return f"{start:%B %Y}"
    return str(start.year)


def _periods(t: Any, ref: date) -> None:
    for i in range(len(t.tokens)):
        word, unit = t.norm(i), PERIOD_UNITS.get(t.norm(i + 1))
        if unit is None or not t.free(i, i + 2):
            continue
        if word in ("this", "current"):
            offset = 0
        elif word in ("last", "previous") and t.norm(i - 1) not in WINDOW_LEAD:
            offset = -1
        else:
            continue
        start, end = relative_period(unit, offset, ref)
        first = i - 2 if t.norm(i - 2) == "so" and t.norm(i - 1) == "far" and t.free(i - 2, i) else i
        label = f"{'this' if offset == 0 else 'last'} {unit} ({describe_span(start, end)})"
        extra: dict[str, Any] = {"precision": unit, "label": label}
        current = relative_period(unit, 0, ref)
        this_too = any(t.norm(k) in ("this", "current") and t.norm(k + 1) == t.norm(i + 1) for k in range(len(t.tokens)))
        if offset == -1 and unit in ("quarter", "year") and current[1] == ref and not this_too:
            # the data ends on the last day of this quarter (year): "last quarter" may be the one that just ended
            # with the data or the one before it; writers split on it (for "last month" every one of 19 meant the
            # calendar month before, so that is not asked), and "this quarter" beside it settles it
            extra["question"] = {
                "text": f"'{t.sentence[t.tokens[first].start:t.tokens[i + 1].end]}': the data ends on {ref:%d %b %Y}, "
                        f"the last day of {_unit_name(unit, *current)}. Do you mean {_unit_name(unit, start, end)} "
                        f"or {_unit_name(unit, *current)}?", "kind": "date",
                "span": (t.tokens[first].start, t.tokens[i + 1].end),
                "options": [(_unit_name(unit, start, end), None),
                            (_unit_name(unit, *current), _unit_name(unit, *current))]}
        t.take("DATE", first, i + 2, value=(start, end), extra=extra)
    for i in range(len(t.tokens)):
        # "YTD", "QTD", "MTD", "WTD", "year to date", "quarter-to-date": the calendar unit so far
        unit, size = TO_DATE.get(t.norm(i)), 1
        if unit is None and t.norm(i + 1) == "to" and t.norm(i + 2) == "date":
            unit, size = PERIOD_UNITS.get(t.norm(i)), 3
        if unit is not None and t.free(i, i + size):
            start, end = relative_period(unit, 0, ref)
            t.take("DATE", i, i + size, value=(start, end), extra={"precision": unit, "label": f"this {unit} so far"})


HALVES = {"h1": 1, "h2": 2}


def _halves(t: Any, ref: date) -> None:
    """"H1 2026", "the first half of 2025", "second half of last year": six months."""
    for i in range(len(t.tokens)):
        half, width = HALVES.get(t.norm(i)), 1
        if half is None and t.norm(i) in ("first", "second") and t.norm(i + 1) == "half":
            half, width = (1 if t.norm(i) == "first" else 2), 2
        if half is None or not t.free(i, i + width):
            continue
        before = read_year(t.norm(i - 1)) if t.free(i - 1, i) else None
        year, size = _year_after(t, i + width, ref)
        year = year or before
        extra: dict[str, Any] = {"precision": "half"}
        if year is None:  # "3+ orders in H1": the latest first half that has begun by the data's last date, said
            year = ref.year if date(ref.year, 1 if half == 1 else 7, 1) <= ref else ref.year - 1
            extra["assumed_year"] = year
        first = i - 1 if before and not size else i
        start = date(year, 1 if half == 1 else 7, 1)
        end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
        extra["label"] = f"H{half} {year} ({describe_span(start, end)})"
        t.take("DATE", first, i + width + size, value=(start, end), extra=extra)


def _quarters(t: Any, ref: date) -> None:
    for i in range(len(t.tokens)):
        m = _QUARTER.fullmatch(t.norm(i))
        width = 1
        if m is None and t.norm(i) in ORDINALS and t.norm(i + 1) in ("quarter", "qtr"):
            q, width = ORDINALS[t.norm(i)], 2  # "the first quarter of 2025"
        elif m is None or not t.free(i, i + 1):
            continue
        else:
            q = int(m.group(1))
        if not t.free(i, i + width):
            continue
        before = read_year(t.norm(i - 1)) if t.free(i - 1, i) else None
        year, size = _year_after(t, i + width, ref)
        first, last = (i - 1 if before else i), i + width + size
        year = year or before
        if not 1 <= q <= 4:
            t.take("BADDATE", first, last, extra={"why": f"there is no Q{q}: quarters are Q1 to Q4"})
            continue
        extra: dict[str, Any] = {"precision": "quarter"}
        if year is None:
            year, span = latest_quarter(q, ref)
            extra["assumed_year"] = year
            if year < ref.year:  # "Outdoor spend in Q4" in September: this year's Q4 has not begun; last year's?
                other = year - 1
                extra["question"] = {
                    "text": f"'{t.sentence[t.tokens[first].start:t.tokens[last - 1].end]}' has no year; Q{q} "
                            f"{ref.year} has not started by the data's last date, so I used Q{q} {year}. Which "
                            "one do you mean?", "kind": "date",
                    "span": (t.tokens[first].start, t.tokens[last - 1].end),
                    "options": [(f"Q{q} {year}", None), (f"Q{q} {other}", f"Q{q} {other}")]}
        else:
            span = quarter_span(year, q)
        extra["label"] = f"Q{q} {year} ({describe_span(*span)})"
        t.take("DATE", first, last, value=span, extra=extra)


def _match_holiday(t: Any, i: int) -> tuple[int, tuple[str, ...] | None]:
    for size in range(min(_LONGEST, len(t.tokens) - i), 0, -1):
        key = tuple(t.norm(k) for k in range(i, i + size))
        if key in _HOLIDAY_KEYS and t.free(i, i + size):
            return size, _HOLIDAY_KEYS[key]
        if key in _VAGUE_KEYS and t.free(i, i + size):
            return size, None
    return 0, None


def _holidays(t: Any, ref: date) -> None:
    found: list[dict[str, Any]] = []
    i = 0
    while i < len(t.tokens):
        size, keys = _match_holiday(t, i) if t.free(i, i + 1) else (0, None)
        if not size:
            i += 1
            continue
        if keys is None:
            t.take("BADDATE", i, i + size, extra={"why": f"'{t.sentence[t.tokens[i].start:t.tokens[i + size - 1].end]}'"
                                                         " has no fixed dates; give months or dates"})
            i += size
            continue
        first, year, last_mod = i, None, False
        if t.norm(i - 1) in ("last", "this", "previous") and t.free(i - 1, i):
            first, last_mod = i - 1, t.norm(i - 1) != "this"
            year = None if last_mod else ref.year
        elif (y := read_year(t.norm(i - 1))) and t.free(i - 1, i):
            first, year = i - 1, y
        weekend = int(t.norm(i + size) == "weekend" and t.free(i + size, i + size + 1))
        size += weekend  # "Memorial Day weekend 2026", "the August bank holiday weekend": the weekend around it
        after, extra_size = _year_after(t, i + size, ref)
        if after is None and t.norm(i + size) in SHOPPER_WORDS:  # "Easter shoppers this year"
            after, later = _year_after(t, i + size + 1, ref)
            if after is not None:
                t.take("FILL", i + size + 1, i + size + 1 + later).used = True
        year = after or year
        years, end, conj = _year_list(t, i + size)
        if len(years) > 1 and not last_mod:  # "Black Friday 2024 and 2025", "both Black Fridays, 2024 and 2025"
            _holiday_years(t, ref, first, end, keys, years, conj)
            i = end
            continue
        found.append({"i": first, "j": i + size + extra_size, "keys": keys, "year": year, "last": last_mod,
                      "weekend": bool(weekend)})
        i += size + extra_size
    _join_ranges(t, found)
    for h in found:
        _take_holiday(t, ref, h)


def _year_list(t: Any, j: int) -> tuple[list[int], int, str]:
    """Years written as a list after a holiday ("2024 and 2025", ", 2024 or 2025", "in 2024, 2025"): the
    years, the index after them and how they are joined."""
    k = j + (t.norm(j) in (",", "in", "of", ":", "for"))
    years: list[int] = []
    conj = "all"
    while (year := read_year(t.norm(k))) and t.free(k, k + 1):
        years.append(year)
        k += 1
        if t.norm(k) in (",", "and", "or", "&") and read_year(t.norm(k + 1)):
            conj = "any" if t.norm(k) == "or" else conj
            k += 1
            continue
        break
    return years, k, conj


def _holiday_years(t: Any, ref: date, i: int, j: int, keys: tuple[str, ...], years: list[int], conj: str) -> None:
    """One holiday in several years: a period list (each year's dates), read like "in Q1 and Q2"."""
    from memberinsight.segments.tagger import Item

    parts = []
    for year in years:
        span = holiday_span(keys[0], year)
        if span is None or span[0] > ref:
            _bad(t, i, j, keys)
            return
        parts.append(Item("DATE", i, j, f"{HOLIDAYS[keys[0]].label} {year}", value=span,
                          extra={"precision": "holiday"}))
    label = f" {'or' if conj == 'any' else 'and'} ".join(p.text for p in parts)
    extra: dict[str, Any] = {"precision": "holiday", "parts": parts, "conj": conj, "list": True, "label": label}
    if len(keys) > 1 or HOLIDAYS[keys[0]].always_ask:
        extra["question"] = {"text": f"'{label}': {HOLIDAYS[keys[0]].label} is a guess for this shop's calendar; "
                                     "is that the window you mean?", "kind": "holiday", "options": [(label, None)]}
    t.take("DATE", i, j, value=(parts[0].value[0], parts[-1].value[1]), extra=extra)


def _join_ranges(t: Any, found: list[dict[str, Any]]) -> None:
    """"Black Friday to Cyber Monday 2024", "between Thanksgiving and New Year's Eve last year": one span."""
    for a, b in zip(found, found[1:], strict=False):
        if b["i"] == a["j"] + 1 and t.norm(a["j"]) in RANGE_JOINERS:
            b["start_of"] = a
            a["joined"] = True
            if a["year"] is None and not a["last"]:
                a["year"] = b["year"]


SPREAD_LEADS = ("over", "during", "across", "throughout", "around")
"""Before a one-day holiday these say a period ("bought over Easter"): the parser asks which days."""
SEASONS = ("spring", "summer", "autumn", "winter")
HOLIDAY_SEASONS = {"easter": "easter_weekend", "good_friday": "easter_weekend", "black_friday": "black_friday_weekend",
                   "cyber_monday": "black_friday_weekend", "thanksgiving": "thanksgiving_weekend"}
"""The longer period a one-day holiday stands for after "over" ("over Easter": the bank-holiday weekend)."""


def _weekend_of(span: tuple[date, date]) -> tuple[date, date]:
    """A one-day holiday's weekend: Saturday to a Monday holiday, a Friday holiday to Sunday, the Saturday and
    Sunday of a weekend day; other days (and spans already longer than a day) stay as they are."""
    day = span[0]
    if span[0] != span[1]:
        return span
    if day.weekday() == 0:
        return day - timedelta(days=2), day
    if day.weekday() == 4:
        return day, day + timedelta(days=2)
    if day.weekday() == 5:
        return day, day + timedelta(days=1)
    if day.weekday() == 6:
        return day - timedelta(days=1), day
    return span


def _take_holiday(t: Any, ref: date, h: dict[str, Any]) -> None:
    if h.get("joined"):
        return
    a = h.get("start_of")
    end_span, end_guess = _resolve(ref, h["keys"], h["year"], None, h["last"])
    if end_span is None:
        _bad(t, h["i"], h["j"], h["keys"])
        return
    if end_span[0] > ref:  # "Christmas this year" when the data ends in September
        t.take("BADDATE", h["i"], h["j"], extra={
            "why": f"{HOLIDAYS[h['keys'][0]].label} {end_span[0].year} ({describe_span(*end_span)}) is after the "
                   f"data's last date ({ref:%d %b %Y})"})
        return
    first, span, guess = h["i"], end_span, end_guess
    if h.get("weekend") and a is None:
        span = _weekend_of(span)
    if a is not None:
        start_span, start_guess = _resolve(ref, a["keys"], a["year"], end_span[0], True)
        if start_span is None:
            _bad(t, a["i"], h["j"], a["keys"])
            return
        first, span, guess = a["i"], (start_span[0], end_span[1]), start_guess or end_guess
        if t.norm(first - 1) in ("between", "from") and t.free(first - 1, first):
            first -= 1
    if guess is None and a is None and h["year"] is None and not h["last"] and not _anchored(t, first):
        guess = _which_year(h["keys"][0], span)
    elif guess is None and a is None and h["keys"][0] in SEASONS and _anchored(t, first):
        # "since the summer": a season is three months, so its start or its end? asked
        guess = {"text": f"'{HOLIDAYS[h['keys'][0]].label}' lasts three months; from its start "
                         f"({span[0]:%d %b %Y}) or its end ({span[1]:%d %b %Y})? Give a date.", "kind": "holiday",
                 "options": [(f"{span[0]:%d %b %Y}", None), (f"{span[1]:%d %b %Y}", None)]}
    lead = _lead(t, first)
    spread = a is None and span[0] == span[1] and (t.norm(lead) in SPREAD_LEADS or t.norm(first - 1) in SPREAD_LEADS)
    if spread and t.norm(first - 1) in SPREAD_LEADS and t.free(first - 1, first):
        lead = min(lead, first - 1)
    first = lead
    names = " to ".join(HOLIDAYS[k["keys"][0]].label for k in ([a] if a else []) + [h])
    if spread:  # "over Easter", "during Christmas": the days around it, or only the day? asked
        key = HOLIDAY_SEASONS.get(h["keys"][0])
        day_label = f"{names} ({describe_span(*span)})"
        if key is not None and (season := holiday_span(key, span[0].year)) is not None and season[1] <= ref:
            span, names = season, HOLIDAYS[key].label
        guess = {"text": f"'{t.sentence[t.tokens[first].start:t.tokens[h['j'] - 1].end]}' can mean the holiday "
                         f"period or the day alone: I read it as {names} ({describe_span(*span)}). Is that the "
                         "window you mean?", "kind": "holiday",
                 "options": [(f"{names} ({describe_span(*span)})", None), (day_label, None)]}
    extra: dict[str, Any] = {"precision": "holiday", "label": f"{names} ({describe_span(*span)})"}
    if guess:
        words = t.sentence[t.tokens[h["i"]].start:t.tokens[h["j"] - 1].end]
        if a is None:  # a single holiday: each option is the same words with its year (or its own name)
            guess["options"] = [(label, f"{words} {alt}" if isinstance(alt, int) else alt)
                                for label, alt in guess["options"]]
            guess["span"] = (t.tokens[h["i"]].start, t.tokens[h["j"] - 1].end)
        else:
            guess["options"] = [(label, None) for label, _ in guess["options"]]
        extra["question"] = guess
    t.take("DATE", first, h["j"], value=span, extra=extra)


# Before a holiday these make it a point in time ("since Black Friday", "before Christmas"): the latest one
# is meant. Elsewhere ("Christmas shoppers", "bought on Black Friday") a holiday without a year is a guess.
ANCHORS = ("since", "before", "after", "until", "till", "by", "from", "between", "to", "than", "through")


def _anchored(t: Any, i: int) -> bool:
    k = i - (t.norm(i - 1) == "the")
    return t.norm(k - 1) in ANCHORS or (t.norm(k - 2), t.norm(k - 1)) in (("prior", "to"), ("up", "to"))


def _which_year(key: str, span: tuple[date, date]) -> dict[str, Any]:
    """The question for a holiday named without a year where it is a period, not a point in time."""
    holiday = HOLIDAYS[key]
    year = span[0].year
    options: list[tuple[str, Any]] = [(f"{holiday.label} {year}: {describe_span(*span)}", year)]
    before = holiday_span(key, year - 1)
    if before is not None:
        options.append((f"{holiday.label} {year - 1}: {describe_span(*before)}", year - 1))
    return {"text": f"'{holiday.label}' has no year; I used the latest one, {describe_span(*span)}. Which one do "
                    "you mean?", "options": options, "kind": "holiday"}


def _bad(t: Any, i: int, j: int, keys: tuple[str, ...]) -> None:
    note = HOLIDAYS[keys[0]].note or "that date is not known"
    t.take("BADDATE", i, j, extra={"why": f"{HOLIDAYS[keys[0]].label}: {note}"})


def _resolve(ref: date, keys: tuple[str, ...], year: int | None, not_after: date | None,
             sure: bool) -> tuple[tuple[date, date] | None, dict[str, Any] | None]:
    """The span of the first key, and a question when it was a guess (no year and not "last ...", or
    several holidays go by the name)."""
    key = keys[0]
    if year is not None:
        span = holiday_span(key, year)
    else:
        span = latest_holiday(key, ref, not_after)
    if span is not None and sure and year is None and span[1] > ref and not_after is None:
        span = holiday_span(key, span[0].year - 1)  # "last fall" while this autumn runs: the one before
    if span is None:
        return None, None
    options: list[tuple[str, Any]] = []
    if len(keys) > 1:
        for k in keys:
            s = holiday_span(k, span[0].year)
            if s is not None:
                options.append((f"{HOLIDAYS[k].label}: {describe_span(*s)}", _PHRASE_OF.get(k)))
        return span, {"text": f"which day do you mean: {' or '.join(HOLIDAYS[k].label for k in keys)}?",
                      "options": options, "kind": "holiday"}
    if key in SEASONS:  # "summer 2025 buyers": writers split on whether a season has dates; its months are a guess
        return span, {"text": f"'{HOLIDAYS[key].label}' has no fixed dates for a shop; I read it as "
                              f"{describe_span(*span)}. Is that the window you mean, or give the months?",
                      "options": [(f"{HOLIDAYS[key].label}: {describe_span(*span)}", None)], "kind": "holiday"}
    if HOLIDAYS[key].always_ask:  # "Prime Day": someone else's event, its dates are a guess for this shop
        return span, {"text": f"{HOLIDAYS[key].label} is not a date of this shop's calendar; I read it as "
                              f"{describe_span(*span)}. Is that the window you mean?",
                      "options": [(f"{HOLIDAYS[key].label}: {describe_span(*span)}", None)], "kind": "holiday"}
    # Without a year: the latest one up to the data's last date (said in the read-back, not asked).
    return span, None
