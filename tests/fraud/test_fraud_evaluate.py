"""`memberinsight evaluate fraud --json` on the fixed-seed planted demo meets the targets (>= 0.90)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def evaluation() -> dict:
    result = runner.invoke(app, ["evaluate", "fraud", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_top_100_precision_and_recall_per_pattern_and_combined(evaluation: dict) -> None:
    assert evaluation["k"] == 100 and evaluation["top_k_precision"] >= 0.90
    patterns = {p["pattern"]: p for p in evaluation["patterns"]}
    assert set(patterns) == {"brushing", "card_testing", "coupon_abuse", "account_takeover"}
    for name, p in patterns.items():
        assert p["groups"] == 10 and p["recall"] >= 0.90, name
    assert evaluation["combined_recall"] >= 0.90 and evaluation["meets_targets"] is True
    assert evaluation["queued"] >= 300 and evaluation["queue_precision"] >= 0.6


def test_evaluation_reports_the_scan_and_the_other_labels(evaluation: dict) -> None:
    assert [p["pattern"] for p in evaluation["other_patterns"]] == ["review_fraud"]
    scan = evaluation["scan"]
    assert scan["bursts"] >= 10 and scan["rings"] >= 20 and scan["rule_hits"]["card_testing_device"] > 0


def test_evaluate_a_workspace_with_its_own_labels(tmp_path: Path) -> None:
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo.fraud import generate_fraud_demo
    from memberinsight.workspace.ingest import ingest_directory

    generate_fraud_demo(tmp_path / "csv", members=500, seed=4)
    ws = Workspace.create(tmp_path / "ws")
    ingest_directory(ws, tmp_path / "csv")
    result = runner.invoke(app, ["evaluate", "fraud", "-w", str(ws.path), "--truth",
                                 str(tmp_path / "csv" / "fraud_truth.csv"), "--k", "50"])
    assert result.exit_code == 0, result.output
    assert "Top-50 precision" in result.stdout and "card_testing" in result.stdout
    missing = runner.invoke(app, ["evaluate", "fraud", "-w", str(ws.path), "--truth", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0
