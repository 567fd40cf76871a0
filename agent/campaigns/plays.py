"""Campaign plays and the rules that choose one for an audience, with reasons tied to its figures.

A :class:`Play` is a campaign pattern (win-back, VIP early access, welcome to the second order...):
its channels, how many sends, its usual offer and what success is measured by. :func:`choose_play`
picks one from the fact sheet (the RFM segment, predicted value and churn risk against all members,
days since the last order against the usual gap, the share bought on discount, the operator's
offer) and returns the reasons, each a sentence citing a figure from the sheet.
:func:`~agent.campaigns.suggestion.suggest` turns the choice into a plan an operator can run.

Play keys are shared with the phrase bank: ``win_back``, ``reactivation`` (a cheaper win-back for
low-value lapsed members), ``thank_you`` (VIP), ``early_access``, ``welcome`` (the second order),
``replenishment``, ``cross_sell``, ``price_drop``, ``review_request``, ``loyalty_points``. Old keys
still resolve through :data:`PLAY_ALIASES` (``onboarding`` -> ``welcome``, ``loyalty`` ->
``loyalty_points``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.format import days, money, pct


@dataclass(frozen=True)
class Play:
    """A campaign pattern: its aim, channels, sends, usual offer and what success is measured by.

    ``sends``: 1, or 2 when a reminder on ``reminder_channel`` goes to those who have not acted.
    ``metric``: what the test compares (``order``: members who order; ``review``: who write a review).
    ``horizon_days``: how long to measure when the offer has no deadline.
    """

    key: str
    name: str
    objective: str
    channels: tuple[str, ...]
    default_offer: str
    sends: int = 1
    reminder_channel: str = "email"
    metric: str = "order"
    horizon_days: int = 30


PLAYS: dict[str, Play] = {p.key: p for p in (
    Play("win_back", "Win-back for valuable lapsed members",
         "Bring back members who used to spend well before they are lost", ("email", "sms"), "15% off",
         sends=2, reminder_channel="SMS"),
    Play("reactivation", "Low-cost reactivation", "Wake up lapsed, low-value members without over-spending",
         ("email",), "10% off"),
    Play("thank_you", "VIP thank-you", "Thank the best members and keep them close", ("email",), ""),
    Play("early_access", "VIP early access", "Give the best members first pick of what is coming",
         ("email",), "early access to new arrivals"),
    Play("welcome", "Welcome series", "Get new members to their next order: the first, or the second that makes "
         "a habit", ("email",), "10% off your second order", sends=2),
    Play("replenishment", "Replenishment reminder", "Prompt members who are due to order again", ("email",),
         "free delivery", horizon_days=21),
    Play("cross_sell", "Cross-sell from recommendations", "Grow baskets with products these members are likely "
         "to want", ("email",), "free delivery"),
    Play("price_drop", "Price-drop alert", "Tell members about lower prices in a category they buy", ("email",), "",
         horizon_days=14),
    Play("review_request", "Review request", "Ask recent buyers for a review while the order is fresh", ("email",),
         "", metric="review", horizon_days=14),
    Play("loyalty_points", "Loyalty points boost", "Deepen the habit of regular buyers with extra points",
         ("email",), "double points"),
)}
PLAY_ALIASES = {"onboarding": "welcome", "loyalty": "loyalty_points", "vip": "thank_you"}
"""Keys earlier versions used."""

LAPSED = frozenset({"at risk", "can't lose them", "cant lose them", "hibernating", "lost"})
SLIPPING = frozenset({"need attention", "about to sleep"})
STILL_ACTIVE = frozenset({"need attention"})
"""Slipping segments who still shop: a win-back ("we've missed you") reads wrong to them."""
NEWCOMERS = frozenset({"new", "promising", "no purchases yet"})
RECENT_DAYS = 14
"""An audience whose last order is this recent (on average) is asked for a review rather than sold to."""


def play_for(key: str) -> Play:
    """The play for a key (old keys included); unknown keys raise ``KeyError``."""
    return PLAYS[PLAY_ALIASES.get(key, key)]


def offer_kind(text: str) -> str:
    """A rough kind for an offer text (``percent_off``, ``amount_off``, ``free_shipping``, ``points_multiplier``,
    ``early_access``, ``bogo``, ``free_gift``, ``none``): enough to choose a play and keep the advice consistent."""
    t = text.lower()
    rules = (("none", r"^\s*$"), ("early_access", r"early access"), ("points_multiplier", r"points"),
             ("bogo", r"buy one|bogof|2 for 1|two for one"), ("multi_buy", r"\b3 for 2\b"),
             ("free_gift", r"free gift"), ("free_shipping", r"free (?:delivery|shipping)"),
             ("percent_off", r"%|percent|per cent|half price"), ("amount_off", r"[£$€]\s?\d|\bgbp\b|pounds? off"))
    return next((kind for kind, pattern in rules if re.search(pattern, t)), "other")


DISCOUNTS = frozenset({"percent_off", "amount_off", "bogo", "multi_buy"})
_NOT_CATEGORY = re.compile(r"\b(?:orders?|basket|everything|sale|first|second|next|your)\b", re.I)


def offer_category(facts: FactSheet) -> str | None:
    """The category the operator's offer is limited to (``20% off Outdoor`` -> ``Outdoor``), if any."""
    terms = facts.offer_terms
    scope = (terms.scope or "").strip() if terms is not None else ""
    return scope if scope and not _NOT_CATEGORY.search(scope) else None


