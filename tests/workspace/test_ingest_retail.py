"""The UCI Online Retail layout: mapping, derived members/products, rejects, overlapping exports; real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ingest_support import counts, write

from memberinsight.csvsafe import escape_cell
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import ingest_file, workspace_status

RETAIL = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER ,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850.0,United Kingdom
536366,85123a,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-02 09:00:00,2.95,,United Kingdom
C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-03 09:41:00,2.55,17850.0,United Kingdom
536367,22632,HAND WARMER RED POLKA DOT,6,2010-12-04 10:00:00,1.85,13047.0,France
536367,22632,damaged,-4,2010-12-04 10:00:00,0,,United Kingdom
536368,21000,Set of 3  Â£1 cards,2,2010-12-05 10:00:00,1.00,13047.0,France
536368,21000,Set of 3 Â£1 cards ,2,2010-12-05 10:00:00,1.50,13047.0,Germany
A563186,B,Adjust bad debt,1,2011-08-12 14:51:00,-11062.06,,United Kingdom
536369,22633,HAND WARMER,0,2010-12-06 10:00:00,1.85,13047.0,France
536369,22634,HAND WARMER UNION JACK,2,not a date,1.85,13047.0,France
"""


@pytest.fixture
def retail_ws(tmp_path: Path) -> tuple[Workspace, object]:
    ws = Workspace.create(tmp_path / "ws")
    return ws, ingest_file(ws, write(tmp_path / "Online Retail.csv", RETAIL))


def test_orders_mapping(retail_ws) -> None:
    ws, report = retail_ws
    assert (report.kind, report.format) == ("orders", "online_retail")
    assert (report.rows_read, report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (12, 10, 0, 2)
    assert report.rejects_by_reason == {"bad_date": 1, "negative_price": 1}
    assert report.auto_created == {"members": 2, "products": 6}
    assert "2 guest line(s) without a member id kept (member_id empty)" in report.warnings
    assert "3 return/cancellation line(s) kept and flagged is_return" in report.warnings
    assert "1 line(s) with quantity 0 kept and flagged is_return" in report.warnings
    assert "1 line(s) for non-product codes (postage, fees, adjustments) kept" in report.warnings
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT order_id, member_id, product_id, quantity, unit_price, is_return FROM orders "
                           "ORDER BY ordered_at, order_id, product_id, quantity, unit_price").fetchall()
        line_nos = con.execute("SELECT order_id, count(*), count(DISTINCT line_no), min(line_no) >= 1 FROM orders "
                               "GROUP BY order_id ORDER BY order_id").fetchall()
    assert rows == [
        ("536365", "17850", "71053", 6, 3.39, False), ("536365", "17850", "85123A", 6, 2.55, False),
        ("536365", "17850", "POST", 1, 18.0, False), ("536366", None, "85123A", 6, 2.95, False),
        ("C536379", "17850", "85123A", -1, 2.55, True), ("536367", None, "22632", -4, 0.0, True),
        ("536367", "13047", "22632", 6, 1.85, False), ("536368", "13047", "21000", 2, 1.0, False),
        ("536368", "13047", "21000", 2, 1.5, False), ("536369", "13047", "22633", 0, 1.85, True),
    ]
    # line numbers identify the lines of an invoice (from their content, see test_overlapping_exports_converge)
    assert all(n == distinct and positive for _, n, distinct, positive in line_nos)
    rejects = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    assert rejects[["_line", "_column", "_reason"]].values.tolist() == [
        ["11", "UnitPrice", "negative_price"], ["13", "InvoiceDate", "bad_date"]]
    # the original text, defused for spreadsheets (memberinsight.csvsafe): a leading ' is the only change
    assert rejects.loc[0, "Description"] == "Adjust bad debt" and rejects.loc[0, "UnitPrice"] == "'-11062.06"


def test_members_and_products_are_derived(retail_ws) -> None:
    ws, _ = retail_ws
    with ws.analytics(read_only=True) as con:
        members = con.execute("SELECT member_id, CAST(signup_date AS VARCHAR), country FROM members "
                              "ORDER BY member_id").fetchall()
        products = con.execute("SELECT product_id, title, category, price, is_product FROM products "
                               "ORDER BY product_id").fetchall()
    assert members == [("13047", "2010-12-04", "France"), ("17850", "2010-12-01", "United Kingdom")]
    assert products == [
        ("21000", "Set of 3 £1 cards", "Stationery & Gift Wrap", 1.25, True),
        ("22632", "HAND WARMER RED POLKA DOT", "Jewellery & Accessories", 1.85, True),  # not "damaged"
        ("22633", "HAND WARMER", "Jewellery & Accessories", 1.85, True),  # from its zero-quantity line
        ("71053", "WHITE METAL LANTERN", "Lighting & Candles", 3.39, True),
        ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "Lighting & Candles", 2.75, True),
        ("POST", "POSTAGE", "Non-product", 18.0, False),
    ]


