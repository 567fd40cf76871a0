"""Spec shorthand and dates written short, rewritten before tagging (used by :func:`segments.spoken.respeak`).

* two-digit years after a quarter, a holiday or a day and month ("Q4 25", "Easter 26 weekend", "1 Jan 26");
* "L30" / "L90" / "L6M" (the last 30 days, 90 days, 6 months), "p(churn)", "p(alive)", "exp orders", "365d",
  "in-quarter", "on or after" / "on or before", "trend down by 2", "send back less than a tenth";
* a bare age range or "N+" on age band edges standing alone ("(Edinburgh, Glasgow) 55+"): read as an age, asked;
* hesitation sounds ("um", "erm") dropped.
"""

from __future__ import annotations

import re
from datetime import date

from memberinsight.segments.lexicon import MONTHS
from memberinsight.segments.periods import HOLIDAY_PHRASES

HESITATIONS = frozenset(("um", "umm", "ummm", "uh", "uhh", "uhm", "erm", "er", "ehm", "hmm", "mm"))
_SMALL = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _year(two: str, ref: date | None) -> int | None:
    year = 2000 + int(two)
    this = (ref or date.today()).year
    return year if this - 15 <= year <= this + 1 else None


_HOLIDAY_NAMES = "|".join(sorted((re.escape(h) for h in HOLIDAY_PHRASES if len(h) > 4), key=len, reverse=True))
_AFTER_YEAR_BLOCK = r"(?!\s*(?:\+|%|or\s+(?:more|fewer|less)|plus|times|orders?|returns?|reviews?|purchases?|k\b))"
_QUARTER_YY = re.compile(rf"\b(q[1-4]|h[12])\s*[-/]?\s*'?(\d{{2}})\b{_AFTER_YEAR_BLOCK}", re.I)
_HOLIDAY_YY = re.compile(rf"\b({_HOLIDAY_NAMES})\s+'?(\d{{2}})\b{_AFTER_YEAR_BLOCK}(\s+weekend\b)?", re.I)
_DAY_MONTH_YY = re.compile(r"\b(\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
                           r"[a-z]*\.?)\s+'?(\d{2})\b(?![\d/:])", re.I)
_MONTH_APOSTROPHE = re.compile(r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)\s+'(\d{2})\b",
                               re.I)


def two_digit_years(text: str, ref: date | None) -> tuple[str, list[str]]:
    """"Q4 25" -> "Q4 2025", "Easter 26 weekend" -> "Easter weekend 2026", "1 Jan 26" -> "1 Jan 2026"."""
    said: list[str] = []

    def sub(m: re.Match[str]) -> str:
        year = _year(m.group(2), ref)
        if year is None:
            return m.group()
        weekend = m.group(3) if m.re is _HOLIDAY_YY and m.group(3) else ""
        said.append(f"'{m.group().strip()}' read with the year {year}")
        return f"{m.group(1)}{' weekend' if weekend else ''} {year}"

    for pattern in (_QUARTER_YY, _HOLIDAY_YY, _DAY_MONTH_YY, _MONTH_APOSTROPHE):
        text = pattern.sub(sub, text)
    return text, said


_LAST_N = re.compile(r"\b(?:(?:in|over|during|within|for)\s+(?:the\s+)?)?[lL](\d{1,3})([dDwWmM])?\b")
_UNIT = {"d": "days", "w": "weeks", "m": "months"}
_TREND = re.compile(r"\b(?:(orders?|ordering|spend|spending)\s+)?trend(?:s|ing)?\s+(?:is\s+)?(down|up)\s+by\s+"
                    r"(?:at\s+least\s+)?(\d+(?:\.\d+)?|one|two|three|four|five)(?:\s*\+|\s+or\s+more)?", re.I)


def _trend(m: re.Match[str]) -> str:
    """"order trend down by 2 or more" -> "order trend of -2 or less"."""
    field_word = (m.group(1) or "").lower()
    name = "order trend" if field_word.startswith("order") else "spend trend" if field_word else "trend"
    n = _SMALL.get(m.group(3).lower(), m.group(3))
    return f"{name} of -{n} or less" if m.group(2).lower() == "down" else f"{name} of {n} or more"


