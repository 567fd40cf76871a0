"""Builds on small, sparse shops (no prices, one line per order, short history) run every step that
can run and name each skipped one with a plain reason; ``build --json`` always prints the steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sparse_shop import write_sparse_shop
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.pipeline import BUILD_STEPS

pytestmark = pytest.mark.slow
runner = CliRunner()


def _workspace(root: Path, **shop):
    from workspace import Workspace
    from workspace.ingest import ingest_directory

    write_sparse_shop(root / "csv", **shop)
    ws = Workspace.create(root / "ws")
    ingest_directory(ws, root / "csv")
    return ws


def _build(ws, *only: str) -> dict:
    args = ["build", "-w", str(ws.path), "--json"] + [a for step in only for a in ("--only", step)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return {s["name"]: s for s in json.loads(result.stdout)["steps"]}


def test_shop_without_prices_builds_every_step(tmp_path):
    ws = _workspace(tmp_path, members=400, days=420, prices=False)
    steps = _build(ws)
    assert list(steps) == [name for name, _ in BUILD_STEPS]  # every step is reported, in order
    for name in ("features", "segments", "churn", "demand", "indexes", "recommenders", "screening"):
        assert steps[name]["status"] == "ok", steps[name]
    clv = steps["clv"]
    assert clv["status"] == "partial" and "price" in clv["unavailable"]["spend"], clv
    assert clv["summary"]["purchases"]["champion"] and clv["summary"]["spend"] is None
    with ws.analytics(read_only=True) as con:
        n, purchases, spend, tiers = con.execute(
            "SELECT count(*), count(expected_orders_90d), count(predicted_clv_365d), count(clv_tier) "
            "FROM member_clv").fetchall()[0]
        churn = con.execute("SELECT count(churn_probability) FROM member_predictions").fetchall()[0][0]
    assert n > 0 and purchases == n and spend == 0 and tiers == 0  # purchases predicted, spend left empty
    assert churn == n
    text = runner.invoke(app, ["build", "-w", str(ws.path), "--only", "clv"])
    assert text.exit_code == 0 and "not available - spend: no order has a price" in text.stdout
    checked = runner.invoke(app, ["validate", "-w", str(ws.path), "--json"])
    assert checked.exit_code == 0, checked.output
    checks = {c["name"]: c for c in json.loads(checked.stdout)["checks"]}
    assert checks["prices"]["status"] == "problem" and "CLV" in checks["prices"]["meaning"]
    assert checks["baskets"]["status"] == "warning" and "popularity" in checks["baskets"]["meaning"]
    assert checks["history"]["status"] in ("ok", "warning") and checks["repeat_buyers"]["value"] > 0.5


def test_short_history_skips_time_split_models_with_a_reason(tmp_path):
    ws = _workspace(tmp_path, members=300, days=150, prices=True)
    steps = _build(ws, "features", "segments", "churn", "clv", "demand")
    assert steps["features"]["status"] == steps["segments"]["status"] == "ok"
    for name in ("churn", "clv"):
        assert steps[name]["status"] == "skipped"
        assert "need at least 240 days" in steps[name]["reason"], steps[name]
    assert steps["demand"]["status"] == "ok" and steps["demand"]["summary"]["champion"]["champion"]
    text = runner.invoke(app, ["build", "-w", str(ws.path), "--only", "churn"])
    assert text.exit_code == 0 and "churn" in text.stdout and "skipped: orders span" in text.stdout
    full = json.loads(runner.invoke(app, ["build", "-w", str(ws.path), "--only", "features", "--json"]).stdout)
    history = next(c for c in full["data"]["checks"] if c["name"] == "history")  # the data report comes first
    assert history["status"] == "problem" and "will be skipped" in history["meaning"]


def test_a_skipped_input_step_skips_the_steps_that_need_it(tmp_path):
    from workspace import Workspace

    ws = Workspace.create(tmp_path / "empty")  # no orders at all
    steps = _build(ws, "features", "segments", "churn", "clv", "demand")
    assert steps["features"]["status"] == "skipped" and "no orders" in steps["features"]["reason"]
    for name in ("segments", "churn", "clv"):
        assert steps[name]["status"] == "skipped"
        assert steps[name]["reason"].startswith("needs the features step: "), steps[name]
    assert steps["demand"]["status"] == "skipped"