@dataclass(frozen=True)
class Signals:
    """The figures the rules read, from a fact sheet (``None`` where the sheet lacks one)."""

    segment: str
    size: int
    clv: float | None
    base_clv: float | None
    spend: float | None
    base_spend: float | None
    churn: float | None
    base_churn: float | None
    recency: float | None
    gap: float | None
    discount: float | None
    base_discount: float | None
    orders: float | None

    @classmethod
    def of(cls, facts: FactSheet) -> Signals:
        s = facts.stat
        seg = str(facts.member_profile.get("segment") or facts.segment).strip().lower()
        return cls(seg, facts.audience_size, s("avg_clv"), s("all_avg_clv"), s("avg_spend"), s("all_avg_spend"),
                   s("avg_churn_probability"), s("all_avg_churn_probability"), s("avg_days_since_last_order"),
                   s("usual_gap_days"), s("discount_share"), s("all_discount_share"), s("avg_orders"))

    @property
    def valuable(self) -> bool:
        """Worth more than an average member: by predicted value, or by what they spent so far."""
        by_clv = self.clv is not None and self.base_clv is not None and self.clv >= self.base_clv
        by_spend = self.spend is not None and self.base_spend is not None and self.spend >= self.base_spend
        return by_clv or by_spend

    @property
    def lapsed(self) -> bool:
        if self.segment in LAPSED:
            return True
        late = self.recency is not None and self.gap is not None and self.recency > 2 * self.gap
        return late and self.churn is not None and self.churn >= 70

    @property
    def due(self) -> bool:
        """Their last order is between one and two usual gaps ago: due for the next one."""
        return self.recency is not None and self.gap is not None and self.gap <= self.recency <= 2 * self.gap

    @property
    def price_sensitive(self) -> bool | None:
        """True when they buy on discount at least a fifth more often than all members; False when at least a
        fifth less; ``None`` in between or without the figures."""
        if self.discount is None or not self.base_discount:
            return None
        r = self.discount / self.base_discount
        return True if r >= 1.2 else False if r <= 0.8 else None


