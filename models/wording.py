"""Plain-language wording for features: cluster descriptions, per-member churn reasons, and a
member's purchase outlook (expected purchases and next order) in words."""

from __future__ import annotations

import math
from typing import Any

from memberinsight.figures import money as _money
from memberinsight.figures import ratio, share

# column -> (label, words when high, words when low)
_WORDS: dict[str, tuple[str, str, str]] = {
    "recency_days": ("days since last order", "lapsed: long since their last order", "recently active"),
    "frequency": ("orders so far", "frequent buyers", "one-off or rare buyers"),
    "purchase_days": ("days with a purchase", "buy on many different days", "buy on few days"),
    "monetary": ("net spend", "high total spend", "low total spend"),
    "gross_spend": ("gross spend", "high total spend", "low total spend"),
    "avg_order_value": ("average order value", "big baskets", "small baskets"),
    "tenure_days": ("days as a member", "long-standing members", "newer members"),
    "first_order_days": ("days since first order", "long-standing customers", "recent first orders"),
    "ipt_mean": ("average days between orders", "long gaps between orders", "short gaps between orders"),
    "ipt_std": ("variability of gaps between orders", "irregular ordering rhythm", "regular ordering rhythm"),
    "ipt_median": ("median days between orders", "long gaps between orders", "short gaps between orders"),
    "ipt_last": ("days between the last two orders", "last gap between orders was long",
                 "last gap between orders was short"),
    "orders_90d": ("orders in the last 90 days", "many orders lately", "few orders lately"),
    "orders_prev_90d": ("orders in the 90 days before that", "many orders 3-6 months ago",
                        "few orders 3-6 months ago"),
    "spend_90d": ("spend in the last 90 days", "high recent spend", "low recent spend"),
    "spend_prev_90d": ("spend in the 90 days before that", "high spend 3-6 months ago",
                       "low spend 3-6 months ago"),
    "orders_365d": ("orders in the last year", "many orders this year", "few orders this year"),
    "spend_365d": ("spend in the last year", "high spend this year", "low spend this year"),
    "trend_orders": ("change in orders (last 90 days vs the 90 before)", "buying more lately",
                     "buying less lately"),
    "trend_spend": ("change in spend (last 90 days vs the 90 before)", "spending more lately",
                    "spending less lately"),
    "units": ("units bought", "buy many units", "buy few units"),
    "units_per_order": ("units per order", "many items per order", "few items per order"),
    "distinct_categories": ("categories bought from", "shop across many categories",
                            "stick to few categories"),
    "return_value": ("value returned", "return a lot of value", "return little"),
    "return_rate": ("share of units returned", "return a lot", "rarely return"),
    "review_count": ("reviews written", "active reviewers", "seldom review"),
    "mean_rating": ("average star rating given", "rate products highly", "rate products poorly"),
    "x_repeat": ("repeat purchase days", "many repeat purchases", "few repeat purchases"),
    "t_x_days": ("days from first to last order", "long buying history", "short buying history"),
    "repeat_aov": ("average repeat order value", "big repeat orders", "small repeat orders"),
    "days_overdue": ("days past their usual gap between orders", "overdue for their next order",
                     "not yet due for their next order"),
    "overdue_ratio": ("days since last order relative to their usual gap", "well past their usual gap",
                      "within their usual gap"),
    "repeat_rate_year": ("repeat purchase days per year", "buy again often", "seldom buy again"),
    "recency_share": ("share of their buying life since the last order", "silent for much of their history",
                      "active until recently"),
    "bg_expected": ("statistical (BG/NBD) expected purchase days", "statistically likely to buy again",
                    "statistically unlikely to buy again"),
    "bg_p_alive": ("statistical probability of being active", "probably still active",
                   "probably inactive"),
    "bg_p_zero": ("statistical chance of no order in the horizon", "statistically unlikely to order soon",
                  "statistically likely to order soon"),
    "gg_value": ("expected value per order", "big expected orders", "small expected orders"),
    "bg_spend": ("statistical expected spend", "high expected spend", "low expected spend"),
    "age_band": ("age band", "", ""),
    "channel": ("acquisition channel", "", ""),
    "country": ("country", "", ""),
}


