"""The privacy budget: every release spends its epsilon, overspending is refused, all of it audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memberinsight.config import load_settings
from memberinsight.errors import DataValidationError
from memberinsight.governance.privacy_budget import BudgetExceededError, budget_status, check_budget, spend


@pytest.fixture
def ws(tmp_path: Path):
    from memberinsight.workspace import Workspace

    return Workspace.create(tmp_path / "workspace")


def _audit(ws, action: str) -> list[dict[str, object]]:
    from memberinsight.workspace import list_audit

    return [{"outcome": e.outcome, "detail": json.loads(e.detail or "{}")}
            for e in list_audit(ws, limit=100) if e.action == action]


def test_spending_decreases_the_budget_and_overspending_is_refused(ws) -> None:
    cfg = load_settings(workspace=ws.path).replace(privacy_epsilon_budget=2.0)
    assert budget_status(ws, cfg).left == 2.0 and budget_status(ws, cfg).releases == ()
    first = spend(ws, 0.5, actor="ana", kind="report", query={"by": "age_band"}, settings=cfg)
    spend(ws, 1.0, actor="ben", kind="report", query={"by": "city"}, settings=cfg)
    status = budget_status(ws, cfg)
    assert (status.spent, status.left, len(status.releases)) == (1.5, 0.5, 2)
    assert status.releases[0].release_id == first.release_id and status.releases[0].query == {"by": "age_band"}
    assert "1.5 of 2 spent, 0.5 left (2 releases)" in status.summary()
    with pytest.raises(BudgetExceededError, match="needs epsilon 0.6 but only 0.5"):
        spend(ws, 0.6, actor="ana", kind="report", query={"by": "country"}, settings=cfg)
    with pytest.raises(BudgetExceededError):
        check_budget(ws, 0.51, cfg, actor="ana", query={"by": "country"})
    assert budget_status(ws, cfg).spent == 1.5  # refusals spend nothing
    spend(ws, 0.5, actor="ana", kind="report", query={}, settings=cfg)  # exactly what is left still fits
    assert budget_status(ws, cfg).left == 0.0
    rows = _audit(ws, "privacy.release")
    assert [r["outcome"] for r in rows].count("ok") == 3 and [r["outcome"] for r in rows].count("refused") == 2
    assert {r["detail"]["epsilon"] for r in rows if r["outcome"] == "ok"} == {0.5, 1.0}


def test_float_sums_fit_and_bad_epsilons_are_rejected(ws) -> None:
    cfg = load_settings(workspace=ws.path).replace(privacy_epsilon_budget=0.3)
    spend(ws, 0.1, actor="a", kind="report", query={}, settings=cfg)
    spend(ws, 0.2, actor="a", kind="report", query={}, settings=cfg)  # 0.1 + 0.2 > 0.3 in floats
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(DataValidationError, match="epsilon must be a number above 0"):
            spend(ws, bad, actor="a", kind="report", query={}, settings=cfg)


def test_budget_comes_from_settings(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    assert budget_status(ws, load_settings(workspace=ws.path)).total == 10.0
    monkeypatch.setenv("MEMBERINSIGHT_PRIVACY_EPSILON_BUDGET", "4.5")
    assert budget_status(ws, load_settings(workspace=ws.path)).total == 4.5
