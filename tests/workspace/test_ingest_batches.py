"""Several files per ingest, kind detection of broken files, rejects files, leftovers of killed ingests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ingest_support import ORDERS_CSV, counts, small_shop, snapshot, write

from memberinsight.errors import DataValidationError
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import (
    detect_kind,
    ingest_directory,
    ingest_file,
    ingest_paths,
    workspace_status,
)

# Each file lacks its timestamp column: it must be refused as what it is, not loaded as members.
BROKEN = {
    "orders": ("orders_no_date.csv", "order_id,line_no,member_id,product_id,quantity,unit_price\n"
               "Z1,1,M1,P1,1,9.50\nZ1,2,M2,P2,2,9.50\n", "ordered_at"),
    "reviews": ("reviews_no_date.csv", "review_id,product_id,member_id,rating,text\nR9,P1,M1,5,great\n",
                "created_at"),
    "online_retail": ("retail_no_date.csv", "InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID,Country\n"
                      "536365,85123A,WHITE HANGING HEART,6,2.55,17850.0,United Kingdom\n", "InvoiceDate"),
}


@pytest.fixture
def shop_ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws")
    ingest_directory(ws, small_shop(tmp_path / "shop"))
    return ws


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_file_is_refused_as_its_kind_not_loaded_as_members(kind: str, shop_ws: Workspace,
                                                                   tmp_path: Path) -> None:
    name, text, column = BROKEN[kind]
    path = write(tmp_path / name, text)
    before = snapshot(shop_ws)
    with pytest.raises(DataValidationError) as err:
        ingest_file(shop_ws, path)  # kind auto-detected
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 1, column)
    assert f"missing required column(s) {column} for {kind} data" in str(err.value)
    assert snapshot(shop_ws) == before


def test_detection_weighs_columns_only_one_kind_has() -> None:
    assert detect_kind(["member_id", "country", "channel"], "f") == "members"
    assert detect_kind(["CustomerID", "Country"], "f") == "members"
    assert detect_kind(["sku", "title", "description", "price"], "f") == "products"
    # a members file with an extra column named like another kind's is still members
    assert detect_kind(["member_id", "email", "first_name", "title"], "f") == "members"
    with pytest.raises(DataValidationError, match=r"cannot tell .* closest: members \(missing member_id\)"):
        detect_kind(["country", "channel"], "f")


def test_strict_over_several_files_is_all_or_nothing(tmp_path: Path) -> None:
    shop = small_shop(tmp_path / "shop")
    ws = Workspace.create(tmp_path / "ws")
    before = snapshot(ws)
    bad_reviews = write(tmp_path / "bad_reviews.csv", "review_id,product_id,member_id,rating,text,created_at\n"
                        "R1,P1,M1,5,ok,2024-05-10\nR2,P1,M1,6,too good,2024-05-10\n")
    files = [shop / "members.csv", shop / "products.csv", shop / "orders.csv", bad_reviews]
    with pytest.raises(DataValidationError) as err:
        ingest_paths(ws, files, strict=True)
    assert (err.value.file, err.value.row, err.value.column) == (str(bad_reviews), 3, "rating")
    assert snapshot(ws) == before  # the valid members, products and orders are not loaded either
    reports = ingest_paths(ws, files[:3], strict=True)
    assert [(r.kind, r.rows_loaded) for r in reports] == [("members", 3), ("products", 3), ("orders", 5)]
    assert len({r.batch_id for r in reports}) == 3


def test_file_level_error_in_a_later_file_stops_before_any_commit(tmp_path: Path) -> None:
    shop = small_shop(tmp_path / "shop")
    write(shop / "orders.csv", "order_id,line_no,member_id,product_id,quantity,ordered_at\n"
          "X,1,M1,P1,1,2024-01-01\n")  # no unit_price
    ws = Workspace.create(tmp_path / "ws")
    before = snapshot(ws)
    with pytest.raises(DataValidationError) as err:
        ingest_directory(ws, shop)  # not strict: members and products are valid, but nothing is committed
    assert (err.value.file, err.value.row, err.value.column) == (str(shop / "orders.csv"), 1, "unit_price")
    assert snapshot(ws) == before
    with pytest.raises(DataValidationError, match="file is empty"):
        ingest_paths(ws, [shop / "members.csv", write(tmp_path / "empty.csv", "")])
    assert snapshot(ws) == before
    with ws.operations() as con:
        refused = con.execute("SELECT count(*) FROM audit_log WHERE outcome = 'refused'").fetchall()[0][0]
    assert refused == 2


def test_rejects_file_is_always_written(shop_ws: Workspace, tmp_path: Path) -> None:
    report = ingest_file(shop_ws, write(tmp_path / "members_more.csv", "member_id,country\nM7,Spain\n"))
    assert (report.rows_loaded, report.rows_rejected) == (1, 0)
    assert report.rejects_file.parent == shop_ws.rejects_dir
    assert report.rejects_file.read_text(encoding="utf-8") == "_line,_column,_reason,_message,member_id,country\n"
    entry = next(e for e in workspace_status(shop_ws).last_ingests if e.batch_id == report.batch_id)
    assert entry.rejects_file == str(report.rejects_file)
    assert not list(shop_ws.rejects_dir.glob("*.partial"))


_DEAD_PID = """
import os, sys
print(os.getpid())
"""


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", _DEAD_PID], capture_output=True, text=True,
                              check=True).stdout)


def test_partial_files_of_dead_processes_are_cleaned(shop_ws: Workspace, tmp_path: Path) -> None:
    dead = shop_ws.rejects_dir / f"20240101T000000-deadbeef-000000_orders.csv.{_dead_pid()}.partial"
    legacy = shop_ws.rejects_dir / "20240101T000000-deadbeef-000001_orders.partial"  # older naming, no pid
    live = shop_ws.rejects_dir / f"20240101T000000-deadbeef-000002_orders.csv.{os.getpid()}.partial"
    labels = shop_ws.path / "labels" / f"review_labels.csv.{_dead_pid()}.partial"
    for path in (dead, legacy, live, labels):
        write(path, "_line,_column\n")
    keep = list(shop_ws.rejects_dir.glob("*.csv"))
    ingest_file(shop_ws, write(tmp_path / "m.csv", "member_id\nM8\n"))  # cleaning happens at the start
    assert not dead.exists() and not legacy.exists() and not labels.exists()
    assert live.exists()  # a running ingest's file is left alone
    assert set(keep) < set(shop_ws.rejects_dir.glob("*.csv"))  # published rejects files are kept
    live.unlink()
    write(dead, "x\n")
    Workspace.open(shop_ws.path)  # opening a workspace cleans too
    assert not dead.exists()


def test_empty_unnamed_columns_are_dropped_with_a_warning(shop_ws: Workspace, tmp_path: Path) -> None:
    excel = write(tmp_path / "members_excel.csv", "member_id,country,,\r\nM20,Spain,,\r\nM21,Italy\r\n")
    report = ingest_file(shop_ws, excel)
    assert (report.kind, report.rows_loaded, report.rows_rejected) == ("members", 2, 0)
    assert "2 empty column(s) without a name dropped (header column(s) 3, 4)" in report.warnings
    with shop_ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, country FROM members WHERE member_id IN ('M20', 'M21') "
                           "ORDER BY 1").fetchall()
    assert rows == [("M20", "Spain"), ("M21", "Italy")]
    before = snapshot(shop_ws)
    holding = write(tmp_path / "members_data.csv", "member_id,,country\nM22,x,Spain\nM23,,Italy\n")
    with pytest.raises(DataValidationError) as err:
        ingest_file(shop_ws, holding)
    assert (err.value.file, err.value.row) == (str(holding), 2) and "header column 2 has no name" in str(err.value)
    assert snapshot(shop_ws) == before


def test_canonical_orders_zero_quantity_kept_as_return(tmp_path: Path) -> None:
    shop = small_shop(tmp_path / "shop")
    write(shop / "orders.csv", ORDERS_CSV + "O5,1,M3,P1,0,79.99,2024-06-10 10:00:00,,Ireland,web\n")
    ws = Workspace.create(tmp_path / "ws")
    reports = ingest_directory(ws, shop)
    orders = next(r for r in reports if r.kind == "orders")
    assert (orders.rows_loaded, orders.rows_rejected) == (6, 0)
    assert "1 line(s) with quantity 0 kept and flagged is_return" in orders.warnings
    with ws.analytics(read_only=True) as con:
        assert con.execute("SELECT quantity, is_return FROM orders WHERE order_id = 'O5'").fetchall() == [(0, True)]
    status = workspace_status(ws)
    assert (status.quality.zero_quantity_lines, status.quality.return_lines) == (1, 2)
    assert counts(ws)["orders"] == 6
    frame = pd.read_csv(orders.rejects_file)
    assert frame.empty and list(frame.columns)[:4] == ["_line", "_column", "_reason", "_message"]
