"""The fraud queue in the operational database (SQLite, WAL), built like the review-screening queue.

Tables (created on first use):

* ``fraud_queue``: one row per order, account, burst or coupon ring that needs a look (``item_id``
  ``order:<id>``, ``account:<id>``, ``burst:<first order id>`` or ``coupon_ring:<first order id>``): ``status`` (pending / cleared / confirmed / escalated),
  ``risk``, ``assignee``, ``note``, ``decided_by``, ``decided_at``, timestamps and ``version``.
* ``fraud_item_orders``: the orders of each burst or coupon-ring item (:mod:`fraud.groups`,
  :mod:`fraud.coupon_rings`: "group items", handled alike); a decision on the item applies to all of them. A later scan that finds more orders of a burst still undecided (pending or
  escalated) adds them here and bumps the item's version (audited ``fraud.extend``); a decided burst is
  never reopened: the new orders become a new pending burst item that says which decided one it continues.
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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.fraud.combine import GROUP_KINDS, Scored
from memberinsight.workspace.decisions import now_stamp

STATUSES = ("pending", "cleared", "confirmed", "escalated")
ACTIONS = {"clear": "cleared", "confirm": "confirmed", "escalate": "escalated"}
LABEL_OF_STATUS = {"confirmed": 1, "cleared": 0}
KINDS = ("order", "account", *GROUP_KINDS)
OPEN_STATUSES = ("pending", "escalated")
SCAN_ACTOR = "fraud scan"

QUEUE_DDL = (
    """CREATE TABLE IF NOT EXISTS fraud_queue (
        item_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('order', 'account', 'burst', 'coupon_ring')),
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
    """CREATE TABLE IF NOT EXISTS fraud_item_orders (
        item_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (item_id, order_id)
    )""",
    "CREATE INDEX IF NOT EXISTS fraud_item_orders_order ON fraud_item_orders (order_id)",
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
    """Create the fraud tables when missing (and let a queue made before burst or coupon-ring items hold them)."""
    ws.ensure_operational_tables(*QUEUE_DDL)
    with ws.operations() as con:
        row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'fraud_queue'").fetchone()
        if row is not None and not _admits_groups(str(row[0])):
            _allow_bursts(con)


def _admits_groups(sql: str) -> bool:
    return all(f"'{k}'" in sql for k in GROUP_KINDS)


