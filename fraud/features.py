"""Order features for anomaly detection, computed in SQL over the facts tables (:mod:`fraud.facts`).

One row per purchase order. Each feature has a plain label and the direction in which it is
unusual, so the detector's reasons read as sentences ("accounts on this device: 6, typical 1").
Identifiers shared by more than :data:`HUB_ACCOUNTS` accounts (mobile gateways, office networks)
count as unshared: sharing them says nothing about a person.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

HUB_ACCOUNTS = 30


@dataclass(frozen=True)
class Feature:
    """One model feature: its column, how people read it, and which direction is unusual (+1 high, -1 low)."""

    name: str
    label: str
    direction: int = 1
    money: bool = False


FEATURES: tuple[Feature, ...] = (
    Feature("amount", "order amount", money=True),
    Feature("amount_vs_typical", "order amount / the member's typical order"),
    Feature("account_age_days", "account age at the order (days)", direction=-1),
    Feature("member_orders_24h", "orders by this account within 24 hours"),
    Feature("device_orders_24h", "orders from this device within 24 hours"),
    Feature("device_cards_24h", "different cards on this device within 24 hours"),
    Feature("device_accounts", "accounts using this device"),
    Feature("card_accounts", "accounts using this card"),
    Feature("address_accounts", "accounts shipping to this address"),
    Feature("ip_accounts", "accounts ordering from this IP address"),
    Feature("new_device", "first order from a device this established account never used"),
    Feature("new_address", "first order to an address this established account never used"),
    Feature("express", "express delivery"),
    Feature("declined", "payment declined or order cancelled"),
    Feature("chargeback", "charged back"),
    Feature("discount_share", "discount as a share of the order"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
BY_NAME = {f.name: f for f in FEATURES}


def _accounts(field: str) -> str:
    return (f"(SELECT {field} AS v, count(DISTINCT member_id) AS n FROM f_orders "
            f"WHERE {field} IS NOT NULL AND member_id IS NOT NULL GROUP BY 1)")


def _window_24h(partition: str, expr: str = "count(*)") -> str:
    return (f"CASE WHEN {partition} IS NULL THEN 1 ELSE {expr} OVER (PARTITION BY {partition} "
            "ORDER BY epoch(ordered_at) RANGE BETWEEN 86400 PRECEDING AND 86400 FOLLOWING) END")


def order_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``order_id``, ``member_id``, ``ordered_at`` and :data:`FEATURE_NAMES` for every purchase order."""
    hub = HUB_ACCOUNTS
    sql = f"""
    WITH p AS (
        SELECT o.*, coalesce(x.prior, 0) AS prior, x.member_typical, x.device_first, x.address_first
        FROM f_orders o LEFT JOIN f_hist x USING (order_id) WHERE NOT o.is_return)
    SELECT p.order_id, p.member_id, p.ordered_at,
           p.amount,
           p.amount / nullif(CASE WHEN p.prior >= 2 THEN p.member_typical ELSE s.typical END, 0) AS amount_vs_typical,
           greatest(coalesce(date_diff('day', fm.signup, p.ordered_at), 365), 0) AS account_age_days,
           CASE WHEN p.member_id IS NULL THEN 1 ELSE count(*) OVER (PARTITION BY p.member_id
                ORDER BY epoch(p.ordered_at) RANGE BETWEEN 86400 PRECEDING AND 86400 FOLLOWING) END AS member_orders_24h,
           {_window_24h('p.device_id')} AS device_orders_24h,
           {_window_24h('p.device_id', 'count(DISTINCT p.payment_fingerprint)')} AS device_cards_24h,
           CASE WHEN d.n > {hub} THEN 1 ELSE coalesce(d.n, 1) END AS device_accounts,
           CASE WHEN c.n > {hub} THEN 1 ELSE coalesce(c.n, 1) END AS card_accounts,
           CASE WHEN a.n > {hub} THEN 1 ELSE coalesce(a.n, 1) END AS address_accounts,
           CASE WHEN i.n > {hub} THEN 1 ELSE coalesce(i.n, 1) END AS ip_accounts,
           CAST(p.prior >= 2 AND p.device_id IS NOT NULL AND p.ordered_at - p.device_first <= INTERVAL 3 DAY
                AS INTEGER) AS new_device,
           CAST(p.prior >= 2 AND p.shipping_address_hash IS NOT NULL
                AND p.ordered_at - p.address_first <= INTERVAL 3 DAY AS INTEGER) AS new_address,
           CAST(coalesce(p.shipping_method = 'express', false) AS INTEGER) AS express,
           CAST(coalesce(p.status = 'cancelled', false) AS INTEGER) AS declined,
           CAST(coalesce(p.status = 'chargeback', false) AS INTEGER) AS chargeback,
           coalesce(p.discount_amount / nullif(p.amount, 0), 0) AS discount_share
    FROM p CROSS JOIN f_shop s
    LEFT JOIN f_members fm ON fm.member_id = p.member_id
    LEFT JOIN {_accounts('device_id')} d ON d.v = p.device_id
    LEFT JOIN {_accounts('payment_fingerprint')} c ON c.v = p.payment_fingerprint
    LEFT JOIN {_accounts('shipping_address_hash')} a ON a.v = p.shipping_address_hash
    LEFT JOIN {_accounts('ip_hash')} i ON i.v = p.ip_hash
    ORDER BY p.order_id"""
    frame = con.execute(sql).df()
    for name in FEATURE_NAMES:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64").fillna(0.0)
    return frame
