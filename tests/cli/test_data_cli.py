"""``memberinsight ingest``, ``status`` and ``schema`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.cli.demo import _remove_workspace
from memberinsight.errors import DataValidationError
from memberinsight.workspace.schema import TABLES

runner = CliRunner()

MEMBERS = "member_id,country\nM1,Ireland\nM2,France\n"
PRODUCTS = "product_id,title,price\nP1,Trail Boots,79.99\n"
ORDERS = ("order_id,line_no,member_id,product_id,quantity,unit_price,ordered_at\n"
          "O1,1,M1,P1,1,79.99,2024-05-01 10:00:00\n"
          "O1,2,M1,P1,1,79.99,2024-05-32 10:00:00\n"
          "O2,1,M9,P1,-1,79.99,2024-05-02 10:00:00\n"
          "O3,1,,P1,1,79.99,2024-05-03 10:00:00\n")


def _shop(root: Path) -> Path:
    shop = root / "shop"
    shop.mkdir()
    for name, text in (("members", MEMBERS), ("products", PRODUCTS), ("orders", ORDERS)):
        (shop / f"{name}.csv").write_text(text, encoding="utf-8")
    (shop / "review_labels.csv").write_text("review_id,is_fake\nR1,1\n", encoding="utf-8")
    return shop


def test_ingest_directory_json_then_status_and_reingest(tmp_path: Path) -> None:
    ws = tmp_path / "ws"  # does not exist yet: ingest creates it
    result = runner.invoke(app, ["ingest", str(_shop(tmp_path)), "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["workspace"] == str(ws.resolve())
    reports = {Path(r["file"]).name: r for r in out["reports"]}
    assert list(reports) == ["members.csv", "products.csv", "orders.csv"]
    orders = reports["orders.csv"]
    assert (orders["rows_read"], orders["rows_loaded"], orders["rows_rejected"]) == (4, 2, 2)
    assert orders["rejects_by_reason"] == {"bad_date": 1, "unknown_member": 1}
    rejects = Path(orders["rejects_file"]).read_text(encoding="utf-8").splitlines()
    assert rejects[0].startswith("_line,_column,_reason,_message,order_id")
    assert rejects[1].startswith("3,ordered_at,bad_date,") and rejects[2].startswith("4,member_id,unknown_member,")
    assert (ws / "labels" / "review_labels.csv").read_text(encoding="utf-8") == "review_id,is_fake\nR1,1\n"

    status = json.loads(runner.invoke(app, ["status", "-w", str(ws), "--json"]).stdout)
    assert status["tables"] == {"members": 2, "products": 1, "orders": 2, "reviews": 0}
    assert status["quality"]["guest_lines"] == 1 and status["quality"]["rejects_by_reason"] == {
        "bad_date": 1, "unknown_member": 1}
    assert status["orders_from"] == "2024-05-01T10:00:00" and len(status["last_ingests"]) == 3

    again = runner.invoke(app, ["ingest", str(tmp_path / "shop" / "orders.csv"), "-w", str(ws)])
    assert again.exit_code == 0, again.output
    text = again.stdout
    assert "orders.csv" in text and "bad_date 1, unknown_member 1" in text
    assert "line 3, column 'ordered_at': unparseable date: '2024-05-32 10:00:00'" in text
    assert "rejects file:" in text and "already ingested" in text
    human = runner.invoke(app, ["status", "-w", str(ws)]).stdout
    assert "Orders from 1 May 2024 to 3 May 2024" in human and "1 guest lines" in human


def test_strict_failure_exits_non_zero_with_location_and_changes_nothing(tmp_path: Path) -> None:
    shop = _shop(tmp_path)
    ws = tmp_path / "ws"
    ok = runner.invoke(app, ["ingest", str(shop / "members.csv"), str(shop / "products.csv"), "-w", str(ws)])
    assert ok.exit_code == 0, ok.output
    result = runner.invoke(app, ["ingest", str(shop / "orders.csv"), "--strict", "-w", str(ws)])
    assert isinstance(result.exception, DataValidationError)  # main() turns it into exit code 1
    assert (result.exception.row, result.exception.column) == (3, "ordered_at")
    cli = Path(sys.executable).with_name("memberinsight")
    proc = subprocess.run([str(cli), "ingest", str(shop / "orders.csv"), "--strict", "--kind", "orders",
                           "-w", str(ws)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert f"file {shop / 'orders.csv'}, row 3, column 'ordered_at'" in proc.stderr
    status = json.loads(runner.invoke(app, ["status", "-w", str(ws), "--json"]).stdout)
    assert status["tables"]["orders"] == 0 and len(status["last_ingests"]) == 2


def test_kind_with_a_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(_shop(tmp_path)), "--kind", "orders", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 2 and "--kind" in result.output
    assert not (tmp_path / "ws").exists()


def test_status_without_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "-w", str(tmp_path / "nothing")])
    assert result.exception is not None and "no workspace" in str(result.exception)


@pytest.mark.parametrize("as_json", [False, True])
def test_schema(as_json: bool) -> None:
    result = runner.invoke(app, ["schema", *(["--json"] if as_json else [])])
    assert result.exit_code == 0
    if as_json:
        data = json.loads(result.stdout)
        assert list(data) == list(TABLES)
        assert data["orders"]["key"] == ["order_id", "line_no"]
        assert [c["name"] for c in data["reviews"]["columns"]] == TABLES["reviews"].column_names
        assert next(c for c in data["members"]["columns"] if c["name"] == "email")["pii"] is True
    else:
        assert "### `members`" in result.stdout and "| `unit_price` | DOUBLE | yes |" in result.stdout


def test_json_failure_prints_a_json_error_and_leaves_no_new_workspace(tmp_path: Path) -> None:
    shop = _shop(tmp_path)
    missing = tmp_path / "orders_missing.csv"
    missing.write_text("order_id,line_no,member_id,product_id,quantity,ordered_at\nX,1,M1,P1,1,2024-01-01\n",
                       encoding="utf-8")
    ws = tmp_path / "new_ws"
    result = runner.invoke(app, ["ingest", str(missing), "--kind", "orders", "-w", str(ws), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error == {"type": "DataValidationError", "file": str(missing), "row": 1, "column": "unit_price",
                     "message": error["message"]}
    assert error["message"].startswith("missing required column(s) unit_price for orders data")
    assert not ws.exists()  # a file-level error creates nothing
    # a strict failure needs the database (unknown member): the new workspace is removed again
    result = runner.invoke(app, ["ingest", str(shop / "orders.csv"), "--strict", "-w", str(ws), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["row"], error["column"]) == (2, "member_id") and not ws.exists()
    existing = tmp_path / "empty_dir"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(shop / "orders.csv"), "--strict", "-w", str(existing)])
    assert isinstance(result.exception, DataValidationError)
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt"]  # only what ingest made is removed


def test_strict_over_several_files_and_excel_columns_from_the_cli(tmp_path: Path) -> None:
    shop = _shop(tmp_path)
    ws = tmp_path / "ws"
    ok = runner.invoke(app, ["ingest", str(shop / "members.csv"), str(shop / "products.csv"), "-w", str(ws)])
    assert ok.exit_code == 0, ok.output
    excel = tmp_path / "more_members.csv"
    excel.write_text("member_id,country,,\nM5,Spain,,\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(excel), str(shop / "orders.csv"), "--strict", "-w", str(ws), "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["error"]["column"] == "ordered_at"
    status = json.loads(runner.invoke(app, ["status", "-w", str(ws), "--json"]).stdout)
    assert status["tables"]["members"] == 2 and status["tables"]["orders"] == 0  # M5 not loaded either
    result = runner.invoke(app, ["ingest", str(excel), "-w", str(ws), "--json"])
    report = json.loads(result.stdout)["reports"][0]
    assert (report["rows_loaded"], report["rows_rejected"]) == (1, 0)
    assert "2 empty column(s) without a name dropped (header column(s) 3, 4)" in report["warnings"]
    assert Path(report["rejects_file"]).read_text(encoding="utf-8").count("\n") == 1  # header only


def test_demo_fresh_refuses_to_delete_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("precious", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--fresh", "--no-serve", "--members", "100", "-w", str(home)])
    assert result.exit_code != 0
    assert "not a Member Insight workspace" in str(result.exception)
    assert (home / "thesis.tex").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # nothing generated either
    # a real workspace (or an empty folder) is what --fresh deletes
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["ingest", str(_shop(tmp_path) / "members.csv"), "-w", str(ws)]).exit_code == 0
    (ws / "extra.txt").write_text("part of the workspace", encoding="utf-8")
    _remove_workspace(ws)
    assert not ws.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    _remove_workspace(empty)


def test_demo_with_a_busy_port_stops_before_generating_anything(tmp_path: Path, monkeypatch) -> None:
    import socket

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        busy = other.getsockname()[1]
        monkeypatch.setenv("MEMBERINSIGHT_SERVER_PORT", str(busy))
        result = runner.invoke(app, ["demo", "--members", "100", "-w", str(tmp_path / "ws")])
    assert result.exit_code != 0
    assert f"MEMBERINSIGHT_SERVER_PORT={busy + 1}" in (result.output + str(result.exception))
    assert list(tmp_path.iterdir()) == []  # no shop generated, no workspace created


@pytest.mark.slow
def test_demo_end_to_end_without_serving(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()  # an empty folder: --fresh may use it
    result = runner.invoke(app, ["demo", "--members", "300", "--seed", "3", "--no-serve", "--fresh", "--json",
                                 "-w", str(ws)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["workspace"] == str(ws.resolve())
    ingest = {Path(r["file"]).name: r for r in out["ingest"]}
    assert list(ingest) == ["members.csv", "products.csv", "orders.csv", "reviews.csv"]
    assert all(r["rows_rejected"] == 0 and r["rows_loaded"] == r["rows_read"] > 0 for r in ingest.values())
    assert Path(ingest["orders.csv"]["file"]).parent == tmp_path / "ws-demo-data"
    assert ingest["members.csv"]["rows_read"] == out["generated"]["counts"]["members"] == 300
    steps = {s["name"] for s in out["build"]["steps"]}
    assert {"features", "segments", "churn", "indexes", "screening"} <= steps
    status = json.loads(runner.invoke(app, ["status", "-w", str(ws), "--json"]).stdout)
    assert status["tables"]["members"] == 300 and status["quality"]["rows_rejected"] == 0
    assert (ws / "labels" / "review_labels.csv").is_file() and any((ws / "indexes").iterdir())
    assert [p for p in (ws / "models").rglob("*") if p.is_file()]
