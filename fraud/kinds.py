"""The checks a fraud rule can use: their parameters and their SQL over the facts tables.

Each :class:`Kind` has a constant SQL template over ``f_orders`` / ``f_members`` / ``f_shop``
(:mod:`fraud.facts`). Rule parameters are bound (``$name``), never spliced into the text; the only
thing a rule file picks that is not a bound value is the identifier a check groups by (``by`` /
``field``), and that must be one of :data:`~fraud.facts.LINK_FIELDS` (or ``member_id``).

Every template returns ``order_id`` (NULL for account-level checks), ``member_id``, ``at`` (the
moment that makes it new, for incremental scans) and the values its ``reason`` sentence names. A
template may also return ``strength`` (0-1): how strongly this hit shows the pattern (an order's value,
how far a burst is above the account's own normal); the hit then weighs ``severity weight * strength``.
Columns listed in ``money`` read as money in the sentence (``£168,470``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from memberinsight.fraud.facts import PAID


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
    money: tuple[str, ...] = ()


_BY = ("member_id", "device_id", "ip_hash", "shipping_address_hash", "payment_fingerprint")
_LINKS = ("device_id", "ip_hash", "shipping_address_hash", "payment_fingerprint")
_PURCHASE = f"NOT is_return AND amount > 0 AND {PAID}"
_BUSY_DAY = 0.9
"""A key's "busy day" level: this quantile of its per-day peak burst over its other active days."""

