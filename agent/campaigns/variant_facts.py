"""What a composed variant may say: placeholder values, the needs the facts meet, and the product it leads with.

:func:`context` reads the :class:`~agent.campaigns.facts.FactSheet` once per campaign: the offer
as copy states it, when it ends (a short window is said in every piece), the minimum spend, where
the customer stands (:func:`situation`), and the products worth showing on the send date
(out-of-season ones dropped while others remain: :mod:`agent.campaigns.season`).
:func:`lead_products` orders the products that may lead a variant: in season first, at or above
the offer's minimum spend, and for a first-time customer never the cheapest item.
:func:`product_values` fills the lead product's placeholders and the needs its wording depends on
(``singular`` for "it", ``low_price`` for "just £X").
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from memberinsight.agent.campaigns.facts import FactSheet, ProductFact
from memberinsight.agent.campaigns.meaning import segment_class
from memberinsight.agent.campaigns.offer_sense import offer_window
from memberinsight.agent.campaigns.season import hemisphere, season_fit, seasonal
from memberinsight.agent.campaigns.slots import short_date

if TYPE_CHECKING:
    from memberinsight.agent.campaigns.offers import Offer

SHORT_WINDOW_DAYS = 3
"""An offer ending within this many days of the send date (a weekend, "today only") has a short window."""
AMOUNT_OFF_MULTIPLE = 2.0
"""A fixed amount off leads with a product priced at least this many times the amount."""
HERO_FLOOR_SHARE = 0.6
"""A product leads an email only when priced at least this share of the sheet's median product price..."""
HERO_BASKET_SHARE = 0.2
"""...and at least this share of the audience's average order value (a £6 chew toy is no hero for 15% off)."""
PET_WORDS = re.compile(r"\b(?:pets?|cats?|kittens?|dogs?|pupp(?:y|ies)|aquarium|hamsters?|rabbits?)\b", re.I)
SPECIES_WORDS = re.compile(r"\b(?:cats?|kittens?|dogs?|pupp(?:y|ies)|hamsters?|rabbits?|birds?|fish)\b", re.I)
"""Pet products lead only when nothing else is on the sheet, and then one for any pet before one for a cat or dog:
the copy must not assume the customer owns a particular animal."""
LOW_PRICE_SHARE = 0.75
"""A price at most this share of its category's median is low enough for "just £X"."""
NOT_YET = re.compile(
    r"\bnow\b|\btoday\b|\btonight\b|\bright\s+away\b|\bnext\s+(?:visit|order)\b|\bno\s+better\s+moment\b"
    r"|\bthis\s+is\s+a\s+good\s+moment\b|\bwhile\s+(?:it|the\s+offer)\s+lasts\b|\bthere'?s\s+time\b"
    r"|\bavailable\s+for\s+a\s+short\s+time\b|\bcould\s+earn\b", re.I)
"""Wording that places the offer in the present or on any next order: untrue of an offer whose window has not
opened on the send date ("double points: now is a good time to treat yourself" sent on a Monday)."""
POINTS_EXPLAINED = "Points you earn can be spent on your next order."
"""How points work, in a few words, for a customer who may never have earned any."""
ACCESS_EXPLAINED = "You can shop it now, before it opens to everyone."
"""What early access means, said once: it starts now, before the sale opens to everyone (raters found "early
access ... until 21 December" confusing). The date it opens to all is said only when it is a fact."""
TERMS_ELSEWHERE = frozenset({"bogo", "multi_buy", "free_gift"})
"""Offers whose working (which items, which gift) the fact sheet does not hold: the email's small print points to
the full terms rather than inventing them (raters: "buy one, get one free" never said how it works)."""
FULL_TERMS = "Full terms are on the offer page."
SHORT_EXPLAINED = {POINTS_EXPLAINED: "Points can be spent on your next order.",
                   ACCESS_EXPLAINED: "Shop it now, before it opens to everyone."}