def choose_play(facts: FactSheet) -> tuple[Play, list[str]]:
    """The play for this sheet and why: each reason is a sentence citing a figure from the sheet."""
    sig = Signals.of(facts)
    kind = offer_kind(facts.offer)
    seg = sig.segment
    if kind == "early_access" and not sig.lapsed:
        key = "early_access"
    elif kind == "points_multiplier" and not sig.lapsed:
        key = "loyalty_points"
    elif kind in ("percent_off", "amount_off") and offer_category(facts) and not sig.lapsed:
        key = "price_drop"  # a cut on one category ("20% off Outdoor")
    elif seg in NEWCOMERS:
        key = "welcome"
    elif seg in ("champions", "loyal") and sig.recency is not None and sig.recency <= RECENT_DAYS:
        key = "review_request"
    elif seg == "champions":
        key = "early_access"
    elif seg == "loyal":
        below = sig.churn is not None and sig.base_churn is not None and sig.churn < sig.base_churn
        key = "thank_you" if sig.valuable and below else "cross_sell" if facts.products else "loyalty_points"
    elif seg == "potential loyalist":
        key = "cross_sell" if facts.products else "loyalty_points"
    elif seg in SLIPPING and sig.due and replenishable(facts):
        key = "replenishment"
    elif sig.lapsed or seg in SLIPPING - STILL_ACTIVE:
        key = "win_back" if sig.valuable else "reactivation"
    elif seg in STILL_ACTIVE:
        key = "cross_sell" if facts.products else "loyalty_points"  # slowing, not gone: no "we've missed you"
    elif sig.recency is not None and sig.recency <= RECENT_DAYS:
        key = "review_request"
    elif sig.due and replenishable(facts):
        key = "replenishment"
    else:
        key = "cross_sell" if facts.products else "loyalty_points"
    if facts.offer.strip() and not _fits_offer(key, kind):  # the operator's offer decides what the play can be
        key = "thank_you" if sig.valuable or key == "early_access" else "cross_sell" if facts.products else "thank_you"
    play = PLAYS[key]
    return play, reasons_for(play, facts, sig)


CONSUMABLE_WORDS = ("beauty", "pet", "food", "grocer", "drink", "coffee", "tea", "health", "baby", "household",
                    "cleaning", "pantry", "toiletr", "vitamin", "supplement", "snack", "wine", "skincare", "pharmacy")
"""Category words of things bought again when they run out: a replenishment play ("running low?")
reads wrong for a compost bin or a tent."""


def replenishable(facts: FactSheet) -> bool:
    """True when the audience's featured products are mostly consumables (see :data:`CONSUMABLE_WORDS`)."""
    cats = [(p.category or "").lower() for p in facts.products if p.category]
    hits = sum(any(w in c for w in CONSUMABLE_WORDS) for c in cats)
    return bool(cats) and hits * 2 > len(cats)


_OFFER_KINDS = {"early_access": ("early_access",), "loyalty_points": ("points_multiplier",),
                "review_request": ("none",)}


def _fits_offer(key: str, kind: str) -> bool:
    """False when the play is defined by a kind of offer the operator's is not (early access with 15% off)."""
    return kind in _OFFER_KINDS.get(key, (kind,))


_TOPICS: dict[str, tuple[str, ...]] = {
    "win_back": ("churn", "value", "recency", "discount"), "reactivation": ("value", "churn", "recency"),
    "thank_you": ("value", "churn", "discount"), "early_access": ("value", "churn", "discount"),
    "welcome": ("newcomers", "orders", "value"), "replenishment": ("recency", "churn"), "cross_sell": ("category", "value"),
    "price_drop": ("discount", "category"), "review_request": ("recency", "churn"),
    "loyalty_points": ("orders", "value", "churn"),
}


def reasons_for(play: Play, facts: FactSheet, sig: Signals | None = None) -> list[str]:
    """Why ``play`` fits: one sentence per topic the play rests on, each citing the sheet's figures."""
    sig = sig or Signals.of(facts)
    out = [r for topic in _TOPICS[play.key] if (r := _reason(topic, play, facts, sig))]
    return out or [f"The audience has {facts.audience_size:,} members."]


