"""Figures in copy, each tied to what it is about.

:func:`check_figures` checks every percentage, amount and number (digits, or words already rewritten
as digits by :func:`agent.campaigns.numwords.spell_out`) against the facts, by meaning:

* a figure next to *off*, *save*, *discount*... is a discount and must be one of the offer's figures;
* an amount next to a product name must be that product's price (spend thresholds such as
  ``orders over £40`` are not prices);
* figures about the audience (segment statistics, forecasts, a member's profile) are allowed only in
  rationale text, never in customer-facing copy, which may state the offer, the deadline, the days
  left and product prices.

Text handed in has allowed product names replaced by :func:`product_marker` markers and checked
spans blanked with :data:`BLANK` (same length), so positions stay comparable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.campaigns.facts import Fact, FactSheet, offer_facts
from agent.campaigns.numwords import Spelled

BLANK = "\u00a6"
"""Fill character for checked spans: neither a word character nor whitespace."""
MARK_OPEN, MARK_CLOSE, MARK_BASE = "\ue000", "\ue001", 0xE100
CUSTOMER_PARTS = frozenset({"subject", "preview", "body", "sms", "push"})

PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s*cent\b)", re.I)
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


def check_figures(s: str, text: Spelled, facts: FactSheet, part: str, problems: list[str],
                  checked: list[str]) -> str:
    """Check percentages, amounts and plain numbers in ``s``; return it with them blanked.

    ``s`` is ``text.text`` with already-checked spans blanked; ``text`` maps spans back to the
    words as written, for the problem messages.
    """
    customer = part in CUSTOMER_PARTS
    everything = facts.all_facts()
    allowed = facts.customer_facts() if customer else everything
    offer = offer_facts(facts.offer)
    checked.append("percentages, prices and numbers against the facts")
    checked.append("discounts must be the offer's figures")
    checked.append("prices next to a product must be that product's price")
    if customer:
        checked.append("no audience statistics in customer-facing copy")

    def misplaced(value: float, written: str, kinds: tuple[str, ...]) -> bool:
        return customer and matches(value, written, values(everything, kinds))

    for m in PERCENT.finditer(s):
        value, written, shown = float(m.group(1)), m.group(1), text.shown(m.start(), m.end())
        if is_discount(s, m.start(), m.end()):
            if not matches(value, written, values(offer, ("percent",))):
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
        if is_discount(s, m.start(), m.end()):
            if not matches(value, written, values(offer, ("money",))):
                problems.append(f"discount not in the offer: {shown} ({_offer_text(facts)})"
                                if matches(value, written, money) else f"price or amount not in the facts: {shown}")
        elif not is_threshold(s, m.start()) and (i := bound_product(s, m.start(), m.end())) is not None:
            product = facts.products[i]
            if product.price is None or not matches(value, written, [product.price]):
                known = f"{facts.currency}{product.price:,.2f}" if product.price is not None else "not given"
                problems.append(f"price of {product.name} is {known} in the facts, not {shown}"
                                if matches(value, written, money) else f"price or amount not in the facts: {shown}")
        elif not matches(value, written, values(allowed, ("money",))):
            problems.append(f"audience figure in customer copy: {shown} (allowed only in a rationale)"
                            if misplaced(value, written, ("money",)) else f"price or amount not in the facts: {shown}")
        s = blank(s, m.start(), m.end())
    numeric = ("money", "percent", "count", "number", "days")
    plain = values(allowed, numeric)
    if not customer:  # horizons named in the facts' labels ("in the next 90 days")
        plain += [float(x) for f in everything for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", f.label)]
    for m in NUMBER.finditer(s):
        written = m.group(1).replace(",", "")
        if not matches(float(written), written, plain):
            shown = text.shown(m.start(), m.end())
            problems.append(f"audience figure in customer copy: {shown} (allowed only in a rationale)"
                            if misplaced(float(written), written, numeric) else f"number not in the facts: {shown}")
    return s