_A_DATE = r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{2,4})"
_DATE_SYMBOL = {"<": "before ", "<=": "until ", "=<": "until ", ">": "after ", ">=": "since ", "=>": "since "}
_FRACTIONS = {"tenth": 10, "fifth": 20, "third": 33, "half": 50}
_PERIOD_SAID = re.compile(r"\b(?:q[1-4]|h[12]|\d{4}|quarter|month|year|week|ytd|qtd|mtd|jan|feb|mar|apr|may|jun|jul|aug|"
                          r"sep|oct|nov|dec)[a-z]*\b", re.I)
"""A period said earlier in the sentence, so "in the quarter" can refer back to it."""
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
             "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
             "twentieth")
_ORDINAL_DAYS = "|".join(sorted([*_ORDINALS, *(f"twenty[- ]{o}" for o in _ORDINALS[:9]), "thirtieth", "thirty[- ]first"],
                                key=len, reverse=True))


def _day_number(word: str) -> int:
    """"first" -> 1, "twenty-third" -> 23, "3rd" -> 3."""
    word = word.lower().replace("-", " ")
    if word[0].isdigit():
        return int(re.match(r"\d+", word).group())  # type: ignore[union-attr]
    if word == "thirtieth":
        return 30
    if word == "thirty first":
        return 31
    if word.startswith("twenty "):
        return 20 + _ORDINALS.index(word.split()[1]) + 1
    if word == "twentieth":
        return 20
    return _ORDINALS.index(word) + 1


