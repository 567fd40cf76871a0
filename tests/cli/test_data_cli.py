"""``memberinsight ingest``, ``status`` and ``schema`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.errors import DataValidationError
from workspace.schema import TABLES

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
    assert "Orders from 2024-05-01 to 2024-05-03" in human and "1 guest lines" in human


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
