"""Figures in copy, each tied to what it is about.

:func:`check_figures` checks every percentage, amount and number (digits, or words already rewritten
as digits by :func:`agent.campaigns.numwords.spell_out`) against the facts, by meaning:

* a figure next to *off*, *save*, *discount*... is a discount and must be one of the offer's figures;
* an amount next to a product name (or, in customer copy, the nearest in its sentence) must be
  that product's price; a spend threshold (``orders over £40``) must be the offer's minimum spend;
* every figure has one meaning: a duration (``two weeks left``, ``48 hours``, ``a month``) must be
  the days left or the offer's own length, a multiplier (``2x points``) the offer's, and in
  customer copy a bare number must be one of the offer's figures (the 14 days left do not make
  ``14% off`` or ``only 14 left``, and the £9 bowl does not make ``only 9 left``);
* figures about the audience (segment statistics, forecasts, a member's profile) are allowed only in
  rationale text, never in customer-facing copy, which may state the offer, the deadline, the days
  left and product prices.

Text handed in has allowed product names replaced by :func:`product_marker` markers and checked
spans blanked with :data:`BLANK` (same length), so positions stay comparable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from memberinsight.agent.campaigns.facts import Fact, FactSheet
from memberinsight.agent.campaigns.numwords import Spelled
from memberinsight.agent.campaigns.offer_sense import PERCENT, offer_window

BLANK = "\u00a6"
"""Fill character for checked spans: neither a word character nor whitespace."""
MARK_OPEN, MARK_CLOSE, MARK_BASE = "\ue000", "\ue001", 0xE100
CUSTOMER_PARTS = frozenset({"subject", "preview", "body", "sms", "push"})

MONEY = re.compile(r"(?:[£$€]|\b(?:GBP|USD|EUR)\s?)\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                   r"|(?<![\w.])(\d+(?:\.\d+)?)\s?(?:pounds?|quid|dollars?|euros?)\b", re.I)
NUMBER = re.compile(r"(?<![\w])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_DISCOUNT_AFTER = re.compile(r"^\W{0,3}(?:[a-z]+\s+)?(?:off|discount(?:ed)?|savings?|reduction|cash\s?back"
                             r"|markdown|cheaper|less)\b", re.I)
_DISCOUNT_BEFORE = re.compile(r"\b(?:save|saving|savings|discount(?:s|ed)?(?:\s+of)?|reduction(?:\s+of)?|reduced"
                              r"(?:\s+by)?|cash\s?back(?:\s+of)?|knock(?:ed)?|slash(?:ed)?|extra|markdown(?:\s+of)?)"
                              r"\s+(?:(?:an?|up\s+to|at\s+least|just|only|another|you|your|yourself|a\s+further)\s+)*"
                              r"(?:extra\s+)?$", re.I)
_THRESHOLD_BEFORE = re.compile(r"\b(?:over|above|spend(?:ing)?|minimum(?:\s+spend)?(?:\s+of)?|more\s+than|orders?\s+"
                               r"of|basket\s+of)\s+(?:(?:over|above|at\s+least|more\s+than)\s+)?$", re.I)
TIME_SPAN = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*|-)(?:more\s+|whole\s+|full\s+|short\s+|extra\s+"
                       r"|further\s+)?(days?|nights?|weeks?|fortnights?|hours?|hrs?|months?|years?|yrs?)\b", re.I)
DAYS_PER: dict[str, tuple[float, float]] = {"day": (1, 0), "night": (1, 0), "week": (7, 1), "fortnight": (14, 1),
                                            "hour": (1 / 24, 1), "hr": (1 / 24, 1), "month": (30, 4)}
"""Days per unit of a duration and how far (in days) it may round the days left."""
ONE_SPAN = re.compile(r"(?<!once\s)(?<!twice\s)(?<!\bper\s)\b(?:a|one)\s+(?:whole\s+|full\s+)?(week|fortnight|month)"
                      r"\b(?!\s+(?:from|after|before|ago)\b)", re.I)
MULTIPLIER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*[x\u00d7](?!\w)|(?<![\w.])[x\u00d7]\s*(\d+(?:\.\d+)?)(?![\w.])"
                        r"|(?<![\w.])(\d+(?:\.\d+)?)\s+times\b", re.I)
MECHANIC_NUMBERS = re.compile(r"(?<![\w.])\d+\s+for\s+(?:the\s+price\s+of\s+)?\d+\b(?!\s*(?:%|[.,]\d))"
                              r"|\bbuy\s+\d+\W+(?:get|pay\s+for)\s+\d+\b", re.I)
ORDER_ORDINAL = re.compile(r"(?<![\w.])\d+(?:st|nd|rd|th)\s+(?=(?:order|purchase|visit|shop)\b)", re.I)
_BREAK = re.compile(r"[.!?;]\s|\n")
PRODUCT_BEFORE, PRODUCT_AFTER = 32, 20


def product_marker(index: int) -> str:
    """The stand-in for the ``index``-th product of a sheet in checked text."""
    return MARK_OPEN + chr(MARK_BASE + index) + MARK_CLOSE


_MARKER = re.compile(f"{MARK_OPEN}(.){MARK_CLOSE}")


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``start:end`` overwritten by :data:`BLANK` (positions unchanged)."""
    return text[:start] + BLANK * (end - start) + text[end:]


def decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def matches(value: float, written: str, facts: Sequence[float]) -> bool:
    """True when ``value`` (as ``written``) equals a fact at the precision written."""
    places = decimals(written)
    for f in facts:
        if abs(f - value) < 1e-9 or abs(round(f, places) - value) < 1e-9:
            return True
        if places == 0 and abs(f) >= 20 and abs(round(f) - value) < 1e-9:  # "about £43" for £42.60
            return True
    return False


def values(facts: Sequence[Fact], kinds: tuple[str, ...]) -> list[float]:
    return [float(f.value) for f in facts if f.kind in kinds and isinstance(f.value, int | float)
            and not isinstance(f.value, bool)]


def is_discount(text: str, start: int, end: int) -> bool:
    """True when the figure at ``start:end`` reads as a discount (``20% off``, ``save £5``)."""
    return bool(_DISCOUNT_AFTER.match(text[end:end + 30]) or _DISCOUNT_BEFORE.search(text[max(0, start - 40):start]))


def is_threshold(text: str, start: int) -> bool:
    """True when the amount starting at ``start`` is a spend threshold (``orders over £40``)."""
    return bool(_THRESHOLD_BEFORE.search(text[max(0, start - 30):start]))


def bound_product(text: str, start: int, end: int) -> int | None:
    """Index of the product whose name is next to the amount at ``start:end`` (same clause), if any."""
    best: tuple[int, int] | None = None
    for m in _MARKER.finditer(text):
        if m.end() <= start:
            gap, between = start - m.end(), text[m.end():start]
            limit = PRODUCT_BEFORE
        elif m.start() >= end:
            gap, between = m.start() - end, text[end:m.start()]
            limit = PRODUCT_AFTER
        else:
            continue
        if gap > limit or _BREAK.search(between) or _MARKER.search(between) or re.search(r"\d", between):
            continue
        if best is None or gap < best[0] or (gap == best[0] and m.end() <= start):
            best = (gap, ord(m.group(1)) - MARK_BASE)
    return best[1] if best else None


def _offer_text(facts: FactSheet) -> str:
    return f"the offer is {facts.offer}" if facts.offer else "no discount is offered"


def loose_product(text: str, start: int, end: int) -> int | None:
    """Index of the nearest product named in the same sentence as ``start:end`` with no other product or
    figure between them (customer copy: *the Mug is a lovely gift and costs just £9*)."""
    best: tuple[int, int] | None = None
    for m in _MARKER.finditer(text):
        lo, hi = (m.end(), start) if m.end() <= start else (end, m.start())
        if hi < lo:
            continue
        between = text[lo:hi]
        if _BREAK.search(between) or _MARKER.search(between) or re.search(r"\d", between):
            continue
        if best is None or hi - lo < best[0]:
            best = (hi - lo, ord(m.group(1)) - MARK_BASE)
    return best[1] if best else None


def _compound(s: str, text: Spelled, m: re.Match[str]) -> bool:
    """True for a number word inside a compound adjective (*four-legged*, *three-piece*): not a figure."""
    return not text.written(m.start(), m.end()).strip()[:1].isdigit() and bool(re.match(r"-[a-z]", s[m.end():]))


