"""The checks a fraud rule can use: their parameters and their SQL over the facts tables.

Each :class:`Kind` has a constant SQL template over ``f_orders`` / ``f_members`` / ``f_shop``
(:mod:`fraud.facts`). Rule parameters are bound (``$name``), never spliced into the text; the only
thing a rule file picks that is not a bound value is the identifier a check groups by (``by`` /
``field``), and that must be one of :data:`~fraud.facts.LINK_FIELDS` (or ``member_id``).

Every template returns ``order_id`` (NULL for account-level checks), ``member_id``, ``at`` (the
moment that makes it new, for incremental scans) and the values its ``reason`` sentence names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fraud.facts import PAID


@dataclass(frozen=True)
class Param:
    """One parameter of a check: default, type (int/float/bool/identifier) and allowed range or values."""

    default: object
    kind: str = "float"
    low: float | None = 0.0
    high: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """A check: what it finds, its parameters, its SQL template and the sentence a hit reads as."""

    name: str
    finds: str
    level: str  # "order" or "account"
    sql: str
    reason: str
    params: dict[str, Param] = field(default_factory=dict)


_BY = ("member_id", "device_id", "ip_hash", "shipping_address_hash", "payment_fingerprint")
_LINKS = ("device_id", "ip_hash", "shipping_address_hash", "payment_fingerprint")
_PURCHASE = f"NOT is_return AND amount > 0 AND {PAID}"

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("amount_vs_typical", "orders far above the member's typical order (or the shop's, for newer members)",
         "order", """
        WITH h AS (SELECT o.order_id, o.member_id, o.ordered_at, o.amount, x.member_typical, x.prior
                   FROM f_orders o JOIN f_hist x USING (order_id))
        SELECT order_id, member_id, ordered_at AS at, round(amount, 2) AS amount,
               round(CASE WHEN prior >= $min_member_orders THEN member_typical ELSE s.typical END, 2) AS typical,
               CASE WHEN prior >= $min_member_orders THEN 'this member''s' ELSE 'the shop''s' END AS whose,
               round(amount / nullif(CASE WHEN prior >= $min_member_orders THEN member_typical
                                          ELSE s.typical END, 0), 1) AS ratio
        FROM h, f_shop s
        WHERE ordered_at > $since AND amount >= $min_amount
          AND ((prior >= $min_member_orders AND amount >= $member_multiple * member_typical)
               OR (prior < $min_member_orders AND amount >= $shop_multiple * s.typical))""",
         "order of {amount:,.2f} is {ratio}x {whose} typical order ({typical:,.2f})",
         {"member_multiple": Param(5.0, low=1.0), "shop_multiple": Param(8.0, low=1.0),
          "min_member_orders": Param(3, "int", low=1), "min_amount": Param(0.0)}),
    Kind("velocity", "many orders in a short time from one account, device, IP, address or card", "order", """
        WITH w AS (
            SELECT order_id, member_id, ordered_at, {by} AS k,
                   count(*) OVER (PARTITION BY {by} ORDER BY epoch(ordered_at)
                                  RANGE BETWEEN $seconds PRECEDING AND CURRENT ROW) AS n_before
            FROM f_orders WHERE {by} IS NOT NULL AND NOT is_return),
        b AS (SELECT *, max(n_before) OVER (PARTITION BY k ORDER BY epoch(ordered_at)
                                            RANGE BETWEEN CURRENT ROW AND $seconds FOLLOWING) AS burst FROM w)
        SELECT order_id, member_id, ordered_at AS at, burst, $minutes AS minutes, '{label}' AS via
        FROM b WHERE burst >= $orders AND ordered_at > $since""",
         "{burst} orders within {minutes:g} minutes from one {via}",
         {"orders": Param(5, "int", low=2), "minutes": Param(60.0, low=1.0),
          "by": Param("member_id", "identifier", choices=_BY)}),
    Kind("card_testing", "one device, IP or account trying many different cards in a short time", "order", """
        WITH w AS (
            SELECT order_id, member_id, ordered_at, {by} AS k, status,
                   count(DISTINCT payment_fingerprint) OVER (PARTITION BY {by} ORDER BY epoch(ordered_at)
                                  RANGE BETWEEN $seconds PRECEDING AND CURRENT ROW) AS cards_before,
                   count(*) FILTER (WHERE status = 'cancelled') OVER (PARTITION BY {by} ORDER BY epoch(ordered_at)
                                  RANGE BETWEEN $seconds PRECEDING AND CURRENT ROW) AS declined_before
            FROM f_orders WHERE {by} IS NOT NULL AND payment_fingerprint IS NOT NULL AND NOT is_return),
        b AS (SELECT *, max(cards_before) OVER f AS cards, max(declined_before) OVER f AS declined FROM w
              WINDOW f AS (PARTITION BY k ORDER BY epoch(ordered_at) RANGE BETWEEN CURRENT ROW AND $seconds FOLLOWING))
        SELECT order_id, member_id, ordered_at AS at, cards, declined, $hours AS hours, '{label}' AS via
        FROM b WHERE cards >= $cards AND ordered_at > $since""",
         "{cards} different cards within {hours:g} hours from one {via} ({declined} declined)",
         {"cards": Param(4, "int", low=2), "hours": Param(2.0, low=0.1),
          "by": Param("device_id", "identifier", choices=_BY)}),
    Kind("shared_identifier", "many accounts using one device, IP, address or card", "order", """
        WITH g AS (SELECT {field} AS v, count(DISTINCT member_id) AS accounts FROM f_orders
                   WHERE {field} IS NOT NULL AND member_id IS NOT NULL GROUP BY 1
                   HAVING count(DISTINCT member_id) BETWEEN $min_accounts AND $max_accounts)
        SELECT o.order_id, o.member_id, o.ordered_at AS at, g.accounts, '{label}' AS via
        FROM f_orders o JOIN g ON o.{field} = g.v WHERE o.member_id IS NOT NULL AND o.ordered_at > $since""",
         "{accounts} accounts share this order's {via}",
         {"min_accounts": Param(3, "int", low=2), "max_accounts": Param(30, "int", low=2),
          "field": Param("device_id", "identifier", choices=_LINKS)}),
    Kind("new_account_high_value", "a brand-new account placing a large (express) order", "order", f"""
        SELECT o.order_id, o.member_id, o.ordered_at AS at, round(o.amount, 2) AS amount,
               greatest(date_diff('day', m.signup, o.ordered_at), 0) AS days, round(s.typical, 2) AS typical,
               coalesce(o.shipping_method, 'unknown') AS method
        FROM f_orders o JOIN f_members m USING (member_id), f_shop s
        WHERE {_PURCHASE.replace('amount', 'o.amount')} AND o.ordered_at > $since
          AND date_diff('day', m.signup, o.ordered_at) <= $max_account_days
          AND o.amount >= $amount_multiple * s.typical
          AND (NOT $require_express OR o.shipping_method = 'express')""",
         "account {days} day(s) old orders {amount:,.2f} ({method}), over {typical:,.2f} typical",
         {"max_account_days": Param(7, "int"), "amount_multiple": Param(3.0, low=0.0),
          "require_express": Param(True, "bool")}),
    Kind("new_device_and_address", "an established account suddenly using a new device and a new address for a "
         "large order (account takeover)", "order", """
        WITH h AS (SELECT o.order_id, o.member_id, o.ordered_at, o.amount, o.device_id, o.shipping_method,
                          x.prior, x.member_typical AS typical, x.device_first, x.address_first
                   FROM f_orders o JOIN f_hist x USING (order_id))
        SELECT order_id, member_id, ordered_at AS at, prior, round(amount, 2) AS amount, round(typical, 2) AS typical,
               coalesce(shipping_method, 'unknown') AS method
        FROM h
        WHERE ordered_at > $since AND prior >= $min_prior_orders AND amount >= $amount_multiple * typical
          AND device_id IS NOT NULL
          AND ordered_at - device_first <= to_hours(CAST($recent_hours AS BIGINT))
          AND (NOT $require_new_address OR ordered_at - address_first <= to_hours(CAST($recent_hours AS BIGINT)))""",
         "after {prior} orders, a new device and address order {amount:,.2f} ({method}; typical {typical:,.2f})",
         {"min_prior_orders": Param(3, "int", low=1), "amount_multiple": Param(2.0, low=0.0),
          "recent_hours": Param(72, "int", low=1), "require_new_address": Param(True, "bool")}),
    Kind("coupon_reuse_linked", "one coupon redeemed by several accounts linked by a device, address, IP or card "
         "(identifiers shared by more than max_accounts accounts, such as mobile gateways, do not link)",
         "order", """
        WITH c AS (SELECT order_id, member_id, ordered_at, coupon_code, device_id, ip_hash, shipping_address_hash,
                          payment_fingerprint FROM f_orders
                   WHERE coupon_code IS NOT NULL AND member_id IS NOT NULL AND NOT is_return),
        u AS (SELECT order_id, member_id, ordered_at, coupon_code, 'device' AS via, device_id AS v FROM c
              UNION ALL SELECT order_id, member_id, ordered_at, coupon_code, 'IP address', ip_hash FROM c
              UNION ALL SELECT order_id, member_id, ordered_at, coupon_code, 'address', shipping_address_hash FROM c
              UNION ALL SELECT order_id, member_id, ordered_at, coupon_code, 'card', payment_fingerprint FROM c),
        hubs AS (SELECT via, v FROM (SELECT 'device' AS via, device_id AS v, member_id FROM f_orders
                                     UNION ALL SELECT 'IP address', ip_hash, member_id FROM f_orders
                                     UNION ALL SELECT 'address', shipping_address_hash, member_id FROM f_orders
                                     UNION ALL SELECT 'card', payment_fingerprint, member_id FROM f_orders)
                 WHERE v IS NOT NULL GROUP BY ALL HAVING count(DISTINCT member_id) > $max_accounts),
        g AS (SELECT coupon_code, via, v, count(DISTINCT member_id) AS accounts FROM u
              WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hubs h WHERE h.via = u.via AND h.v = u.v)
              GROUP BY ALL HAVING count(DISTINCT member_id) >= $min_accounts)
        SELECT u.order_id, any_value(u.member_id) AS member_id, any_value(u.ordered_at) AS at,
               any_value(u.coupon_code) AS coupon, max(g.accounts) AS accounts, arg_max(g.via, g.accounts) AS via
        FROM u JOIN g USING (coupon_code, via, v) WHERE u.ordered_at > $since GROUP BY u.order_id""",
         "coupon {coupon} redeemed by {accounts} accounts sharing one {via}",
         {"min_accounts": Param(3, "int", low=2), "max_accounts": Param(30, "int", low=2)}),
    Kind("refund_rate", "accounts whose orders are mostly refunded or charged back", "account", """
        SELECT NULL AS order_id, member_id, max(ordered_at) AS at, count(*) AS orders,
               count(*) FILTER (WHERE status IN ('refunded', 'chargeback')) AS refunded,
               count(*) FILTER (WHERE status = 'chargeback') AS chargebacks
        FROM f_orders WHERE NOT is_return AND member_id IS NOT NULL GROUP BY member_id
        HAVING max(ordered_at) > $since
           AND ((count(*) >= $min_orders
                 AND count(*) FILTER (WHERE status IN ('refunded', 'chargeback')) >= $max_rate * count(*))
                OR count(*) FILTER (WHERE status = 'chargeback') >= $chargebacks)""",
         "{refunded} of {orders} orders refunded or charged back ({chargebacks} chargebacks)",
         {"min_orders": Param(3, "int", low=1), "max_rate": Param(0.6, low=0.0, high=1.0),
          "chargebacks": Param(2, "int", low=1)}),
    Kind("cancelled_after_review", "orders cancelled or refunded, nothing sent back, after the buyer reviewed the "
         "product well",
         "order", """
        SELECT o.order_id, any_value(o.member_id) AS member_id, any_value(o.ordered_at) AS at,
               max(r.rating) AS rating, any_value(o.status) AS status
        FROM f_orders o JOIN orders l ON l.order_id = o.order_id
        JOIN reviews r ON r.member_id = o.member_id AND r.product_id = l.product_id
             AND r.created_at >= o.ordered_at AND r.created_at <= o.ordered_at + to_days(CAST($max_days AS INTEGER))
        WHERE o.status IN ('cancelled', 'refunded') AND r.rating >= $min_rating AND o.ordered_at > $since
          AND NOT EXISTS (SELECT 1 FROM orders b JOIN orders k ON k.order_id = o.order_id
                          AND k.product_id = b.product_id
                          WHERE b.member_id = o.member_id AND b.quantity < 0 AND b.ordered_at >= o.ordered_at)
        GROUP BY o.order_id""",
         "{status} without any goods sent back, after the buyer posted a {rating}-star review",
         {"min_rating": Param(4, "int", low=1, high=5), "max_days": Param(30, "int", low=1)}),
)}

IDENTIFIER_LABELS = {"member_id": "account", "device_id": "device", "ip_hash": "IP address",
                     "shipping_address_hash": "address", "payment_fingerprint": "card"}