_SHORTHAND = (
    (_TREND, _trend),
    (re.compile(r"\bp\s*\(\s*(churn|churning)\s*\)", re.I), "churn probability"),
    (re.compile(r"\bp\s*\(\s*(alive|active)\s*\)", re.I), "p alive"),
    (re.compile(r"\bexp\.?\s+(?=(orders?|spend|clv|purchases?)\b)", re.I), "expected "),
    (re.compile(r"\b(\d{2,3})d\b(?!\s*(?:\+|ago))", re.I), r"\1 days"),
    (re.compile(r"\bin[- ](quarter|period|window|month|year)\b", re.I), r"in that \1"),
    # "send back less than a tenth of the units they buy": the return rate
    (re.compile(r"\b(?:send|sends|sent)\s+back\s+(less|more|fewer)\s+than\s+(?:a|one)\s+(tenth|fifth|third|half)\s+"
                r"of\s+(?:the\s+|what\s+)?(?:units|items|things|stuff|products)?(?:\s*they\s+(?:buy|bought|order|"
                r"ordered))?", re.I), lambda m: f"return rate {m.group(1).lower()} than "
                                                 f"{_FRACTIONS[m.group(2).lower()]}%"),
    (re.compile(r"\bacross\s+(?=(?:at\s+least|at\s+most|more\s+than|over|under|\d))", re.I), "with "),
    (re.compile(r"\bcross[- ](shoppers|buyers|purchasers|customers)\b", re.I), r"\1"),
    (re.compile(r"\b(sen[dt])\s+(?:anything|a\s+single\s+thing|a\s+thing|stuff|things|items|nothing)\s+back\b", re.I),
     r"\1 back anything"),
    # a voice typist's "there" for "their" before what a member has ("made there first order")
    (re.compile(r"\bthere(?=\s+(?:first|last|latest|most\s+recent|average|avg|next|total|orders?|spend|spending|"
                r"basket|churn|reviews?|ratings?|returns?|clv|ltv|age|city|country)\b)", re.I), "their"),
    (re.compile(r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)\s*-\s*"
                r"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)\b", re.I), r"between \1 and \2"),
    (re.compile(r"\b(?:return|returns|send\s+back|sends\s+back)\s+(more|less|fewer)\s+than\s+(\d+(?:\.\d+)?)\s*%\s+of\s+"
                r"(?:what|everything|the\s+\w+|their\s+\w+)(?:\s+they\s+(?:buy|bought|order|ordered))?", re.I),
     r"return rate \1 than \2%"),
    # "less than 40% likely to still be active", "under a 20% chance of still being an active customer"
    (re.compile(r"\b(less|more|under|over)\s+(?:than\s+)?(?:a\s+)?(\d+(?:\.\d+)?)\s*%\s+(?:likely|chance|probability)\s+"
                r"(?:to\s+still\s+be|of\s+still\s+being|of\s+being\s+still|they\s+are\s+still)\s+(?:an?\s+)?active"
                r"(?:\s+(?:customers?|custmers?|members?|shoppers?))?", re.I), r"p alive \1 than \2%"),
    (re.compile(r"\bbut\s+nothing\s+since\b", re.I), "but no orders since"),
    # catalogue names as a spec writer copies them from the field list ("predicted_clv_365d", "clv_365")
    (re.compile(r"\b(?:predicted[ _])?(?:clv|ltv|cltv)[ _-]?(?:365d?|12m)\b", re.I), "predicted clv 365d"),
    (re.compile(r"\b([a-z]+(?:_[a-z0-9]+)+)\b", re.I), lambda m: m.group(1).replace("_", " ")),
    # a comparison symbol before a date: "last_order_date < 2026-01-01", "signup >= 1 Jun 2025"
    (re.compile(rf"(<=|=<|>=|=>|<|>)\s*(?={_A_DATE})", re.I), lambda m: _DATE_SYMBOL[m.group(1)]),
    # "rfm_segment = Champions", "channel == social": equals before a word is "is"; "!=" / "<>" is "not"
    (re.compile(r"\s*(?:!=|<>)\s*(?=[A-Za-z])"), " not "),
    (re.compile(r"(?<=[A-Za-z])\s*==?\s*(?=[A-Za-z])"), " "),
    (re.compile(r"\b(?:TTM|LTM|T12M)\b"), "in the last 12 months"),
    (re.compile(r"\b(?:q|quarter)\s+(one|two|three|four)\b", re.I),
     lambda m: "Q" + str(("one", "two", "three", "four").index(m.group(1).lower()) + 1)),
    (re.compile(r"\bBFCM\b", re.I), "black friday weekend"),
    (re.compile(r"\bBF(?=\s*'?\d{2}\b|\s+(?:weekend|sale|shoppers|buyers)\b)"), "black friday"),
    # "10 different Kitchen products": the category inside the count words, moved after them
    (re.compile(r"\b(different|distinct|unique|separate)\s+((?!(?:products?|items?|things|lines|types|kinds|sorts|"
                r"brands|full|half)\b)[A-Za-z&']+(?:\s+(?!(?:products?|items?|things|lines|of)\b)[A-Za-z&']+)?)\s+"
                r"(?:products|items|things|lines)\b", re.I), r"\1 products in \2"),
    (re.compile(r"\bchurn\s+(?:p|prob|pr)\b\.?(?!\s*\()", re.I), "churn probability"),
    # "recency 60..120 days", "recency over 90 days": days since the last order, not the 1-5 recency score
    (re.compile(r"\brecency\s+(?:of\s+)?((?:between\s+|over\s+|under\s+|above\s+|below\s+|more\s+than\s+|less\s+than\s+|"
                r"at\s+least\s+|at\s+most\s+|>=\s*|<=\s*|>\s*|<\s*)?\d+(?:\s*(?:and|to|-)\s*\d+)?)\s*(?:days?|d)\b(?!\s+ago)",
                re.I), r"last order \1 days ago"),
    (re.compile(r"\bpred\.?\s+(?=(?:spend|spending|clv|ltv|value|orders?|purchases?)\b)", re.I), "predicted "),
    # "averaging 4 stars or better (on those reviews)": the average rating
    (re.compile(r"\b(?:averag(?:ing|es)|an\s+average\s+of|avg\.?|average)\s+(?=(?:(?:of|at\s+least|over|under|above|below|"
                r"more\s+than|less\s+than)\s+)?\d(?:\.\d+)?\s*(?:stars?|\*))", re.I), "average rating "),
    (re.compile(r"(\d(?:\.\d+)?\s*(?:stars?|\*)(?:\s+or\s+(?:better|more|above|higher|over|less|lower|worse|below|under))?)"
                r"\s+(?:on|across|over|for)\s+(?:those|these|them|the\s+same)\s+reviews\b", re.I), r"\1 in that period"),
    # "30 days overdue for their usual order": the order is what "overdue" is about already
    (re.compile(r"\boverdue\s+(?:for|on|with)\s+(?:their|the|his|her|a|an)\s+(?:(?:usual|next|regular|normal|typical|"
                r"expected|repeat)\s+)?(?:order|purchase|reorder|re-order|shop|top-up|restock)\b", re.I), "overdue"),
    # "month to date" as one word before anything reads "orders month" as ordering monthly
    (re.compile(r"\b(year|quarter|month|week)[- ]to[- ]date\b", re.I),
     lambda m: {"year": "ytd", "quarter": "qtd", "month": "mtd", "week": "wtd"}[m.group(1).lower()]),
    # brief-style and spoken forms: "w/in", "w/o", "within last 60d"
    (re.compile(r"\b(\d+)x\b(?!\s*\d)", re.I), r"\1 times"),  # "bought outdoor 2x or more"
    (re.compile(r"\b(\d),(\d)\s*(stars?|\*)", re.I), r"\1.\2 \3"),  # "4,5 stars": a decimal comma
    (re.compile(r"\b(\d+)\s*(quid|pounds|gbp|euros?)\s*\+", re.I), r"\1+ \2"),  # "100 quid+"
    (re.compile(r"\bin\s+(?:this|the\s+same)\s+(period|window|time|timeframe)\b", re.I), r"in that \1"),
    (re.compile(r"\b(more\s+than|over|at\s+least|under|less\s+than)\s+(\d+)\s+days\s+(?:past|beyond|over|after)\s+"
                r"(?:their|the|his|her)\s+(?:usual|normal|typical|average|regular)\s+(?:gap|interval|cycle|rhythm)"
                r"(?:\s+between\s+(?:orders|purchases))?", re.I), r"\1 \2 days overdue"),
    (re.compile(r"\b(?:(?:bought|ordered|purchased)\s+)?(?<!spent )nothing(?:\s+at\s+all)?\s+(?=(?:in|over|during|within)\s+(?:the\s+)?"
                r"(?:last|past|previous)\b)", re.I), "no orders "),
    (re.compile(r"\bexpected\s+to\s+(?:order|buy|purchase|shop)\s+on\s+(\d+\s*\+?|at\s+least\s+\d+)\s+days\s+in\s+the\s+"
                r"(?:next|coming)\s+(year|12\s+months|365\s+days|90\s+days|3\s+months|quarter)", re.I),
     lambda m: f"expected orders in the next {'90' if m.group(2).lower() in ('90 days', '3 months', 'quarter') else '365'}"
               f" days {m.group(1)}"),
    (re.compile(r"\bw/in\b", re.I), "within"),
    (re.compile(r"\bw/o\b", re.I), "without"),
    (re.compile(r"\b(within|in|over|during)\s+(last|past|previous)\s+(?=\d)", re.I), r"\1 the \2 "),
    # "the first of June", "the 3rd of May": a day and a month ("the start of March", "the end of July" are read by
    # segments.date_edges, which knows "since the end of July" starts the day after)
    (re.compile(rf"\b(?:the\s+({_ORDINAL_DAYS})|(?:the\s+)?(\d{{1,2}}(?:st|nd|rd|th)))\s+of\s+({_MONTH_NAMES})\b", re.I),
     lambda m: f"{_day_number(m.group(1) or m.group(2))} {m.group(3)}"),
    (re.compile(r"\b(\d{2,3})d\+", re.I), r"\1+ days"),  # "lapsed 180d+"
    (re.compile(r"\b(pre|post)-(\d{4})\b", re.I), lambda m: ("before " if m.group(1).lower() == "pre" else "after ")
     + m.group(2)),
    # "lapsed 180+ days", "dormant for 6 months": the descriptor with its own number is a recency condition
    (re.compile(r"\b(lapsed|dormant|inactive|gone\s+quiet|quiet|churned)\s+(?:for\s+)?(\d+)\s*(\+|or\s+more)?\s*"
                r"(days?|weeks?|months?)\b(\+)?", re.I), r"\1 with no order in \2+ \4"),
    # "2+ orders with a return": orders with a returned line are what the returns count counts
    (re.compile(r"\b(\d+\s*\+|at\s+least\s+\d+|\d+\s+or\s+more|over\s+\d+|more\s+than\s+\d+)\s+orders?\s+"
                r"(?:with|w/|that\s+had|having)\s+(?:a\s+|at\s+least\s+one\s+)?returns?\b(?!\s*rates?\b)", re.I),
     r"\1 returns"),
    (re.compile(r"\b((?:net\s+)?spend(?:ing)?|spend\s+trend|order\s+trend)\s+(?:is\s+|are\s+|was\s+)?negative\b", re.I),
     r"\1 below 0"),
    (re.compile(r"\bin\s+the\s+(quarter|month|year|week|period|window)\b(?!\s+(?:to|before|after|of|ending|starting|\d))",
                re.I), lambda m: f"in that {m.group(1)}" if _PERIOD_SAID.search(m.string[:m.start()]) else m.group()),
    (re.compile(r"\bon\s+or\s+after\b", re.I), "since"),
    (re.compile(r"\bon\s+or\s+before\b", re.I), "until"),
)


