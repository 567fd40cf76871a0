"""The review-screening queue in the operational database (SQLite, WAL).

Tables (created on first use with :meth:`Workspace.ensure_operational_tables`):

* ``screening_queue`` - one row per review that needs a human look: ``status`` (pending / approved /
  removed / escalated), ``risk``, ``assignee``, ``note``, ``decided_by``, ``decided_at``, timestamps
  and ``version``.
* ``screening_scores`` - the latest risk, signals and reasons of every screened review.

Decisions use optimistic concurrency: the caller passes the ``version`` it saw; the update runs as
``UPDATE ... WHERE version = ?`` and a stale version raises :class:`ConflictError`. Every attempt,
successful or not, is appended to the audit log (``audit_log`` is append-only by trigger).
Operator decisions (removed = fake, approved = genuine) become training labels on the next retrain.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.workspace.decisions import now_stamp, versioned_update

STATUSES = ("pending", "approved", "removed", "escalated")
ACTIONS = {"approve": "approved", "remove": "removed", "escalate": "escalated"}
LABEL_OF_STATUS = {"removed": 1, "approved": 0}

QUEUE_DDL = (
    """CREATE TABLE IF NOT EXISTS screening_queue (
        review_id TEXT PRIMARY KEY,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'removed', 'escalated')),
        risk REAL NOT NULL,
        assignee TEXT,
        note TEXT,
        decided_by TEXT,
        decided_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    )""",
    "CREATE INDEX IF NOT EXISTS screening_queue_status_risk ON screening_queue (status, risk DESC)",
    """CREATE TABLE IF NOT EXISTS screening_scores (
        review_id TEXT PRIMARY KEY,
        product_id TEXT,
        member_id TEXT,
        risk REAL NOT NULL,
        method TEXT NOT NULL,
        signals TEXT NOT NULL,
        reasons TEXT NOT NULL,
        scored_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS screening_scores_risk ON screening_scores (risk DESC)",
)


def ensure_tables(ws) -> None:
    """Create the screening tables when missing."""
    ws.ensure_operational_tables(*QUEUE_DDL)


@dataclass(frozen=True)
class QueueItem:
    """One review in the queue, with its latest signals and reasons."""

    review_id: str
    status: str
    risk: float
    version: int
    assignee: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None
    created_at: str
    updated_at: str
    product_id: str | None = None
    member_id: str | None = None
    method: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreRow:
    """What one screening run writes for one review."""

    review_id: str
    product_id: str | None
    member_id: str | None
    risk: float
    method: str
    signals: dict[str, Any]
    reasons: list[dict[str, Any]]


def _item(row: sqlite3.Row) -> QueueItem:
    keys = row.keys()
    return QueueItem(
        review_id=row["review_id"], status=row["status"], risk=round(float(row["risk"]), 4),
        version=int(row["version"]), assignee=row["assignee"], note=row["note"], decided_by=row["decided_by"],
        decided_at=row["decided_at"], created_at=row["created_at"], updated_at=row["updated_at"],
        product_id=row["product_id"] if "product_id" in keys else None,
        member_id=row["member_id"] if "member_id" in keys else None,
        method=row["method"] if "method" in keys else None,
        reasons=json.loads(row["reasons"]) if "reasons" in keys and row["reasons"] else [],
        signals=json.loads(row["signals"]) if "signals" in keys and row["signals"] else {},
    )


_SELECT = ("SELECT q.*, s.product_id, s.member_id, s.method, s.reasons, s.signals FROM screening_queue q "
           "LEFT JOIN screening_scores s USING (review_id)")


def write_scores(ws, rows: list[ScoreRow], queue_min_risk: float) -> dict[str, int]:
    """Store scores and put reviews with ``risk >= queue_min_risk`` in the queue (pending).

    Items already in the queue keep their status, assignee and version; a pending item gets the new
    risk. Returns counts of scored, newly queued and refreshed items.
    """
    ensure_tables(ws)
    now = now_stamp()
    queued = refreshed = 0
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(
                "INSERT INTO screening_scores (review_id, product_id, member_id, risk, method, signals, reasons, "
                "scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(review_id) DO UPDATE SET "
                "product_id = excluded.product_id, member_id = excluded.member_id, risk = excluded.risk, "
                "method = excluded.method, signals = excluded.signals, reasons = excluded.reasons, "
                "scored_at = excluded.scored_at",
                [(r.review_id, r.product_id, r.member_id, float(r.risk), r.method,
                  json.dumps(r.signals, default=float), json.dumps(r.reasons, default=str), now) for r in rows])
            existing = {row[0] for row in con.execute("SELECT review_id FROM screening_queue")}
            new = [(r.review_id, float(r.risk), now, now) for r in rows
                   if r.risk >= queue_min_risk and r.review_id not in existing]
            con.executemany("INSERT INTO screening_queue (review_id, risk, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?)", new)
            queued = len(new)
            again = [(float(r.risk), r.review_id) for r in rows if r.review_id in existing]
            cur = con.executemany("UPDATE screening_queue SET risk = ? WHERE review_id = ? AND status = 'pending'",
                                  again)
            refreshed = max(cur.rowcount, 0)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {"scored": len(rows), "queued": queued, "refreshed": refreshed}


