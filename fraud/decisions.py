"""Operator decisions on the fraud queue: confirm, clear, escalate, assign (optimistic versions, audited).

A decision names the item version the operator looked at; when someone changed the item since,
:class:`ConflictError` says so and nothing changes. Every attempt (ok, conflict, not found) is
appended to the hash-chained audit log in the same transaction. Confirming an account also puts
its reviews in the review-screening queue (pending, risk at least 0.9), so the review team sees
them: the fraud queue and the review queue feed each other (a scan reads the reviews removed there).

A decision on a burst or coupon-ring item (:mod:`fraud.groups`, :mod:`fraud.coupon_rings`) applies to all its orders: confirmed, each order counts
as confirmed fraud for the clean business figures (:func:`fraud.exclusions.confirmed_items`) and the
buyers' reviews of the burst's products (posted at or after the order) go to the review queue; cleared,
all are cleared. It is one decision, audited once with the number of orders it covers.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from memberinsight.errors import DataValidationError
from memberinsight.fraud.combine import GROUP_KINDS
from memberinsight.fraud.queue import ACTIONS, FraudItem, ensure_tables, get_item, item_orders
from memberinsight.workspace.decisions import now_stamp, versioned_update

FLAGGED_REVIEW_RISK = 0.9


def decide(ws: Any, item_id: str, action: str, user: str, version: int, note: str | None = None) -> FraudItem:
    """Record ``confirm`` / ``clear`` / ``escalate`` on ``item_id`` against the ``version`` the operator saw.

    Raises :class:`ConflictError` when the item changed since (the attempt is audited),
    :class:`NotFoundError` for an item not in the queue, :class:`DataValidationError` for a bad action.
    """
    if action not in ACTIONS:
        raise DataValidationError(f"unknown action {action!r} (use confirm, clear or escalate)", column="action")
    if not user or not user.strip():
        raise DataValidationError("a decision needs the deciding user", column="user")
    changes = {"status": ACTIONS[action], "note": note, "decided_by": user, "decided_at": now_stamp()}
    resolved = _resolve(ws, item_id)
    detail: dict[str, Any] = {"note": note}
    if resolved.split(":", 1)[0] in GROUP_KINDS:
        detail["orders"] = len(item_orders(ws, resolved))
    return _update(ws, resolved, user, version, f"fraud.{action}", changes, detail)


def assign(ws: Any, item_id: str, assignee: str | None, user: str, version: int) -> FraudItem:
    """Assign an item to an operator (optimistic concurrency, audited like a decision)."""
    return _update(ws, _resolve(ws, item_id), user, version, "fraud.assign", {"assignee": assignee},
                   {"assignee": assignee})


def _resolve(ws: Any, item_id: str) -> str:
    """``order:<id>`` / ``account:<id>`` as given; a bare id is the queued order, else the queued account."""
    return item_id if ":" in item_id else get_item(ws, item_id).item_id


def _update(ws: Any, item_id: str, user: str, version: int, audit_action: str, changes: dict[str, Any],
            detail: dict[str, Any]) -> FraudItem:
    ensure_tables(ws)

    def flag_confirmed_account(con: sqlite3.Connection, row: sqlite3.Row) -> None:
        if changes.get("status") == "confirmed" and row["kind"] == "account":
            _flag_reviews(ws, con, row["object_id"], user)
        elif changes.get("status") == "confirmed" and row["kind"] in GROUP_KINDS:
            _flag_burst_reviews(ws, con, item_id, user)

    versioned_update(ws, table="fraud_queue", key_column="item_id", key=item_id, user=user, version=version,
                     audit_action=audit_action, object_type=f"fraud_{item_id.split(':', 1)[0]}", changes=changes,
                     detail=detail, name=item_id, queue="fraud queue", columns=("kind", "object_id"),
                     after=flag_confirmed_account)
    return get_item(ws, item_id)


def _flag_reviews(ws: Any, con: sqlite3.Connection, member_id: str, user: str) -> int:
    """Put the account's reviews in the review-screening queue (pending); audited. Returns how many were added."""
    from memberinsight.screening.queue import QUEUE_DDL as SCREENING_DDL

    for ddl in SCREENING_DDL:
        con.execute(ddl)
    with ws.analytics(read_only=True) as acon:
        reviews = [r[0] for r in acon.execute("SELECT review_id FROM reviews WHERE member_id = ? ORDER BY review_id",
                                              [member_id]).fetchall()]
    added = _queue_reviews(con, reviews, f"account {member_id} confirmed as fraud in the fraud queue")
    if reviews:
        ws.audit(user, "fraud.flag_reviews", "member", member_id,
                 detail=json.dumps({"reviews": len(reviews), "queued_or_raised": added}), con=con)
    return added


def _flag_burst_reviews(ws: Any, con: sqlite3.Connection, item_id: str, user: str) -> int:
    """Put the reviews bought with a confirmed burst's orders (the buyer's review of a product of the order,
    posted at or after it) in the review-screening queue; audited once. Returns how many were added or raised."""
    import pandas as pd

    from memberinsight.screening.queue import QUEUE_DDL as SCREENING_DDL

    orders = [r[0] for r in con.execute("SELECT order_id FROM fraud_item_orders WHERE item_id = ?", [item_id])]
    if not orders:
        return 0
    for ddl in SCREENING_DDL:
        con.execute(ddl)
    with ws.analytics(read_only=True) as acon:
        acon.register("_burst_orders", pd.DataFrame({"order_id": orders}, dtype=str))
        reviews = [r[0] for r in acon.execute(
            "SELECT DISTINCT r.review_id FROM orders o JOIN _burst_orders USING (order_id) "
            "JOIN reviews r ON r.member_id = o.member_id AND r.product_id = o.product_id AND r.created_at >= o.ordered_at "
            "WHERE o.quantity > 0 ORDER BY 1").fetchall()]
        acon.unregister("_burst_orders")
    added = _queue_reviews(con, reviews, f"review of an order in {item_id}, confirmed as fraud in the fraud queue")
    if reviews:
        ws.audit(user, "fraud.flag_reviews", "burst_reviews", item_id,
                 detail=json.dumps({"orders": len(orders), "reviews": len(reviews), "queued_or_raised": added}), con=con)
    return added


def _queue_reviews(con: sqlite3.Connection, reviews: list[str], note: str) -> int:
    """Put ``reviews`` in the review-screening queue at the flagged risk (a pending one's risk is raised, a decided
    one is left alone); returns how many were added or raised."""
    now = now_stamp()
    added = 0
    for review_id in reviews:
        cur = con.execute(
            "INSERT INTO screening_queue (review_id, risk, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(review_id) DO UPDATE SET risk = max(risk, excluded.risk) WHERE status = 'pending'",
            [review_id, FLAGGED_REVIEW_RISK, note, now, now])
        added += max(cur.rowcount, 0)
    return added


def audit_trail(ws: Any, item_id: str) -> list[dict[str, Any]]:
    """Every audited attempt on one item, oldest first."""
    object_type = f"fraud_{item_id.split(':', 1)[0]}"
    with ws.operations() as con:
        rows = con.execute("SELECT at, actor, action, outcome, detail FROM audit_log "
                           "WHERE object_type = ? AND object_id = ? ORDER BY id", [object_type, item_id]).fetchall()
    return [dict(r) for r in rows]
