"""Numbers in an operator's message: offers, value floors, list sizes, periods, copy variants.

Each number is read by what stands next to it: a currency or "% off" makes an offer ("£10 off orders
over £50"), a comparison with a value word a value floor ("worth over £500", "min value 1000"),
"weeks"/"months" a period, "variants"/"versions" a number of copy variants, "top"/"list"/a noun of
people or things a list size. A year, an age, a date or a price is never a list size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memberinsight.agent.spelling import normalise

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100, "couple": 2, "a couple of": 2, "few": 3, "a few": 3, "dozen": 12, "a dozen": 12,
}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + r")"
_NUM_NO_ONE = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS if w != "one"), key=len,
                                                   reverse=True)) + r")"
MAX_LIST = 1000
"""The longest list a message may ask for; a bigger number is an id, an amount or a year."""
_MONEY_UNIT = r"(?:pounds|quid|gbp|euros?|eur|dollars?|usd)"

# ----- offers (read from the message with its punctuation: a comma ends an offer) --------------------
_OFFER_CORES = (
    re.compile(r"\d+(?:\.\d+)?\s?%\s?(?:off|discount)?", re.I),
    re.compile(r"[£$€]\s?\d+(?:[.,]\d+)?\s?(?:off|voucher|coupon|discount|credit|gift card|cashback)", re.I),
    re.compile(rf"\d+(?:\.\d+)?\s?{_MONEY_UNIT}\s+(?:off|voucher|coupon|discount|credit)", re.I),
    re.compile(r"\bfree\s+(?!to\b|of\b|for\b|and\b)[a-z&]+(?:-[a-z]+)*(?:\s+(?:wrap(?:ping)?|delivery|shipping))?",
               re.I),
    re.compile(r"\b(?:double|triple|2x|3x|bonus|extra)\s+(?:loyalty\s+)?points", re.I),
    re.compile(r"\bbuy\s+(?:one|two|three|\d+)\s+get\s+(?:one|two|\d+)(?:\s+(?:free|half price))?|\bbogo\b|"
               r"\b\d\s?for\s?\d\b|\btwo for one\b|\bthree for two\b", re.I),
    re.compile(r"\bearly access(?:\s+to\s+(?:the\s+|our\s+)?(?:[a-z0-9']+\s+){0,3}?(?:sale|sales|launch|range|"
               r"collection|drop|event|preview|deals?|offers?)\b|\s+to\s+(?:the\s+|our\s+)?(?:new|latest|upcoming|"
               r"next)?\s*[a-z]+)?", re.I),
    re.compile(r"\b(?:a\s+)?(?:birthday|welcome|loyalty)\s+(?:treat|discount|gift|voucher|bonus)", re.I),
    re.compile(r"\bhalf price\b|\bgift card\b|\bgift with purchase\b", re.I),
)
_AMOUNT = rf"[£$€]?\s?\d+(?:[.,]\d+)?(?:\s?{_MONEY_UNIT})?"
_OFFER_MORE = (
    re.compile(rf"^\s+(?:on|for|with|across)?\s*(?:all\s+|any\s+|your\s+|their\s+|the\s+)?(?:first\s+|next\s+|second\s+|third\s+|2nd\s+|3rd\s+)?"
               rf"(?:orders?|purchases?|baskets?|items?|reorders?)(?:\s+(?:over|above|of|from)\s+{_AMOUNT})?", re.I),
    re.compile(rf"^\s+(?:over|above|when (?:you|they) spend|(?:with\s+a\s+)?min(?:imum)?\s+spend(?:\s+of)?)\s+"
               rf"{_AMOUNT}", re.I),
    re.compile(r"^\s+(?:this|next|all|over the)?\s*(?:weekend|week|month|sunday|saturday|friday|bank holiday)",
               re.I),
    re.compile(r"^\s+(?:voucher|coupon|code|offer)\b", re.I),
    re.compile(r"^\s+(?:sitewide|site-wide|storewide|everything|for (?:a|one) week|for 48 hours|"
               r"for (?:one|\d+) days?)", re.I),
)
_OFFER_LEAD = re.compile(r"\b(?:offer(?:ing)?|thinking of(?: offering)?|promo(?:tion)?|deal)\s*(?:is|of|:|-)?\s*"
                         r"([^,.;:?!()]{3,60})", re.I)
_CLAUSE_END = re.compile(r"[,.;:?!()]|\s-\s|\s(?:but|because|so|and then|for (?:the|our)|to (?:the|our|all))\s",
                         re.I)


def read_offer(text: str) -> str | None:
    """The offer the message names, with its conditions ("£10 off orders over £50"), or None."""
    best: tuple[int, int] | None = None
    for rx in _OFFER_CORES:
        m = rx.search(text)
        if m and (best is None or m.start() < best[0]):
            best = m.span()
    if best is None:
        lead = _OFFER_LEAD.search(text)
        if not lead or not re.search(r"[£$€%\d]|\bfree\b|\bpoints\b|\baccess\b", lead.group(1), re.I):
            return None
        best = lead.span(1)
    start, end = best
    core_end = end
    grown = True
    while grown:
        grown = False
        for rx in _OFFER_MORE:
            m = rx.match(text[end:])
            if m and m.end() > 0:
                end += m.end()
                grown = True
    stop = _CLAUSE_END.search(text, start + 1)
    while stop and start < stop.start() < core_end:  # "early access to the autumn sale": the core is whole
        stop = _CLAUSE_END.search(text, stop.end())
    if stop and stop.start() < end and stop.start() > start:
        end = stop.start()
    return re.sub(r"\s+", " ", text[start:end]).strip(" -") or None


# ----- numbers in normalised text ---------------------------------------------------------------------
_CLV_RES = (
    re.compile(r"(?:clv|lifetime value|value|worth|spen[dt]\w*)\s*(?:is\s+|of\s+)?"
               r"(?:over|above|more than|greater than|at least|exceeding|>=?|min(?:imum)?|of at least)\s*"
               rf"[£$€]?\s*(\d+(?:\.\d+)?)\s*(k\b)?(?:\s*{_MONEY_UNIT})?"),
    re.compile(r"(?:min(?:imum)?|at least|over|above)\s+(?:predicted\s+|lifetime\s+)?(?:value|clv|worth|spend)\s*"
               rf"(?:of\s+)?[£$€]?\s*(\d+(?:\.\d+)?)\s*(k\b)?(?:\s*{_MONEY_UNIT})?"),
    re.compile(r"(?:over|above|more than|greater than|at least|exceeding)\s*"
               rf"(?:[£$€]\s*(\d+(?:\.\d+)?)\s*(k\b)?(?:\s*{_MONEY_UNIT})?|(\d+(?:\.\d+)?)\s*(k\b)?\s*{_MONEY_UNIT})"),
    # a bare amount at the end of a clause ("only those over 500"): nothing else is counted that high
    re.compile(r"(?:over|above|more than|greater than|at least|exceeding)\s+(\d{2,}(?:\.\d+)?)\s*(k\b)?"
               r"(?=\s*(?:$|please|pls|only|thanks|[.,;?!]))"),
)
_CLV_PLUS_RE = re.compile(r"(?:worth|value|clv|spen[dt]\w*)\s*(?:of\s+)?[£$€]?\s*(\d+(?:\.\d+)?)\s*(k\b)?\s*"
                          rf"(?:{_MONEY_UNIT}\s*)?(?:\+|or more|and (?:up|above|over)|plus)")
_VARIANTS_RE = re.compile(rf"\b{_NUM}\s+(?:[a-z-]+\s+){{0,2}}(?:variants?|versions?|options|alternatives|drafts|takes)\b")
_LIMIT_RES = (
    re.compile(rf"\btop\s+{_NUM}\b"),
    re.compile(rf"\b{_NUM}\s+(?:most\s+|least\s+)?(?:[a-z-]+\s+)?(?:customers|members|people|products|items|"
               r"recommendations|suggestions|reviews|churn risks|risks|ideas|names|ones|results|picks|rows|things|"
               r"shoppers|buyers|accounts)\b"),
    re.compile(rf"\b{_NUM}\s+of\s+(?:them|those|these)\b"),
    re.compile(rf"\b(?:list|show|give me|only|just|about|around|maybe|make it|limit to|first|the)\s+"
               rf"(?:the\s+)?(?:top\s+|first\s+|only\s+)?{_NUM_NO_ONE}\b"),
    re.compile(rf"\b{_NUM_NO_ONE}\s+(?:please|pls)\b"),
)
_NOT_A_COUNT_AFTER = re.compile(r"^\s?(?:%|k\b|x\b|st\b|nd\b|rd\b|th\b|years?|yrs?|old|days?|hours?|hrs?|minutes?|"
                                r"weeks?|months?|am\b|pm\b|" + _MONEY_UNIT + r"|jan|feb|mar|apr|may|jun|jul|aug|"
                                r"sep|oct|nov|dec|star|stars|variants?|versions?|percent|cm\b|mm\b|ml\b|litres?|liters?|kg\b|g\b|"
                                r"inch\w*|ft\b|feet|metres?|meters?|m\b|pcs?\b|pieces?|packs?\b|seater|person|man\b|"
                                r"player|watt|w\b|v\b|mah)")
# A number right after one of these words names a thing, it does not count ("cluster 4", "tier 2").
_NOT_A_COUNT_BEFORE = re.compile(r"\b(?:clusters?|segments?|groups?|tiers?|levels?|rooms?|pages?|steps?|"
                                 r"versions?|options?|no|number|id|q|week|day|at|size|sizes|sized|aged?|ages|pack of|set of|model|"
                                 r"series|gen|mark|mk|type|batch|order|invoice)\s?#?\s?$")
_PERIOD_WORDS = ((re.compile(r"\bnext\s+week\b|\bcoming\s+week\b|\bweek ahead\b"), 1),
                 (re.compile(r"\b(?:next|coming|this)\s+month\b|\bmonth ahead\b"), 4),
                 (re.compile(r"\b(?:next|coming|this)\s+quarter\b|\bquarter\b"), 13),
                 (re.compile(r"\b(?:next|coming)\s+year\b"), 52))


def number_value(token: str) -> float:
    """A number token as a float ("12", "2.5", "twelve", "a few")."""
    token = token.lower().strip()
    return float(WORD_NUMBERS[token]) if token in WORD_NUMBERS else float(token.replace(",", ""))


@dataclass
class Numbers:
    """What the numbers of a message say, and where they are in the normalised text."""

    offer: str | None = None
    limit: int | None = None
    min_clv: float | None = None
    weeks: int | None = None
    variants: int | None = None
    masked: list[tuple[int, int, str]] = field(default_factory=list)
    """Spans to replace by a placeholder in the routed text."""
    plain: list[tuple[int, int]] = field(default_factory=list)
    """Spans that are values but stay in the routed text (period words, offers, keywords)."""

    def taken(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e, _ in self.masked] + self.plain


def _free(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return not any(s < span[1] and span[0] < e for s, e in taken)


def read_numbers(text: str, raw: str | None = None) -> Numbers:
    """Offers, value floor, list size, weeks and variants in normalised ``text`` (``raw``: the message
    with its punctuation, for the offer's extent)."""
    out = Numbers()
    offer = read_offer(raw if raw is not None else text)
    if offer:
        out.offer = offer
        key = normalise(offer)
        at = text.find(key)
        if at >= 0:
            out.plain.append((at, at + len(key)))
    for rx in (*_CLV_RES, _CLV_PLUS_RE):
        m = rx.search(text)
        if not m or not _free(m.span(), out.taken()):
            continue
        groups = [g for g in m.groups()]
        number = next(g for g in groups if g and g[0].isdigit())
        kilo = any(g == "k" for g in groups)
        out.min_clv = number_value(number) * (1000 if kilo else 1)
        first = next(i for i, g in enumerate(groups, start=1) if g == number)
        end = m.start() + len(m.group().rstrip())
        out.masked.append((m.start(first), end, "amount"))
        out.plain.append((m.start(), m.start(first)))
        break
    m = _VARIANTS_RE.search(text)
    if m and _free(m.span(1), out.taken()):
        out.variants = int(number_value(m.group(1)))
        out.plain.append(m.span())
    for rx, unit in ((re.compile(rf"\b{_NUM}[\s-]+weeks?\b"), 1.0), (re.compile(rf"\b{_NUM}[\s-]+months?\b"), 4.345),
                     (re.compile(rf"\b{_NUM}[\s-]+days?\b"), 1 / 7)):
        m = rx.search(text)
        if m and _free(m.span(), out.taken()):
            out.weeks = max(1, round(number_value(m.group(1)) * unit))
            out.masked.append((m.start(), m.end(), "period"))
            break
    else:
        for rx, weeks in _PERIOD_WORDS:
            m = rx.search(text)
            if m:
                out.weeks = weeks
                out.plain.append(m.span())
                break
    for rx in _LIMIT_RES:
        for m in rx.finditer(text):
            value = number_value(m.group(1))
            if _free(m.span(1), out.taken()) and not _NOT_A_COUNT_AFTER.match(text[m.end(1):]) \
                    and not _NOT_A_COUNT_BEFORE.search(text[:m.start(1)]) \
                    and value.is_integer() and 0 < value <= MAX_LIST:
                out.limit = int(number_value(m.group(1)))
                out.masked.append((m.start(1), m.end(1), "some"))
                break
        if out.limit is not None:
            break
    if out.limit is None:  # a lone small number that is nothing else: a list size ("20 please", "make it 5")
        loose = [m for m in re.finditer(r"(?<![\w£$€.#-])(\d{1,3})(?![\w.%-])", text)
                 if _free(m.span(), out.taken()) and not _NOT_A_COUNT_AFTER.match(text[m.end():])
                 and not re.search(r"[£$€]\s?$", text[:m.start()]) and not _NOT_A_COUNT_BEFORE.search(text[:m.start()])]
        if len(loose) == 1 and 0 < int(loose[0].group(1)) <= MAX_LIST:
            out.limit = int(loose[0].group(1))
            out.masked.append((loose[0].start(), loose[0].end(), "some"))
    return out