def _idiom(text: Spelled, m: re.Match[str]) -> bool:
    """True for a small number written as a word with no unit (*round two*, *one or two*): not a figure."""
    written = text.written(m.start(), m.end()).strip().lower()
    return written in ("two", "three")


def days_left(facts: FactSheet) -> int | None:
    """Days from the send date to the deadline (``None`` without both)."""
    return (facts.deadline - facts.as_of).days if facts.deadline and facts.as_of else None


def _time_ok(value: float, unit: str, facts: FactSheet, offer: Sequence[Fact]) -> bool:
    unit = unit.lower().rstrip("s")
    if unit in ("hour", "hr", "h") and any(f.key == "offer_hours" and f.value == value for f in offer):
        return True
    if unit == "day" and any(f.key == "offer_days" and f.value == value for f in offer):
        return True
    left = days_left(facts)
    if left is None or unit not in DAYS_PER:
        return False
    per, tolerance = DAYS_PER[unit]
    window = offer_window(facts)
    return any(abs(value * per - days) <= tolerance for days in (left, window) if days is not None)


def _time_spans(s: str, text: Spelled, facts: FactSheet, offer: Sequence[Fact], problems: list[str]) -> str:
    """Durations in customer copy (``two weeks left``, ``48 hours``, ``for 14 days``) must be the offer's:
    the days left to the deadline (a week is 7 days, a month about 30) or the length the offer names."""
    left = days_left(facts)
    ends = f"the offer ends in {left} days" if left is not None else "the offer has no end date"
    for m in TIME_SPAN.finditer(s):
        if not _time_ok(float(m.group(1)), m.group(2), facts, offer):
            problems.append(f"number not in the facts: {text.shown(m.start(1), m.end(1))} {m.group(2)} ({ends})")
        s = blank(s, m.start(), m.end())
    for m in ONE_SPAN.finditer(s):
        if not _time_ok(1.0, m.group(1), facts, offer):
            problems.append(f"duration not in the facts: {m.group().strip()!r} ({ends})")
    return s


def _multipliers(s: str, text: Spelled, facts: FactSheet, offer: Sequence[Fact], problems: list[str]) -> str:
    """A multiplier (``2x points``, ``x2``, ``3 times``) must be the offer's (double points: 2)."""
    allowed = [float(f.value) for f in offer if f.key.startswith("offer_multiplier")
               and isinstance(f.value, int | float)]
    for m in MULTIPLIER.finditer(s):
        written = m.group(1) or m.group(2) or m.group(3)
        if not matches(float(written), written, allowed):
            problems.append(f"multiplier not in the offer: {text.shown(m.start(), m.end())} ({_offer_text(facts)})")
        s = blank(s, m.start(), m.end())
    return s


def _roles(s: str, text: Spelled, facts: FactSheet, offer: Sequence[Fact], customer: bool,
           problems: list[str]) -> str:
    """Numbers whose unit says what they are: multi-buy pairs (``2 for 1``, checked as offer mechanics),
    ordinals of orders (``your 2nd order``, checked as claims), multipliers and, in customer copy,
    durations."""
    for m in MECHANIC_NUMBERS.finditer(s):
        s = blank(s, m.start(), m.end())
    for m in ORDER_ORDINAL.finditer(s):
        s = blank(s, m.start(), m.end())
    s = _multipliers(s, text, facts, offer, problems)
    return _time_spans(s, text, facts, offer, problems) if customer else s


