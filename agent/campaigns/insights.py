"""What the models package adds to a fact sheet: recommended products, forecasts, a member's profile.

Everything goes through the public APIs of :mod:`models` and :mod:`models.recommenders`; when a
model is not built for the workspace (``memberinsight build`` not run, or a step skipped) the
callers fall back to plain SQL facts (best sellers instead of recommendations, no forecasts).
Reasons attached to products carry neither figures nor other products' names, so that nothing
in the prompt invites the writer to state a fact the checker cannot accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from memberinsight.agent.campaigns.facts import Fact, ProductFact
from memberinsight.agent.campaigns.untrusted import MAX_LABEL_CHARS, screen
from memberinsight.errors import MemberInsightError

FORECAST_WEEKS = 4
_UNAVAILABLE = (MemberInsightError, duckdb.Error)
"""A model that is not built (or a table an older build did not write): use the fallback."""


def segment_recommendations(ws: Any, member_ids: Sequence[str], k: int) -> tuple[list[ProductFact], str | None]:
    """Products to feature for an audience from the next-best-offer model, and its promoted category.

    ``([], None)`` when the recommenders are not built.
    """
    from memberinsight.models.recommenders import next_best_offer

    try:
        nbo = next_best_offer(ws, member_ids=list(member_ids), n_products=k)
    except _UNAVAILABLE:
        return [], None
    products = [ProductFact(p.title.strip(), round(p.price, 2) if p.price is not None else None, p.category,
                            f"recommended to many of these members ({nbo.category})", str(p.product_id))
                for p in nbo.products[:k]]
    bundle = nbo.bundle
    names = {p.name for p in products}
    if bundle is not None and bundle.consequent_title.strip() not in names and len(products) < k:
        products.append(ProductFact(bundle.consequent_title.strip(), None, nbo.category,
                                    "often bought together with what these members already buy"))
    return products, nbo.category


def member_recommendations(ws: Any, member_id: str, k: int) -> list[ProductFact]:
    """The hybrid recommender's top ``k`` products for one member (``[]`` when not built)."""
    from memberinsight.models.recommenders import recommend_products

    try:
        recs = recommend_products(ws, member_id, k=k)
    except _UNAVAILABLE:
        return []
    return [ProductFact(r.title.strip(), round(r.price, 2) if r.price is not None else None, r.category,
                        "recommended for this member", str(r.product_id)) for r in recs[:k] if r.title]


def category_forecast_facts(ws: Any, category: str | None, weeks: int = FORECAST_WEEKS) -> list[Fact]:
    """Units and revenue the demand model forecasts for ``category`` over the next ``weeks`` weeks."""
    if not category:
        return []
    from memberinsight.models import category_forecast

    try:
        fc = category_forecast(ws, category, weeks=weeks)
    except _UNAVAILABLE:
        return []
    points = fc.points[:weeks]
    if not points:
        return []
    # The category is imported text: a label names it only when it screens clean.
    name = screen(fc.category, max_chars=MAX_LABEL_CHARS, cut=False).text or "the featured category"
    revenue = round(float(sum(p.revenue for p in points)), 2)
    facts = [Fact("forecast_category", "Featured category", name, "text"),
             Fact("forecast_weeks", "Weeks the category forecast covers", len(points), "count"),
             Fact("forecast_category_units", f"Forecast units of {name} in the next {len(points)} weeks",
                  int(round(sum(p.units for p in points))), "count"),
             Fact("forecast_category_revenue", f"Forecast {name} revenue in the next {len(points)} weeks",
                  revenue, "money")]
    recent = [r for _, _, r in fc.history[-len(points):]]
    if len(recent) == len(points) and sum(recent) > 0:
        change = 100 * (revenue - sum(recent)) / sum(recent)
        facts += [Fact("recent_category_revenue", f"{name} revenue in the last {len(points)} weeks",
                       round(float(sum(recent)), 2), "money"),
                  Fact("forecast_category_change", f"Forecast change in {name} revenue against the last "
                       f"{len(points)} weeks ({'up' if change >= 0 else 'down'})", round(abs(change), 1), "percent")]
    return facts


RANGE_LEVEL = Fact("range_level", "Chance the actual figure falls inside each stated 80% range", 80, "percent")


def _range_facts(key: str, label: str, low: float | None, high: float | None, kind: str) -> list[Fact]:
    """The 80% interval of a forecast as two facts (``<key>_low`` / ``<key>_high``)."""
    if low is None or high is None or low != low or high != high:
        return []
    whole = kind == "count"
    return [Fact(f"{key}_low", f"{label}, 80% range from", int(round(low)) if whole else round(float(low), 2), kind),
            Fact(f"{key}_high", f"{label}, 80% range to", int(round(high)) if whole else round(float(high), 2), kind)]