"""The same, where an SMS has room for it."""
_SITUATIONS = {"new": "new", "recent": "recent", "loyal": "loyal", "slowing": "slowing", "lapsed": "lapsed"}
CONSUMABLE_CATEGORY = re.compile(r"\b(?:grocer\w*|food|drinks?|pantry|toiletr\w*|skincare|personal\s+care)\b", re.I)
"""Categories whose every item runs out ("Beauty" or "Baby" do not: a hair dryer, a baby monitor)."""
CONSUMABLE = re.compile(
    r"\b(?:coffee|tea|snacks?|treats|moisturiser|shampoo|conditioner|soap|cleanser|serum|vitamins?|toothpaste"
    r"|detergent|refills?|pods|capsules|litter|beans|food)\b", re.I)
"""Product names of things that run out: ``stock up`` reads true beside them, not beside a tray or a hub."""
EQUIPMENT = re.compile(
    r"\b(?:grinder|maker|machine|bowl|table|monitor|dispenser|dryer|tray|holder|rack|scoop|mug|cups?|feeder|tin"
    r"|caddy|box|bag|bottle|jar|pot|kettle|press)\b", re.I)
"""Words that make a name a thing for a consumable rather than the consumable ("Coffee Grinder", "Litter Tray")."""
_NOT_PLURAL = ("ss", "us", "is", "mas", "ous", "ics")


@dataclass
class Context:
    """What a variant may say: placeholder values, the needs met, the offer's kind and the products."""

    values: dict[str, str]
    available: frozenset[str]
    kind: str | None
    has_offer: bool
    terms: str
    products: list[ProductFact]
    when: str = ""
    """A short offer's window (``this weekend``, ``today only``, ``until Tuesday``): every phrase that
    states the offer but not the deadline says it, so no variant reads as an open-ended offer."""
    situation: str | None = None
    """Where the customer stands (``new``, ``recent``, ``loyal``, ``slowing``, ``lapsed``; None: unknown)."""
    starts_later: bool = False
    """The offer's window opens after the send date (a weekend offer sent Monday to Friday): every piece that
    states the offer says the window, none states the deadline alone, and no phrase places the offer in the
    present (:data:`NOT_YET`)."""
    dated: str = ""
    """The window with its days, where a piece has room (an SMS, the email body and small print): ``this
    weekend, Saturday 12 and Sunday 13 December`` (raters: "this weekend" sent on a Monday reads as vague).
    Empty when :attr:`when` needs no dates."""
    explain: str = ""
    """A few words on how the offer works, for customers who may not know the scheme (points to a first-time
    customer): the email says it after the offer, an SMS where it fits."""


def situation(facts: FactSheet) -> str | None:
    """Where the audience stands, from its segment (:func:`agent.campaigns.meaning.segment_class`)."""
    return _SITUATIONS.get(segment_class(facts))