def check_figures(s: str, text: Spelled, facts: FactSheet, part: str, problems: list[str],
                  checked: list[str]) -> str:
    """Check percentages, amounts and plain numbers in ``s``; return it with them blanked.

    ``s`` is ``text.text`` with already-checked spans blanked; ``text`` maps spans back to the
    words as written, for the problem messages. Each figure is read by its role: a discount must
    be the offer's, a spend threshold the offer's minimum spend, a price the named product's, a
    duration the days left, a multiplier the offer's; in customer copy a bare number must be one
    of the offer's figures (``14`` on its own is neither a discount nor a day count).
    """
    customer = part in CUSTOMER_PARTS
    everything = facts.all_facts()
    allowed = facts.customer_facts() if customer else everything
    offer = facts.offer_figures()  # the structured offer's figures (Offer.facts())
    discounts = [f for f in offer if f.key != "offer_threshold"]
    thresholds = [f for f in offer if f.key == "offer_threshold"] or [f for f in offer if f.kind == "money"]
    checked.append("percentages, prices and numbers against the facts")
    checked.append("discounts must be the offer's figures")
    checked.append("prices next to a product must be that product's price")
    checked.append("each figure has one meaning (a day count is not a discount, a price is not a threshold)")
    if customer:
        checked.append("no audience statistics in customer-facing copy")

    copy_keys = {f.key for f in allowed}
    audience = [f for f in everything if f.key not in copy_keys]  # statistics, forecasts, the profile

    def misplaced(value: float, written: str, kinds: tuple[str, ...]) -> bool:
        return customer and matches(value, written, values(audience, kinds))

    s = _roles(s, text, facts, offer, customer, problems)
    for m in PERCENT.finditer(s):
        value, written, shown = float(m.group(1)), m.group(1), text.shown(m.start(), m.end())
        if is_discount(s, m.start(), m.end()):
            if not matches(value, written, values(discounts, ("percent",))):
                problems.append(f"discount not in the offer: {shown} ({_offer_text(facts)})"
                                if matches(value, written, values(everything, ("percent",)))
                                else f"percentage not in the facts: {shown}")
        elif not matches(value, written, values(allowed, ("percent",))):
            problems.append(f"audience figure in customer copy: {shown} (allowed only in a rationale)"
                            if misplaced(value, written, ("percent",)) else f"percentage not in the facts: {shown}")
        s = blank(s, m.start(), m.end())
    for m in MONEY.finditer(s):
        written = (m.group(1) or m.group(2)).replace(",", "")
        value, shown = float(written), text.shown(m.start(), m.end())
        money = values(everything, ("money",))
        product = bound_product(s, m.start(), m.end())
        if product is None and customer:
            product = loose_product(s, m.start(), m.end())
        if is_discount(s, m.start(), m.end()):
            if not matches(value, written, values(discounts, ("money",))):
                problems.append(f"discount not in the offer: {shown} ({_offer_text(facts)})"
                                if matches(value, written, money) else f"price or amount not in the facts: {shown}")
        elif is_threshold(s, m.start()):
            if not matches(value, written, values(thresholds, ("money",))):
                problems.append(f"spend threshold not in the offer: {shown} ({_offer_text(facts)})"
                                if matches(value, written, money) else f"price or amount not in the facts: {shown}")
        elif product is not None:
            p = facts.products[product]
            cut = facts.offer_price(p)
            if p.price is None or not matches(value, written, [p.price] + ([cut] if cut is not None else [])):
                known = f"{facts.currency}{p.price:,.2f}" if p.price is not None else "not given"
                problems.append(f"price of {p.name} is {known} in the facts, not {shown}"
                                if matches(value, written, money) else f"price or amount not in the facts: {shown}")
        elif not matches(value, written, values(allowed, ("money",))):
            problems.append(f"audience figure in customer copy: {shown} (allowed only in a rationale)"
                            if misplaced(value, written, ("money",)) else f"price or amount not in the facts: {shown}")
        s = blank(s, m.start(), m.end())
    numeric = ("money", "percent", "count", "number", "days")
    if customer:  # a price needs its currency sign: a bare 9 is not the £9 bowl
        plain = values(offer, numeric)
    else:  # horizons named in the facts' labels ("in the next 90 days")
        plain = values(allowed, numeric)
        plain += [float(x) for f in everything for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", f.label)]
    left = days_left(facts)
    for m in NUMBER.finditer(s):
        written = m.group(1).replace(",", "")
        if is_discount(s, m.start(), m.end()):  # "save 12", "14 off": a discount, whatever else 12 or 14 is
            if not matches(float(written), written, values(discounts, numeric)):
                problems.append(f"discount not in the offer: {text.shown(m.start(), m.end())} ({_offer_text(facts)})")
            continue
        if _compound(s, text, m) or (customer and _idiom(text, m)):
            continue
        if not matches(float(written), written, plain):
            shown = text.shown(m.start(), m.end())
            if misplaced(float(written), written, numeric):
                problems.append(f"audience figure in customer copy: {shown} (allowed only in a rationale)")
            elif customer and left is not None and float(written) == left:
                problems.append(f"number not in the facts: {shown} ({left} is the days left: a bare {left} "
                                "could mean anything; write it as a duration)")
            else:
                problems.append(f"number not in the facts: {shown}")
    return s
