"""One call for everything known about a member: segment, cluster, churn risk with reasons,
expected purchases and CLV, favourite categories and recent orders.

Personal fields (email, phone, names) are left out unless ``include_personal=True``, which only
export paths may pass; callers that do should record an audit entry (the CLI does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from memberinsight.capabilities import unavailable_capabilities
from memberinsight.errors import NotFoundError
from memberinsight.models.build import get_info
from memberinsight.models.segments import describe_segment
from memberinsight.models.wording import next_order_text, purchase_outlook
from memberinsight.privacy import PII_COLUMNS


@dataclass(frozen=True)
class CategoryShare:
    """Spend of one member in one category."""

    category: str
    spend: float
    share: float
    orders: int


@dataclass(frozen=True)
class OrderSummary:
    """One recent purchase order: its product lines only (postage, fees and other non-product lines
    are left out, as in the features)."""

    order_id: str
    ordered_at: datetime
    lines: int
    units: int
    value: float
    categories: list[str]
    titles: list[str]
    returned_units: int = 0


@dataclass
class MemberProfile:
    """A member as the CRM team sees them (personal fields only when explicitly requested)."""

    member_id: str
    as_of: date
    signup_date: date | None
    age_band: str | None
    city: str | None
    country: str | None
    channel: str | None
    rfm_segment: str | None
    rfm_score: str | None
    segment_description: str
    suggested_action: str
    cluster: int | None
    cluster_label: str | None
    orders: int
    net_spend: float
    avg_order_value: float | None
    recency_days: float | None
    tenure_days: float | None
    avg_days_between_orders: float | None
    return_rate: float | None
    review_count: int
    mean_rating: float | None
    churn_probability: float | None
    churn_band: str | None
    churn_reasons: list[str] = field(default_factory=list)
    expected_orders_90d: float | None = None
    expected_orders_365d: float | None = None
    predicted_spend_90d: float | None = None
    predicted_clv_365d: float | None = None
    clv_tier: str | None = None
    p_alive: float | None = None
    expected_next_order_date: date | None = None
    """Always within the next 90 days when about one purchase or more is expected then; see
    :func:`models.build_predictions.next_order_dates`."""
    purchase_outlook: str = ""
    """Expected purchases in words: "expected to buy about once in the next 90 days"."""
    year_outlook: str = ""
    """The same over the next year."""
    next_order: str = ""
    """"next order expected around 14 Oct 2026 (about 2 weeks after the last day of data, 30 Sep 2026)" or "next
    order not expected in the 90 days after the last day of data (30 Sep 2026)" (:func:`models.wording.next_order_text`)."""
    orders_90d_low: float | None = None
    orders_90d_high: float | None = None
    """80% interval of purchase days in the next 90 days (:mod:`models.intervals`)."""
    spend_90d_low: float | None = None
    spend_90d_high: float | None = None
    """80% interval of spend in the next 90 days (``None`` without prices)."""
    enough_history: bool | None = None
    """``False`` when the member's history is too short for a confident forecast."""
    history_note: str | None = None
    """Why the history is too short ("only 1 purchase day, the first 12 days ago")."""
    spend_outlook: str = ""
    """"about 120 in the next 90 days (80%: 0-340)"."""
    orders_365d_low: float | None = None
    orders_365d_high: float | None = None
    """80% interval of purchase days in the next 365 days."""
    clv_365d_low: float | None = None
    clv_365d_high: float | None = None
    """80% interval of spend in the next 365 days (the CLV; ``None`` without prices)."""
    value_outlook: str = ""
    """The predicted 12-month value in words: "about 540 in the next year (80%: 120-1,300)"."""
    unavailable: dict[str, str] = field(default_factory=dict)
    """Predictions this shop's build could not make, and why (capability -> "CLV is not available on
    this shop: no order has a price"; :mod:`memberinsight.capabilities`)."""
    favourite_categories: list[CategoryShare] = field(default_factory=list)
    recent_orders: list[OrderSummary] = field(default_factory=list)
    personal: dict[str, Any] | None = None
    """Email, phone and names: only with ``include_personal=True``; otherwise ``None``."""
    redacted: bool = True


def _v(value: Any, digits: int | None = None) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if digits is not None and isinstance(value, float):
        return round(value, digits)
    return value


def _date(value: Any) -> date | None:
    v = _v(value)
    if v is None:
        return None
    return v.date() if isinstance(v, datetime | pd.Timestamp) else v


MEMBER_CAPABILITIES = ("segments", "churn", "purchases", "clv")
"""Capabilities a member profile shows (an unavailable one is named, with why)."""

WIN_BACK_SEGMENTS = frozenset({"About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost"})


def member_action(segment_action: str, segment: str | None, churn_band: str | None) -> str:
    """The segment's suggested action, unless the member's own churn risk says win them back first.

    RFM looks at the past; a "Loyal" member silent for many times their usual gap needs a win-back
    message before an upsell.
    """
    if churn_band == "high" and segment and segment not in WIN_BACK_SEGMENTS:
        return (f"High churn risk for a {segment} member: win them back first (a personal message about "
                "what they usually buy, an offer on their favourite category), then " + segment_action[:1].lower()
                + segment_action[1:])
    return segment_action


