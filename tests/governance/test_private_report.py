"""Differentially private reports: OpenDP noise of the documented size, public clamps, budget spent per release."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.config import load_settings
from memberinsight.errors import DataValidationError
from memberinsight.governance.privacy_budget import BudgetExceededError, budget_status
from memberinsight.governance.private_report import (
    OTHER,
    discrete_laplace_std,
    group_labels,
    private_aggregates,
    private_report,
)

TRUTH = {"a": 120, "b": 45, "c": 9, "d": 1, "e": 0, "f": 300}


def _members() -> pd.DataFrame:
    keys = [g for g, n in TRUTH.items() for _ in range(n)]
    return pd.DataFrame({"g": keys, "orders": 1, "spend": 10.0})


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_counts_have_the_documented_error_over_repeated_runs(epsilon: float) -> None:
    frame, labels = _members(), tuple(TRUTH)
    runs = [private_aggregates(frame, "g", epsilon, labels=labels, statistics=("count",)) for _ in range(200)]
    noise = runs[0].noise[0]
    assert noise.epsilon == epsilon and noise.scale == pytest.approx(1 / epsilon)
    assert noise.std == pytest.approx(discrete_laplace_std(1 / epsilon))
    assert noise.std == pytest.approx(math.sqrt(2) / epsilon, rel=0.05)  # discrete Laplace ~ sqrt(2) * scale
    errors = np.array([[row.count - TRUTH.get(row.group, 0) for row in r.rows] for r in runs], dtype=float)
    assert errors.shape == (200, len(TRUTH) + 1)  # the public groups and OTHER, in every run
    assert abs(errors.mean()) < 6 * noise.std / math.sqrt(errors.size)  # unbiased
    assert np.abs(errors.mean(axis=0)).max() < 5 * noise.std / math.sqrt(200)  # per group: mean close to truth
    theoretical = math.sqrt(2) / epsilon
    assert abs(errors.std() - theoretical) <= 0.2 * theoretical
    assert errors.std() == pytest.approx(noise.std, rel=0.12)  # and the exact figure the report prints
    within = (np.abs(errors) <= noise.error95).mean()
    assert 0.93 <= within <= 0.995, within  # the printed 95% error bound holds


def test_sums_are_clamped_to_public_bounds_and_epsilon_is_split() -> None:
    frame = pd.DataFrame({"g": ["a", "a", "a", "zz", None], "orders": [1, 2, 400, 3, 1],
                          "spend": [10.0, 20.4, 1e6, 5.0, 7.0]})
    report = private_aggregates(frame, "g", 3000.0, labels=("a", "b"), orders_bound=25, spend_bound=100)
    assert [n.epsilon for n in report.noise] == [1000.0, 1000.0, 1000.0]
    assert [n.bound for n in report.noise] == [1.0, 25.0, 100.0]
    rows = {r.group: r for r in report.rows}
    assert list(rows) == ["a", "b", OTHER]  # public labels only, plus OTHER for values outside them
    assert abs(rows["a"].count - 3) <= 1 and abs(rows[OTHER].count - 2) <= 1
    assert abs(rows["a"].orders - (1 + 2 + 25)) <= 1  # 400 orders count as the bound
    assert abs(rows["a"].spend - (10 + 20 + 100)) <= 2
    assert rows["b"].below_noise and not rows["a"].below_noise


def test_bad_requests_are_refused() -> None:
    frame = _members()
    with pytest.raises(DataValidationError, match="epsilon must be a number above 0"):
        private_aggregates(frame, "g", 0, labels=("a",))
    with pytest.raises(DataValidationError, match="statistics must be some of"):
        private_aggregates(frame, "g", 1, labels=("a",), statistics=("median",))
    with pytest.raises(DataValidationError, match="--by must be one of"):
        group_labels("email")
    assert "Champions" in group_labels("rfm_segment") and "London" in group_labels("city")


def test_workspace_release_spends_budget_and_matches_truth(workspace_copy) -> None:
    cfg = load_settings(workspace=workspace_copy.path).replace(privacy_epsilon_budget=1000.0)
    with workspace_copy.analytics(read_only=True) as con:
        truth = dict(con.execute("SELECT age_band, COUNT(*) FROM members GROUP BY 1").fetchall())
    report = private_report(workspace_copy, by="age_band", epsilon=400.0, actor="dpo", statistics=("count",),
                            purpose="board pack", settings=cfg)
    noisy = {r.group: r.count for r in report.rows}
    for band, n in truth.items():
        assert abs(noisy[band if band in noisy else OTHER] - n) <= 2
    assert report.release_id == 1 and report.budget_left == 600.0
    full = private_report(workspace_copy, by="rfm_segment", epsilon=1.0, actor="dpo", settings=cfg)
    assert full.statistics == ("count", "orders", "spend") and "NOISY" in full.summary()
    assert sum(r.count for r in full.rows) == pytest.approx(2000, abs=6 * 13 * full.noise[0].std)
    status = budget_status(workspace_copy, cfg)
    assert status.spent == 401.0 and [r.query["by"] for r in status.releases] == ["age_band", "rfm_segment"]
    with pytest.raises(BudgetExceededError, match="only 599 of"):
        private_report(workspace_copy, by="country", epsilon=600.0, actor="dpo", settings=cfg)
    assert budget_status(workspace_copy, cfg).spent == 401.0


def test_cli_report_budget_and_refusal(workspace_copy) -> None:
    runner, ws = CliRunner(), str(workspace_copy.path)
    result = runner.invoke(app, ["report", "--private", "--epsilon", "2", "--by", "country", "-w", ws])
    assert result.exit_code == 0, result.output
    assert "NOISY" in result.output and "95% error" in result.output and "United Kingdom" in result.output
    assert "budget left epsilon 8" in result.output
    result = runner.invoke(app, ["report", "--private", "--epsilon", "1.5", "--stat", "count", "--json", "-w", ws])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["statistics"] == ["count"] and data["noise"][0]["epsilon"] == 1.5 and data["budget_left"] == 6.5
    refused = runner.invoke(app, ["report", "--private", "--epsilon", "7", "-w", ws])
    assert refused.exit_code == 1 and "refused" in str(refused.exception)
    assert runner.invoke(app, ["report", "--epsilon", "1", "-w", ws]).exit_code == 1  # --private is required
    budget = runner.invoke(app, ["privacy", "budget", "--json", "-w", ws])
    status = json.loads(budget.stdout)
    assert (status["spent"], status["left"], len(status["releases"])) == (3.5, 6.5, 2)
    text = runner.invoke(app, ["privacy", "budget", "-w", ws]).output
    assert "epsilon 3.5 of 10 spent, 6.5 left (2 releases)" in text and "country" in text
