"""Fraud tool: the fraud queue of suspicious orders, accounts and bursts, by status and pattern, for a look-back window.

A burst item stands for many orders (a card-testing run, a brushing burst) and reads as one sentence,
e.g. "12 orders in 9 minutes, £38.00 in all, account M1"; one decision on it covers all its orders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import pandas as pd

from memberinsight.agent.tools._common import backend, markdown_table
from memberinsight.agent.types import ToolContext, ToolResult

Pattern = Literal["brushing", "card testing", "coupon abuse", "account takeover", "new account big order",
                  "refund abuse", "cancelled soon", "order velocity", "linked accounts", "unusual amount", "removed reviews",
                  "unusual order"]
"""The fraud patterns an item can show (:data:`fraud.PATTERNS`)."""
COLUMNS = ["item_id", "kind", "risk", "pattern", "why", "when", "status", "version"]


def day_words(value: Any) -> str:
    """A date as people write it: ``30 September 2026`` (empty for none)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    when = pd.Timestamp(value)
    return f"{when.day} {when:%B %Y}"


def stamp_words(value: str | None) -> str:
    """A stored UTC stamp (``2026-09-30T20:48:07.1Z``) as ``30 September 2026 at 20:48 UTC``."""
    if not value:
        return "never"
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{day_words(when)} at {when:%H:%M}" + (" UTC" if value.endswith("Z") else "")


def overview_table(overview: Any) -> pd.DataFrame:
    """The overview's items as a table (raw figures: risk 0-1, time as a timestamp)."""
    return pd.DataFrame([{"item_id": i.item_id, "kind": i.kind, "risk": i.risk, "pattern": i.pattern, "why": i.why,
                          "when": i.when, "status": i.status, "version": i.version} for i in overview.items],
                        columns=COLUMNS)


def _for_people(table: pd.DataFrame) -> pd.DataFrame:
    out = table.drop(columns=["kind", "version"]).copy()
    out["risk"] = [f"{r:.0%}" for r in table["risk"]]
    out["when"] = [day_words(w) for w in table["when"]]
    out["why"] = [w if len(w) <= 140 else w[:139] + "…" for w in table["why"]]
    return out


def overview_markdown(overview: Any, limit: int) -> str:
    """The overview in words: counts by status and pattern, the window, then the riskiest items."""
    counts = ", ".join(f"{k}: {v:,}" for k, v in overview.counts.items())
    window = ""
    if overview.days:
        window = (f" Orders from the last {overview.days} day{'s' if overview.days > 1 else ''} of the data"
                  + (f" ({day_words(overview.window_start)} to {day_words(overview.window_end)})"
                     if overview.window_end is not None else " (no orders loaded)") + ".")
    scored = f" (scores from {stamp_words(overview.last_scan)})" if overview.last_scan else ""
    head = (f"**Fraud queue** — {counts}{scored}.{window}" if any(overview.counts.values()) else
            f"**The fraud queue is empty**{' for that period' if overview.days else ''}{scored}.{window}")
    label = " ".join(filter(None, [overview.status or "pending", f"{overview.pattern}" if overview.pattern else None,
                                   "items"]))
    lines = [head]
    if overview.by_pattern:
        lines.append(f"By pattern ({overview.status or 'pending'}): "
                     + ", ".join(f"{p} {n:,}" for p, n in overview.by_pattern.items()) + ".")
    table = overview_table(overview)
    if table.empty:
        lines.append(f"No {label}.")
    else:
        lines.append(f"Riskiest {label} ({len(table):,} of {overview.matched:,}):\n\n"
                     + markdown_table(_for_people(table), limit))
        bursts = [i for i in overview.items if i.kind == "burst"]
        if bursts:
            covered = sum(i.orders or 0 for i in bursts)
            lines.append(f"{len(bursts):,} of these {'is a burst' if len(bursts) == 1 else 'are bursts'} "
                         f"({covered:,} orders in all): one decision on a burst covers all its orders.")
        lines.append("Decide them in the app's **Fraud** tab or with `memberinsight fraud queue decide`.")
    return "\n\n".join(lines)


def fraud_overview(ctx: ToolContext,
                   status: Literal["pending", "cleared", "confirmed", "escalated"] | None = None,
                   days: int | None = None, pattern: Pattern | None = None, limit: int = 10) -> ToolResult:
    """Summarise suspicious orders and accounts (the fraud queue): counts by status and pattern, the riskiest items with their reasons.

    Args:
        status: only items with this decision status (pending, cleared, confirmed, escalated).
        days: only items whose orders are from the last N days of the data.
        pattern: only items showing this fraud pattern (brushing, card testing, coupon abuse, account takeover...).
        limit: how many items to list.

    Examples:
        any suspicious orders lately
        show the fraud queue
        how many orders were flagged as possible fraud
        suspicious accounts waiting for a fraud decision
        riskiest orders in the fraud queue
        accounts confirmed as fraudsters
        brushing rings buying their own products
        is anybody testing stolen cards on our shop
        one coupon used by many linked accounts
        account takeovers
        fraud overview for the last month
        fraudulent transactions and chargebacks
    """
    overview = backend("memberinsight.fraud", "queue_overview", "The fraud queue")(
        ctx.ws, status=status or "pending", days=days, limit=limit, pattern=pattern)
    table = overview_table(overview)
    return ToolResult(overview_markdown(overview, limit), table=table)
