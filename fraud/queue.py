"""The fraud queue in the operational database (SQLite, WAL), built like the review-screening queue.

Tables (created on first use):

* ``fraud_queue``: one row per order or account that needs a look (``item_id`` ``order:<id>`` or
  ``account:<id>``): ``status`` (pending / cleared / confirmed / escalated), ``risk``, ``assignee``,
  ``note``, ``decided_by``, ``decided_at``, timestamps and ``version``.
* ``fraud_scores``: the latest risk, per-source risks, reasons and evidence of every scored item.
* ``fraud_findings``: the latest brushing bursts and rings with their evidence.

Decisions use optimistic concurrency: the caller passes the ``version`` it saw; the update runs as
``UPDATE ... WHERE version = ?`` and a stale version raises :class:`ConflictError`. Every attempt,
successful or not, is appended to the audit log. Confirmed (1) and cleared (0) items are the labels
the next scan calibrates with. Confirming an account sends its reviews to the review queue.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.fraud.combine import Scored
from memberinsight.workspace.decisions import now_stamp

STATUSES = ("pending", "cleared", "confirmed", "escalated")
ACTIONS = {"clear": "cleared", "confirm": "confirmed", "escalate": "escalated"}
LABEL_OF_STATUS = {"confirmed": 1, "cleared": 0}
KINDS = ("order", "account")

QUEUE_DDL = (
    """CREATE TABLE IF NOT EXISTS fraud_queue (
        item_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('order', 'account')),
        object_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cleared', 'confirmed', 'escalated')),
        risk REAL NOT NULL,
        assignee TEXT,
        note TEXT,
        decided_by TEXT,
        decided_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    )""",
    "CREATE INDEX IF NOT EXISTS fraud_queue_status_risk ON fraud_queue (status, risk DESC)",
    """CREATE TABLE IF NOT EXISTS fraud_scores (
        item_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        object_id TEXT NOT NULL,
        member_id TEXT,
        risk REAL NOT NULL,
        parts TEXT NOT NULL,
        reasons TEXT NOT NULL,
        evidence TEXT NOT NULL,
        scanned_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS fraud_scores_member ON fraud_scores (member_id)",
    """CREATE TABLE IF NOT EXISTS fraud_findings (
        finding_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('burst', 'ring')),
        risk REAL NOT NULL,
        members TEXT NOT NULL,
        evidence TEXT NOT NULL,
        scanned_at TEXT NOT NULL
    )""",
)


def ensure_tables(ws: Any) -> None:
    """Create the fraud tables when missing."""
    ws.ensure_operational_tables(*QUEUE_DDL)


@dataclass(frozen=True)
class FraudItem:
    """One order or account in the queue, with its latest reasons and evidence."""

    item_id: str
    kind: str
    object_id: str
    status: str
    risk: float
    version: int
    assignee: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None
    created_at: str
    updated_at: str
    member_id: str | None = None
    parts: dict[str, float] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


_SELECT = ("SELECT q.*, s.member_id, s.parts, s.reasons, s.evidence FROM fraud_queue q "
           "LEFT JOIN fraud_scores s USING (item_id)")


def _item(row: sqlite3.Row) -> FraudItem:
    return FraudItem(
        item_id=row["item_id"], kind=row["kind"], object_id=row["object_id"], status=row["status"],
        risk=round(float(row["risk"]), 4), version=int(row["version"]), assignee=row["assignee"], note=row["note"],
        decided_by=row["decided_by"], decided_at=row["decided_at"], created_at=row["created_at"],
        updated_at=row["updated_at"], member_id=row["member_id"],
        parts=json.loads(row["parts"]) if row["parts"] else {},
        reasons=json.loads(row["reasons"]) if row["reasons"] else [],
        evidence=json.loads(row["evidence"]) if row["evidence"] else {})


