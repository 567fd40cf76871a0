"""The ``fraud`` step of ``memberinsight build``: an incremental fraud scan after the data-dependent steps.

It runs after screening (a scan reads the reviews removed in the review queue) and queues risky orders and
accounts like ``memberinsight fraud scan`` does, incrementally: only orders newer than the last scan are
re-scored (bursts and rings are searched over the whole history). A shop without orders is skipped with
that reason; a shop without the optional fraud fields (device, IP, address, card, coupon, payment status)
still gets the checks that need only orders (amounts, velocity, anomalies, bursts) and the build summary
names what is not available. A broken rules file skips the step with the file's problem; the build goes on.
"""

from __future__ import annotations

from typing import Any

from memberinsight.config import Settings

NEEDS_FIELDS = "linked-account, card-testing, coupon, takeover and refund checks"
NO_FIELDS = ("the orders have none of the optional fraud fields (device_id, ip, shipping_address, "
             "payment_fingerprint, coupon_code, status, shipping_method)")


def build_step(ws: Any, settings: Settings) -> dict[str, Any]:
    """Scan for order fraud and brushing (incrementally) and queue what is risky; a JSON-friendly summary."""
    from memberinsight.fraud.scan import scan_workspace

    with ws.analytics(read_only=True) as con:
        orders = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    if not orders:
        return {"skipped": "no orders loaded: nothing to scan for fraud"}
    scan = scan_workspace(ws, random_state=settings.random_seed).scan
    summary: dict[str, Any] = {
        "scan": f"since {scan.since}" if scan.since else "full", "orders": scan.orders,
        "scored_orders": scan.scored_orders, "scored_accounts": scan.scored_accounts, "queued": scan.queued,
        "refreshed": scan.refreshed, "bursts": scan.bursts, "rings": scan.rings,
        "burst_items": scan.burst_items, "orders_in_bursts": scan.orders_in_bursts,
    }
    if not scan.optional_fields:
        summary["unavailable"] = {NEEDS_FIELDS: NO_FIELDS}
    return summary