def context(facts: FactSheet) -> Context:
    """The campaign-wide values and needs (the lead product's come from :func:`product_values`)."""
    offer = facts.offer_terms
    phrase = facts.offer_phrase() if facts.offer.strip() else ""
    values = {"brand": facts.brand, "offer": phrase, "Offer": facts.offer_phrase(start=True) if phrase else ""}
    available = {"offer"} if phrase else {"no_offer"}
    days = (facts.deadline - facts.as_of).days if facts.deadline and facts.as_of else None
    when = ""
    later = bool(phrase) and _starts_later(facts)
    access = bool(phrase) and offer is not None and offer.kind == "early_access"
    if later:
        # A weekend offer sent Monday to Friday (Thursday and Friday too, when the deadline is near): "until
        # Sunday" would read as running from today, so no phrase may use the deadline alone and every piece
        # says the days it runs.
        when = (offer.when() if offer is not None else "") or "this weekend"
    elif access:
        # Early access opens now, before the sale opens to everyone: "early access ... until 21 December" read
        # as if the sale itself started later, so no piece states the deadline; the small print says it.
        pass
    elif phrase and facts.deadline and days is not None and days <= SHORT_WINDOW_DAYS:
        # A short window is the reason to act, so it is said in every piece; the deadline reads as a day
        # ("until Sunday", "ends tonight"), never as a count of days.
        values["deadline"] = _near_day(days, facts)
        available.add("deadline")
        when = _short_when(days, facts)
    elif phrase and facts.deadline:
        values["deadline"] = short_date(facts)
        available.add("deadline")
        if days is not None and days >= 2:
            values["days_left"] = f"{days} days"
            available.add("days_left")
    if offer is not None and offer.threshold is not None:
        values["threshold"] = offer.money(offer.threshold)
        available.add("threshold")
    elif phrase:
        available.add("no_threshold")  # the offer is the customer's outright: it may be "saved" or "yours"
    orders = facts.stat("avg_orders")
    if orders is not None and orders >= 1 and "no purchases" not in facts.segment.lower():
        available.add("orders")
    named = [p for p in facts.products if p.name.strip() and not p.name.lower().startswith("our ")]
    products = seasonal(named, facts.as_of, hemisphere(facts.country))
    if offer is not None and offer.threshold is not None:  # list first the picks that reach the minimum spend
        products.sort(key=lambda p: p.price is None or float(p.price) < float(offer.threshold or 0))
    if products:
        available.add("product")
    if len(products) >= 2:
        available.add("products_2")
    terms = ""
    if phrase:
        terms = offer.terms(facts.as_of) if offer is not None else ""
        if facts.deadline and "Ends " not in terms:  # the sheet's deadline (the offer text named none)
            ahead = {0: "today, ", 1: "tomorrow, "}.get(days, "") if days is not None else ""
            terms = f"{terms} Ends {ahead}{short_date(facts)}.".strip()
    days_said = weekend_days(facts) if later and offer_window(facts) else ""  # Saturday must be a fact
    dated = f"{when}, {days_said}" if days_said and when == "this weekend" else ""
    if later and facts.deadline:  # the small print says the days it runs, not only when it ends
        rest = re.sub(r"\s*Ends [^.]*\.", "", terms).strip()
        terms = f"Valid this weekend only, ending {short_date(facts)}." + (f" {rest}" if rest else "")
    if access and terms.startswith("Ends "):
        terms = "Early access e" + terms[1:]
    where = situation(facts)
    if where != "new":  # "your points" assumes the scheme is known: not to a first-time customer
        available.add("knows_points")
    explain = POINTS_EXPLAINED if offer is not None and offer.kind == "points_multiplier" and where == "new" else ""
    if access:
        explain = ACCESS_EXPLAINED
    if phrase and offer is not None and offer.kind in TERMS_ELSEWHERE:
        terms = f"{terms} {FULL_TERMS}".strip()  # how the deal works is the operator's to say, not ours to invent
    return Context(values, frozenset(available), offer.kind if offer is not None else None, bool(phrase), terms,
                   products, when, where, later, dated, explain)


def weekend_days(facts: FactSheet) -> str:
    """The two days of a weekend window ending on the sheet's Sunday deadline: ``Saturday 12 and Sunday 13
    December`` (both months named when they differ); empty when the deadline is not a Sunday."""
    end = facts.deadline
    if end is None or end.weekday() != 6:
        return ""
    start = end - timedelta(days=1)
    first = f"{start.day}" if start.month == end.month else f"{start.day} {start:%B}"
    return f"Saturday {first} and Sunday {end.day} {end:%B}"


def _starts_later(facts: FactSheet) -> bool:
    """True for an offer whose window opens after the send date: a weekend offer sent Monday to Friday."""
    words = str(getattr(facts.offer_terms, "deadline_words", "") or "").lower()
    return "weekend" in words and facts.as_of is not None and facts.as_of.weekday() < 5


def _near_day(days: int, facts: FactSheet) -> str:
    """A deadline at most :data:`SHORT_WINDOW_DAYS` away as copy says it: ``tonight``, ``tomorrow``, ``Sunday``."""
    assert facts.deadline is not None
    return {0: "tonight", 1: "tomorrow"}.get(days, facts.deadline.strftime("%A"))


