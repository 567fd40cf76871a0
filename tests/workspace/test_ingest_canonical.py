"""Ingesting the canonical CSVs: validation with file/line/column, rejects, strictness, idempotence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ingest_support import ORDERS_CSV, counts, small_shop, snapshot, write

from memberinsight.errors import DataValidationError
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import (
    IngestReport,
    detect_kind,
    ingest_directory,
    ingest_file,
    workspace_status,
)

HEADER = "order_id,line_no,member_id,product_id,quantity,unit_price,ordered_at,is_return,country,channel\n"
BAD_ORDERS = HEADER + (
    "B1,1,M1,P1,1,79.99,2024-07-01 10:00:00,false,Ireland,web\n"      # 2 ok
    "B1,2,M1,P1,1,79.99,2024-13-45 10:00:00,false,Ireland,web\n"      # 3 bad date
    "B1,3,GHOST,P1,1,79.99,2024-07-01 10:00:00,false,Ireland,web\n"   # 4 unknown member
    "B1,4,M1,NOPE,1,79.99,2024-07-01 10:00:00,false,Ireland,web\n"    # 5 unknown product
    "B1,5,M1,P1,0,79.99,2024-07-01 10:00:00,false,Ireland,web\n"      # 6 ok: zero quantity, kept as a return
    "B1,6,M1,P1,1,abc,2024-07-01 10:00:00,false,Ireland,web\n"        # 7 non-numeric price
    "B1,7,M1,P1,1,-5,2024-07-01 10:00:00,false,Ireland,web\n"         # 8 negative price
    "B1,8,M1,P1,1,5,2099-01-01 00:00:00,false,Ireland,web\n"          # 9 future date
    "B1,1,M1,P1,1,79.99,2024-07-01 10:00:00,false,Ireland,web\n"      # 10 duplicate key (line 2)
    "B1,9,M1,P1,1.5,5,2024-07-01 10:00:00,false,Ireland,web\n"        # 11 not a whole number
    "B1,10,M1,P1,1,5,2024-07-01 10:00:00,maybe,Ireland,web\n"         # 12 bad boolean
    "B1,11,M1,P1,1,5,2024-07-01 10:00:00,false\n"                     # 13 too few fields
    "B1,12,M1,P1,1,5,2024-07-01 10:00:00,false,Ireland,web,extra\n"   # 14 too many fields
    ",13,M1,P1,1,5,2024-07-01 10:00:00,false,Ireland,web\n"           # 15 missing order_id
    "B1,14,M1,P1,-2,5,2024-07-01 10:00:00,false,Ireland,web\n"        # 16 ok: a return
    "O1,1,M1,P1,3,79.99,2024-05-01 10:00:00,false,Ireland,web\n"      # 17 conflicts with stored O1/1
    "O1,2,M1,P2,2,9.50,2024-05-01 10:00:00,false,Ireland,web\n"       # 18 identical to stored: unchanged
)
EXPECTED = {
    3: ("bad_date", "ordered_at"), 4: ("unknown_member", "member_id"), 5: ("unknown_product", "product_id"),
    7: ("bad_number", "unit_price"), 8: ("negative_price", "unit_price"),
    9: ("future_date", "ordered_at"), 10: ("duplicate_key", "order_id"), 11: ("bad_integer", "quantity"),
    12: ("bad_boolean", "is_return"), 13: ("wrong_field_count", None), 14: ("wrong_field_count", None),
    15: ("missing_value", "order_id"), 17: ("conflicts_with_stored", "quantity"),
}


@pytest.fixture
def shop_ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws")
    reports = ingest_directory(ws, small_shop(tmp_path / "shop"))
    assert [r.rows_rejected for r in reports] == [0, 0, 0, 0]
    return ws


def test_directory_loads_in_order_with_derived_flags(shop_ws: Workspace) -> None:
    assert counts(shop_ws) == {"members": 3, "products": 3, "orders": 5, "reviews": 2, "ingest_log": 4}
    with shop_ws.analytics(read_only=True) as con:
        returns = con.execute("SELECT order_id, is_return FROM orders ORDER BY order_id, line_no").fetchall()
        guest = con.execute("SELECT count(*) FROM orders WHERE member_id IS NULL").fetchall()[0][0]
        cats = dict(con.execute("SELECT product_id, category FROM products").fetchall())
        review = con.execute("SELECT text, verified_purchase FROM reviews WHERE review_id = 'R2'").fetchall()[0]
    assert returns == [("O1", False), ("O1", False), ("O2", False), ("O3", False), ("O4", True)]
    assert guest == 1
    assert cats == {"P1": "Outdoor", "P2": "Kitchen & Dining", "P3": "Fees"}  # P2's empty category derived
    assert review == ("Fine mug.\nChips a bit.", None)
    status = workspace_status(shop_ws)
    assert status.tables == {"members": 3, "products": 3, "orders": 5, "reviews": 2}
    assert (status.quality.guest_lines, status.quality.return_lines, status.quality.returns_share) == (1, 1, 0.2)
    assert str(status.orders_from) == "2024-05-01 10:00:00" and str(status.orders_to) == "2024-06-09 12:30:00"
    assert [e.kind for e in status.last_ingests] == ["reviews", "orders", "products", "members"]


def test_every_bad_row_is_rejected_with_line_column_and_original_content(shop_ws: Workspace, tmp_path: Path) -> None:
    report = ingest_file(shop_ws, write(tmp_path / "bad_orders.csv", BAD_ORDERS))
    assert (report.kind, report.format, report.rows_read) == ("orders", "canonical", 17)
    assert (report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (3, 1, 13)
    assert report.rows_read == report.rows_loaded + report.rows_unchanged + report.rows_rejected
    rejects = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    assert report.rejects_file.parent == shop_ws.rejects_dir and report.batch_id in report.rejects_file.name
    got = {int(r["_line"]): (r["_reason"], r["_column"] or None) for _, r in rejects.iterrows()}
    assert got == EXPECTED
    assert report.rejects_by_reason == pd.Series([v[0] for v in EXPECTED.values()]).value_counts().to_dict()
    # original content of every column, as read
    bad_date = rejects[rejects["_line"] == "3"].iloc[0]
    assert bad_date["ordered_at"] == "2024-13-45 10:00:00" and bad_date["order_id"] == "B1"
    assert "2024-13-45" in bad_date["_message"]
    extra = rejects[rejects["_line"] == "14"].iloc[0]
    assert extra["_extra_fields"] == "extra" and "11 fields" in extra["_message"]
    conflict = rejects[rejects["_line"] == "17"].iloc[0]["_message"]
    assert "conflicts with stored row" in conflict and "stored 1, file 3" in conflict
    assert report.sample_rejects[0] == "line 3, column 'ordered_at': unparseable date: '2024-13-45 10:00:00'"
    with shop_ws.analytics(read_only=True) as con:
        loaded = con.execute("SELECT order_id, line_no, quantity, is_return FROM orders WHERE order_id = 'B1' "
                             "ORDER BY line_no").fetchall()
        stored = con.execute("SELECT quantity FROM orders WHERE order_id = 'O1' AND line_no = 1").fetchall()
    assert loaded == [("B1", 1, 1, False), ("B1", 5, 0, True), ("B1", 14, -2, True)]
    assert stored == [(1,)]  # never overwritten
    quality = workspace_status(shop_ws).quality
    assert quality.rejects_by_reason["wrong_field_count"] == 2 and quality.rows_rejected == 13
    assert (quality.zero_quantity_lines, quality.return_lines) == (1, 3)  # O4 from the shop, B1/5 and B1/14
    assert "1 line(s) with quantity 0 kept and flagged is_return" in report.warnings


def test_strict_fails_on_first_bad_row_and_changes_nothing(shop_ws: Workspace, tmp_path: Path) -> None:
    before = snapshot(shop_ws)
    path = write(tmp_path / "bad_orders.csv", BAD_ORDERS)
    with pytest.raises(DataValidationError) as err:
        ingest_file(shop_ws, path, strict=True)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 3, "ordered_at")
    assert "bad_orders.csv" in str(err.value) and "row 3" in str(err.value)
    assert snapshot(shop_ws) == before
    # the first bad row may be one only the database can judge (unknown member): it is the one named,
    # and everything staged so far is rolled back
    db_first = write(tmp_path / "db_first.csv", HEADER + "B2,1,M1,P1,1,5,2024-07-01 10:00:00,false,Ireland,web\n"
                     "B2,2,GHOST,P1,1,5,2024-07-01 10:00:00,false,Ireland,web\n"
                     "B2,3,M1,P1,1,5,not a date,false,Ireland,web\n")
    with pytest.raises(DataValidationError) as err:
        ingest_file(shop_ws, db_first, strict=True)
    assert (err.value.row, err.value.column) == (3, "member_id") and "unknown member_id 'GHOST'" in str(err.value)
    assert "2 row(s) rejected" in str(err.value)
    assert snapshot(shop_ws) == before
    # the data is untouched; the audit log records the refusals (and the earlier committed batches)
    with shop_ws.operations() as con:
        audit = [tuple(r) for r in con.execute("SELECT action, object_type, outcome, detail FROM audit_log ORDER BY id")]
    assert [a[:3] for a in audit] == [("ingest", "batch", "ok")] * 4 + [("ingest", "file", "refused")] * 2
    assert "row 3, column 'ordered_at'" in audit[4][3] and "unknown member_id 'GHOST'" in audit[5][3]


def test_strict_directory_is_all_or_nothing(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    before = snapshot(ws)
    shop = small_shop(tmp_path / "shop")
    write(shop / "reviews.csv", "review_id,product_id,member_id,rating,text,created_at\n"
          "R1,P1,M1,5,ok,2024-05-10\nR2,P1,M1,6,too good,2024-05-10\n")
    with pytest.raises(DataValidationError) as err:
        ingest_directory(ws, shop, strict=True)
    assert err.value.file.endswith("reviews.csv") and (err.value.row, err.value.column) == (3, "rating")
    assert snapshot(ws) == before  # members/products/orders were valid but are not loaded either


def test_reingest_adds_nothing_and_member_changes_update(shop_ws: Workspace, tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    before = counts(shop_ws)
    again = ingest_directory(shop_ws, shop)
    assert [(r.rows_loaded, r.rows_unchanged, r.rows_rejected) for r in again] == [
        (0, 3, 0), (0, 3, 0), (0, 5, 0), (0, 2, 0)]
    assert all("already ingested" in " ".join(r.warnings) for r in again)
    assert counts(shop_ws) == {**before, "ingest_log": before["ingest_log"] + 4}
    changed = write(tmp_path / "members2.csv", "member_id,country,city\nM1,Spain,Madrid\nM2,France,\nM9,Italy,Rome\n")
    report = ingest_file(shop_ws, changed)
    assert (report.kind, report.rows_loaded, report.rows_updated, report.rows_unchanged) == ("members", 2, 1, 1)
    assert any("1 stored members updated" in w for w in report.warnings)
    assert not any("columns not used" in w for w in report.warnings)
    with shop_ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, country, city, first_name FROM members ORDER BY member_id").fetchall()
    # M1 updated (columns absent from the file untouched), M2 unchanged, M3 kept, M9 new: nothing deleted
    assert rows == [("M1", "Spain", "Madrid", "Ann"), ("M2", "France", None, "Bob"), ("M3", "Ireland", None, "Cid"),
                    ("M9", "Italy", "Rome", None)]


def test_references_resolve_against_the_same_batch(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    shop = small_shop(tmp_path / "shop")
    (shop / "reviews.csv").unlink()
    reports = ingest_directory(ws, shop, strict=True)  # orders reference members/products of the same batch
    assert [r.rows_loaded for r in reports] == [3, 3, 5]
    orphan = write(tmp_path / "orders_only.csv", ORDERS_CSV)
    ws2 = Workspace.create(tmp_path / "ws2")
    report = ingest_file(ws2, orphan)
    assert report.rows_loaded == 0 and report.rejects_by_reason == {"unknown_member": 4, "unknown_product": 1}


def test_reviews_and_products_rules(shop_ws: Workspace, tmp_path: Path) -> None:
    reviews = write(tmp_path / "r.csv", "review_id,product_id,member_id,rating,text,created_at,verified_purchase\n"
                    "R10,P1,M1,0,meh,2024-05-10,yes\nR11,P1,M1,4,,2024-05-10,no\nR12,P1,M1,4,nice,someday,no\n"
                    "R13,P1,M1,4,nice,2024-05-10,Y\nR1,P1,M1,5,different text,2024-05-10 08:00:00,true\n")
    report = ingest_file(shop_ws, reviews)
    assert report.kind == "reviews" and report.rows_loaded == 1
    assert report.rejects_by_reason == {"bad_date": 1, "bad_rating": 1, "conflicts_with_stored": 1,
                                        "missing_value": 1}
    products = write(tmp_path / "p.csv", "product_id,title,price,attributes\nP7,Lamp,-1,\nP8,Lamp,3,[1]\n"
                     "P9,Garden Spade,3,\nP2,Camping Mug (large),9.50,\n")
    report = ingest_file(shop_ws, products, kind="products")
    assert report.rejects_by_reason == {"bad_json": 1, "negative_price": 1}
    assert (report.rows_loaded, report.rows_updated) == (2, 1)
    with shop_ws.analytics(read_only=True) as con:
        got = dict(con.execute("SELECT product_id, title || '|' || category FROM products "
                               "WHERE product_id IN ('P2', 'P9')").fetchall())
    assert got == {"P2": "Camping Mug (large)|Kitchen & Dining", "P9": "Garden Spade|Garden & Outdoor"}


def test_file_level_errors_leave_workspace_unchanged(shop_ws: Workspace, tmp_path: Path) -> None:
    before = snapshot(shop_ws)
    missing = write(tmp_path / "orders_missing.csv", "order_id,line_no,member_id,product_id,quantity,ordered_at\n"
                    "X,1,M1,P1,1,2024-01-01\n")
    with pytest.raises(DataValidationError) as err:
        ingest_file(shop_ws, missing, kind="orders")
    assert (err.value.file, err.value.row, err.value.column) == (str(missing), 1, "unit_price")
    assert "missing required column" in str(err.value)
    with pytest.raises(DataValidationError, match="file is empty"):
        ingest_file(shop_ws, write(tmp_path / "empty.csv", ""))
    with pytest.raises(DataValidationError, match="cannot tell which data"):
        ingest_file(shop_ws, write(tmp_path / "odd.csv", "foo,bar\n1,2\n"))
    with pytest.raises(DataValidationError, match="unknown kind"):
        ingest_file(shop_ws, write(tmp_path / "m.csv", "member_id\nM1\n"), kind="customers")
    with pytest.raises(DataValidationError, match="no members.csv"):
        ingest_directory(shop_ws, tmp_path / "shop" / "..")
    assert snapshot(shop_ws) == before


def test_kind_detection_and_encoding_fallback(shop_ws: Workspace, tmp_path: Path) -> None:
    assert detect_kind(["member_id", "email"], "f") == "members"
    assert detect_kind(["Product_ID", "Title", "Price"], "f") == "products"
    assert detect_kind(["order_id", "member_id", "product_id", "quantity", "unit_price", "ordered_at"], "f") == "orders"
    assert detect_kind(["review_id", "product_id", "member_id", "rating", "text", "created_at"], "f") == "reviews"
    assert detect_kind(["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"], "f") == \
        "online_retail"
    cp = write(tmp_path / "products_cp1252.csv", "product_id,title,price\nP20,Café mug £5,5\n", encoding="cp1252")
    report = ingest_file(shop_ws, cp)
    assert isinstance(report, IngestReport) and report.encoding == "cp1252" and report.rows_loaded == 1
    assert any("decoded as cp1252" in w for w in report.warnings)
    with shop_ws.analytics(read_only=True) as con:
        assert con.execute("SELECT title FROM products WHERE product_id = 'P20'").fetchall() == [("Café mug £5",)]
    mixed = tmp_path / "members_mixed.csv"
    mixed.write_bytes("member_id,city\nM30,Zürich\n".encode() + "M31,Malmö\n".encode("cp1252"))
    report = ingest_file(shop_ws, mixed)
    assert report.rows_loaded == 1 and report.rejects_by_reason == {"bad_encoding": 1}
    assert report.sample_rejects == ["line 3, column 'city': value has bytes that are not valid UTF-8"]