def write_scores(ws: Any, scored: list[Scored], findings: list[tuple[str, str, float, list[str], dict[str, Any]]],
                 queue_min_risk: float, store_min_risk: float = 0.2) -> dict[str, int]:
    """Store scores (risk >= ``store_min_risk``) and findings; queue items with ``risk >= queue_min_risk``.

    Items already queued keep their status, assignee and version; a pending one gets the new risk.
    """
    ensure_tables(ws)
    now = now_stamp()
    kept = [s for s in scored if s.risk >= store_min_risk]
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(
                "INSERT INTO fraud_scores (item_id, kind, object_id, member_id, risk, parts, reasons, evidence, "
                "scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET "
                "member_id = excluded.member_id, risk = excluded.risk, parts = excluded.parts, "
                "reasons = excluded.reasons, evidence = excluded.evidence, scanned_at = excluded.scanned_at",
                [(s.item_id, s.kind, s.object_id, s.member_id, float(s.risk), json.dumps(s.parts),
                  json.dumps(s.reasons, default=str), json.dumps(s.evidence, default=str), now) for s in kept])
            con.execute("DELETE FROM fraud_findings")  # findings are the latest scan's
            con.executemany(
                "INSERT INTO fraud_findings (finding_id, kind, risk, members, evidence, scanned_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(finding_id) DO UPDATE SET risk = excluded.risk, "
                "members = excluded.members, evidence = excluded.evidence, scanned_at = excluded.scanned_at",
                [(fid, kind, float(risk), json.dumps(members), json.dumps(ev, default=str), now)
                 for fid, kind, risk, members, ev in findings])
            existing = {r[0] for r in con.execute("SELECT item_id FROM fraud_queue")}
            new = [(s.item_id, s.kind, s.object_id, float(s.risk), now, now) for s in kept
                   if s.risk >= queue_min_risk and s.item_id not in existing]
            con.executemany("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", new)
            cur = con.executemany("UPDATE fraud_queue SET risk = ? WHERE item_id = ? AND status = 'pending'",
                                  [(float(s.risk), s.item_id) for s in kept if s.item_id in existing])
            refreshed = max(cur.rowcount, 0)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {"stored": len(kept), "queued": len(new), "refreshed": refreshed}


def list_queue(ws: Any, status: str | None = "pending", kind: str | None = None, limit: int = 50,
               offset: int = 0) -> list[FraudItem]:
    """Queue items, riskiest first (``status=None``: every status; ``kind``: order or account)."""
    if status is not None and status not in STATUSES:
        raise DataValidationError(f"unknown status {status!r} (use one of {', '.join(STATUSES)})", column="status")
    if kind is not None and kind not in KINDS:
        raise DataValidationError(f"unknown kind {kind!r} (use order or account)", column="kind")
    if limit < 1:
        raise DataValidationError("limit must be at least 1", column="limit")
    ensure_tables(ws)
    where, args = [], []
    if status:
        where.append("q.status = ?")
        args.append(status)
    if kind:
        where.append("q.kind = ?")
        args.append(kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with ws.operations() as con:
        rows = con.execute(f"{_SELECT} {clause} ORDER BY q.risk DESC, q.item_id LIMIT ? OFFSET ?",
                           [*args, int(limit), int(offset)]).fetchall()
    return [_item(r) for r in rows]


def queue_counts(ws: Any) -> dict[str, int]:
    """How many queue items are in each status."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT status, count(*) AS n FROM fraud_queue GROUP BY status").fetchall()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({r["status"]: int(r["n"]) for r in rows})
    return counts


def get_item(ws: Any, item_id: str) -> FraudItem:
    """One queue item (``order:<id>`` or ``account:<id>``; a bare id tries order, then account)."""
    ensure_tables(ws)
    candidates = [item_id] if ":" in item_id else [f"order:{item_id}", f"account:{item_id}"]
    with ws.operations() as con:
        for candidate in candidates:
            row = con.execute(f"{_SELECT} WHERE q.item_id = ?", [candidate]).fetchone()
            if row is not None:
                return _item(row)
    raise NotFoundError(f"{item_id!r} is not in the fraud queue")


def operator_labels(ws: Any) -> dict[str, int]:
    """Labels from decisions: confirmed -> 1, cleared -> 0 (escalated and pending ones are open)."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT item_id, status FROM fraud_queue WHERE status IN ('confirmed', 'cleared')"
                           ).fetchall()
    return {r["item_id"]: LABEL_OF_STATUS[r["status"]] for r in rows}


def findings(ws: Any, kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest bursts and rings (``kind``: burst or ring), riskiest first."""
    ensure_tables(ws)
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    with ws.operations() as con:
        rows = con.execute(f"SELECT * FROM fraud_findings {where} ORDER BY risk DESC, finding_id LIMIT ?",
                           [*args, int(limit)]).fetchall()
    return [{"finding_id": r["finding_id"], "kind": r["kind"], "risk": r["risk"],
             "members": json.loads(r["members"]), **json.loads(r["evidence"])} for r in rows]