def _allow_bursts(con: sqlite3.Connection) -> None:
    """Rebuild ``fraud_queue`` with the kind check that admits every group kind (SQLite cannot alter a CHECK)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'fraud_queue'").fetchone()
        if not _admits_groups(str(row[0])):
            con.execute("ALTER TABLE fraud_queue RENAME TO fraud_queue_before_bursts")
            con.execute(QUEUE_DDL[0])
            con.execute("INSERT INTO fraud_queue SELECT * FROM fraud_queue_before_bursts")
            con.execute("DROP TABLE fraud_queue_before_bursts")
            con.execute(QUEUE_DDL[1])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class FraudItem:
    """One order, account or burst in the queue, with its latest reasons and evidence (a burst's ``evidence``
    names its order count, span, total value and first order ids; :func:`item_orders` lists them all)."""

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


ContinueBurst = Callable[[Scored, list[str], "str | None", "str | None"], Scored]
"""``(burst item, its order ids to keep, item id or None, note or None) -> the item over just those orders``."""


def write_scores(ws: Any, scored: list[Scored], findings: list[tuple[str, str, float, list[str], dict[str, Any]]],
                 queue_min_risk: float, store_min_risk: float = 0.2,
                 continue_burst: ContinueBurst | None = None) -> dict[str, int]:
    """Store scores (risk >= ``store_min_risk``) and findings; queue items with ``risk >= queue_min_risk``.

    Items already queued keep their status, assignee and version; a pending one gets the new risk. Orders
    marked ``in_burst`` are not queued on their own (their burst item is), and such an order still pending
    untouched from an earlier scan (version 1, unassigned) leaves the queue (audited ``fraud.merge``). Burst
    items are matched to the queue by their orders (see the module docstring; ``continue_burst`` rebuilds a
    burst over part of its orders).
    """
    ensure_tables(ws)
    now = now_stamp()
    kept = [s for s in scored if s.risk >= store_min_risk]
    counts = {"queued": 0, "refreshed": 0, "extended": 0, "merged": 0}
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            bursts, final = _resolve_bursts(con, [s for s in kept if s.kind in GROUP_KINDS], continue_burst)
            kept = [s for s in kept if s.kind not in GROUP_KINDS] + bursts
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
            status = {r[0]: r[1] for r in con.execute("SELECT item_id, status FROM fraud_queue")}
            new = [s for s in kept if s.risk >= queue_min_risk and s.item_id not in status and s.in_burst is None]
            con.executemany("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            [(s.item_id, s.kind, s.object_id, float(s.risk), now, now) for s in new])
            counts["queued"] = len(new)
            _add_burst_orders(ws, con, [s for s in new if s.kind in GROUP_KINDS], set(), now)
            counts["extended"] = _add_burst_orders(
                ws, con, [s for s in bursts if status.get(s.item_id) in OPEN_STATUSES], set(status), now)
            cur = con.executemany("UPDATE fraud_queue SET risk = ? WHERE item_id = ? AND status = 'pending'",
                                  [(float(s.risk), s.item_id) for s in kept if s.item_id in status])
            counts["refreshed"] = max(cur.rowcount, 0)
            counts["merged"] = _merge_into_bursts(ws, con, [s for s in kept if s.in_burst and s.item_id in status],
                                                  final)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {"stored": len(kept), **counts}


def _resolve_bursts(con: sqlite3.Connection, bursts: list[Scored], continue_burst: ContinueBurst | None
                    ) -> tuple[list[Scored], dict[str, str]]:
    """Map each burst onto the queue: an undecided item holding any of its orders takes them (minus orders a
    decided burst already covers); with only decided ones, the orders they do not cover become a new item.
    Returns the items to store and, per scanned burst id, the queue item that holds it."""
    out: list[Scored] = []
    final: dict[str, str] = {}
    for b in bursts:
        final[b.item_id] = b.item_id
        marks = ", ".join("?" * len(b.orders))
        rows = con.execute(f"SELECT m.item_id, m.order_id, q.status, q.created_at, q.decided_by FROM fraud_item_orders m "
                           f"JOIN fraud_queue q USING (item_id) WHERE q.kind = ? AND m.order_id IN ({marks})",
                           [b.kind, *b.orders]).fetchall()
        if not rows:
            out.append(b)
            continue
        decided = {r["item_id"]: (r["status"], r["decided_by"]) for r in rows if r["status"] not in OPEN_STATUSES}
        covered = {r["order_id"] for r in rows if r["item_id"] in decided}
        wanted = [o for o in b.orders if o not in covered]
        open_items = sorted({(r["created_at"], r["item_id"]) for r in rows if r["status"] in OPEN_STATUSES})
        if not wanted:  # every order is under a decision already: nothing reopens
            final[b.item_id] = sorted(decided)[0]
            continue
        target = open_items[0][1] if open_items else None
        note = None
        if decided and target is None:
            note = (f"continues {', '.join(f'{i} ({st} by {by})' for i, (st, by) in sorted(decided.items()))}: "
                    f"{len(wanted)} more order(s) of the same {b.kind.replace('_', ' ')} since that decision")
        if wanted == b.orders and note is None:
            out.append(b if target is None else replace(b, object_id=target.split(":", 1)[1]))
        elif continue_burst is not None:
            out.append(continue_burst(b, wanted, target, note))
        else:
            continue
        final[b.item_id] = out[-1].item_id
    return out, final


def _add_burst_orders(ws: Any, con: sqlite3.Connection, bursts: list[Scored], existing: set[str], now: str) -> int:
    """Record the bursts' orders; an existing (undecided) item that gains orders gets a new version (audited)."""
    extended = 0
    for b in bursts:
        cur = con.executemany("INSERT OR IGNORE INTO fraud_item_orders (item_id, order_id, added_at) VALUES (?, ?, ?)",
                              [(b.item_id, o, now) for o in b.orders])
        added = max(cur.rowcount, 0)
        if added and b.item_id in existing:
            con.execute("UPDATE fraud_queue SET version = version + 1, updated_at = ? WHERE item_id = ?",
                        [now, b.item_id])
            total = con.execute("SELECT count(*) FROM fraud_item_orders WHERE item_id = ?", [b.item_id]).fetchone()[0]
            ws.audit(SCAN_ACTOR, "fraud.extend", f"fraud_{b.kind}", b.item_id,
                     detail=json.dumps({"added_orders": added, "orders": int(total)}), con=con)
            extended += 1
    return extended