def _category(col: str, categories: dict[str, str] | None) -> str:
    if categories and col in categories:
        return categories[col]
    return col.removeprefix("share_").replace("_", " ").title()


def feature_label(col: str, categories: dict[str, str] | None = None) -> str:
    """A human name for a feature column."""
    if col.startswith("share_"):
        return f"share of spend on {_category(col, categories)}"
    return _WORDS.get(col, (col.replace("_", " "), "", ""))[0]


def direction_words(col: str, high: bool, categories: dict[str, str] | None = None) -> str:
    """Words for 'this group is high (or low) on ``col``'."""
    if col.startswith("share_"):
        cat = _category(col, categories)
        return f"mostly buy {cat}" if high else f"seldom buy {cat}"
    label, hi, lo = _WORDS.get(col, (col, f"high {col}", f"low {col}"))
    return hi if high else lo


_ZERO = {
    "spend_90d": "no spend in the last 90 days", "orders_90d": "no orders in the last 90 days",
    "spend_prev_90d": "no spend 3-6 months ago", "orders_prev_90d": "no orders 3-6 months ago",
    "spend_365d": "no spend in the last year", "orders_365d": "no orders in the last year",
    "review_count": "no reviews written", "return_rate": "no returns",
}


_MONEY = frozenset({"monetary", "gross_spend", "avg_order_value", "spend_90d", "spend_prev_90d", "spend_365d",
                    "return_value", "repeat_aov", "gg_value", "bg_spend"})
"""Features that are amounts of money (read with the shop's currency sign)."""


def _gap_words(v: float) -> str:
    """Days since the last order relative to the usual gap (``overdue_ratio``) in words."""
    if v < 0.95:
        return "silent for less than their usual gap between orders"
    if v < 1.05:
        return "silent for about their usual gap between orders"
    return f"silent for {ratio(round(v, 1))} their usual gap between orders"


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def reason_text(col: str, value: float | str | None, raises_risk: bool,
                categories: dict[str, str] | None = None) -> str:
    """A plain sentence on why ``col`` at ``value`` moves churn risk up (or down)."""
    effect = "raises" if raises_risk else "lowers"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"no data for {feature_label(col, categories)} ({effect} risk)"
    if isinstance(value, str):
        text = {"channel": f"joined through {value.replace('_', ' ')}",
                "age_band": f"aged {value}", "country": f"lives in {value}"}.get(
            col, f"{feature_label(col, categories)}: {value}")
        return f"{text} ({effect} risk)"
    v = float(value)
    special = {
        "recency_days": f"last order {_fmt(v)} days ago",
        "frequency": f"{_fmt(v)} order{'s' if v != 1 else ''} so far",
        "orders_90d": f"{_fmt(v)} order{'s' if v != 1 else ''} in the last 90 days",
        "orders_365d": f"{_fmt(v)} order{'s' if v != 1 else ''} in the last year",
        "ipt_mean": f"usually {_fmt(v)} days between orders",
        "ipt_last": f"{_fmt(v)} days between the last two orders",
        "tenure_days": f"member for {_fmt(v)} days",
        "trend_orders": ("ordering less than in the previous 90 days" if v < 0 else
                         "ordering more than in the previous 90 days" if v > 0 else
                         "same number of orders as the previous 90 days"),
        "trend_spend": ("spending less than in the previous 90 days" if v < 0 else
                        "spending more than in the previous 90 days" if v > 0 else
                        "same spend as the previous 90 days"),
        "return_rate": f"returned {v:.0%} of units",
        "bg_p_alive": (f"only a {share(v, 0)} statistical chance of still being active" if raises_risk else
                       f"{share(v, 0)} statistical chance of still being active"),
        "bg_expected": f"statistical model expects {v:.1f} purchase days in the horizon",
        "days_overdue": (f"{_fmt(v)} days past their usual gap between orders" if v > 0 else
                         f"next order not due for {_fmt(-v)} days" if v < 0 else "due for their next order now"),
        "overdue_ratio": _gap_words(v),
        "repeat_rate_year": f"about {_fmt(v)} repeat purchase days a year",
        "bg_p_zero": f"{v:.0%} statistical chance of no order in the horizon",
    }
    if col.startswith("share_"):
        text = f"{v:.0%} of spend on {_category(col, categories)}"
    elif v == 0 and col in _ZERO:
        text = _ZERO[col]
    elif col in _MONEY:
        text = f"{feature_label(col, categories)}: {_money(v)}"
    else:
        text = special.get(col, f"{feature_label(col, categories)}: {_fmt(v)}")
    return f"{text} ({effect} risk)"


