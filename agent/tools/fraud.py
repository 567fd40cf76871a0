"""Fraud tool: the fraud queue of suspicious orders, accounts and bursts, by status and pattern, for a look-back window.

A burst item stands for many orders (a card-testing run, a brushing burst) and reads as one sentence,
e.g. "12 orders in 9 minutes, £38.00 in all, account M1"; a coupon ring likewise ("coupon WELCOME10 used by 5
linked accounts on 7 orders, £35.00 off in all; shared device"); one decision on either covers all its orders.
The items are numbered and their ids remembered (``subject["fraud_items"]``) so that a follow-up ("why is the
first one flagged?", "who else shares that device?") can name one: :mod:`agent.fraud_followups` reads it and
calls this tool again with ``item`` (:mod:`agent.tools.fraud_items` answers).
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
    out.insert(0, "#", range(1, len(out) + 1))  # numbered, so a follow-up can say "the first one", "#2"
    out["risk"] = [f"{r:.0%}" for r in table["risk"]]
    out["when"] = [day_words(w) for w in table["when"]]
    out["why"] = [w if len(w) <= 140 else w[:139] + "…" for w in table["why"]]
    return out


def decide_hint(surface: str, command: str = "") -> str:
    """Where the operator decides fraud items: the app's Fraud tab; on the command line (``surface`` ``cli``) the
    ``memberinsight fraud queue decide`` command too (``command``: its arguments for one item)."""
    if surface == "cli":
        return (f"in the app's **Fraud** tab or with `memberinsight fraud queue decide{' ' + command if command else ''}`")
    return "in the **Fraud** tab"


def overview_markdown(overview: Any, limit: int, surface: str = "app") -> str:
    """The overview in words: counts by status and pattern, the window, then the riskiest items and where to
    decide them (:func:`decide_hint`)."""
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
        rings = [i for i in overview.items if i.kind == "coupon_ring"]
        if bursts:
            covered = sum(i.orders or 0 for i in bursts)
            lines.append(f"{len(bursts):,} of these {'is a burst' if len(bursts) == 1 else 'are bursts'} "
                         f"({covered:,} orders in all): one decision on a burst covers all its orders.")
        if rings:
            covered = sum(i.orders or 0 for i in rings)
            lines.append(f"{len(rings):,} of these {'is a coupon ring' if len(rings) == 1 else 'are coupon rings'} "
                         f"(linked accounts reusing a coupon, {covered:,} orders in all): one decision covers all "
                         "the ring's orders.")
        lines.append(f"Decide them {decide_hint(surface)}; ask about one by its number (“why is #1 flagged?”, "
                     "“who else shares that device?”).")
    return "\n\n".join(lines)


def fraud_overview(ctx: ToolContext,
                   status: Literal["pending", "cleared", "confirmed", "escalated"] | None = None,
                   days: int | None = None, pattern: Pattern | None = None, limit: int = 10,
                   item: str | None = None, about: str | None = None,
                   position: int | None = None) -> ToolResult:
    """Summarise suspicious orders and accounts (the fraud queue): counts by status and pattern, the riskiest items with their reasons.

    Args:
        status: only items with this decision status (pending, cleared, confirmed, escalated).
        days: only items whose orders are from the last N days of the data.
        pattern: only items showing this fraud pattern (brushing, card testing, coupon abuse, account takeover...).
        limit: how many items to list.
        item: one queue item to explain instead of the list (its id, e.g. burst:O123, from an earlier answer).
        about: for one item, what to put first: why (it is flagged), orders (its orders) or accounts (linked).
        position: for one item, its number in the list shown before.

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
    if item:
        from memberinsight.agent.tools.fraud_items import fraud_item_answer

        return fraud_item_answer(ctx, item, about, position)
    overview = backend("memberinsight.fraud", "queue_overview", "The fraud queue")(
        ctx.ws, status=status or "pending", days=days, limit=limit, pattern=pattern)
    table = overview_table(overview)
    shown = tuple(table["item_id"][:limit])
    return ToolResult(overview_markdown(overview, limit, ctx.surface), table=table, subject={"fraud_items": shown, "fraud_item": None})