RANGE_DASH = "\u2013"


def _count_range(low: float | None, high: float | None, sep: str = RANGE_DASH) -> str:
    return "" if low is None or high is None else f"{low:.0f}{sep}{high:.0f}"


def outlook_with_range(outlook: str, low: float | None, high: float | None, enough: bool | None,
                       note: str | None, days: int = 90) -> str:
    """The purchase outlook with its 80% interval: "expected to buy about once in the next 90 days
    (80%: 0-2)"; for a member with too little history, no point figure but the range and why."""
    from memberinsight.models.wording import period_words

    span = _count_range(low, high)
    if enough is False:
        why = f" ({note})" if note else ""
        if not span:
            return f"too little history for a confident forecast{why}"
        return (f"too little history for a confident forecast{why}; between {_count_range(low, high, ' and ')} "
                f"purchases in {period_words(days)} (80% range)")
    if not span or not outlook or (high or 0) == 0 or outlook.startswith("no purchase forecast"):
        return outlook
    return f"{outlook} (80%: {span})"


def spend_words(expected: float | None, low: float | None, high: float | None, enough: bool | None,
                days: int = 90, currency: str | None = None) -> str:
    """Expected spend with its 80% interval in words, in the shop's currency ("about £120 in the next 90
    days (80%: £0–£340)"; "" when spend is not predicted)."""
    from memberinsight.figures import CURRENCY
    from memberinsight.models.wording import period_words

    if expected is None:
        return ""
    c = CURRENCY if currency is None else currency
    if low is None or high is None:
        return f"about {c}{expected:,.0f} in {period_words(days)}"
    if enough is False:
        return f"between {c}{low:,.0f} and {c}{high:,.0f} in {period_words(days)} (80% range)"
    if high < 0.5:
        return f"most likely nothing in {period_words(days)} (about {c}{expected:,.0f} on average)"
    span = f"{c}{low:,.0f}{RANGE_DASH}{c}{high:,.0f}"
    if round(expected) > round(high):  # a skewed outcome: the mean lies above the range of 8 in 10 outcomes
        return (f"{span} in {period_words(days)} in 8 of 10 cases (on average {c}{expected:,.0f}, lifted by a few "
                "large orders)")
    return f"about {c}{expected:,.0f} in {period_words(days)} (80%: {span})"


