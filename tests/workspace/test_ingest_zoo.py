"""The broken-CSV zoo: files that used to lose rows silently, each read whole with every row accounted for.

Every case asserts: ``rows_read`` equals the file's data records, loaded + rejected adds up, the
rejected line is named with its column, and no stored value holds text from another row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ingest_support import write

from memberinsight.errors import DataValidationError
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import ingest_file

HEADER = "member_id,email,first_name,signup_date,city,country,channel\n"


def _members(n: int = 10, broken: dict[int, str] | None = None) -> str:
    """``n`` member rows; ``broken`` replaces row k (1-based data row) by the given line."""
    rows = [f"M{k:02d},m{k}@example.com,Name{k},2024-01-{k:02d},City{k},UK,organic\n" for k in range(1, n + 1)]
    for k, line in (broken or {}).items():
        rows[k - 1] = line
    return HEADER + "".join(rows)


def _stored(ws: Workspace) -> dict[str, tuple]:
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, city, channel FROM members ORDER BY member_id").fetchall()
    return {r[0]: r[1:] for r in rows}


def _rejects(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws")


def test_one_unclosed_quote_rejects_only_its_line(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "members.csv", _members(broken={3: 'M03,m3@example.com,Name3,2024-01-03,City3,UK,"social\n'}))
    report = ingest_file(ws, path)
    assert report.rows_read == 10
    assert (report.rows_loaded, report.rows_rejected) == (9, 1)
    assert report.rejects_by_reason == {"unbalanced_quote": 1}
    stored = _stored(ws)
    assert sorted(stored) == [f"M{k:02d}" for k in range(1, 11) if k != 3]
    assert all(channel == "organic" and len(city) <= 6 for city, channel in stored.values())
    (reject,) = _rejects(report.rejects_file)
    assert (reject["_line"], reject["_column"], reject["_reason"]) == ("4", "channel", "unbalanced_quote")
    assert reject["member_id"] == "M03"
    assert any("unbalanced quote" in w and "line 4" in w for w in report.warnings)


def test_unclosed_quote_is_an_error_naming_file_line_and_column_in_strict_mode(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "members.csv", _members(broken={3: 'M03,m3@example.com,Name3,2024-01-03,City3,UK,"social\n'}))
    with pytest.raises(DataValidationError) as err:
        ingest_file(ws, path, strict=True)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 4, "channel")
    assert _stored(ws) == {}


@pytest.mark.parametrize("first, second", [
    # a quote opened in one row and a stray one further down that would close it in the same column
    ('M03,m3@example.com,Name3,2024-01-03,City3,UK,"social\n', 'M07,m7@example.com,Name7,2024-01-07,City7,UK,social"\n'),
    # the same in another column (the record would come out too wide)
    ('M03,m3@example.com,Name3,2024-01-03,"City3,UK,social\n', 'M07,m7@example.com,Name7,2024-01-07,City7,UK,so"cial\n'),
    # the closing stray quote is followed by text in its field
    ('M03,m3@example.com,Name3,2024-01-03,City3,UK,"social\n', 'M07,m7@example.com,Name7,2024-01-07,"Ci"ty7,UK,social\n'),
])
def test_two_stray_quotes_never_fold_rows_into_one_value(ws: Workspace, tmp_path: Path, first: str, second: str) -> None:
    path = write(tmp_path / "members.csv", _members(broken={3: first, 7: second}))
    report = ingest_file(ws, path)
    assert report.rows_read == 10
    assert report.rows_loaded + report.rows_rejected == 10
    assert report.rows_rejected in (1, 2)
    stored = _stored(ws)
    for k in (1, 2, 4, 5, 6, 8, 9, 10):  # the rows between and after the quotes are whole
        assert stored[f"M{k:02d}"] == (f"City{k}", "organic")
    assert all("\n" not in (city or "") + (channel or "") for city, channel in stored.values())
    lines = {int(r["_line"]) for r in _rejects(report.rejects_file)}
    assert 4 in lines and lines <= {4, 8}


def test_a_real_multiline_review_is_kept_whole(ws: Workspace, tmp_path: Path) -> None:
    write(tmp_path / "m.csv", "member_id\nM1\n")
    write(tmp_path / "p.csv", "product_id,title\nP1,Mug\n")
    ingest_file(ws, tmp_path / "m.csv", kind="members")
    ingest_file(ws, tmp_path / "p.csv", kind="products")
    text = ("review_id,product_id,member_id,rating,text,created_at\n"
            'R1,P1,M1,4,"First line.\nSecond, with a comma.\n\nThird ""quoted"".",2024-05-01\n'
            "R2,P1,M1,5,Short,2024-05-02\n")
    report = ingest_file(ws, write(tmp_path / "reviews.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 2, 0)
    with ws.analytics(read_only=True) as con:
        stored = con.execute("SELECT text FROM reviews WHERE review_id = 'R1'").fetchall()[0][0]
    assert stored == 'First line.\nSecond, with a comma.\n\nThird "quoted".'


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters_are_sniffed_and_named(ws: Workspace, tmp_path: Path, delimiter: str, name: str) -> None:
    text = _members(4).replace(",", delimiter)
    report = ingest_file(ws, write(tmp_path / "members.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 4, 0)
    assert any(f"delimiter: {name}" in w for w in report.warnings)
    assert _stored(ws)["M02"] == ("City2", "organic")


def test_semicolon_file_with_a_broken_quote_still_loses_nothing(ws: Workspace, tmp_path: Path) -> None:
    text = _members(5, broken={2: 'M02,m2@example.com,"Name2,2024-01-02,City2,UK,organic\n'}).replace(",", ";")
    report = ingest_file(ws, write(tmp_path / "members.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 4, 1)
    assert report.rejects_by_reason == {"unbalanced_quote": 1}


def test_binary_file_without_nul_bytes_is_refused_as_binary(ws: Workspace, tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    blob = bytes(rng.choice([b for b in range(1, 256) if b != 0]) for _ in range(4000))
    path = tmp_path / "members.csv"
    path.write_bytes(blob)
    with pytest.raises(DataValidationError, match="not a text CSV: .*control bytes") as err:
        ingest_file(ws, path, kind="members")
    assert err.value.file == str(path)
    assert _stored(ws) == {}


# ----- dates: one day/month order per file, one time-zone rule per column -------------------------
DATED = "member_id,signup_date\n"


def _signups(ws: Workspace) -> dict[str, str]:
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, strftime(signup_date, '%Y-%m-%d') FROM members").fetchall()
    return dict(rows)


def test_a_file_whose_days_are_all_twelve_or_less_is_refused_not_guessed(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "members.csv", DATED + "M1,05/11/2025\nM2,03/04/2025\nM3,01/01/2025\n")
    with pytest.raises(DataValidationError, match="--dayfirst or --monthfirst") as err:
        ingest_file(ws, path)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 2, "signup_date")
    assert _signups(ws) == {}
    from memberinsight.workspace.ingest import DateRules

    report = ingest_file(ws, path, rules=DateRules("dayfirst"))
    assert report.rows_loaded == 3
    assert _signups(ws) == {"M1": "2025-11-05", "M2": "2025-04-03", "M3": "2025-01-01"}
    assert any("day-first" in w for w in report.warnings)


def test_day_above_twelve_decides_the_whole_file_and_is_reported(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "members.csv", DATED + "M1,03/04/2025\nM2,25/12/2025\nM3,2025-02-01\n")
    report = ingest_file(ws, path)
    assert _signups(ws) == {"M1": "2025-04-03", "M2": "2025-12-25", "M3": "2025-02-01"}
    assert any("day-first" in w and "line 3" in w and "25/12/2025" in w for w in report.warnings)


def test_us_dates_are_read_month_first_when_the_file_shows_it(ws: Workspace, tmp_path: Path) -> None:
    ingest_file(ws, write(tmp_path / "members.csv", DATED + "M1,03/04/2025\nM2,12/25/2025\n"))
    assert _signups(ws) == {"M1": "2025-03-04", "M2": "2025-12-25"}


def test_a_file_that_contradicts_itself_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "members.csv", DATED + "M1,25/12/2025\nM2,12/25/2025\nM3,03/04/2025\n")
    with pytest.raises(DataValidationError, match="contradict") as err:
        ingest_file(ws, path)
    assert err.value.row == 3 and err.value.column == "signup_date"
    assert "25/12/2025" in str(err.value) and "12/25/2025" in str(err.value)
    assert _signups(ws) == {}


def test_forced_order_rejects_the_rows_that_do_not_fit_it(ws: Workspace, tmp_path: Path) -> None:
    from memberinsight.workspace.ingest import DateRules

    path = write(tmp_path / "members.csv", DATED + "M1,25/12/2025\nM2,12/25/2025\n")
    report = ingest_file(ws, path, rules=DateRules("monthfirst"))
    assert (report.rows_loaded, report.rows_rejected, report.rejects_by_reason) == (1, 1, {"bad_date": 1})
    assert _signups(ws) == {"M2": "2025-12-25"}


def test_time_zones_are_converted_to_shop_time_for_the_whole_column(ws: Workspace, tmp_path: Path) -> None:
    from memberinsight.workspace.ingest import DateRules

    write(tmp_path / "m.csv", "member_id\nM1\n")
    write(tmp_path / "p.csv", "product_id,title\nP1,Mug\n")
    ingest_file(ws, tmp_path / "m.csv", kind="members")
    ingest_file(ws, tmp_path / "p.csv", kind="products")
    orders = ("order_id,member_id,product_id,quantity,unit_price,ordered_at\n"
              "O1,M1,P1,1,5,2025-07-01T10:00:00+02:00\n"
              "O2,M1,P1,1,5,2025-07-01 10:00:00\n"
              "O3,M1,P1,1,5,2025-07-01T10:00:00Z\n")
    report = ingest_file(ws, write(tmp_path / "orders.csv", orders), rules=DateRules(timezone="Europe/London"))
    with ws.analytics(read_only=True) as con:
        got = dict(con.execute("SELECT order_id, strftime(ordered_at, '%H:%M') FROM orders").fetchall())
    assert got == {"O1": "09:00", "O2": "10:00", "O3": "11:00"}  # London is UTC+1 in July
    assert any("ordered_at: 2 value(s) with a time zone converted to shop time (Europe/London)" in w
               for w in report.warnings)


def test_cli_reads_dayfirst_and_refuses_both_orders(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from memberinsight.cli import app

    path = write(tmp_path / "members.csv", DATED + "M1,05/11/2025\n")
    runner = CliRunner()
    target = str(tmp_path / "cli_ws")
    refused = runner.invoke(app, ["ingest", str(path), "--workspace", target, "--json"])
    assert refused.exit_code == 1 and "--dayfirst" in refused.output
    ok = runner.invoke(app, ["ingest", str(path), "--workspace", target, "--dayfirst", "--json"])
    assert ok.exit_code == 0, ok.output
    assert _signups(Workspace.open(target)) == {"M1": "2025-11-05"}
    both = runner.invoke(app, ["ingest", str(path), "--workspace", target, "--dayfirst", "--monthfirst"])
    assert both.exit_code != 0


# ----- updates: a blank cell never erases a stored value unless asked ------------------------------
def test_blank_cells_keep_stored_values_and_changes_are_counted_per_column(ws: Workspace, tmp_path: Path) -> None:
    write(tmp_path / "m1.csv", "member_id,email,phone,city\nM0000001,a@x.com,0101,Leeds\nM0000002,b@x.com,0202,York\n")
    ingest_file(ws, tmp_path / "m1.csv")
    report = ingest_file(ws, write(tmp_path / "m2.csv", "member_id,email,phone,city\nM0000002,,,Hull\nM0000001,,,\n"))
    assert (report.rows_loaded, report.rows_unchanged, report.rows_updated) == (1, 1, 1)
    assert report.fields_changed == {"city": 1}
    assert report.blanks_kept == {"email": 2, "phone": 2, "city": 1}
    assert any("blank cell(s) left stored values" in w and "--blank-clears" in w for w in report.warnings)
    with ws.analytics(read_only=True) as con:
        stored = con.execute("SELECT member_id, email, phone, city FROM members ORDER BY 1").fetchall()
    assert stored == [("M0000001", "a@x.com", "0101", "Leeds"), ("M0000002", "b@x.com", "0202", "Hull")]

    cleared = ingest_file(ws, write(tmp_path / "m3.csv", "member_id,email,phone\nM0000002,,0299\n"), blank_clears=True)
    assert cleared.fields_changed == {"email": 1, "phone": 1} and cleared.blanks_kept == {}
    with ws.analytics(read_only=True) as con:
        assert con.execute("SELECT email, phone, city FROM members WHERE member_id = 'M0000002'").fetchall() == [
            (None, "0299", "Hull")]


def test_a_header_error_names_the_delimiter_it_was_read_with(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", "member_id\tproduct_id\nM1\tP1\n")
    with pytest.raises(DataValidationError, match=r"2 column\(s\) separated by tab") as err:
        ingest_file(ws, path, kind="orders")
    assert err.value.file == str(path) and err.value.row == 1