# ----- member outlook in plain words --------------------------------------------------------------
_TIMES = {1: "once", 2: "twice"}


def plural(n: float, word: str, words: str | None = None) -> str:
    """``1 unit``, ``3 units``, ``1.5 units`` (``words`` for irregular plurals)."""
    text = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{text} {word if n == 1 else (words or word + 's')}"


def period_words(days: int) -> str:
    """``the next 90 days``, ``the next year``."""
    return "the next year" if days in (365, 366) else f"the next {days} days"


def purchase_outlook(expected: float | None, days: int = 90, has_orders: bool = True) -> str:
    """Expected purchase days over ``days`` in words: "expected to buy about once in the next 90 days"."""
    period = period_words(days)
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return "no purchase forecast: no orders yet" if not has_orders else "no purchase forecast yet"
    if expected < 0.05:
        return f"not expected to buy in {period}"
    if expected < 0.5:
        return f"unlikely to buy in {period}"
    n = int(expected + 0.5)  # half up: 0.5 is "about once" (Python's round(0.5) is 0)
    return f"expected to buy about {_TIMES.get(n, f'{n} times')} in {period}"


def next_order_text(next_date: Any, as_of: Any, window_days: int = 90) -> str:
    """The expected next order date in words, or that none is expected within ``window_days``; both counted from
    ``as_of``, the last day of data (the predictions' "next 90 days" start there, not on today's date)."""
    if next_date is None or (next_date - as_of).days > window_days:
        return f"next order not expected in the {window_days} days after the last day of data ({as_of:%d %b %Y})"
    days = (next_date - as_of).days
    when = "within a few days of" if days <= 4 else "about a week after" if days <= 10 else (
        f"about {plural(round(days / 7), 'week')} after" if days < 60 else f"about {plural(round(days / 30), 'month')} after")
    return f"next order expected around {next_date:%d %b %Y} ({when} the last day of data, {as_of:%d %b %Y})"


RANGE_DASH = "\u2013"


def _amount(value: float, currency: str = "", whole: bool = False) -> str:
    text = f"{value:,.0f}" if whole or abs(value) >= 10 else f"{value:,.1f}".removesuffix(".0")
    return f"-{currency}{text[1:]}" if text.startswith("-") else f"{currency}{text}"


def about_range(expected: float | None, low: float | None, high: float | None, money: bool = False,
                currency: str | None = None) -> str:
    """An expected figure with its 80% interval: "about 340 (80%: 300–380)", "about £120 (80%: £40–£260)".

    Money amounts get ``currency`` (default: the shop's, :data:`memberinsight.figures.CURRENCY`);
    without ``low`` / ``high`` only "about 340"; "" without an expected value.
    """
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return ""
    if money and currency is None:
        from memberinsight.figures import CURRENCY as currency
    sign = (currency or "") if money else ""
    text = f"about {_amount(expected, sign)}"
    if low is None or high is None or any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return text
    whole = abs(expected) >= 10  # the range at the precision of the figure
    span = f"{_amount(low, sign, whole)}{RANGE_DASH}{_amount(high, sign, whole)}"
    digits = 0 if whole else 1  # compared as shown: "about £42 (80%: £0-£42)" is no contradiction
    shown, top, bottom = round(expected, digits), round(high, digits), round(low, digits)
    if shown > top or shown < bottom:
        # A skewed outcome (most members spend nothing, a few spend a lot): the mean lies outside the range that
        # holds 8 in 10 outcomes, and "about £45 (80%: £0-£42)" would read as a contradiction.
        why = "lifted by a few large ones" if shown > top else "pulled down by a few small ones"
        return f"{span} in 8 of 10 cases (on average {_amount(expected, sign)}, {why})"
    return f"{text} (80%: {span})"
