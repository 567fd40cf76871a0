"""Analytics commands from the command line (``--json`` output parsed back)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def _json(args: list[str], ws) -> object:
    result = runner.invoke(app, [*args, "-w", str(ws.path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_segments_compare_and_churn(built_workspace):
    segs = _json(["segments"], built_workspace)
    assert {s["segment"] for s in segs} >= {"Champions", "Lost"}
    clusters = _json(["segments", "--by", "cluster"], built_workspace)
    assert all(c["kind"] == "cluster" for c in clusters)
    cmp = _json(["compare", "Champions", "At Risk"], built_workspace)
    assert cmp["a"]["segment"] == "Champions" and cmp["b"]["segment"] == "At Risk"
    churn = _json(["churn", "--top", "5"], built_workspace)
    assert len(churn["members"]) == 5 and "roc_auc" in churn["holdout"]
    clv = _json(["clv", "--top", "3"], built_workspace)
    assert len(clv["members"]) == 3 and clv["members"][0]["predicted_clv_365d"] >= clv["members"][2]["predicted_clv_365d"]


def test_profile_redaction_and_audited_export(built_workspace):
    member = _json(["churn", "--top", "1"], built_workspace)["members"][0]["member_id"]
    plain = _json(["profile", member], built_workspace)
    assert plain["member_id"] == member and plain["personal"] is None and "@" not in json.dumps(plain)
    full = _json(["profile", member, "--include-personal"], built_workspace)
    assert "@" in full["personal"]["email"]
    with built_workspace.operations() as con:
        row = con.execute("SELECT action, object_id FROM audit_log WHERE action = 'export_personal' "
                          "ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(row) == ("export_personal", member)
    missing = runner.invoke(app, ["profile", "NOPE", "-w", str(built_workspace.path)])
    assert missing.exit_code != 0


def test_member_command_is_the_profile(built_workspace):
    member = _json(["churn", "--top", "1"], built_workspace)["members"][0]["member_id"]
    assert _json(["member", member], built_workspace) == _json(["profile", member], built_workspace)
    shown = runner.invoke(app, ["member", member, "-w", str(built_workspace.path)])
    assert shown.exit_code == 0 and f"Member {member}" in shown.stdout and "@" not in shown.stdout
    missing = runner.invoke(app, ["member", "NOPE", "-w", str(built_workspace.path)])
    assert missing.exit_code != 0 and "NOPE" in str(missing.exception)


def test_forecast_quality_models_features(built_workspace, tmp_path):
    fc = _json(["forecast", "--category", "Garden", "--weeks", "3"], built_workspace)
    assert fc["category"] == "Garden" and len(fc["points"]) == 3
    everything = _json(["forecast", "--weeks", "2"], built_workspace)
    assert len(everything) >= 5
    q = _json(["prediction-quality"], built_workspace)
    assert len(q["churn"]["buckets"]) == 10
    models = _json(["analytics-models"], built_workspace)
    assert {m["name"] for m in models} == {"clusters", "churn", "clv", "bgnbd", "demand", "recommenders"}
    out = tmp_path / "features.csv"
    feats = _json(["features", "--as-of", "2026-01-31", "--out", str(out)], built_workspace)
    assert feats["as_of"] == "2026-01-31" and out.is_file() and feats["members"] > 100


def test_evaluate_analytics(built_workspace):
    ev = _json(["evaluate", "analytics"], built_workspace)
    assert ev["churn"]["roc_auc"] > 0.7
    assert ev["clv"]["purchases"]["model"]["mae"] < ev["clv"]["purchases"]["bgnbd"]["mae"]
    units = ev["demand"]["metrics"]["units"]
    assert units["smape_model"] < units["smape_naive"]
    # the shipped 80% intervals cover about 80% of the holdout's members (purchase days and spend)
    cov = ev["intervals"]
    assert cov["centred_on"] == ev["clv"]["choice"]["purchases"]["champion"] and cov["level"] == 0.8
    assert 0.75 <= cov["purchases"] <= 0.85 and 0.75 <= cov["spend"] <= 0.85, cov


def test_queries_need_both_predictions_and_features(tmp_path) -> None:
    import pytest

    from memberinsight.errors import ModelNotReadyError
    from memberinsight.models import segment_summary
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    with ws.analytics() as con:  # predictions without features: a half-built workspace
        con.execute("CREATE TABLE member_predictions (member_id VARCHAR, rfm_segment VARCHAR)")
    with pytest.raises(ModelNotReadyError, match="member_features missing"):
        segment_summary(ws)