# A return line reverses the buyer's latest purchase of the same product at or before it (as in
# workspace/clean.py), if that purchase is at most $seconds older; an order's reversed value is the sum over its
# products of min(bought, given back) at the price paid.
_CANCELLED = """
        WITH p AS (SELECT order_id, member_id, product_id, quantity, unit_price, ordered_at FROM orders
                   WHERE NOT coalesce(is_return, false) AND quantity > 0 AND member_id IS NOT NULL),
        r AS (SELECT order_id, line_no, member_id, product_id, abs(quantity) AS qty, ordered_at FROM orders
              WHERE (coalesce(is_return, false) OR quantity < 0) AND quantity <> 0 AND member_id IS NOT NULL),
        m AS (SELECT arg_max(p.order_id, p.ordered_at) AS order_id, any_value(r.product_id) AS product_id,
                     any_value(r.qty) AS qty, any_value(r.ordered_at) AS back_at
              FROM r JOIN p ON p.member_id = r.member_id AND p.product_id = r.product_id
                   AND p.ordered_at <= r.ordered_at AND epoch(r.ordered_at) - epoch(p.ordered_at) <= $seconds
              GROUP BY r.order_id, r.line_no),
        back AS (SELECT order_id, product_id, sum(qty) AS qty, max(back_at) AS back_at FROM m GROUP BY ALL),
        pp AS (SELECT order_id, product_id, min(ordered_at) AS placed, sum(quantity) AS qty,
                      sum(quantity * unit_price) AS value
               FROM p WHERE order_id IN (SELECT order_id FROM back) GROUP BY ALL),
        o AS (SELECT pp.order_id, min(pp.placed) AS placed, sum(pp.value) AS amount,
                     sum(least(pp.qty, coalesce(b.qty, 0)) / pp.qty * pp.value) AS reversed, max(b.back_at) AS back_at
              FROM pp LEFT JOIN back b USING (order_id, product_id) GROUP BY pp.order_id),
        h AS (SELECT o.*, f.member_id, s.typical, least(1.0, o.reversed / o.amount) AS share,
                     CAST(floor((epoch(o.back_at) - epoch(o.placed)) / 60) AS INTEGER) AS mins
              FROM o JOIN f_orders f USING (order_id), f_shop s
              WHERE o.amount > 0 AND o.amount >= $min_amount AND o.reversed >= $min_share * o.amount)
        SELECT order_id, member_id, back_at AS at, round(amount, 2) AS amount, round(typical, 2) AS typical,
               round(amount / nullif(typical, 0), 1) AS ratio, round(share, 4) AS share, mins,
               CASE WHEN share >= 0.995 THEN 'cancelled in full'
                    ELSE printf('%d%% cancelled', CAST(round(100 * share) AS INTEGER)) END AS how,
               CASE WHEN mins = 0 THEN 'within the minute' WHEN mins = 1 THEN '1 minute later'
                    ELSE printf('%d minutes later', mins) END AS later,
               share * share * coalesce(least(1.0, sqrt(amount / nullif($value_multiple * typical, 0))), 1.0)
                   AS strength
        FROM h WHERE back_at > $since"""

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
         "order of {amount} is {ratio}x {whose} typical order ({typical})",
         {"member_multiple": Param(5.0, low=1.0), "shop_multiple": Param(8.0, low=1.0),
          "min_member_orders": Param(3, "int", low=1), "min_amount": Param(0.0)}, money=("amount", "typical")),
    Kind("velocity", "many orders in a short time from one account, device, IP, address or card, judged against "
         "that account's (device's...) own busy days when it has enough history", "order", f"""
        WITH w AS (
            SELECT order_id, member_id, ordered_at, {{by}} AS k,
                   count(*) OVER (PARTITION BY {{by}} ORDER BY epoch(ordered_at)
                                  RANGE BETWEEN $seconds PRECEDING AND CURRENT ROW) AS n_before
            FROM f_orders WHERE {{by}} IS NOT NULL AND NOT is_return),
        b AS (SELECT *, max(n_before) OVER (PARTITION BY k ORDER BY epoch(ordered_at)
                                            RANGE BETWEEN CURRENT ROW AND $seconds FOLLOWING) AS burst FROM w),
        c AS (SELECT *, CAST(ordered_at AS DATE) AS day FROM b WHERE burst >= $orders),
        d AS (SELECT k, CAST(ordered_at AS DATE) AS day, max(burst) AS peak FROM b
              WHERE k IN (SELECT k FROM c) GROUP BY ALL),
        n AS (SELECT cd.k, cd.day, count(d.day) AS other_days, quantile_cont(d.peak, {_BUSY_DAY}) AS usual
              FROM (SELECT DISTINCT k, day FROM c) cd LEFT JOIN d ON d.k = cd.k AND d.day <> cd.day GROUP BY ALL)
        SELECT c.order_id, c.member_id, c.ordered_at AS at, c.burst, $minutes AS minutes, '{{label}}' AS via,
               CASE WHEN n.other_days < $min_history_days
                    THEN printf(' (%d other active day(s): too little history of its own to compare with)',
                                n.other_days)
                    ELSE printf(', %.1fx its own busy-day level of %.2g (over %d other active days)',
                                c.burst / n.usual, n.usual, n.other_days) END AS normal,
               CASE WHEN n.other_days < $min_history_days THEN 1.0
                    ELSE least(1.0, c.burst / (2 * $usual_multiple * n.usual)) END AS strength
        FROM c JOIN n ON n.k = c.k AND n.day = c.day
        WHERE c.ordered_at > $since AND (n.other_days < $min_history_days OR c.burst >= $usual_multiple * n.usual)""",
         "{burst} orders within {minutes:g} minutes from one {via}{normal}",
         {"orders": Param(5, "int", low=2), "minutes": Param(60.0, low=1.0),
          "by": Param("member_id", "identifier", choices=_BY),
          "min_history_days": Param(5, "int", low=0), "usual_multiple": Param(3.0, low=1.0)}),
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
         "account {days} day(s) old orders {amount} ({method}), over {typical} typical",
         {"max_account_days": Param(7, "int"), "amount_multiple": Param(3.0, low=0.0),
          "require_express": Param(True, "bool")}, money=("amount", "typical")),
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
         "after {prior} orders, a new device and address order {amount} ({method}; typical {typical})",
         {"min_prior_orders": Param(3, "int", low=1), "amount_multiple": Param(2.0, low=0.0),
          "recent_hours": Param(72, "int", low=1), "require_new_address": Param(True, "bool")},
         money=("amount", "typical")),
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
    Kind("cancelled_soon", "orders reversed (in full or mostly) by the buyer's own cancellation or return lines soon "
         "after they were placed, weighted by the order's value against the shop's typical order", "order", _CANCELLED,
         "{amount} order {how} {later} ({ratio}x the shop's typical order of {typical})",
         {"minutes": Param(60.0, low=1.0), "min_share": Param(0.5, low=0.01, high=1.0),
          "value_multiple": Param(20.0, low=1.0), "min_amount": Param(0.0)},
         money=("amount", "typical")),
)}

IDENTIFIER_LABELS = {"member_id": "account", "device_id": "device", "ip_hash": "IP address",
                     "shipping_address_hash": "address", "payment_fingerprint": "card"}
