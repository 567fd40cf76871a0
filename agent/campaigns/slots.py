"""Facts as placeholders: the model writes ``{offer}``, ``{deadline}``, ``{product_1}``... and code fills them in.

A small model copies figures badly and invents them freely. Asked to write placeholders instead,
it only has to decide *where* a fact goes; :func:`fill` then puts the sheet's own wording there
(the offer as the operator typed it, the deadline as ``Monday 31 March``, a product's name and
price), so no number, date or price in the text comes from the model. The filled text is still
checked in full by :func:`agent.campaigns.grounding.check_copy`.

``{first_name}`` is a personalisation token for the sending tool, not a fact: it is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memberinsight.agent.campaigns.facts import FactSheet

MAX_PRODUCT_SLOTS = 3
ALIASES: dict[str, str] = {
    "discount": "offer", "deal": "offer", "promotion": "offer", "promo": "offer", "offer_text": "offer",
    "end_date": "deadline", "date": "deadline", "expiry": "deadline", "expiry_date": "deadline",
    "offer_end": "deadline", "offer_ends": "deadline", "end": "deadline", "ends": "deadline",
    "brand_name": "brand", "shop": "brand", "shop_name": "brand", "store": "brand", "store_name": "brand",
    "company": "brand", "company_name": "brand", "product": "product_1", "product_name": "product_1",
    "price": "price_1", "product_price": "price_1",
}
"""Names a model writes for a known slot (``{discount}`` for ``{offer}``), read as that slot."""
_SLOT = re.compile(r"\{\{?\s*([A-Za-z][A-Za-z0-9_ ]{0,30}?)\s*\}?\}")


@dataclass(frozen=True)
class Slot:
    """A placeholder the writer may use, the sheet's value for it, and what it stands for."""

    name: str
    value: str
    label: str

    @property
    def token(self) -> str:
        return "{" + self.name + "}"


def short_date(facts: FactSheet) -> str:
    """The deadline as copy states it: ``Monday 31 March`` (empty without a deadline)."""
    d = facts.deadline
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B')}" if d else ""


def slots(facts: FactSheet) -> list[Slot]:
    """The placeholders for ``facts``: brand, offer, deadline, days left, products and their prices."""
    out = [Slot("brand", facts.brand, "the shop's name")]
    if facts.offer.strip():
        out.append(Slot("offer", facts.offer_phrase(), "the offer"))  # the parsed offer, never the raw text
    if facts.deadline:
        out.append(Slot("deadline", short_date(facts), "when the offer ends"))
        if facts.as_of:
            days = (facts.deadline - facts.as_of).days
            out.append(Slot("days_left", f"{days} day{'s' if days != 1 else ''}", "days until the offer ends"))
    for i, p in enumerate(facts.products[:MAX_PRODUCT_SLOTS], start=1):
        out.append(Slot(f"product_{i}", p.name, "a product"))
        if p.price is not None:
            out.append(Slot(f"price_{i}", f"{facts.currency}{p.price:,.2f}", f"the price of {p.name}"))
    return out


def slot_prompt(facts: FactSheet) -> str:
    """The placeholder table shown to the writer: ``{offer} = 15% off``, one per line."""
    return "\n".join(f"{s.token} = {s.value}" for s in slots(facts))


def _slot_key(m: re.Match[str]) -> str:
    key = re.sub(r"\s+", "_", m.group(1).strip().lower())
    return ALIASES.get(key, key)


def slot_values(facts: FactSheet) -> list[str]:
    """Every value a placeholder of ``facts`` is filled with (product names, dates, the brand...)."""
    return [s.value for s in slots(facts)]


def slot_names(text: str) -> list[str]:
    """The placeholders written in ``text``, in order, by the names :func:`fill` reads them as."""
    return [_slot_key(m) for m in _SLOT.finditer(text)]


def fill(text: str, facts: FactSheet) -> tuple[str, dict[str, str]]:
    """``text`` with each known placeholder replaced by the sheet's value; returns (text, {slot: value}).

    Names are matched without regard to case, spacing or doubled braces, and common aliases count
    (:data:`ALIASES`). ``{first_name}`` and unknown placeholders are left for the checker, which
    allows the first and rejects the rest.
    """
    table = {s.name: s.value for s in slots(facts)}
    used: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        key = _slot_key(m)
        if key not in table:
            return m.group(0)
        used[key] = table[key]
        if key == "offer" and re.search(r"(?:^|[.!?]\s+|\n\s*)$", text[:m.start()]):
            return facts.offer_phrase(start=True)  # "Buy one, get one free ends Sunday", not "buy one..."
        return table[key]

    filled = _SLOT.sub(swap, text)
    return _tidy(filled, used), used


def _tidy(text: str, used: dict[str, str]) -> str:
    """Repair the seams a filled value leaves: ``15% off off`` -> ``15% off``, ``the the``."""
    offer = used.get("offer", "")
    if offer:
        last = offer.split()[-1]
        text = re.sub(rf"(?<!\w)({re.escape(offer)})\s+{re.escape(last)}\b", r"\1", text, flags=re.I)
    return re.sub(r"\b(the|a|an|your|our)\s+\1\b", r"\1", text, flags=re.I)