def member_profile(ws: Any, member_id: str, include_personal: bool = False, recent: int = 5,
                   top_categories: int = 3) -> MemberProfile:
    """The profile of ``member_id``; raises :class:`NotFoundError` for an unknown member."""
    with ws.analytics(read_only=True) as con:
        as_of = date.fromisoformat(get_info(con, "as_of"))
        member = con.execute("SELECT * FROM members WHERE member_id = ?", [member_id]).df()
        pred = con.execute("""SELECT p.*, c.churn_reasons_json FROM member_predictions p
                              LEFT JOIN member_churn c USING (member_id) WHERE p.member_id = ?""", [member_id]).df()
        feats = con.execute("SELECT * FROM member_features WHERE member_id = ?", [member_id]).df()
        if member.empty and feats.empty:
            raise NotFoundError(f"no member '{member_id}'")
        cats = con.execute("""
            SELECT COALESCE(NULLIF(trim(p.category), ''), 'Uncategorised') AS category,
                   sum(o.quantity * o.unit_price) AS spend, count(DISTINCT o.order_id) AS orders
            FROM orders o LEFT JOIN products p USING (product_id)
            WHERE o.member_id = ? AND NOT COALESCE(o.is_return, FALSE) AND o.quantity > 0
              AND COALESCE(p.is_product, TRUE)
            GROUP BY 1 ORDER BY spend DESC, category""", [member_id]).df()
        orders = con.execute("""
            SELECT o.order_id, min(o.ordered_at) AS ordered_at, count(*) AS lines,
                   sum(o.quantity) FILTER (WHERE o.quantity > 0 AND NOT COALESCE(o.is_return, FALSE)) AS units,
                   sum(o.quantity * o.unit_price) FILTER (WHERE o.quantity > 0 AND NOT COALESCE(o.is_return, FALSE)) AS value,
                   -sum(o.quantity) FILTER (WHERE o.quantity < 0 OR COALESCE(o.is_return, FALSE)) AS returned,
                   list(DISTINCT COALESCE(NULLIF(trim(p.category), ''), 'Uncategorised')) AS categories,
                   list(p.title ORDER BY o.line_no)[1:3] AS titles
            FROM orders o LEFT JOIN products p USING (product_id)
            WHERE o.member_id = ? AND COALESCE(p.is_product, TRUE) GROUP BY o.order_id
            HAVING value IS NOT NULL ORDER BY ordered_at DESC, o.order_id LIMIT ?""",
                             [member_id, recent]).df()
    m = member.iloc[0].to_dict() if not member.empty else {}
    p = pred.iloc[0].to_dict() if not pred.empty else {}
    f = feats.iloc[0].to_dict() if not feats.empty else {}
    total = float(cats["spend"].sum()) if not cats.empty else 0.0
    fav = [CategoryShare(str(r.category), round(float(r.spend), 2), round(float(r.spend) / total, 4) if total else 0.0,
                         int(r.orders)) for r in cats.head(top_categories).itertuples(index=False)]
    recent_orders = [OrderSummary(str(r.order_id), pd.Timestamp(r.ordered_at).to_pydatetime(), int(r.lines),
                                  int(r.units or 0), round(float(r.value or 0), 2), [str(c) for c in r.categories],
                                  [str(t) for t in r.titles if t is not None], int(_v(r.returned) or 0))
                     for r in orders.itertuples(index=False)]
    reasons = [x["text"] for x in json.loads(p["churn_reasons_json"])] if _v(p.get("churn_reasons_json")) else []
    segment = _v(p.get("rfm_segment"))
    desc, action = describe_segment(segment) if segment else ("", "")
    action = member_action(action, segment, _v(p.get("churn_band")))
    personal = ({k: _v(v) for k, v in m.items() if k.lower() in PII_COLUMNS} if include_personal else None)
    has_orders = bool(_v(f.get("frequency")))
    e90, e365 = _v(p.get("expected_orders_90d")), _v(p.get("expected_orders_365d"))
    next_date = _date(p.get("expected_next_order_date"))
    built = "expected_orders_90d" in p and e90 is not None
    low, high = _v(p.get("orders_90d_low")), _v(p.get("orders_90d_high"))
    enough, note = _v(p.get("enough_history")), _v(p.get("history_note"))
    enough = None if enough is None else bool(enough)
    s90, s_low, s_high = (_v(p.get(k), 2) for k in ("predicted_spend_90d", "spend_90d_low", "spend_90d_high"))
    y_low, y_high = _v(p.get("orders_365d_low")), _v(p.get("orders_365d_high"))
    v365, v_low, v_high = (_v(p.get(k), 2) for k in ("predicted_clv_365d", "clv_365d_low", "clv_365d_high"))
    confident = enough is not False
    missing = {k: u.sentence() for k, u in unavailable_capabilities(ws).items() if k in MEMBER_CAPABILITIES}
    return MemberProfile(
        member_id=member_id, as_of=as_of, signup_date=_date(m.get("signup_date")),
        age_band=_v(m.get("age_band")), city=_v(m.get("city")), country=_v(m.get("country")),
        channel=_v(m.get("channel")), rfm_segment=segment, rfm_score=_v(p.get("rfm_score")),
        segment_description=desc, suggested_action=action,
        cluster=_v(p.get("cluster")), cluster_label=_v(p.get("cluster_label")),
        orders=int(_v(f.get("frequency")) or 0), net_spend=round(float(_v(f.get("monetary")) or 0.0), 2),
        avg_order_value=_v(f.get("avg_order_value"), 2), recency_days=_v(f.get("recency_days")),
        tenure_days=_v(f.get("tenure_days")), avg_days_between_orders=_v(f.get("ipt_mean"), 1),
        return_rate=_v(f.get("return_rate"), 4), review_count=int(_v(f.get("review_count")) or 0),
        mean_rating=_v(f.get("mean_rating"), 2),
        churn_probability=_v(p.get("churn_probability"), 4), churn_band=_v(p.get("churn_band")),
        churn_reasons=reasons, expected_orders_90d=_v(p.get("expected_orders_90d"), 3),
        expected_orders_365d=_v(p.get("expected_orders_365d"), 3),
        predicted_spend_90d=_v(p.get("predicted_spend_90d"), 2), predicted_clv_365d=_v(p.get("predicted_clv_365d"), 2),
        clv_tier=_v(p.get("clv_tier")), p_alive=_v(p.get("p_alive"), 4),
        expected_next_order_date=next_date,
        orders_90d_low=low, orders_90d_high=high, spend_90d_low=s_low, spend_90d_high=s_high,
        enough_history=enough, history_note=note, spend_outlook=spend_words(s90, s_low, s_high, enough),
        purchase_outlook=outlook_with_range(purchase_outlook(e90, 90, has_orders), low, high, enough, note),
        orders_365d_low=y_low, orders_365d_high=y_high, clv_365d_low=v_low, clv_365d_high=v_high,
        value_outlook=spend_words(v365, v_low, v_high, enough, 365),
        year_outlook=(outlook_with_range(purchase_outlook(e365, 365, has_orders), y_low, y_high, True, None, 365)
                      if confident else ""),
        next_order=next_order_text(next_date, as_of) if built and confident else "",
        favourite_categories=fav, recent_orders=recent_orders, personal=personal, redacted=not include_personal,
        unavailable=missing,
    )
