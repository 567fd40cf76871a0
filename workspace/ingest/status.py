"""What is in a workspace: table sizes, order date range, recent ingests and data quality."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from memberinsight.workspace.schema import TABLES
from memberinsight.workspace.store import Workspace


@dataclass
class IngestLogEntry:
    """One committed ingest batch (from ``ingest_log``)."""

    batch_id: str
    kind: str
    format: str | None
    source_file: str
    rows_read: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    loaded_at: datetime
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None


@dataclass
class DataQuality:
    """Data-quality summary: rejects per reason over recent batches, and notable kept rows."""

    batches: int
    rows_rejected: int
    rejects_by_reason: dict[str, int]
    guest_lines: int
    return_lines: int
    returns_share: float
    zero_price_lines: int
    zero_quantity_lines: int
    non_product_lines: int


@dataclass
class WorkspaceStatus:
    """Row counts per table, the orders' date range, recent ingests and the quality summary."""

    path: Path
    tables: dict[str, int]
    orders_from: datetime | None
    orders_to: datetime | None
    last_ingests: list[IngestLogEntry]
    quality: DataQuality
    labels_file: Path | None = None

    @property
    def empty(self) -> bool:
        return not any(self.tables.values())


def workspace_status(ws: Workspace, recent: int = 10) -> WorkspaceStatus:
    """Summarise ``ws`` (read-only). ``recent`` is how many ingest batches to list and to total rejects over."""
    with ws.analytics(read_only=True) as con:
        tables = {name: int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for name in TABLES}
        first, last, guests, returns, zero_price, zero_qty, non_product = con.execute(
            "SELECT min(o.ordered_at), max(o.ordered_at), count(*) FILTER (WHERE o.member_id IS NULL), "
            "count(*) FILTER (WHERE o.is_return), count(*) FILTER (WHERE o.unit_price = 0), "
            "count(*) FILTER (WHERE o.quantity = 0), "
            "count(*) FILTER (WHERE p.is_product = false) "
            "FROM orders o LEFT JOIN products p USING (product_id)").fetchall()[0]
        has_details = bool(con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ingest_details'").fetchall()[0][0])
        details_join = "LEFT JOIN ingest_details d USING (batch_id)" if has_details else ""
        details_col = "d.report" if has_details else "NULL"
        rows = con.execute(
            f"SELECT l.batch_id, l.kind, l.format, l.source_file, l.rows_read, l.rows_loaded, l.rows_duplicate, "
            f"l.rows_rejected, l.loaded_at, {details_col} FROM ingest_log l {details_join} "
            f"ORDER BY l.loaded_at DESC, l.batch_id DESC LIMIT ?", [recent]).fetchall()
    entries = []
    by_reason: dict[str, int] = {}
    for batch, kind, fmt, src, read, loaded, unchanged, rejected, at, report in rows:
        details = json.loads(report) if report else {}
        reasons = {str(k): int(v) for k, v in details.get("rejects_by_reason", {}).items()}
        for reason, n in reasons.items():
            by_reason[reason] = by_reason.get(reason, 0) + n
        entries.append(IngestLogEntry(batch, kind, fmt, src, int(read or 0), int(loaded or 0), int(unchanged or 0),
                                      int(rejected or 0), at, reasons, details.get("rejects_file")))
    n_orders = tables["orders"]
    quality = DataQuality(
        batches=len(entries), rows_rejected=sum(e.rows_rejected for e in entries),
        rejects_by_reason=dict(sorted(by_reason.items())), guest_lines=int(guests), return_lines=int(returns),
        returns_share=round(returns / n_orders, 4) if n_orders else 0.0, zero_price_lines=int(zero_price),
        zero_quantity_lines=int(zero_qty), non_product_lines=int(non_product))
    labels = ws.path / "labels" / "review_labels.csv"
    return WorkspaceStatus(ws.path, tables, first, last, entries, quality, labels if labels.is_file() else None)