def _merge_into_bursts(ws: Any, con: sqlite3.Connection, orders: list[Scored], final: dict[str, str]) -> int:
    """Take untouched pending order items (version 1, unassigned) that a burst item now covers off the queue."""
    merged = 0
    by_burst: dict[str, list[str]] = {}
    for s in orders:
        cur = con.execute("DELETE FROM fraud_queue WHERE item_id = ? AND kind = 'order' AND status = 'pending' "
                          "AND version = 1 AND assignee IS NULL", [s.item_id])
        if cur.rowcount:
            by_burst.setdefault(final.get(str(s.in_burst), str(s.in_burst)), []).append(s.object_id)
            merged += 1
    for burst, ids in sorted(by_burst.items()):
        ws.audit(SCAN_ACTOR, "fraud.merge", f"fraud_{burst.split(':', 1)[0]}", burst,
                 detail=json.dumps({"orders": len(ids), "order_ids": ids[:10]}), con=con)
    return merged


def list_queue(ws: Any, status: str | None = "pending", kind: str | None = None, limit: int = 50,
               offset: int = 0) -> list[FraudItem]:
    """Queue items, riskiest first (``status=None``: every status; ``kind``: order, account, burst or
    coupon_ring)."""
    if status is not None and status not in STATUSES:
        raise DataValidationError(f"unknown status {status!r} (use one of {', '.join(STATUSES)})", column="status")
    if kind is not None and kind not in KINDS:
        raise DataValidationError(f"unknown kind {kind!r} (use {', '.join(KINDS)})", column="kind")
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
    """One queue item (``order:<id>``, ``account:<id>``, ``burst:<id>``, ``coupon_ring:<id>``; a bare id tries
    each kind in that order)."""
    ensure_tables(ws)
    candidates = [item_id] if ":" in item_id else [f"{k}:{item_id}" for k in KINDS]
    with ws.operations() as con:
        for candidate in candidates:
            row = con.execute(f"{_SELECT} WHERE q.item_id = ?", [candidate]).fetchone()
            if row is not None:
                return _item(row)
    raise NotFoundError(f"{item_id!r} is not in the fraud queue")


def operator_labels(ws: Any) -> dict[str, int]:
    """Labels from decisions: confirmed -> 1, cleared -> 0 (escalated and pending ones are open). A decided burst
    labels each of its orders (``order:<id>``), unless the order has a decision of its own."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT item_id, status FROM fraud_queue WHERE status IN ('confirmed', 'cleared')"
                           ).fetchall()
        burst_rows = con.execute("SELECT m.order_id, q.status FROM fraud_item_orders m JOIN fraud_queue q "
                                 "USING (item_id) WHERE q.status IN ('confirmed', 'cleared') ORDER BY q.decided_at"
                                 ).fetchall()
    labels = {f"order:{r['order_id']}": LABEL_OF_STATUS[r["status"]] for r in burst_rows}
    labels.update({r["item_id"]: LABEL_OF_STATUS[r["status"]] for r in rows})
    return labels


def item_orders(ws: Any, item_id: str) -> list[str]:
    """The orders a queue item stands for: a burst's orders, an order item's own order, none for an account."""
    kind, _, object_id = item_id.partition(":")
    if kind == "order":
        return [object_id]
    ensure_tables(ws)
    with ws.operations() as con:
        return [r[0] for r in con.execute("SELECT order_id FROM fraud_item_orders WHERE item_id = ? ORDER BY order_id",
                                          [item_id])]


def findings(ws: Any, kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest bursts and rings (``kind``: burst or ring), riskiest first."""
    ensure_tables(ws)
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    with ws.operations() as con:
        rows = con.execute(f"SELECT * FROM fraud_findings {where} ORDER BY risk DESC, finding_id LIMIT ?",
                           [*args, int(limit)]).fetchall()
    return [{"finding_id": r["finding_id"], "kind": r["kind"], "risk": r["risk"],
             "members": json.loads(r["members"]), **json.loads(r["evidence"])} for r in rows]
