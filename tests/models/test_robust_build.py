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
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

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
    _unavailable_is_said_plainly(ws)


def _unavailable_is_said_plainly(ws) -> None:
    """The chat, the app and `analytics-models` say CLV is unavailable and why, from the stored build
    outcome; every other prediction still answers (issue 17)."""
    from memberinsight.agent.services import Services
    from memberinsight.agent.tools.analytics import at_risk_members, member_lookup, segment_overview
    from memberinsight.agent.types import ToolContext
    from memberinsight.capabilities import capability_note
    from memberinsight.config import load_settings
    from memberinsight.ui import callbacks as cb

    sentence = capability_note(ws, "clv")
    assert sentence.startswith("CLV is not available on this shop: no order has a price")
    assert capability_note(ws, "churn") is None and capability_note(ws, "purchases") is None
    assert "no basket" in capability_note(ws, "rules")  # one line per order: the rules fell back to popularity
    settings = load_settings(workspace=ws.path)
    ctx = ToolContext(ws, settings)
    with ws.analytics(read_only=True) as con:
        member, segment = con.execute("SELECT member_id, rfm_segment FROM member_predictions WHERE "
                                      "expected_orders_90d IS NOT NULL ORDER BY member_id LIMIT 1").fetchone()
    profile = member_lookup(ctx, member).text
    assert sentence in profile and "next 90 days" in profile and "(80%" in profile  # purchases still forecast
    risky = at_risk_members(ctx, min_clv=300.0)
    assert risky.ok and risky.text.startswith(sentence + ", so members cannot be picked by predicted value")
    assert f"- {sentence}" in segment_overview(ctx, segment).text
    listed = runner.invoke(app, ["analytics-models", "-w", str(ws.path), "--json"])
    lines = {s["target"]: s for m in json.loads(listed.stdout) for s in m.get("summary", [])}
    assert lines["spend"]["shipped"] is None
    assert lines["spend"]["line"].startswith("Spend / CLV: not available on this shop: no order has a price")
    assert lines["purchases"]["shipped"] and "Rules fall back to popularity" in lines["recommender"]["line"]
    services = Services(ws, settings)
    message = cb.load_segments(services)[0]
    assert f"⚠️ {sentence}." in message
    data = cb.data_overview(services)[0]
    assert "**Not available on this shop**" in data and f"- {sentence}." in data and "- Recommender: " in data


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
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "empty")  # no orders at all
    steps = _build(ws, "features", "segments", "churn", "clv", "demand")
    assert steps["features"]["status"] == "skipped" and "no orders" in steps["features"]["reason"]
    for name in ("segments", "churn", "clv"):
        assert steps[name]["status"] == "skipped"
        assert steps[name]["reason"].startswith("needs the features step: "), steps[name]
    assert steps["demand"]["status"] == "skipped"