_SYMBOLS = (
    (re.compile(r"([£$€]?\d+(?:\.\d+)?)\.\.\.?([£$€]?\d+(?:\.\d+)?)"), r"between \1 and \2"),  # no spaces: "100... 3+"
    (re.compile(r"\s*\|\|?\s*"), " or "),
)


def spec_symbols(text: str) -> str:
    """A spec writer's symbols: "0.3..0.5", "60..120 days" (a range), "london | manchester" (or). Run before
    anything reads dots as decimal or sentence marks."""
    for pattern, repl in _SYMBOLS:
        text = pattern.sub(repl, text)
    return text


_AFTER_NUMBERS = (
    (re.compile(r"\b(\d+)\s+plus\b(?!\s+(?:who|with|and|anyone|everyone|people|those))", re.I), r"\1+"),  # "65 plus"
    (re.compile(r"\b(\d+|one|two|three|four|five)\s+and\s+a\s+half\b", re.I),  # "four and a half stars"
     lambda m: f"{_SMALL.get(m.group(1).lower(), m.group(1))}.5"),
    (re.compile(r"\b(aged|ages?)\s+(\d{2})\s+(?:to|through|thru)\s+(\d{2})\b", re.I), r"\1 \2-\3"),  # "aged 55 to 64"
)


def trends(text: str) -> str:
    """"order trend down by 2 or more" -> "order trend of -2 or less", "sixty five plus" -> "65+", "four and a half"
    -> "4.5" (run once spoken numbers are digits)."""
    for pattern, repl in _AFTER_NUMBERS:
        text = pattern.sub(repl, text)
    return _TREND.sub(_trend, text)


