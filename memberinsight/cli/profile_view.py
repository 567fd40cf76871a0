"""The member profile as plain text for ``memberinsight profile`` / ``member``."""

from __future__ import annotations

from typing import Any

import typer

from memberinsight.figures import day, money, share


def _pct(v: float | None) -> str:
    return share(v, digits=0)


def _money(v: float | None) -> str:
    return money(v)


def _days(value: float | None) -> str:
    from memberinsight.models.wording import plural

    return "-" if value is None else plural(round(float(value)), "day")


def _outlook(p: Any) -> str:
    """The purchase outlook, 90 days then the year, in one sentence."""
    text = p.purchase_outlook or "no purchase forecast yet"
    year = p.year_outlook.replace("expected to buy ", "").replace(" in the next year", "")
    if year and p.year_outlook.startswith("expected to buy") and p.year_outlook != p.purchase_outlook:
        text += f"; {year} in the next year"
    due = p.next_order.startswith("next order expected")
    if not due and p.purchase_outlook.startswith("expected to buy"):
        return text + f"; {p.next_order}" if p.next_order else text
    return text + (f"; {p.next_order}" if due else "")


def print_profile(p: Any) -> None:
    """Print a member profile in plain words (no raw ``None``, singular and plural right)."""
    from memberinsight.models.wording import plural

    about = [p.age_band, ", ".join(x for x in (p.city, p.country) if x) or None,
             f"joined {day(p.signup_date)}" + (f" via {p.channel}" if p.channel else "") if p.signup_date else None]
    segment = (p.rfm_segment + (f" (RFM {p.rfm_score})" if p.rfm_score else "")
               + (f" - {p.segment_description}" if p.segment_description else "")) if p.rfm_segment else "no segment yet"
    why = "" if p.orders else " (no orders yet)"
    orders = f"{plural(p.orders, 'order')}, net spend {_money(p.net_spend)}"
    if p.orders:
        orders += f", average order {_money(p.avg_order_value)}, last order {_days(p.recency_days)} ago"
        if p.avg_days_between_orders is not None:
            orders += f", usually every {_days(p.avg_days_between_orders)}"
    churn = (f"Churn risk {_pct(p.churn_probability)} ({p.churn_band})" if p.churn_probability is not None
             else "Churn risk: not predicted" + why)
    notes = getattr(p, "unavailable", {}) or {}
    value = (f"Predicted 12-month value: {p.value_outlook or _money(p.predicted_clv_365d)}"
             + (f" ({p.clv_tier} tier)" if p.clv_tier else "")
             if p.predicted_clv_365d is not None else
             notes["clv"] if "clv" in notes else "Predicted 12-month value: not available" + why)
    if p.churn_probability is None and "churn" in notes:
        churn = notes["churn"]
    if p.p_alive is not None and p.orders > 1:  # BG/NBD counts every one-time buyer as active
        value += f"; still active: {_pct(p.p_alive)} likely"
    lines = [
        f"Member {p.member_id} (as of {day(p.as_of)})" + ("" if p.redacted else "  [personal data included]"),
        *([f"  {' | '.join(x for x in about if x)}"] if any(about) else []),
        f"  Segment: {segment}",
        *([f"  Suggested: {p.suggested_action}"] if p.suggested_action else []),
        *([f"  Cluster {p.cluster}: {p.cluster_label}"] if p.cluster_label and (p.cluster or 0) >= 0 else []),
        f"  {orders}",
        f"  {churn}",
        *[f"    - {r}" for r in p.churn_reasons],
        f"  Outlook: {_outlook(p)}",
        f"  {value}",
        *([f"  Spend outlook: {p.spend_outlook}"] if getattr(p, "spend_outlook", "") else []),
        *(["  Favourite categories: " + ", ".join(f"{c.category} {c.share:.0%}" for c in p.favourite_categories)]
          if p.favourite_categories else []),
        *(["  Recent orders:"] if p.recent_orders else []),
        *[f"    {day(o.ordered_at)} {o.order_id}: {plural(o.units, 'unit')}, {money(o.value)} - {', '.join(o.titles)}"
          for o in p.recent_orders],
    ]
    if p.personal:
        lines.append("  Personal: " + ", ".join(f"{k}={v}" for k, v in p.personal.items()))
    typer.echo("\n".join(lines))
