"""Calendar periods and named holidays, relative to the data's last date.

Pure date arithmetic, no I/O. "This year", "last quarter", "Q4 2025", "this month" are calendar
periods; holidays (Black Friday, Cyber Monday, Christmas, Boxing Day, Easter, Prime Day...) have a
date (or a few days) per year. A holiday named without a year is the latest one that started on or
before the data's last date; the parser says so and asks, since that is a guess.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    return nth_weekday(year, 11, 3, 4)


# Amazon Prime Day, as announced (the event is not on a rule): year -> (first day, last day).
PRIME_DAY = {
    2015: ((7, 15), (7, 15)), 2016: ((7, 12), (7, 12)), 2017: ((7, 10), (7, 11)), 2018: ((7, 16), (7, 17)),
    2019: ((7, 15), (7, 16)), 2020: ((10, 13), (10, 14)), 2021: ((6, 21), (6, 22)), 2022: ((7, 12), (7, 13)),
    2023: ((7, 11), (7, 12)), 2024: ((7, 16), (7, 17)), 2025: ((7, 8), (7, 11)),
}


def _fixed(month: int, day: int):
    return lambda y: (date(y, month, day), date(y, month, day))


def _one(fn):
    return lambda y: (fn(y), fn(y))


def _prime(year: int) -> tuple[date, date] | None:
    if year not in PRIME_DAY:
        return None
    (m1, d1), (m2, d2) = PRIME_DAY[year]
    return date(year, m1, d1), date(year, m2, d2)


def last_weekday(year: int, month: int, weekday: int) -> date:
    """The last ``weekday`` (0 = Monday) of a month."""
    last = date(year, month, monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


# UK bank holidays moved by royal events: year -> date.
_EARLY_MAY_MOVED = {1995: date(1995, 5, 8), 2020: date(2020, 5, 8)}
_SPRING_MOVED = {2002: date(2002, 6, 4), 2012: date(2012, 6, 4), 2022: date(2022, 6, 2)}
# Lunar New Year (first day), as published.
LUNAR_NEW_YEAR = {2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
                  2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26)}


def _lunar(year: int) -> tuple[date, date] | None:
    if year not in LUNAR_NEW_YEAR:
        return None
    d = date(year, *LUNAR_NEW_YEAR[year])
    return d, d


def _season(first_month: int, months: int):
    """A meteorological season: ``months`` whole months from ``first_month`` (winter runs into the next year)."""
    def dates(y: int) -> tuple[date, date]:
        end_y, end_m = (y + 1, first_month + months - 13) if first_month + months > 13 else (y, first_month + months - 1)
        nxt = date(end_y + (end_m == 12), end_m % 12 + 1, 1)
        return date(y, first_month, 1), nxt - timedelta(days=1)
    return dates


def _never(_year: int) -> None:
    return None


def super_bowl(year: int) -> date:
    """Super Bowl Sunday: the second Sunday of February since 2022, the first before."""
    return nth_weekday(year, 2, 6, 2 if year >= 2022 else 1)


@dataclass(frozen=True)
class Holiday:
    """A named day (or run of days) with its dates per year."""

    key: str
    label: str
    dates: object
    """``year -> (first, last) | None``."""
    note: str = ""
    always_ask: bool = False
    """Not a shop event (its dates are someone else's): the parser asks even with a year."""


HOLIDAYS: dict[str, Holiday] = {h.key: h for h in (
    Holiday("new_years_day", "New Year's Day", _fixed(1, 1)),
    Holiday("valentines", "Valentine's Day", _fixed(2, 14)),
    Holiday("st_patricks", "St Patrick's Day", _fixed(3, 17)),
    Holiday("good_friday", "Good Friday", _one(lambda y: easter(y) - timedelta(days=2))),
    Holiday("easter", "Easter Sunday", _one(easter)),
    Holiday("easter_monday", "Easter Monday", _one(lambda y: easter(y) + timedelta(days=1))),
    Holiday("easter_weekend", "the Easter bank holiday weekend (Good Friday to Easter Monday)",
            lambda y: (easter(y) - timedelta(days=2), easter(y) + timedelta(days=1))),
    Holiday("fathers_day", "Father's Day (third Sunday of June)", _one(lambda y: nth_weekday(y, 6, 6, 3))),
    Holiday("prime_day", "Prime Day", _prime, "Prime Day dates are known up to 2025", always_ask=True),
    Holiday("halloween", "Halloween", _fixed(10, 31)),
    Holiday("singles_day", "Singles' Day", _fixed(11, 11)),
    Holiday("thanksgiving", "Thanksgiving (US)", _one(thanksgiving)),
    Holiday("black_friday", "Black Friday", _one(lambda y: thanksgiving(y) + timedelta(days=1))),
    Holiday("black_friday_weekend", "the Black Friday weekend (Black Friday to Cyber Monday)",
            lambda y: (thanksgiving(y) + timedelta(days=1), thanksgiving(y) + timedelta(days=4))),
    Holiday("cyber_monday", "Cyber Monday", _one(lambda y: thanksgiving(y) + timedelta(days=4))),
    Holiday("christmas_eve", "Christmas Eve", _fixed(12, 24)),
    Holiday("christmas", "Christmas Day", _fixed(12, 25)),
    Holiday("boxing_day", "Boxing Day", _fixed(12, 26)),
    Holiday("new_years_eve", "New Year's Eve", _fixed(12, 31)),
    Holiday("mothers_day_uk", "Mothering Sunday (UK)", _one(lambda y: easter(y) - timedelta(days=21))),
    Holiday("mothers_day_us", "Mother's Day (US)", _one(lambda y: nth_weekday(y, 5, 6, 2))),
    Holiday("mlk_day", "Martin Luther King Jr. Day (US)", _one(lambda y: nth_weekday(y, 1, 0, 3))),
    Holiday("burns_night", "Burns Night", _fixed(1, 25)),
    Holiday("super_bowl", "Super Bowl Sunday", _one(super_bowl)),
    Holiday("presidents_day", "Presidents' Day (US)", _one(lambda y: nth_weekday(y, 2, 0, 3))),
    Holiday("st_davids", "St David's Day", _fixed(3, 1)),
    Holiday("pancake_day", "Shrove Tuesday (Pancake Day)", _one(lambda y: easter(y) - timedelta(days=47))),
    Holiday("ash_wednesday", "Ash Wednesday", _one(lambda y: easter(y) - timedelta(days=46))),
    Holiday("palm_sunday", "Palm Sunday", _one(lambda y: easter(y) - timedelta(days=7))),
    Holiday("st_georges", "St George's Day", _fixed(4, 23)),
    Holiday("may_day", "May Day (1 May)", _fixed(5, 1)),
    Holiday("early_may_bank_holiday", "the early May bank holiday (UK)",
            _one(lambda y: _EARLY_MAY_MOVED.get(y, nth_weekday(y, 5, 0, 1)))),
    Holiday("spring_bank_holiday", "the spring bank holiday (UK)",
            _one(lambda y: _SPRING_MOVED.get(y, last_weekday(y, 5, 0)))),
    Holiday("memorial_day", "Memorial Day (US)", _one(lambda y: last_weekday(y, 5, 0))),
    Holiday("independence_day", "Independence Day (US, 4 July)", _fixed(7, 4)),
    Holiday("summer_bank_holiday", "the August bank holiday (England and Wales)",
            _one(lambda y: last_weekday(y, 8, 0))),
    Holiday("labor_day", "Labor Day (US and Canada)", _one(lambda y: nth_weekday(y, 9, 0, 1))),
    Holiday("columbus_day", "Columbus Day (US)", _one(lambda y: nth_weekday(y, 10, 0, 2))),
    Holiday("bonfire_night", "Bonfire Night", _fixed(11, 5)),
    Holiday("veterans_day", "Veterans Day / Remembrance Day (11 November)", _fixed(11, 11)),
    Holiday("small_business_saturday", "Small Business Saturday (US)",
            _one(lambda y: thanksgiving(y) + timedelta(days=2))),
    Holiday("giving_tuesday", "Giving Tuesday", _one(lambda y: thanksgiving(y) + timedelta(days=5))),
    Holiday("st_andrews", "St Andrew's Day", _fixed(11, 30)),
    Holiday("thanksgiving_weekend", "the Thanksgiving weekend (Thursday to Sunday)",
            lambda y: (thanksgiving(y), thanksgiving(y) + timedelta(days=3))),
    Holiday("lunar_new_year", "Lunar New Year", _lunar, "Lunar New Year dates are known for 2018 to 2028"),
    Holiday("diwali", "Diwali", _never, "its date depends on the lunar calendar and the region; give the dates"),
    Holiday("eid", "Eid", _never, "it depends on the moon and means two festivals; give the dates"),
    Holiday("hanukkah", "Hanukkah", _never, "its dates move every year; give the dates"),
    Holiday("ramadan", "Ramadan", _never, "its dates move every year; give the dates"),
    # Seasons, as whole months (meteorological): "last fall" is September to November of last year.
    Holiday("spring", "spring (March to May)", _season(3, 3)),
    Holiday("summer", "summer (June to August)", _season(6, 3)),
    Holiday("autumn", "autumn (September to November)", _season(9, 3)),
    Holiday("winter", "winter (December to February)", _season(12, 3)),
)}

# phrase -> holiday keys (several keys: the name is ambiguous and the parser asks).
HOLIDAY_PHRASES: dict[str, tuple[str, ...]] = {
    "spring": ("spring",), "summer": ("summer",), "autumn": ("autumn",), "fall": ("autumn",), "winter": ("winter",),
    "new year's day": ("new_years_day",), "new years day": ("new_years_day",), "new year day": ("new_years_day",),
    "valentine's day": ("valentines",), "valentines day": ("valentines",), "valentine's": ("valentines",),
    "valentines": ("valentines",), "st patrick's day": ("st_patricks",), "st patricks day": ("st_patricks",),
    "saint patrick's day": ("st_patricks",),
    "good friday": ("good_friday",), "easter": ("easter",), "easter sunday": ("easter",), "easter day": ("easter",),
    "easter monday": ("easter_monday",), "easter weekend": ("easter_weekend",),
    "easter bank holiday": ("easter_weekend",), "easter bank holiday weekend": ("easter_weekend",),
    "easter bank hol": ("easter_weekend",), "easter bank hol weekend": ("easter_weekend",),
    "easter long weekend": ("easter_weekend",),
    "father's day": ("fathers_day",), "fathers day": ("fathers_day",),
    "prime day": ("prime_day",), "prime days": ("prime_day",), "amazon prime day": ("prime_day",),
    "halloween": ("halloween",), "singles day": ("singles_day",), "singles' day": ("singles_day",),
    "thanksgiving": ("thanksgiving",), "thanksgiving day": ("thanksgiving",),
    "black friday": ("black_friday",), "black fri": ("black_friday",), "black friday weekend": ("black_friday_weekend",),
    "cyber weekend": ("black_friday_weekend",), "cyber monday weekend": ("black_friday_weekend",),
    "black fridays": ("black_friday",), "cyber mondays": ("cyber_monday",), "cyber monday": ("cyber_monday",), "cyber mon": ("cyber_monday",),
    "christmas eve": ("christmas_eve",), "xmas eve": ("christmas_eve",), "christmas": ("christmas",),
    "christmas day": ("christmas",), "xmas": ("christmas",), "xmas day": ("christmas",), "boxing day": ("boxing_day",),
    "new year's eve": ("new_years_eve",), "new years eve": ("new_years_eve",), "nye": ("new_years_eve",),
    "mother's day": ("mothers_day_uk", "mothers_day_us"), "mothers day": ("mothers_day_uk", "mothers_day_us"),
    "mothering sunday": ("mothers_day_uk",),
    "us mother's day": ("mothers_day_us",), "us mothers day": ("mothers_day_us",),
    "american mother's day": ("mothers_day_us",),
    "mlk day": ("mlk_day",), "martin luther king day": ("mlk_day",), "burns night": ("burns_night",),
    "super bowl": ("super_bowl",), "super bowl sunday": ("super_bowl",), "presidents day": ("presidents_day",),
    "presidents' day": ("presidents_day",), "president's day": ("presidents_day",),
    "st david's day": ("st_davids",), "st davids day": ("st_davids",), "pancake day": ("pancake_day",),
    "shrove tuesday": ("pancake_day",), "ash wednesday": ("ash_wednesday",), "palm sunday": ("palm_sunday",),
    "st george's day": ("st_georges",), "st georges day": ("st_georges",), "may day": ("may_day", "early_may_bank_holiday"),
    "early may bank holiday": ("early_may_bank_holiday",), "may bank holiday": ("early_may_bank_holiday",
                                                                                "spring_bank_holiday"),
    "spring bank holiday": ("spring_bank_holiday",), "late may bank holiday": ("spring_bank_holiday",),
    "whitsun": ("spring_bank_holiday",), "memorial day": ("memorial_day",),  "independence day": ("independence_day",),
    "4th of july": ("independence_day",), "fourth of july": ("independence_day",),
    "august bank holiday": ("summer_bank_holiday",), "summer bank holiday": ("summer_bank_holiday",),
    "labor day": ("labor_day",), "labour day": ("may_day", "labor_day"), "columbus day": ("columbus_day",),
    "bonfire night": ("bonfire_night",), "guy fawkes night": ("bonfire_night",), "guy fawkes": ("bonfire_night",),
    "fireworks night": ("bonfire_night",), "veterans day": ("veterans_day",), "remembrance day": ("veterans_day",),
    "armistice day": ("veterans_day",), "small business saturday": ("small_business_saturday",),
    "giving tuesday": ("giving_tuesday",), "st andrew's day": ("st_andrews",), "st andrews day": ("st_andrews",),
    "thanksgiving weekend": ("thanksgiving_weekend",), "lunar new year": ("lunar_new_year",),
    "chinese new year": ("lunar_new_year",), "diwali": ("diwali",), "deepavali": ("diwali",), "eid": ("eid",),
    "eid al fitr": ("eid",), "eid al-fitr": ("eid",), "hanukkah": ("hanukkah",), "chanukah": ("hanukkah",),
    "ramadan": ("ramadan",), "new year": ("new_years_day",), "new years": ("new_years_day",), "new year's": ("new_years_day",),
    "mothers' day": ("mothers_day_uk", "mothers_day_us"), "saint george's day": ("st_georges",),
    "saint andrew's day": ("st_andrews",), "saint david's day": ("st_davids",),
}
# Words that name a time of year too vaguely to pick dates: the parser asks.
VAGUE_PERIODS = ("spring", "summer", "autumn", "fall", "winter", "holidays", "holiday season", "festive season",
                 "the sale", "sale", "sales period", "peak season", "bank holiday", "bank holidays",
                 "bank holiday weekend", "back to school", "black friday week", "cyber week", "festive period",
                 "christmas period", "christmas season", "easter holidays", "half term", "summer holidays",
                 "school holidays", "january sales", "boxing day sales")


def holiday_span(key: str, year: int) -> tuple[date, date] | None:
    """First and last day of holiday ``key`` in ``year`` (None when unknown, e.g. a future Prime Day)."""
    return HOLIDAYS[key].dates(year)  # type: ignore[operator]


def latest_holiday(key: str, ref: date, not_after: date | None = None) -> tuple[date, date] | None:
    """The latest occurrence of ``key`` that started on or before ``not_after`` (default ``ref``)."""
    limit = not_after or ref
    for year in range(limit.year, limit.year - 12, -1):
        span = holiday_span(key, year)
        if span is not None and span[0] <= limit:
            return span
    return None


def year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def quarter_span(year: int, q: int) -> tuple[date, date]:
    start = date(year, 3 * q - 2, 1)
    end_month = 3 * q
    return start, date(year, end_month, monthrange(year, end_month)[1])


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def relative_period(unit: str, offset: int, ref: date) -> tuple[date, date]:
    """The calendar ``unit`` (year, quarter, month, week) containing ``ref`` (offset 0) or ``offset``
    units before it (-1 = last year / last quarter / last month / last week, weeks from Monday)."""
    if unit == "year":
        return year_span(ref.year + offset)
    if unit == "quarter":
        index = (ref.month - 1) // 3 + offset
        year, q = ref.year + index // 4, index % 4 + 1
        return quarter_span(year, q)
    if unit == "month":
        index = ref.month - 1 + offset
        return month_span(ref.year + index // 12, index % 12 + 1)
    if unit == "week":
        monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(days=6)
    raise ValueError(f"unknown calendar unit {unit!r}")


def latest_quarter(q: int, ref: date) -> tuple[int, tuple[date, date]]:
    """Quarter ``q`` of the latest year in which it has started by ``ref``."""
    year = ref.year if quarter_span(ref.year, q)[0] <= ref else ref.year - 1
    return year, quarter_span(year, q)


def describe_span(start: date, end: date) -> str:
    """'28 Nov 2025' or '3 Apr 2026 to 6 Apr 2026'."""
    one = f"{start.day} {start:%b %Y}"
    return one if start == end else f"{one} to {end.day} {end:%b %Y}"