def list_queue(ws, status: str | None = "pending", limit: int = 50, offset: int = 0) -> list[QueueItem]:
    """Queue items, riskiest first (``status=None``: every status)."""
    if status is not None and status not in STATUSES:
        raise DataValidationError(f"unknown status {status!r} (use one of {', '.join(STATUSES)})", column="status")
    if limit < 1:
        raise DataValidationError("limit must be at least 1", column="limit")
    ensure_tables(ws)
    where, args = ("WHERE q.status = ?", [status]) if status else ("", [])
    with ws.operations() as con:
        rows = con.execute(f"{_SELECT} {where} ORDER BY q.risk DESC, q.review_id LIMIT ? OFFSET ?",
                           [*args, int(limit), int(offset)]).fetchall()
    return [_item(r) for r in rows]


def queue_counts(ws) -> dict[str, int]:
    """How many queue items are in each status."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT status, count(*) AS n FROM screening_queue GROUP BY status").fetchall()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({r["status"]: int(r["n"]) for r in rows})
    return counts


def get_item(ws, review_id: str) -> QueueItem:
    """One queue item (raises NotFoundError when the review is not in the queue)."""
    ensure_tables(ws)
    with ws.operations() as con:
        row = con.execute(f"{_SELECT} WHERE q.review_id = ?", [review_id]).fetchone()
    if row is None:
        raise NotFoundError(f"review {review_id!r} is not in the screening queue")
    return _item(row)


def assign(ws, review_id: str, assignee: str | None, user: str, version: int) -> QueueItem:
    """Assign a queue item to an operator (optimistic concurrency, audited like a decision)."""
    return _update(ws, review_id, user, version, "screening.assign", {"assignee": assignee}, {"assignee": assignee})


def decide(ws, review_id: str, action: str, user: str, version: int, note: str | None = None) -> QueueItem:
    """Record an operator decision (approve / remove / escalate) against the version the operator saw.

    Raises :class:`ConflictError` when someone changed the item since (the attempt is still audited),
    :class:`NotFoundError` for a review not in the queue and :class:`DataValidationError` for a bad action.
    Decisions never come from review text: only this function (called by a person) changes a status.
    """
    if action not in ACTIONS:
        raise DataValidationError(f"unknown action {action!r} (use approve, remove or escalate)", column="action")
    if not user or not user.strip():
        raise DataValidationError("a decision needs the deciding user", column="user")
    status = ACTIONS[action]
    now = now_stamp()
    changes = {"status": status, "note": note, "decided_by": user, "decided_at": now}
    return _update(ws, review_id, user, version, f"screening.{action}", changes, {"note": note})


def _update(ws, review_id: str, user: str, version: int, audit_action: str, changes: dict[str, Any],
            detail: dict[str, Any]) -> QueueItem:
    ensure_tables(ws)
    versioned_update(ws, table="screening_queue", key_column="review_id", key=review_id, user=user, version=version,
                     audit_action=audit_action, object_type="review", changes=changes, detail=detail,
                     name=f"review {review_id}", queue="screening queue")
    return get_item(ws, review_id)


def operator_labels(ws) -> dict[str, int]:
    """Training labels from decisions: removed -> 1 (fake), approved -> 0 (genuine); escalated ones are open."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT review_id, status FROM screening_queue WHERE status IN ('removed', 'approved')"
                           ).fetchall()
    return {r["review_id"]: LABEL_OF_STATUS[r["status"]] for r in rows}


def audit_trail(ws, review_id: str) -> list[dict[str, Any]]:
    """Every audited attempt on one review, oldest first."""
    with ws.operations() as con:
        rows = con.execute("SELECT at, actor, action, outcome, detail FROM audit_log "
                           "WHERE object_type = 'review' AND object_id = ? ORDER BY id", [review_id]).fetchall()
    return [dict(r) for r in rows]
