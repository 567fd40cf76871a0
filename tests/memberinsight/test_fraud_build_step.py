"""``memberinsight build`` scans for fraud after the data steps: incrementally, partly on shops without the
optional fraud fields, skipped with a plain reason when it cannot run, never stopping the build."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.config import load_settings
from memberinsight.fraud import list_queue, queue_counts
from memberinsight.pipeline import BUILD_STEPS, build
from memberinsight.workspace import Workspace
from tests.fraud.tiny_shop import build_tiny_shop
from tests.models.sparse_shop import write_sparse_shop

runner = CliRunner()


def _steps(ws: Workspace, *only: str) -> dict:
    report = build(ws, load_settings(workspace=ws.path), only=list(only))
    return {s.name: s for s in report.steps}


def test_the_fraud_step_runs_after_screening() -> None:
    names = [name for name, _ in BUILD_STEPS]
    assert ("fraud", "memberinsight.fraud.build:build_step") in BUILD_STEPS
    assert names.index("fraud") == names.index("screening") + 1


def test_build_scans_and_queues_then_scans_incrementally(tmp_path: Path) -> None:
    ws = build_tiny_shop(tmp_path / "ws")
    step = _steps(ws, "fraud")["fraud"]
    assert step.status == "ok", step
    counts = queue_counts(ws)
    assert step.summary["scan"] == "full" and step.summary["queued"] == counts["pending"] > 0
    assert {"burst:O0061", "order:O0074", "account:R1"} <= {i.item_id for i in list_queue(ws, limit=100)}

    again = _steps(ws, "fraud")["fraud"]  # nothing new since: nothing re-scored, nothing queued twice
    assert again.status == "ok" and again.summary["scan"].startswith("since 2026-03-03")
    assert again.summary["scored_orders"] == 0 and again.summary["queued"] == 0
    assert queue_counts(ws) == counts

    result = runner.invoke(app, ["build", "-w", str(ws.path), "--only", "fraud", "--json"])
    assert result.exit_code == 0, result.output
    fraud = json.loads(result.stdout)["steps"][0]
    with ws.analytics(read_only=True) as con:
        orders = con.execute("SELECT count(DISTINCT order_id) FROM orders").fetchall()[0][0]
    assert fraud["name"] == "fraud" and fraud["status"] == "ok" and fraud["summary"]["orders"] == orders == 80


def test_a_shop_without_fraud_fields_scans_what_it_can(tmp_path: Path) -> None:
    from memberinsight.workspace.ingest import ingest_directory

    write_sparse_shop(tmp_path / "csv", members=300, days=420, prices=True)
    ws = Workspace.create(tmp_path / "ws")
    ingest_directory(ws, tmp_path / "csv")
    step = _steps(ws, "fraud")["fraud"]
    assert step.status == "partial" and step.summary["scan"] == "full" and step.summary["orders"] > 0, step
    (needs, why), = step.unavailable.items()
    assert "card-testing" in needs and "coupon" in needs and "device_id" in why
    assert "not available - linked-account" in step.line()


def test_no_orders_or_broken_rules_skip_the_step_and_the_build_goes_on(tmp_path: Path) -> None:
    empty = Workspace.create(tmp_path / "empty")
    step = _steps(empty, "fraud")["fraud"]
    assert step.status == "skipped" and step.reason == "no orders loaded: nothing to scan for fraud"

    ws = build_tiny_shop(tmp_path / "ws")
    (ws.path / "fraud_rules.yaml").write_text("rules:\n  - name: broken\n    kind: no_such_check\n", encoding="utf-8")
    steps = _steps(ws, "fraud", "saved_segments")
    assert steps["fraud"].status == "skipped" and "no_such_check" in (steps["fraud"].reason or "")
    assert steps["saved_segments"].status != "skipped"  # the steps after it still ran
    assert queue_counts(ws)["pending"] == 0
