"""Operations tools: the review screening queue, the workspace's data status, and help."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from memberinsight.agent.tools._common import backend, markdown_table
from memberinsight.agent.types import ToolContext, ToolResult


def review_queue_summary(ctx: ToolContext,
                         status: Literal["pending", "approved", "removed", "escalated"] | None = None,
                         limit: int = 10) -> ToolResult:
    """Summarise the fake-review screening queue: counts by status and the riskiest reviews.

    Args:
        status: only reviews with this decision status (pending, approved, removed, escalated).
        limit: how many reviews to list.

    Examples:
        what is in the review queue
        how many reviews need screening
        show the riskiest reviews
        flagged reviews waiting for a decision
        fake review queue overview
        how many reviews were escalated
        list removed reviews
        screening backlog
        reviews suspected to be fake
        moderation status
        open items in the review queue
    """
    counts = backend("memberinsight.screening", "queue_counts", "The review queue")(ctx.ws)
    items = queue_table(backend("memberinsight.screening", "list_queue", "The review queue")(ctx.ws, status=status or "pending",
                                                                             limit=limit))
    count_text = ", ".join(f"{k}: {v:,}" for k, v in counts.items())
    head = f"**Review queue** — {count_text}." if any(counts.values()) else "**The review queue is empty.**"
    label = f"{status} reviews" if status else "riskiest pending reviews"
    body = f"\n\nTop {label}:\n\n{markdown_table(items, limit)}" if not items.empty else f"\n\nNo {label}."
    return ToolResult(head + body, table=items)


def queue_table(items: list) -> pd.DataFrame:
    """Queue items as a table: id, status, risk, top reason, product, decided by."""
    rows = []
    for item in items:
        reasons = getattr(item, "reasons", None) or []
        top = reasons[0] if reasons else {}
        rows.append({"review_id": item.review_id, "status": item.status, "risk": round(float(item.risk), 3),
                     "top_reason": top.get("text") or top.get("reason") or top.get("signal") or "" if isinstance(
                         top, dict) else str(top),
                     "product_id": getattr(item, "product_id", None), "decided_by": item.decided_by or "",
                     "version": item.version})
    return pd.DataFrame(rows, columns=["review_id", "status", "risk", "top_reason", "product_id", "decided_by",
                                       "version"])


def data_status(ctx: ToolContext) -> ToolResult:
    """Report the workspace's data status: rows loaded, date range, last import, rejects, built models.

    Examples:
        what data is loaded
        when was the last import
        how many orders and members are in the workspace
        is everything built
        show the data quality report
        what period does the data cover
        have the models been trained
        status of the workspace
        how many rows were rejected
        is the data up to date
        when did the last ingest run
    """
    status = backend("memberinsight.workspace", "workspace_status", "Workspace status")(ctx.ws)
    tables = pd.DataFrame([{"table": k, "rows": v} for k, v in status.tables.items()])
    if status.empty:
        return ToolResult("The workspace is empty: load data with `memberinsight ingest FILE` or the Data tab.",
                          table=tables, ok=False)
    lines = [f"- **orders from** {status.orders_from:%Y-%m-%d} **to** {status.orders_to:%Y-%m-%d}"
             if status.orders_from and status.orders_to else "- **orders**: none"]
    if status.last_ingests:
        last = status.last_ingests[0]
        lines.append(f"- **last ingest**: {last.source_file} ({last.kind}) at {last.loaded_at:%Y-%m-%d %H:%M}, "
                     f"{last.rows_loaded:,} loaded, {last.rows_rejected:,} rejected")
    q = status.quality
    lines.append(f"- **rejected rows** (last {q.batches} batches): {q.rows_rejected:,}"
                 + (" — " + ", ".join(f"{k}: {v:,}" for k, v in q.rejects_by_reason.items())
                    if q.rejects_by_reason else ""))
    lines.append(f"- **kept but flagged**: {q.guest_lines:,} guest lines, {q.return_lines:,} returns "
                 f"({q.returns_share:.1%}), {q.zero_price_lines:,} zero-price, {q.non_product_lines:,} non-product")
    excluded = backend("memberinsight.fraud", "exclusion_status", "Fraud exclusions")(ctx.ws, ctx.settings)
    lines.append(f"- **confirmed fraud**: {excluded.note}")
    return ToolResult("**Workspace status**\n\n" + "\n".join(lines) + "\n\n" + markdown_table(tables),
                      table=tables)


def help(ctx: ToolContext) -> ToolResult:  # noqa: A001 - the operator types "help"
    """Explain what the assistant can do, with example questions.

    Examples:
        what can you help me with
        which questions do you understand
        how does this assistant work
        give me examples of what to ask
        hello
        hey there
        instructions
        what are your features
    """
    rows = [{"ask about": t.summary.split(":")[0].rstrip("."), "for example": t.examples[0]}
            for t in (ctx.registry or []) if t.name != "help"]
    table = pd.DataFrame(rows)
    return ToolResult("Here is what I can do. Ask in your own words; follow-ups like “now write an SMS "
                      "for them” or “what about Kitchen?” work too.\n\n" + markdown_table(table, 20),
                      table=table)
