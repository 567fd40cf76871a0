"""The clean relations: ``clean_orders`` and ``clean_members``, the orders and members business figures read.

This is the one place that says which rows count in business figures (member features, RFM
segments, churn and CLV, segment counts, demand, recommendations, popularity). Two DuckDB views
over the raw tables leave out what operators confirmed as fraud:

* ``clean_orders``: every line of ``orders`` except those of an order confirmed as fraud, those
  placed by an account confirmed as fraud, and the member's later return lines of goods bought in a
  confirmed order (its cancellation or refund, often a separate order);
* ``clean_members``: every row of ``members`` except accounts confirmed as fraud.

What was confirmed is copied from the fraud queue (operational SQLite) into the small DuckDB table
``fraud_exclusions`` (``kind`` order/account, ``object_id``, ``decided_at``, ``excluded``) by
:func:`fraud.exclusions.refresh_exclusions` (the features build step runs it) through
:func:`write_exclusions`, which also lists the return lines of the excluded orders' goods in
``fraud_excluded_returns`` (so the views need no correlated subquery) and rewrites the views: with
nothing to leave out they are plain ``SELECT *`` pass-throughs. ``excluded`` is the
``fraud.exclude_confirmed`` setting at that moment (off: the rows are kept for the report and the
views leave nothing out). Raw ``orders`` and ``members`` are never changed: ingest status, data
validation, fraud scans and the review and fraud queues keep reading every row.

The views are plain named relations (no temporary view shadowing ``orders``): a reader that means
business figures writes ``clean_orders`` in its SQL; one that means every recorded order writes
``orders``. :meth:`workspace.Workspace.create` makes them, as it makes the base tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXCLUSIONS_TABLE = "fraud_exclusions"
CLEAN_ORDERS = "clean_orders"
CLEAN_MEMBERS = "clean_members"
CLEAN_RELATIONS = (EXCLUSIONS_TABLE, "fraud_excluded_returns", CLEAN_ORDERS, CLEAN_MEMBERS)

_EXCLUDED = "SELECT object_id FROM fraud_exclusions WHERE excluded AND kind = '{kind}'"
_RETURN = "(coalesce({t}.is_return, false) OR {t}.quantity < 0)"
TABLES_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS fraud_exclusions (
        kind VARCHAR NOT NULL,
        object_id VARCHAR NOT NULL,
        decided_at VARCHAR,
        excluded BOOLEAN NOT NULL,
        PRIMARY KEY (kind, object_id)
    )""",
    "CREATE TABLE IF NOT EXISTS fraud_excluded_returns (order_id VARCHAR NOT NULL, line_no INTEGER NOT NULL)",
)
# Hash anti-joins on tiny build sides (a correlated subquery here cost 10x on 0.5M lines).
FILTERING_VIEWS: tuple[str, ...] = (
    f"""CREATE OR REPLACE VIEW clean_orders AS
        SELECT o.* FROM orders o ANTI JOIN fraud_excluded_returns r USING (order_id, line_no)
        WHERE o.order_id NOT IN ({_EXCLUDED.format(kind='order')})
          AND (o.member_id IS NULL OR o.member_id NOT IN ({_EXCLUDED.format(kind='account')}))""",
    f"""CREATE OR REPLACE VIEW clean_members AS
        SELECT m.* FROM members m WHERE m.member_id NOT IN ({_EXCLUDED.format(kind='account')})""",
)
# With nothing to leave out the views pass every row through at no cost (most shops, most of the time).
PASS_THROUGH_VIEWS: tuple[str, ...] = (
    "CREATE OR REPLACE VIEW clean_orders AS SELECT * FROM orders",
    "CREATE OR REPLACE VIEW clean_members AS SELECT * FROM members",
)
_RETURNS_OF_EXCLUDED = f"""
    INSERT INTO fraud_excluded_returns
    SELECT DISTINCT o.order_id, o.line_no FROM orders o
    JOIN orders f ON f.member_id = o.member_id AND f.product_id = o.product_id AND f.ordered_at <= o.ordered_at
    WHERE f.order_id IN ({_EXCLUDED.format(kind='order')}) AND NOT {_RETURN.format(t='f')} AND {_RETURN.format(t='o')}
"""


def ensure_clean_relations(con: Any) -> None:
    """Create the two small tables when missing and (re)write the views for what they list (writable ``con``)."""
    for ddl in TABLES_DDL:
        con.execute(ddl)
    active = con.execute("SELECT count(*) FROM fraud_exclusions WHERE excluded").fetchall()[0][0]
    for ddl in FILTERING_VIEWS if active else PASS_THROUGH_VIEWS:
        con.execute(ddl)


def write_exclusions(con: Any, items: list[tuple[str, str, str | None]], excluded: bool) -> None:
    """Replace the snapshot with ``items`` (``kind``, ``object_id``, ``decided_at``), all marked ``excluded``;
    note the return lines of the excluded orders' goods (a member's cancellation or refund of them, at or
    after the order) in ``fraud_excluded_returns``; rewrite the views to match."""
    for ddl in TABLES_DDL:
        con.execute(ddl)
    con.execute("DELETE FROM fraud_exclusions")
    if items:
        con.executemany("INSERT INTO fraud_exclusions VALUES (?, ?, ?, ?)",
                        [(kind, object_id, decided_at, excluded) for kind, object_id, decided_at in items])
    con.execute("DELETE FROM fraud_excluded_returns")
    con.execute(_RETURNS_OF_EXCLUDED)
    ensure_clean_relations(con)


@dataclass(frozen=True)
class AppliedExclusions:
    """What the clean relations leave out now (read from the analytics database)."""

    orders: int
    """Orders confirmed as fraud in the snapshot (``kind`` order)."""
    accounts: int
    """Accounts confirmed as fraud in the snapshot (``kind`` account)."""
    excluded: bool | None
    """The setting the snapshot was taken with; ``None`` when nothing was ever confirmed or copied."""
    orders_left_out: int
    """Distinct orders missing from ``clean_orders``: the confirmed ones and every order of a confirmed account."""
    lines_left_out: int
    members_left_out: int
    pairs: frozenset[tuple[str, str]] = frozenset()
    """``(kind, object_id)`` of every confirmed item in the snapshot."""


def applied_exclusions(con: Any) -> AppliedExclusions:
    """Count what ``clean_orders`` / ``clean_members`` leave out (all zero when the relations are missing)."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not set(CLEAN_RELATIONS) <= names:
        return AppliedExclusions(0, 0, None, 0, 0, 0)
    rows = con.execute("SELECT kind, object_id, excluded FROM fraud_exclusions").fetchall()
    pairs = frozenset((str(k), str(o)) for k, o, _ in rows)
    excluded = bool(rows[0][2]) if rows else None
    lines, orders = con.execute(
        "SELECT (SELECT count(*) FROM orders) - (SELECT count(*) FROM clean_orders), "
        "(SELECT count(DISTINCT order_id) FROM orders) - (SELECT count(DISTINCT order_id) FROM clean_orders)"
    ).fetchall()[0]
    members = con.execute("SELECT (SELECT count(*) FROM members) - (SELECT count(*) FROM clean_members)"
                          ).fetchall()[0][0]
    return AppliedExclusions(
        orders=sum(k == "order" for k, _ in pairs), accounts=sum(k == "account" for k, _ in pairs),
        excluded=excluded, orders_left_out=int(orders), lines_left_out=int(lines), members_left_out=int(members),
        pairs=pairs)