def audience_range_facts(ws: Any, member_ids: Sequence[str]) -> list[Fact]:
    """The audience's expected totals with their 80% intervals (:func:`models.group_sums`): orders
    and spend in the next 90 days, value in the next 365 days. ``[]`` when predictions are not built."""
    from memberinsight.models import group_outlook

    try:
        o = group_outlook(ws, list(member_ids), "audience")
    except _UNAVAILABLE:
        return []
    facts: list[Fact] = []
    if o.purchases_90d is not None:
        facts += _range_facts("total_expected_orders", "Expected orders from the whole audience in the next 90 days",
                              o.purchases_90d.low, o.purchases_90d.high, "count")
    if o.spend_90d is not None:
        facts.append(Fact("total_predicted_spend_90d", "Predicted spend of the whole audience in the next 90 days",
                          round(o.spend_90d.expected, 2), "money"))
        facts += _range_facts("total_predicted_spend_90d", "Predicted spend of the whole audience in the next 90 days",
                              o.spend_90d.low, o.spend_90d.high, "money")
    if o.value_365d is not None:
        facts += _range_facts("total_predicted_value", "Predicted value of the whole audience (next 365 days)",
                              o.value_365d.low, o.value_365d.high, "money")
    if facts:
        facts.append(RANGE_LEVEL)
    if o.short_history:
        facts.append(Fact("short_history_members", "Members with too little history for a confident forecast "
                          "of their own", int(o.short_history), "count"))
    return facts


def member_profile_facts(ws: Any, member_id: str) -> dict[str, Any] | None:
    """Stats, forecasts, churn reasons and the profile of one member, personal fields removed.

    ``None`` when the analytics are not built. Names, email and phone never leave
    :func:`models.member_profile` (it is called without ``include_personal``).
    """
    from memberinsight.models import member_profile

    try:
        p = member_profile(ws, member_id)
    except _UNAVAILABLE:
        return None
    # Keys match the segment sheet's (avg_spend, avg_clv...) so the play rules read both alike.
    stats = [Fact("avg_orders", "Orders the member has placed", int(p.orders), "count"),
             Fact("avg_spend", "The member's total spend", float(p.net_spend), "money")]
    if p.avg_order_value is not None:
        stats.append(Fact("avg_order_value", "The member's average order value", float(p.avg_order_value), "money"))
    if p.recency_days is not None:
        stats.append(Fact("avg_days_since_last_order", "Days since the member's last order",
                          int(round(p.recency_days)), "days"))
    if p.churn_probability is not None:
        stats.append(Fact("avg_churn_probability", "The member's churn risk", round(100 * p.churn_probability, 1),
                          "percent"))
    forecasts = []
    for key, label, value, kind in (
        ("expected_orders_90d", "Expected orders from the member in the next 90 days", p.expected_orders_90d, "number"),
        ("predicted_spend_90d", "Predicted spend of the member in the next 90 days", p.predicted_spend_90d, "money"),
        ("avg_clv", "The member's predicted customer value (next 365 days)", p.predicted_clv_365d, "money"),
    ):
        if value is not None:
            forecasts.append(Fact(key, label, round(float(value), 2), kind))
    for key, label, low, high in (
        ("expected_orders_90d", "Expected orders from the member in the next 90 days", p.orders_90d_low,
         p.orders_90d_high),
        ("predicted_spend_90d", "Predicted spend of the member in the next 90 days", p.spend_90d_low, p.spend_90d_high),
        ("avg_clv", "The member's predicted customer value (next 365 days)", p.clv_365d_low, p.clv_365d_high),
    ):
        forecasts += _range_facts(key, label, low, high, "number" if key == "expected_orders_90d" else "money")
    if any(f.key.endswith("_high") for f in forecasts):
        forecasts.append(RANGE_LEVEL)
    if p.enough_history is False:
        forecasts.append(Fact("forecast_confidence", "How sure the member's forecast is",
                              "too little history for a confident forecast", "text"))
    profile = {"segment": p.rfm_segment or "", "churn_band": p.churn_band or "", "value_tier": p.clv_tier or "",
               "favourite_categories": ", ".join(c.category for c in p.favourite_categories)}
    return {"segment": p.rfm_segment, "description": p.segment_description, "stats": stats, "forecasts": forecasts,
            "churn_reasons": tuple(p.churn_reasons[:3]),
            "profile": {k: v for k, v in profile.items() if v},
            "top_category": p.favourite_categories[0].category if p.favourite_categories else None}