def _short_when(days: int, facts: FactSheet) -> str:
    """When a short offer ends, after the offer: the operator's own safe words (``this weekend``), else
    ``today only`` / ``until tomorrow`` / ``until Sunday``. On its last day a weekend offer says so
    (``this weekend, ending tonight``): raters read a bare "this weekend" sent on the Sunday as hiding it."""
    said = facts.offer_terms.when() if facts.offer_terms is not None else ""
    if said and not said.startswith("until "):  # raters read "today only" for a weekend offer as misframed
        return f"{said}, ending tonight" if days == 0 and "today" not in said else said
    if days == 0:
        return "today only"
    return "until " + _near_day(days, facts)


def lead_products(ctx: Context, facts: FactSheet, play: str) -> list[ProductFact]:
    """The products that may lead a variant, best first: in season on the send date, at or above the
    offer's minimum spend (else the one closest to it), and for a first-time customer not the cheapest
    item (a welcome should not lead with a £5 accessory). Empty without products."""
    hemi = hemisphere(facts.country)
    pool = list(ctx.products)
    offer = facts.offer_terms
    if offer is not None and offer.threshold is not None:  # none reaches it: the one that comes closest
        priced_pool = [p for p in pool if p.price is not None]
        reach = [p for p in priced_pool if float(p.price or 0) >= offer.threshold]
        if priced_pool:
            pool = reach or [max(priced_pool, key=lambda p: float(p.price or 0))]
    pool = _suits_offer(pool, offer)
    pool = hero_worthy(pool, facts)
    priced = [p for p in ctx.products if p.price is not None]
    if (play == "welcome" or ctx.situation == "new") and len(priced) >= 2:
        cheapest = min(priced, key=lambda p: float(p.price or 0))
        pool = [p for p in pool if p is not cheapest] or pool
    # every product an email names shows its price, so an unpriced one leads only when none is priced
    pool = [p for p in pool if p.price is not None] or pool
    return sorted(pool, key=lambda p: -season_fit(p.name, p.category, facts.as_of, hemi))


def hero_worthy(pool: list[ProductFact], facts: FactSheet) -> list[ProductFact]:
    """The products fit to lead an email (set 9: a £5.86 cat toy as the hero of 15% off; pet items that assume a
    pet): priced at least :data:`HERO_FLOOR_SHARE` of the sheet's median price and of the average order value,
    and not cheap for their category; a non-pet product before a pet one, and a pet one for any pet before one
    for a cat or a dog. Each rule is given up when it would leave nothing."""
    priced = [float(p.price) for p in facts.products if p.price is not None]
    basket = facts.stat("avg_order_value")
    floor = max(HERO_FLOOR_SHARE * statistics.median(priced) if priced else 0.0,
                HERO_BASKET_SHARE * basket if basket else 0.0)
    keep = [p for p in pool if p.price is None or (float(p.price) >= floor and not low_priced(p, facts.products))]
    pool = keep or pool
    for test in (_is_pet, _is_species):
        pool = [p for p in pool if not test(p)] or pool
    return pool


def _is_pet(product: ProductFact) -> bool:
    return bool(PET_WORDS.search(f"{product.category} {product.name}"))


def listed_order(products: Sequence[ProductFact]) -> list[ProductFact]:
    """``products`` for an email's list: those for a particular animal last (the list must not assume a pet)."""
    return sorted(products, key=_is_species)


def mixed_picks(products: Sequence[ProductFact], lead: ProductFact | None, listed: int) -> bool:
    """True when an email's picks (``lead`` and the first ``listed`` others) span more than one category, so
    no line may call them one category's selection ("our Outdoor range" over a memory card)."""
    shown = [lead, *listed_order([p for p in products if p is not lead])[:listed]] if lead is not None else []
    return len({p.category for p in shown}) > 1


def _is_species(product: ProductFact) -> bool:
    return bool(SPECIES_WORDS.search(product.name))


