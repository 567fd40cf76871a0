"""The optional order fields: typed and checked at ingest, personal values stored only as keyed hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.workspace import ORDERS, Workspace
from memberinsight.workspace.ingest import ingest_directory, ingest_file

MEMBERS = "member_id,email,signup_date\nM1,a@x.example,2025-01-01\nM2,b@x.example,2025-01-02\n"
PRODUCTS = "product_id,title,price\nP1,Mug,10\n"
ORDERS_CSV = (
    "order_id,line_no,member_id,product_id,quantity,unit_price,ordered_at,ip,device_id,shipping_address,"
    "card_fingerprint,coupon,discount_amount,status,shipping_method\n"
    'O1,1,M1,P1,1,10,2025-02-01 10:00:00,10.0.0.1,dev1,"12 High St, SW1A 1AA",tok_1,WELCOME,2,Completed,Express\n'
    'O2,1,M2,P1,1,10,2025-02-01 10:05:00, 10.0.0.1 ,dev2,"12 high st sw1a1aa",tok_2,,,paid,standard\n'
    'O3,1,M2,P1,1,10,2025-02-01 10:06:00,10.0.0.9,dev2,"1 Secret Road",tok_3,,,weird,standard\n'
    'O4,1,M2,P1,1,10,2025-02-01 10:07:00,10.0.0.8,dev2,"2 Secret Road",tok_3,,-1,paid,standard\n'
)
RAW = ("10.0.0.1", "10.0.0.9", "10.0.0.8", "High St", "Secret Road", "SW1A", "tok_1", "tok_3")


def _shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, text in (("members", MEMBERS), ("products", PRODUCTS), ("orders", ORDERS_CSV)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_personal_values_are_hashed_and_never_stored(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    reports = ingest_directory(ws, _shop(tmp_path))
    orders = next(r for r in reports if r.kind == "orders")
    assert orders.rows_loaded == 2
    assert orders.rejects_by_reason == {"bad_status": 1, "negative_discount": 1}
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT order_id, ip_hash, device_id, shipping_address_hash, payment_fingerprint, "
                           "coupon_code, discount_amount, status, shipping_method FROM orders ORDER BY order_id"
                           ).fetchall()
    o1, o2 = rows
    # same IP (spaces aside) and same address (case and punctuation aside) give the same hash
    assert o1[1] == o2[1] and o1[3] == o2[3] and o1[4] != o2[4]
    assert all(v.startswith("h1:") and len(v) == 27 for v in (o1[1], o1[3], o1[4]))
    assert o1[5:] == ("WELCOME", 2.0, "paid", "express") and o2[7] == "paid"
    stored = _all_bytes(ws.path)  # databases, WAL, rejects file: the raw values appear nowhere
    for raw in RAW:
        assert raw.encode() not in stored, raw
    rejects = orders.rejects_file.read_text(encoding="utf-8")
    assert "bad_status" in rejects and "h1:" in rejects


def test_hashes_are_keyed_per_workspace_and_stable_across_batches(tmp_path: Path) -> None:
    shop = _shop(tmp_path)
    a, b = Workspace.create(tmp_path / "a"), Workspace.create(tmp_path / "b")
    ingest_directory(a, shop)
    ingest_directory(b, shop)
    again = ingest_file(a, shop / "orders.csv")  # same file again: hashed the same way, nothing new
    assert again.rows_loaded == 0 and again.rows_unchanged == 2
    q = "SELECT ip_hash FROM orders WHERE order_id = 'O1'"
    with a.analytics(read_only=True) as ca, b.analytics(read_only=True) as cb:
        assert ca.execute(q).fetchone() != cb.execute(q).fetchone()


def test_older_workspace_gains_the_columns_at_ingest(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    with ws.analytics() as con:
        for column in ORDERS.extra:
            con.execute(f"ALTER TABLE orders DROP COLUMN {column.name}")
    ingest_directory(ws, _shop(tmp_path))
    with ws.analytics(read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'orders'").fetchall()}
        assert {c.name for c in ORDERS.extra} <= names
        assert con.execute("SELECT count(*) FROM orders WHERE device_id IS NOT NULL").fetchone() == (2,)


@pytest.mark.parametrize("column", ["ip_hash", "shipping_address_hash", "payment_fingerprint", "status"])
def test_extra_columns_are_documented_and_optional(column: str) -> None:
    col = ORDERS.column(column)
    assert not col.required and column not in ORDERS.column_names and column in ORDERS.all_column_names