def test_reingest_is_idempotent_and_keeps_derived_rows(retail_ws, tmp_path: Path) -> None:
    ws, first = retail_ws
    before = counts(ws)
    again = ingest_file(ws, tmp_path / "Online Retail.csv")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected, again.auto_created) == (0, 10, 2, {})
    assert counts(ws) == {**before, "ingest_log": before["ingest_log"] + 1}
    assert again.rejects_file != first.rejects_file and again.rejects_file.is_file()
    status = workspace_status(ws)
    assert status.quality.rejects_by_reason == {"bad_date": 2, "negative_price": 2}
    assert (status.quality.guest_lines, status.quality.return_lines, status.quality.non_product_lines) == (2, 3, 1)
    assert status.quality.zero_quantity_lines == 1


def test_shared_sample_loads_completely(shared_data: Path, tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    report = ingest_file(ws, shared_data / "online_retail_sample.csv")
    assert report.rows_read == 30_000
    assert report.rows_read == report.rows_loaded + report.rows_unchanged + report.rows_rejected
    assert (report.rows_loaded, report.rows_rejected) == (30_000, 0)
    # the summary always names a rejects file: here the header only
    assert report.rejects_file.read_text(encoding="utf-8").splitlines() == [
        "_line,_column,_reason,_message,InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
        "Country"]
    assert report.auto_created["members"] == 3_569  # distinct CustomerIDs, README
    assert "2000 guest line(s) without a member id kept (member_id empty)" in report.warnings
    with ws.analytics(read_only=True) as con:
        ids = con.execute("SELECT count(*) FROM members WHERE member_id LIKE '%.%'").fetchall()[0][0]
        trailing = con.execute("SELECT count(*) FROM products WHERE title <> trim(title)").fetchall()[0][0]
        cancels = con.execute("SELECT count(*) FROM orders WHERE order_id LIKE 'C%' AND is_return").fetchall()[0][0]
        zero = con.execute("SELECT count(*) FROM orders WHERE unit_price = 0").fetchall()[0][0]
    assert (ids, trailing, zero) == (0, 0, 37)
    assert cancels == 620  # README: 620 cancellation lines, all kept and flagged


def test_shared_sample_with_planted_bad_rows(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / "online_retail_sample.csv").read_text(encoding="utf-8").splitlines()
    planted = {  # CSV line number (header = 1) -> (column index, bad value, reason, column)
        101: (4, "31/31/2011 25:00", "bad_date", "InvoiceDate"),
        5_000: (5, "-1.50", "negative_price", "UnitPrice"),
        17_777: (3, "0", None, "Quantity"),  # zero quantity: kept, flagged is_return
        29_000: (3, "twelve", "bad_integer", "Quantity"),
    }
    originals = {}
    for line_no, (col, value, _, _) in planted.items():
        fields = lines[line_no - 1].split(",")
        assert len(fields) == 8  # these sample lines have no quoted commas
        fields[col] = value
        lines[line_no - 1] = ",".join(fields)
        originals[line_no] = fields
    lines.append(lines[1] + ",surplus")  # line 30,002: one field too many
    path = write(tmp_path / "sample_bad.csv", "\n".join(lines) + "\n")
    ws = Workspace.create(tmp_path / "ws")
    report = ingest_file(ws, path)
    assert report.rows_read == 30_001
    assert (report.rows_loaded, report.rows_rejected) == (29_997, 4)
    assert report.rows_read == report.rows_loaded + report.rows_unchanged + report.rows_rejected
    rejects = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    expected = [[str(n), c, r] for n, (_, _, r, c) in planted.items() if r] + [["30002", "", "wrong_field_count"]]
    assert rejects[["_line", "_column", "_reason"]].values.tolist() == expected
    header = lines[0].split(",")
    for _, row in rejects.head(3).iterrows():
        assert row[header].tolist() == [escape_cell(v) for v in originals[int(row["_line"])]]  # "-1.50" -> "'-1.50"
    zero = originals[17_777]
    with ws.analytics(read_only=True) as con:
        kept = con.execute("SELECT quantity, is_return FROM orders WHERE order_id = ? AND product_id = ? "
                           "AND quantity = 0", [zero[0], zero[1].upper()]).fetchall()
    assert kept == [(0, True)] and "1 line(s) with quantity 0 kept and flagged is_return" in report.warnings


def test_online_retail_ii_names_and_us_dates(tmp_path: Path) -> None:
    text = ("Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
            "489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,12/1/2009 7:45,6.95,13085.0,United Kingdom\n"
            "489434,79323P,PINK CHERRY LIGHTS,12,1/13/2010 17:45,6.75,13085,United Kingdom\n")
    ws = Workspace.create(tmp_path / "ws")
    report = ingest_file(ws, write(tmp_path / "online_retail_II.csv", text))
    assert (report.format, report.rows_loaded, report.auto_created) == ("online_retail", 2, {"members": 1, "products": 2})
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, CAST(ordered_at AS VARCHAR) FROM orders ORDER BY ordered_at").fetchall()
        cats = con.execute("SELECT category FROM products ORDER BY product_id").fetchall()
    assert rows == [("13085", "2009-12-01 07:45:00"), ("13085", "2010-01-13 17:45:00")]
    assert cats == [("Lighting & Candles",), ("Christmas & Seasonal",)]


def test_non_product_codes_and_keyword_categories() -> None:
    from memberinsight.workspace.ingest.categories import categorise, is_product_code

    codes = ["POST", "M", "m", "D", "DOT", "C2", "BANK CHARGES", "AMAZONFEE", "PADS", "CRUK", "S", "B",
             "gift_0001_20", "85123A", "84997c", "DCGSSBOY", "22423"]
    assert is_product_code(pd.Series(codes)).tolist() == [False] * 13 + [True] * 4
    titles = pd.Series(["REGENCY CAKESTAND 3 TIER", "PAPER CHAIN KIT 50'S CHRISTMAS ", "JUMBO BAG RED RETROSPOT",
                        "ASSORTED COLOUR BIRD ORNAMENT", "SET OF 3 CANDLES", None, "PAINT YOUR OWN CANVAS SET"])
    assert categorise(titles).tolist() == ["Kitchen & Dining", "Christmas & Seasonal", "Bags & Storage",
                                           "Garden & Outdoor", "Lighting & Candles", "Uncategorised",
                                           "Uncategorised"]


def _retail_lines(seed: int = 5) -> pd.DataFrame:
    """Invoices over three months, with repeated identical lines, cancellations and guest invoices."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(90):
        invoice = f"C{550000 + i}" if i % 9 == 4 else str(550000 + i)
        when = f"2011-{1 + i % 3:02d}-{1 + i % 27:02d} {8 + i % 10:02d}:{i % 60:02d}:00"
        customer = "" if i % 7 == 0 else f"{12000 + i % 23}.0"
        for _ in range(int(rng.integers(1, 9))):
            code = f"2{int(rng.integers(1000, 1040))}"
            qty = int(rng.integers(1, 13)) * (-1 if invoice.startswith("C") else 1)
            rows.append([invoice, code, f"ITEM {code}", qty, when, f"{rng.integers(50, 900) / 100:.2f}",
                         customer, "United Kingdom"])
        if i % 5 == 0:
            rows.append(list(rows[-1]))  # the same line twice in one invoice: two real lines
    return pd.DataFrame(rows, columns=RETAIL.splitlines()[0].split(","))


def _orders(ws: Workspace) -> list[tuple]:
    with ws.analytics(read_only=True) as con:
        return con.execute("SELECT * FROM orders ORDER BY ALL").fetchall()


def test_overlapping_exports_converge(tmp_path: Path) -> None:
    full = _retail_lines()
    sample = full.sample(frac=0.4, random_state=3)  # random rows, in another order
    paths = {"full": tmp_path / "full.csv", "sample": tmp_path / "sample.csv",
             "shuffled": tmp_path / "shuffled.csv"}
    full.to_csv(paths["full"], index=False)
    sample.to_csv(paths["sample"], index=False)
    full.sample(frac=1.0, random_state=8).to_csv(paths["shuffled"], index=False)
    only_full = Workspace.create(tmp_path / "only_full")
    assert ingest_file(only_full, paths["full"]).rows_loaded == len(full)
    expected = _orders(only_full)

    ws = Workspace.create(tmp_path / "sample_then_full")
    assert ingest_file(ws, paths["sample"]).rows_loaded == len(sample)
    report = ingest_file(ws, paths["full"])
    assert (report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (
        len(full) - len(sample), len(sample), 0)
    assert _orders(ws) == expected  # no duplicates, nothing missing, no conflicts
    again = ingest_file(ws, paths["shuffled"])  # same lines, another order: nothing new, nothing rejected
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, len(full), 0)

    monthly = Workspace.create(tmp_path / "monthly")
    for month, lines in full.groupby(full["InvoiceDate"].str.slice(0, 7)):
        lines.to_csv(tmp_path / f"{month}.csv", index=False)
        assert ingest_file(monthly, tmp_path / f"{month}.csv").rows_rejected == 0
    assert _orders(monthly) == expected
    repeated = full[full.duplicated(keep=False)]
    assert len(repeated) >= 2 * 18  # identical lines really are in the data ...
    with ws.analytics(read_only=True) as con:
        row = repeated.iloc[0]
        n = con.execute("SELECT count(*) FROM orders WHERE order_id = ? AND product_id = ? AND quantity = ?",
                        [row["InvoiceNo"], row["StockCode"], int(row["Quantity"])]).fetchall()[0][0]
    assert n == (full[["InvoiceNo", "StockCode", "Quantity"]] == row[["InvoiceNo", "StockCode", "Quantity"]]
                 ).all(axis=1).sum() >= 2  # ... and each is kept


def test_real_sample_then_full_export_converge(shared_data: Path, tmp_path: Path) -> None:
    """The first week of the real data: sample rows, then the full export of the same days."""
    full = pd.read_csv(shared_data / "online_retail.csv.gz", dtype=str, keep_default_na=False)
    sample = pd.read_csv(shared_data / "online_retail_sample.csv", dtype=str, keep_default_na=False)
    week = slice("2010-12-01", "2010-12-08")
    full = full[(full["InvoiceDate"] >= week.start) & (full["InvoiceDate"] < week.stop)]
    sample = sample[(sample["InvoiceDate"] >= week.start) & (sample["InvoiceDate"] < week.stop)]
    assert (len(full), len(sample)) == (16_985, 810)
    full.to_csv(tmp_path / "full.csv", index=False)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    only_full = Workspace.create(tmp_path / "only_full")
    ingest_file(only_full, tmp_path / "full.csv")
    ws = Workspace.create(tmp_path / "ws")
    ingest_file(ws, tmp_path / "sample.csv")
    report = ingest_file(ws, tmp_path / "full.csv")
    # with line numbers by file position, 762 of these lines were rejected as conflicts
    assert (report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (16_175, 810, 0)
    assert _orders(ws) == _orders(only_full)


def test_line_numbers_stay_unique_and_order_free_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    from memberinsight.workspace.ingest import retail

    # a hash with only 4 values: every invoice of 3 or 4 lines has collisions to settle
    monkeypatch.setattr(retail, "_line_hash", lambda key: 1 + sum(key.encode()) % 4)
    lines = pd.DataFrame({
        "invoice": ["A", "A", "A", "A", "B", "B", "B"],
        "code": ["X", "Y", "Z", "X", "X", "X", "Y"],
        "quantity": pd.array([1, 2, 3, 1, 1, 1, 5], dtype="Int64"),
        "price": [1.0, 2.5, 3.0, 1.0, 1.0, 1.0, 9.99],
        "at": pd.to_datetime(["2011-01-01 10:00"] * 4 + ["2011-01-02 11:00"] * 3),
    })

    def numbers(frame: pd.DataFrame) -> dict[tuple, list[int]]:
        got = retail.content_line_numbers(frame["invoice"], frame["code"], frame["quantity"], frame["price"],
                                          frame["at"])
        out: dict[tuple, list[int]] = {}
        for key, n in zip(frame.itertuples(index=False), got, strict=True):
            out.setdefault(tuple(key), []).append(int(n))
        return {k: sorted(v) for k, v in out.items()}

    first = numbers(lines)
    per_invoice = {}
    for (invoice, *_), ns in first.items():
        per_invoice.setdefault(invoice, []).extend(ns)
    assert all(len(ns) == len(set(ns)) and set(ns) <= {1, 2, 3, 4} for ns in per_invoice.values())
    assert [len(v) for v in first.values()] == [2, 1, 1, 2, 1]  # repeated lines keep one number each
    assert numbers(lines.iloc[::-1].reset_index(drop=True)) == first  # file order does not matter