def _suits_offer(pool: list[ProductFact], offer: Offer | None) -> list[ProductFact]:
    """The products that make sense with the offer: for a fixed amount off, one priced at least
    :data:`AMOUNT_OFF_MULTIPLE` times the amount (else the dearest: £10 off a £5.86 toy reads oddly); for
    buy-one-get-one or a multi-buy, one people buy more than one of: priced at or below the pool's median
    (not a £48 compost bin). Unchanged when no product qualifies or prices are unknown."""
    priced = [p for p in pool if p.price is not None]
    if offer is None or not priced:
        return pool
    if offer.kind == "amount_off" and offer.value:
        fits = [p for p in priced if float(p.price or 0) >= AMOUNT_OFF_MULTIPLE * offer.value]
        return fits or [max(priced, key=lambda p: float(p.price or 0))]
    if offer.kind in ("bogo", "multi_buy") and len(priced) >= 2:
        middle = statistics.median(float(p.price or 0) for p in priced)
        return [p for p in priced if float(p.price or 0) <= middle] or pool
    return pool


def plural(product: ProductFact) -> bool:
    """True when the product's short name is plural (``Gardening Gloves``): copy must not call it "it"."""
    words = re.findall(r"[A-Za-z']+", product.short_name.lower())
    last = words[-1] if words else ""
    return len(last) > 3 and last.endswith("s") and not last.endswith(_NOT_PLURAL)


def low_priced(product: ProductFact, products: Sequence[ProductFact]) -> bool:
    """True when ``product`` costs at most :data:`LOW_PRICE_SHARE` of its category's median price (the
    catalogue's, else that of at least three products on the sheet in the same category)."""
    if product.price is None:
        return False
    ref = product.category_price
    if ref is None:
        same = [float(p.price) for p in products if p.price is not None and p.category == product.category]
        ref = statistics.median(same) if len(same) >= 3 else None
    return ref is not None and float(product.price) <= LOW_PRICE_SHARE * ref


def product_values(lead: ProductFact | None, facts: FactSheet) -> tuple[dict[str, str], set[str]]:
    """The lead product's placeholder values and the needs they meet."""
    if lead is None:
        return {}, set()
    values = {"product": lead.short_name}
    needs = {"product"}
    if lead.price is not None:
        values["product_price"] = f"{facts.currency}{lead.price:,.2f}"
        needs.add("product_price")
        if low_priced(lead, facts.products):
            needs.add("low_price")
    if lead.category:
        values["category"] = lead.category
        needs.add("category")
    if not plural(lead):
        needs.add("singular")
    if consumable(lead):
        needs.add("consumable")
    return values, needs


def consumable(product: ProductFact) -> bool:
    """True when ``product`` runs out (``stock up`` reads true beside it): a consumable category, or a consumable
    named in its title that the title does not make a container or a machine for ("Coffee Grinder")."""
    if EQUIPMENT.search(product.name):
        return False
    return bool(CONSUMABLE_CATEGORY.search(product.category or "") or CONSUMABLE.search(product.name))


def below_threshold(lead: ProductFact | None, facts: FactSheet) -> bool:
    """True when the offer needs a minimum spend the lead product's price does not reach."""
    offer = facts.offer_terms
    return (lead is not None and lead.price is not None and offer is not None and offer.threshold is not None
            and float(lead.price) < offer.threshold)


_DATE_WORDS = re.compile(r"\b(?:until|before|ends?|this\s+weekend|today|tonight|tomorrow|reply\s+stop\s+to\s+opt\s+out"
                         r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july"
                         r"|august|september|october|november|december|\d+)\b", re.I)


def near_duplicate(text: str, other: str, facts: FactSheet) -> bool:
    """True when two short pieces (SMS, push) differ only in a word or two around the same offer: their own
    words (the offer, its dates, the brand, the opt-out and the name left out) are the same, or one's are all
    in the other's ("With our thanks" / "With our sincere thanks"). Two bare offers count as the same."""
    from memberinsight.agent.campaigns.coherence import content

    def own(t: str) -> set[str]:
        for said in (facts.offer_phrase(start=True), facts.offer_phrase(), facts.brand):
            if said:
                t = re.sub(re.escape(said), " ", t, flags=re.I)
        return set(content(_DATE_WORDS.sub(" ", t)))

    a, b = own(text), own(other)
    if not a or not b:
        return a == b
    return a <= b or b <= a or len(a & b) / len(a | b) >= 0.6
