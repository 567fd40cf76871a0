"""A tiny shop with one known case of each fraud pattern, written straight into a real workspace."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from memberinsight.workspace import Workspace

T0 = datetime(2026, 3, 1, 12, 0, 0)
COLUMNS = ("order_id", "line_no", "member_id", "product_id", "quantity", "unit_price", "ordered_at", "is_return",
           "ip_hash", "device_id", "shipping_address_hash", "payment_fingerprint", "coupon_code", "status",
           "shipping_method")


def _order(rows: list[tuple], oid: str, member: str, at: datetime, amount: float, *, device: str,
           ip: str = "ip0", address: str | None = None, card: str | None = None, coupon: str | None = None,
           status: str = "paid", method: str = "standard", product: str = "P1", quantity: int = 1) -> None:
    rows.append((oid, 1, member, product, quantity, amount / abs(quantity), at, quantity < 0, f"h1:{ip}", device,
                 f"h1:{address or 'addr-' + member}", f"h1:{card or 'card-' + member}", coupon, status, method))


def build_tiny_shop(path: Path) -> Workspace:
    """Twelve regular members plus: card testing (K1), a shared device ring (R1-R3, coupon WELCOME), a takeover
    (A1), a big new-account express order (N1), refunds (F1), a review-then-refund (B1)."""
    ws = Workspace.create(path)
    members = [(f"M{i:02d}", T0 - timedelta(days=400)) for i in range(1, 13)]
    members += [("K1", T0 - timedelta(days=1)), ("R1", T0 - timedelta(days=20)), ("R2", T0 - timedelta(days=19)),
                ("R3", T0 - timedelta(days=18)), ("A1", T0 - timedelta(days=500)), ("N1", T0 - timedelta(days=2)),
                ("F1", T0 - timedelta(days=300)), ("B1", T0 - timedelta(days=10))]
    rows: list[tuple] = []
    n = 0

    def oid() -> str:
        nonlocal n
        n += 1
        return f"O{n:04d}"

    for i, (member, _) in enumerate(members[:12]):  # regular history: 5 orders each, about 40 each
        for k in range(5):
            _order(rows, oid(), member, T0 - timedelta(days=300 - 50 * k + i), 35.0 + i + k, device=f"d-{member}")
    for k in range(6):  # card testing: one device, six cards, 30 minutes
        _order(rows, oid(), "K1", T0 + timedelta(minutes=5 * k), 3.0, device="d-K1", card=f"test-{k}",
               status="cancelled" if k % 2 else "paid")
    for member in ("R1", "R2", "R3"):  # three accounts on one device, each redeeming WELCOME
        _order(rows, oid(), member, T0 + timedelta(days=1, hours=int(member[1])), 30.0, device="d-ring",
               coupon="WELCOME")
    for k in range(4):  # the victim's normal history, then a takeover
        _order(rows, oid(), "A1", T0 - timedelta(days=200 - 30 * k), 40.0, device="d-A1")
    _order(rows, oid(), "A1", T0 + timedelta(days=2), 900.0, device="d-new", address="elsewhere", method="express")
    _order(rows, oid(), "N1", T0 + timedelta(days=1), 400.0, device="d-N1", method="express")
    for k in range(4):
        _order(rows, oid(), "F1", T0 - timedelta(days=100 - 10 * k), 50.0, device="d-F1",
               status="chargeback" if k < 2 else "refunded")
    _order(rows, oid(), "B1", T0, 20.0, device="d-B1", product="P2", status="refunded")
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, signup_date) VALUES (?, ?)",
                        [(m, s.date()) for m, s in members])
        con.executemany("INSERT INTO products (product_id, title, price) VALUES (?, ?, ?)",
                        [("P1", "Thing", 10.0), ("P2", "Gadget", 20.0)])
        con.executemany(f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        con.executemany("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at, "
                        "verified_purchase) VALUES (?, ?, ?, 5, ?, ?, true)",
                        [("V1", "P2", "B1", "Great gadget", T0 + timedelta(days=1)),
                         ("V2", "P1", "R1", "Lovely thing", T0 + timedelta(days=3))])
    return ws