def _reason(topic: str, play: Play, facts: FactSheet, sig: Signals) -> str:  # noqa: C901 - one branch per topic
    c = facts.currency
    one = facts.audience_size == 1
    each = "" if one else " each"
    if topic == "churn" and sig.churn is not None:
        base = f" against {pct(sig.base_churn)} across all members" if sig.base_churn is not None else ""
        if sig.base_churn is not None and sig.churn < sig.base_churn:
            return f"Churn risk is {pct(sig.churn)}{base}: they are not drifting away, so there is nothing to rescue."
        return f"Churn risk is {pct(sig.churn)}{base}, so {'they are' if one else 'most are'} unlikely to order " \
               "again without a prompt."
    if topic == "value":
        if sig.clv is not None and sig.base_clv is not None:
            line = f"The model expects {money(sig.clv, c)}{each} over the next 12 months against " \
                   f"{money(sig.base_clv, c)} for an average member"
            if sig.clv >= sig.base_clv:
                return line + (": worth keeping close." if play.key in ("thank_you", "early_access", "loyalty_points")
                               else ": worth a real offer.")
            if sig.spend is not None and sig.base_spend is not None and sig.spend >= sig.base_spend:
                return line + f", but {'they' if one else 'these members'} spent {money(sig.spend, c)}{each} so far " \
                              f"(average {money(sig.base_spend, c)}): the value comes back only if they do."
            return line + ", so the campaign has to stay cheap."
        if sig.spend is not None and sig.base_spend is not None:
            return f"They spent {money(sig.spend, c)}{each} so far against {money(sig.base_spend, c)} for an " \
                   "average member."
        return ""
    if topic == "recency" and sig.recency is not None:
        when = f"{'Their' if one else 'On average their'} last order was {days(sig.recency)} ago"
        if play.key == "review_request":
            return when + ": recent enough to remember it well."
        if sig.gap and sig.due:
            return when + f" and their usual gap between orders is {days(sig.gap)}: the next one is due."
        if sig.gap and sig.recency > sig.gap:
            return when + f", well past their usual gap of {days(sig.gap)} between orders."
        if sig.gap and play.key in ("win_back", "reactivation"):
            return ""  # within their usual gap: recency is not the reason to win them back
        if sig.gap:
            return when + f", within their usual gap of {days(sig.gap)} between orders."
        return when + "."
    if topic == "discount" and sig.discount is not None and sig.base_discount is not None:
        head = f"{pct(sig.discount)} of their purchases were bought on discount (all members: {pct(sig.base_discount)})"
        tail = {True: ", so an offer is likely to move them.", False: ": they buy at full price, so a discount would "
                "give margin away.", None: ", about the shop's usual rate."}[sig.price_sensitive]
        return head + tail
    if topic == "newcomers" and sig.orders is None and not one:
        share = facts.stat("share_of_members")
        return f"None of the {facts.audience_size:,} members has ordered yet" + (
            f", and they make up {pct(share)} of all members" if share is not None else "") + \
            ": the first order is the one to win."
    if topic == "orders" and sig.orders is not None:
        orders = f"{sig.orders:g} order{'s' if sig.orders != 1 else ''}"
        if play.key == "welcome":
            return f"They have placed {orders}{each} so far; the second order is the one that makes a regular customer."
        return f"They have placed {orders}{each} so far: a habit worth rewarding."
    if topic == "category":
        name = next((str(f.value) for f in facts.forecasts if f.key == "forecast_category"), "")
        share, scoped = facts.stat("category_share"), offer_category(facts)
        if name and share is not None and (scoped is None or scoped.lower() == name.lower()):
            return f"{name} makes up {pct(share)} of what they buy, and the featured products come from it."
        return ""
    return ""


def __getattr__(name: str) -> object:
    """``suggest`` and ``Suggestion`` moved to :mod:`agent.campaigns.suggestion`; still importable from here."""
    if name in ("suggest", "Suggestion"):
        from memberinsight.agent.campaigns import suggestion

        return getattr(suggestion, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
