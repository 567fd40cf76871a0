"""Who else shares an item's device, card, address or IP: the accounts linked to a fraud queue item.

An analyst looking at a queue item asks "who else uses that device?". :func:`linked_accounts` takes the
item's orders (a burst's or coupon ring's orders, an order item's order, an account's whole history),
the identifiers they carry (device, card, IP address, shipping address) and lists, per identifier, the other
accounts whose orders carry it too, with how many orders and whether they are in the fraud queue themselves.

Identifiers are never shown: each is named by its kind and a short fingerprint (the first characters of an
HMAC of the stored value under the workspace's own hashing key, so a device id, which is stored as given, cannot
be confirmed from its fingerprint by someone who holds a candidate id), so two answers can say "the same device"
without saying which device it is.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from memberinsight.fraud.facts import LINK_FIELDS, order_columns
from memberinsight.fraud.kinds import IDENTIFIER_LABELS
from memberinsight.fraud.queue import ensure_tables, get_item, item_orders
from memberinsight.workspace.ingest.order_extras import workspace_key

SHOWN_ACCOUNTS = 10


def fingerprint(column: str, value: Any, key: bytes) -> str:
    """A short fingerprint of an identifier value (never the value), stable within a workspace: ``#3f9a1c2b``."""
    return "#" + hmac.new(key, f"{column}:{value}".encode(), hashlib.sha256).hexdigest()[:8]


@dataclass(frozen=True)
class SharedIdentifier:
    """One identifier of the item's orders and the accounts that use it."""

    kind: str
    """``device``, ``card``, ``IP address`` or ``address``."""
    fingerprint: str
    accounts: int
    """Accounts with an order carrying it (the item's own included)."""
    other_accounts: int = 0
    """Accounts with an order carrying it, the item's own left out."""
    others: list[str] = field(default_factory=list)
    """Other accounts (not the item's own), most orders first, at most :data:`SHOWN_ACCOUNTS`."""
    other_orders: dict[str, int] = field(default_factory=dict)
    queued: list[str] = field(default_factory=list)
    """Of ``others``, the accounts that have an item of their own in the fraud queue."""


@dataclass(frozen=True)
class LinkedAccounts:
    """The item's own accounts and, per identifier its orders carry, who else uses it."""

    item_id: str
    own: list[str]
    shared: list[SharedIdentifier]
    other_total: int = 0
    """Distinct other accounts sharing any identifier (``others`` lists at most :data:`SHOWN_ACCOUNTS` per one)."""

    @property
    def others(self) -> list[str]:
        """Every other account sharing any identifier, in the order first met."""
        return list(dict.fromkeys(m for s in self.shared for m in s.others))


def linked_accounts(ws: Any, item_id: str) -> LinkedAccounts:
    """Accounts sharing a device, card, IP or address with the orders of ``item_id`` (a queue item).

    Raises :class:`NotFoundError` for an item not in the queue.
    """
    item = get_item(ws, item_id)
    key = workspace_key(ws)
    orders = item_orders(ws, item.item_id) or [str(o) for o in item.evidence.get("order_ids", [])]
    with ws.analytics(read_only=True) as con:
        have = [c for c in LINK_FIELDS if c in order_columns(con)]
        if item.kind == "account":
            orders = [r[0] for r in con.execute("SELECT DISTINCT order_id FROM orders WHERE member_id = ?",
                                                [item.object_id]).fetchall()]
        if not orders or not have:
            return LinkedAccounts(item.item_id, [item.object_id] if item.kind == "account" else [], [])
        con.register("_item_orders", pd.DataFrame({"order_id": orders}, dtype=str))
        try:
            own = sorted({str(r[0]) for r in con.execute(
                "SELECT DISTINCT member_id FROM orders JOIN _item_orders USING (order_id) WHERE member_id IS NOT NULL"
            ).fetchall()})
            values = con.execute(" UNION ALL ".join(
                f"SELECT DISTINCT '{c}' AS col, CAST({c} AS VARCHAR) AS v FROM orders JOIN _item_orders "
                f"USING (order_id) WHERE {c} IS NOT NULL" for c in have)).df()
        finally:
            con.unregister("_item_orders")
        if values.empty:
            return LinkedAccounts(item.item_id, own, [])
        con.register("_item_values", values)
        try:
            users = con.execute(" UNION ALL ".join(
                f"SELECT '{c}' AS col, CAST(o.{c} AS VARCHAR) AS v, o.member_id, count(DISTINCT o.order_id) AS n "
                f"FROM orders o JOIN _item_values x ON x.col = '{c}' AND CAST(o.{c} AS VARCHAR) = x.v "
                f"WHERE o.member_id IS NOT NULL GROUP BY ALL" for c in have)).df()
        finally:
            con.unregister("_item_values")
    queued = _queued_accounts(ws, sorted(set(users["member_id"].astype(str)) - set(own)))
    shared = []
    for (col, value), rows in users.groupby(["col", "v"], sort=False):
        others = rows[~rows["member_id"].isin(own)].sort_values(["n", "member_id"], ascending=[False, True])
        ids = [str(m) for m in others["member_id"]][:SHOWN_ACCOUNTS]
        shared.append(SharedIdentifier(
            IDENTIFIER_LABELS[str(col)], fingerprint(str(col), value, key), int(rows["member_id"].nunique()),
            int(others["member_id"].nunique()), ids,
            {str(m): int(n) for m, n in zip(others["member_id"], others["n"], strict=True) if str(m) in ids},
            [m for m in ids if m in queued]))
    order = list(IDENTIFIER_LABELS.values())
    shared.sort(key=lambda s: (-s.other_accounts, order.index(s.kind), s.fingerprint))
    return LinkedAccounts(item.item_id, own, shared, int(users.loc[~users["member_id"].isin(own), "member_id"].nunique()))


def _queued_accounts(ws: Any, members: list[str]) -> set[str]:
    """Of ``members``, those with an account item in the fraud queue (any status)."""
    if not members:
        return set()
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute(f"SELECT object_id FROM fraud_queue WHERE kind = 'account' AND object_id IN "
                           f"({', '.join('?' * len(members))})", members).fetchall()
    return {str(r[0]) for r in rows}