def shorthand(text: str) -> tuple[str, list[str]]:
    """Spec shorthand: "L90", "p(churn)", "exp orders", "365d", "in-quarter"; hesitation sounds dropped."""
    said: list[str] = []

    def last(m: re.Match[str]) -> str:
        unit = _UNIT[(m.group(2) or "d").lower()]
        said.append(f"'{m.group().strip()}' read as the last {m.group(1)} {unit}")
        return f"in the last {m.group(1)} {unit}"

    text = _LAST_N.sub(last, text)
    for pattern, repl in _SHORTHAND:
        text = pattern.sub(repl, text)
    words = text.split(" ")
    kept = [w for w in words if w.lower().strip(",.") not in HESITATIONS]
    if len(kept) != len(words):
        text = " ".join(kept)
    return text, said


_BARE_AGES = re.compile(r"(?<![\w.£$€<>=+-])(18|25|35|45|55|65)(?:\s?-\s?(24|34|44|54|64)|\+)(?![\w.%])")
_AGE_LEFT = (",", "(", ";", ":", "/", ")")
_AGE_LEFT_WORDS = ("based", "and", "customers", "members", "people", "folks", "buyers", "shoppers", "sign-ups",
                   "signups")
_AGE_RIGHT_WORDS = ("only", "and", "in", "from", "who", "w", "with")


def bare_ages(text: str) -> tuple[str, list[tuple[str, str]]]:
    """"(Edinburgh, Glasgow) 55+", "sign-ups, 18-34, ...": a range or "N+" standing alone on age band edges
    is read as an age (asked: nothing names the field)."""
    guesses: list[tuple[str, str]] = []
    for m in reversed(list(_BARE_AGES.finditer(text))):
        left, right = text[:m.start()].rstrip(), text[m.end():].lstrip()
        left_ok = not left or left.endswith(_AGE_LEFT) or left.split()[-1].lower() in _AGE_LEFT_WORDS
        right_ok = not right or right[0] in ",);:" or right.split()[0].lower().strip(",") in _AGE_RIGHT_WORDS
        if left_ok and right_ok:
            guesses.append((m.group(), f"'{m.group()}' names no field; I read it as an age"))
            text = text[:m.start()] + "aged " + text[m.start():]
    return text, guesses
