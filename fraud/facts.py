"""Order- and member-level facts every fraud check reads, as temporary DuckDB tables.

:func:`prepare_facts` builds, on the caller's (read-only) analytics connection:

* ``f_orders``: one row per order: member, time, amount, lines, units, the optional fields (NULL
  when the workspace has none), status, and whether the order is a return;
* ``f_members``: one row per member: signup (or first order), purchases, typical (median) order, first and
  last order;
* ``f_shop``: the shop's typical (median) purchase amount;
* ``f_hist``: per purchase, what came before it: the member's prior purchases and their median
  amount, and when the member first used this order's device and address.

Only the optional columns the workspace has are read; a workspace ingested before they existed
gets NULLs, so every check runs (and finds nothing that needs them).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from memberinsight.workspace import ORDERS

LINK_FIELDS: tuple[str, ...] = ("device_id", "ip_hash", "shipping_address_hash", "payment_fingerprint")
"""Identifiers that link accounts (the same device, IP, address or card)."""
PAID = "(status IS NULL OR status IN ('paid', 'refunded', 'chargeback'))"


@dataclass(frozen=True)
class Facts:
    """What the facts tables hold: counts and which optional fields have any values."""

    orders: int
    purchases: int
    members: int
    present: tuple[str, ...]
    shop_typical: float | None


def order_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Column names of the workspace's ``orders`` table."""
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'").fetchall()
    return {r[0] for r in rows}


def prepare_facts(con: duckdb.DuckDBPyConnection) -> Facts:
    """Create ``f_orders``, ``f_members``, ``f_shop`` and ``f_hist`` (temporary tables) on ``con``; return their
    summary."""
    have = order_columns(con)
    extras = ", ".join(c.name if c.name in have else f"CAST(NULL AS {c.type}) AS {c.name}" for c in ORDERS.extra)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE f_orders AS
        SELECT order_id,
               arg_min(member_id, line_no) AS member_id,
               min(ordered_at) AS ordered_at,
               coalesce(sum(quantity * unit_price) FILTER (WHERE quantity > 0), 0) AS amount,
               count(*) AS n_lines,
               coalesce(sum(quantity) FILTER (WHERE quantity > 0), 0) AS units,
               arg_max(product_id, quantity * unit_price) AS top_product,
               max(ip_hash) AS ip_hash, max(device_id) AS device_id,
               max(shipping_address_hash) AS shipping_address_hash,
               max(payment_fingerprint) AS payment_fingerprint, max(coupon_code) AS coupon_code,
               sum(discount_amount) AS discount_amount, max(status) AS status,
               max(shipping_method) AS shipping_method,
               bool_and(coalesce(is_return, false) OR quantity <= 0) AS is_return
        FROM (SELECT order_id, line_no, member_id, product_id, quantity, unit_price, ordered_at, is_return, {extras}
              FROM orders)
        GROUP BY order_id""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE f_shop AS
        SELECT coalesce(median(amount), 0) AS typical FROM f_orders WHERE NOT is_return AND amount > 0 AND {PAID}""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE f_members AS
        WITH p AS (SELECT member_id, ordered_at, amount FROM f_orders
                   WHERE member_id IS NOT NULL AND NOT is_return AND amount > 0)
        SELECT p.member_id,
               coalesce(CAST(any_value(m.signup_date) AS TIMESTAMP), min(p.ordered_at)) AS signup,
               count(*) AS purchases, median(p.amount) AS typical, min(p.ordered_at) AS first_order,
               max(p.ordered_at) AS last_order
        FROM p LEFT JOIN members m USING (member_id)
        GROUP BY p.member_id""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE f_hist AS
        SELECT order_id, count(*) OVER m AS prior, median(amount) OVER m AS member_typical,
               min(ordered_at) OVER (PARTITION BY member_id, device_id) AS device_first,
               min(ordered_at) OVER (PARTITION BY member_id, shipping_address_hash) AS address_first
        FROM f_orders WHERE NOT is_return AND amount > 0 AND {PAID} AND member_id IS NOT NULL
        WINDOW m AS (PARTITION BY member_id ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)""")
    counts = con.execute("SELECT count(*), count(*) FILTER (WHERE NOT is_return) FROM f_orders").fetchone()
    members = con.execute("SELECT count(*) FROM f_members").fetchone()
    shop = con.execute("SELECT typical FROM f_shop").fetchone()
    present = con.execute("SELECT " + ", ".join(f"count({c.name}) > 0" for c in ORDERS.extra)
                          + " FROM f_orders"
                          ).fetchone()
    assert counts is not None and members is not None and shop is not None and present is not None
    return Facts(orders=int(counts[0]), purchases=int(counts[1]), members=int(members[0]),
                 present=tuple(c.name for c, ok in zip(ORDERS.extra, present, strict=True) if ok),
                 shop_typical=float(shop[0]) if shop[0] else None)
