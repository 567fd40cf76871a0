"""Tagging passes for dates, time windows, numeric ranges and clusters (:mod:`segments.tagger`).

Each pass works on a ``_Tagging`` (``t``): its tokens, what is already taken, and ``take`` to add items.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from memberinsight.segments import lexicon as lx
from memberinsight.segments.tokens import (
    days_for,
    month_of,
    month_span,
    read_compound,
    read_day,
    read_iso_or_slash,
    read_number,
    read_year,
    slash_readings,
)

BARE_MONTH_PREPS = ("in", "during", "since", "before", "after", "until", "till", "between", "from", "through")


def dates(t: Any) -> None:
    n = len(t.tokens)
    for i in range(n):
        if not t.free(i, i + 1):
            continue
        tok = t.tokens[i]
        if tok.kind == "range" and (mon := month_of(t.norm(i + 1))) and _day_range(t, i + 1, mon, days_at=i):
            continue  # "8-11 Jul"
        if tok.kind == "date" and (d := read_iso_or_slash(tok.norm)):
            extra: dict[str, Any] = {"precision": "day"}
            both = slash_readings(tok.norm)
            if both:  # 03/04/2025: 3 April (day first) or 4 March?
                extra["question"] = {
                    "text": f"'{tok.text}' can be read day first ({both[0]:%-d %B %Y}) or month first "
                            f"({both[1]:%-d %B %Y}); I used day first. Which one?", "kind": "date",
                    "span": (tok.start, tok.end),
                    "options": [(f"{x:%-d %B %Y}", f"{x:%-d %B %Y}") for x in both]}
            t.take("DATE", i, i + 1, value=(d, d), extra=extra)
            continue
        # 1 March 2024 / 1st of March 2024 / March 1, 2024 / March 2024
        day, j = read_day(tok.norm), i
        if day is not None:
            j = i + 1 + (t.norm(i + 1) == "of")
            mon = month_of(t.norm(j))
            if mon and (year := read_year(t.norm(j + 1))) and t.free(i, j + 2):
                _date_item(t, i, j + 2, year, mon, day)
            elif mon and _dated_context(t, i) and t.free(i, j + 1):
                _assumed_day(t, i, j + 1, mon, day)  # "since 1 March", "between 1st Feb and ..."
            continue
        mon = month_of(tok.norm)
        bare = mon is not None and _bare_month(t, i)
        if mon is None or (tok.norm == "may" and not read_year(t.norm(i + 1))
                           and read_day(t.norm(i + 1)) is None and not bare):
            continue
        if i + 1 < n and t.tokens[i + 1].kind == "range" and _day_range(t, i, mon):
            continue  # "July 8-11"
        k = i + 1
        day = read_day(t.norm(k))
        if day is not None:
            k += 1 + (t.norm(k + 1) == ",")
        year = read_year(t.norm(k))
        if year and t.free(i, k + 1):
            if day is None:
                start, end = month_span(year, mon)
                t.take("DATE", i, k + 1, value=(start, end), extra={"precision": "month"})
            else:
                _date_item(t, i, k + 1, year, mon, day)
        elif day is not None and _dated_context(t, i) and t.free(i, k):
            _assumed_day(t, i, k, mon, day)  # "since March 1", "between Feb 1 and Valentine's Day"
        elif bare and day is None and t.free(i, i + 1):
            # "in May", "between March and May": the latest such month up to the data's last date
            assert t.vocab.ref_date is not None
            ref = t.vocab.ref_date
            year = ref.year if date(ref.year, mon, 1) <= ref else ref.year - 1
            start, end = month_span(year, mon)
            t.take("DATE", i, i + 1, value=(start, end), extra={"precision": "month", "assumed_year": year})
    _loose_years(t)
    preps = ("before", "after", "since", "in", "during", "until", "from")
    for i in range(n):  # a bare year after a date preposition: "before 2024", "in both 2024 and 2025"
        year = read_year(t.norm(i)) if t.free(i, i + 1) else None
        listed = t.norm(i - 1) in ("and", "or", ",", "&") and any(
            it.kind == "DATE" and it.j == i - 1 and it.extra.get("precision") == "year" for it in t.items)
        if year and (t.norm(i - 1) in preps or listed or (t.norm(i - 1) in ("both", "each", "either")
                                                           and t.norm(i - 2) in preps)):
            t.take("DATE", i, i + 1, value=(date(year, 1, 1), date(year, 12, 31)),
                   extra={"precision": "year"})

YEAR_NEIGHBOURS = ("before", "after", "since", "in", "during", "until", "from", "and", "or", ",", "both", "each",
                   "either", "of", "by", "till", "to", "between")


def _loose_years(t: Any) -> None:
    """"never returned 2025": a year with no preposition and no comparison is a year, not a count of 2,025; it
    is read as that year, with a question."""
    for i, tok in enumerate(t.tokens):
        year = read_year(tok.norm) if tok.kind == "num" and t.free(i, i + 1) else None
        if year is None or not 1990 <= year <= 2035 or t.norm(i - 1) in YEAR_NEIGHBOURS:
            continue
        if t.norm(i - 1) in lx.COMPARATORS_BEFORE or t.norm(i - 2) in ("more", "less", "fewer", "at", "no") \
                or t.norm(i + 1) in (*lx.COUNT_UNITS, *lx.MONEY_WORDS, *lx.TIME_UNITS, "or", "and", "+", "%"):
            continue  # "over 2000", "2000 orders", "2025 or 2026" (taken by the list rules)
        t.take("DATE", i, i + 1, value=(date(year, 1, 1), date(year, 12, 31)), extra={
            "precision": "year", "question": {
                "text": f"'{tok.text}' has no 'in' or 'during'; I read it as the year {year}. Is that right?",
                "kind": "date", "options": [(f"the year {year}", None)]}})


def _day_range(t: Any, i: int, mon: int, days_at: int | None = None) -> bool:
    """"July 8-11", "8-11 Jul" (``days_at``: the range token before the month; a year may follow; else the
    latest such days up to the data's last date)."""
    k = i + 1 if days_at is None else days_at
    lo_s, hi_s = t.norm(k).split("-", 1)
    lo, hi = read_day(lo_s), read_day(hi_s)
    start = min(i, k)
    if lo is None or hi is None or lo > hi or not t.free(start, start + 2):
        return False
    year = read_year(t.norm(start + 2)) if t.free(start + 2, start + 3) else None
    extra: dict[str, Any] = {"precision": "range"}
    if year is None:
        ref = t.vocab.ref_date
        if ref is None:
            return False
        year = ref.year if date(ref.year, mon, lo) <= ref else ref.year - 1
        extra["assumed_year"] = year
    try:
        span = (date(year, mon, lo), date(year, mon, hi))
    except ValueError:
        return False
    t.take("DATE", start, start + 2 + ("assumed_year" not in extra), value=span, extra=extra)
    return True


def _bare_month(t: Any, i: int) -> bool:
    """A month name without a year where a date is expected ("in May", "between March and May"),
    readable only when the vocabulary knows the data's last date."""
    if t.vocab.ref_date is None or read_year(t.norm(i + 1)) or read_day(t.norm(i + 1)) is not None:
        return False
    before = t.norm(i - 1)
    if before in BARE_MONTH_PREPS:
        return True
    if before in (",", "and", "or", "&", "/") and month_of(t.norm(i - 2)) is not None:
        return True  # "in Jan, Feb and Mar 2026"
    return (before in ("and", "to") and month_of(t.norm(i - 2)) is not None
            and t.norm(i - 3) in ("between", "from"))

def _dated_context(t: Any, i: int) -> bool:
    """A day and month without a year where a date is expected ("since March 1", "between 1 Feb and ...")."""
    if t.vocab.ref_date is None:
        return False
    before = t.norm(i - 1)
    return before in (*BARE_MONTH_PREPS, "on", "(") or (before in ("and", "to") and t.norm(i - 3) in ("between", "from"))


def _assumed_day(t: Any, i: int, j: int, mon: int, day: int) -> None:
    """The latest such day up to the data's last date (a year written later in a range may move it)."""
    ref = t.vocab.ref_date
    try:
        d = date(ref.year, mon, day)
        if d > ref:
            d = date(ref.year - 1, mon, day)
    except ValueError:
        return
    t.take("DATE", i, j, value=(d, d), extra={"precision": "day", "assumed_year": d.year})


def _date_item(t: Any, i: int, j: int, year: int, mon: int, day: int) -> None:
    try:
        d = date(year, mon, day)
    except ValueError:
        return
    t.take("DATE", i, j, value=(d, d), extra={"precision": "day"})

def _unit(t: Any, i: int) -> int | None:
    return lx.TIME_UNITS.get(t.norm(i)) if t.free(i, i + 1) else None

BARE_DAYS_END = (",", ";", "and", "or", "but", "with", "who", "-", ")", "?", "!")
"""What may follow a bare look-back count ("in the last 365, ...") for it to be read as days."""


def windows(t: Any) -> None:
    n = len(t.tokens)
    i = 0
    while i < n:
        if not t.free(i, i + 1):
            i += 1
            continue
        j = i
        prep = t.norm(j) in lx.WINDOW_PREPS
        j += prep
        j += t.norm(j) in ("the", "this")
        word = t.norm(j)
        if word in lx.PAST_WORDS or word in lx.FUTURE_WORDS:
            k = j + 1
            num = t.number_at(k)
            if num is not None and not num.money and not num.percent:
                k += 1
            unit = _unit(t, k)
            if unit and t.free(i, k + 1):
                count = num.value if num is not None else 1
                direction = "past" if word in lx.PAST_WORDS else "future"
                t.take("WINDOW", i, k + 1, value=days_for(count, unit), extra={"direction": direction})
                i = k + 1
                continue
            if num is not None and num.is_int and 14 <= num.value <= 730 and t.free(i, k) \
                    and (k >= n or t.norm(k) in BARE_DAYS_END):
                # "fewer than 2 orders in the last 365", "bought Fashion in the last 30": days, said in the read-back
                direction = "past" if word in lx.PAST_WORDS else "future"
                t.take("WINDOW", i, k, value=int(num.value), extra={"direction": direction, "bare_days": True})
                i = k
                continue
        ahead = _ahead(t, i)
        if ahead is not None:  # "for the year ahead", "over the next 90 days ahead", "the months ahead"
            t.take("WINDOW", i, ahead[1], value=ahead[0], extra={"direction": "future"})
            i = ahead[1]
            continue
        if t.norm(i) in ("in", "within", "inside"):
            k = i + 1 + (t.norm(i + 1) == "the")
            num = read_number(t.norm(k)) if t.norm(k) not in ("a", "an") else read_number("one")
            unit = _unit(t, k + 1)
            if num is not None and unit and t.free(i, k + 2) and not num.money and not num.percent:
                t.take("WINDOW", i, k + 2, value=days_for(num.value, unit), extra={"direction": "any"})
                i = k + 2
                continue
        num = read_number(t.norm(i)) if t.norm(i) not in ("a", "an") else read_number("one")
        unit = _unit(t, i + 1)
        if num is not None and unit and t.norm(i + 2) == "ago" and t.free(i, i + 3):
            t.take("AGO", i, i + 3, value=days_for(num.value, unit))
            i += 3
            continue
        i += 1

def _ahead(t: Any, i: int) -> tuple[int, int] | None:
    """"(for) (the) (N) <unit> ahead": a future window of that length (one unit without a number)."""
    j = i + (t.norm(i) in lx.WINDOW_PREPS)
    j += t.norm(j) == "the"
    num = read_number(t.norm(j)) if t.norm(j) not in ("a", "an") else None
    k = j + (num is not None)
    unit = _unit(t, k)
    if not unit or t.norm(k + 1) != "ahead" or not t.free(i, k + 2) or (num is not None and (num.money or num.percent)):
        return None
    return days_for(num.value if num is not None else 1, unit), k + 2


def ranges(t: Any) -> None:
    n = len(t.tokens)
    bands = {b.lower() for b in t.vocab.age_band}
    for i in range(n):
        if not t.free(i, i + 1):
            continue
        w = t.norm(i)
        if w in ("between", "from"):
            norms = [tok.norm for tok in t.tokens]
            lo_c = read_compound(norms, i + 1)  # "between a hundred and 300"
            lo, k = (lo_c[0], i + 1 + lo_c[1]) if lo_c else (read_number(t.norm(i + 1)), i + 2)
            hi_c = read_compound(norms, k + 1)
            hi, end = (hi_c[0], k + 1 + hi_c[1]) if hi_c else (read_number(t.norm(k + 1)), k + 2)
            if lo is not None and hi is not None and t.norm(k) in ("and", "to", "&") and t.free(i, end):
                _range(t, i, end, lo, hi)
                continue
        tok = t.tokens[i]
        if tok.kind == "num" and i + 1 < n and t.free(i, i + 2) and t.tokens[i + 1].kind == "num":
            between = t.sentence[tok.end:t.tokens[i + 1].start].strip().lower()
            lo, hi = read_number(tok.norm), read_number(t.norm(i + 1))
            if between in ("-", "–", "to") and lo is not None and hi is not None and (lo.money or hi.money):
                _range(t, i, i + 2, lo, hi)  # "£50-£100"
                continue
        if tok.kind == "num" and t.norm(i + 1) == "to" and t.free(i, i + 3) and i + 2 < n \
                and t.tokens[i + 2].kind == "num" and t.norm(i + 3) not in lx.TIME_UNITS:
            lo, hi = read_number(tok.norm), read_number(t.norm(i + 2))
            if lo is not None and hi is not None and lo.value < hi.value:
                _range(t, i, i + 3, lo, hi)  # "aged 25 to 44", "spent 100 to 200"
                continue
        if tok.kind == "range" and tok.norm not in bands:
            lo_s, hi_s = tok.norm.split("-", 1)
            lo, hi = read_number(lo_s), read_number(hi_s)
            if lo is not None and hi is not None:
                _range(t, i, i + 1, lo, hi)
    # between DATE and DATE -> one DATE spanning both
    for a in [it for it in t.items if it.kind == "DATE"]:
        for b in [it for it in t.items if it.kind == "DATE"]:
            if (b.i == a.j + 1 and t.norm(a.j) in ("and", "to") and t.norm(a.i - 1) in ("between", "from")
                    and t.free(a.i - 1, a.i) and t.free(a.j, a.j + 1)):
                if "assumed_year" in b.extra and b.value[1] < a.value[0]:  # "between November and February"
                    b.value = (b.value[0].replace(year=b.value[0].year + 1),
                               month_span(b.value[0].year + 1, b.value[0].month)[1])
                if "assumed_year" in a.extra and "assumed_year" not in b.extra and a.value[0].year != b.value[0].year:
                    year = b.value[0].year  # "between Feb 1 and Valentine's Day 2025": the year said at the end
                    moved = _in_year(a.value, year)
                    if moved is not None and moved[0] > b.value[0]:
                        moved = _in_year(a.value, year - 1)
                    if moved is not None:
                        a.value = moved
                        a.extra.pop("assumed_year")
                t.items.remove(a)
                t.items.remove(b)
                for k in range(a.i, b.j):
                    t.taken[k] = False
                assumed = {k: v for k, v in (a.extra | b.extra).items() if k == "assumed_year"}
                t.take("DATE", a.i - 1, b.j, value=(a.value[0], b.value[1]),
                          extra={"precision": "range", "prep": "between", **assumed})
                return

def _in_year(span: tuple[date, date], year: int) -> tuple[date, date] | None:
    try:
        return span[0].replace(year=year), span[1].replace(year=year + span[1].year - span[0].year)
    except ValueError:
        return None


def _range(t: Any, i: int, j: int, lo: Any, hi: Any) -> None:
    if lo.percent != hi.percent:  # "between 40 and 70%": the sign said once covers both ends
        lo, hi = (type(n)(n.value / 100, percent=True) if not n.percent and n.value > 1 else n for n in (lo, hi))
    low, high = sorted((lo.value, hi.value))
    percent = lo.percent or hi.percent
    money, currency = lo.money or hi.money, lo.currency or hi.currency
    if t.norm(j) in ("%", "percent", "pct") and t.free(j, j + 1) and not percent:
        low, high, percent = low / 100, high / 100, True  # "40-60%", "between 40 and 60 percent"
        j += 1
    elif t.norm(j) in lx.MONEY_WORDS and t.free(j, j + 1) and not percent:
        money, currency = True, currency or lx.MONEY_SYMBOLS.get(t.norm(j), "")  # "between 300 and 800 pound"
        j += 1
    t.take("RANGE", i, j, value=(low, high), extra={"money": money, "percent": percent, "currency": currency})


def clusters(t: Any) -> None:
    for i in range(len(t.tokens)):
        if t.norm(i) not in ("cluster", "clusters", "persona", "personas") or not t.free(i, i + 1):
            continue
        k = i + 1 + (t.norm(i + 1) in ("#", "no", "number", "num"))
        values, end = [], k
        while (num := t.number_at(end)) is not None and num.is_int:
            values.append(int(num.value))
            end += 1
            if t.norm(end) in (",", "and", "or", "&", "/") and t.number_at(end + 1) is not None:
                end += 1
            else:
                break
        if values:
            t.take("CLUSTER", i, end, field="cluster", value=tuple(values))
