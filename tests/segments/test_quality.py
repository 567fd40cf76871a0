"""Prediction-quality report: presentation maths on synthetic buckets, and the real demo holdout."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from memberinsight.segments.quality import assess, merge_buckets, prediction_quality_report, quality_figure


@dataclass
class B:
    bucket: int
    members: int
    mean_predicted: float
    actual: float
    lift: float = 0.0


@dataclass
class Report:
    kind: str
    buckets: list
    overall_actual: float
    overall_predicted: float
    holdout_cutoff: str = "2026-07-01"
    horizon_days: int = 90


def _deciles(actual, predicted):
    return [B(i + 1, 100, p, a) for i, (a, p) in enumerate(zip(actual, predicted, strict=True))]


def test_merge_deciles_into_quintiles_is_weighted_exactly():
    buckets = [B(1, 100, 0.1, 0.0), B(2, 300, 0.2, 0.4), B(3, 100, 0.5, 0.5), B(4, 100, 0.7, 0.9)]
    merged = merge_buckets(buckets, 2)
    assert [m.members for m in merged] == [400, 200]
    assert merged[0].actual == pytest.approx(0.3) and merged[0].mean_predicted == pytest.approx(0.175)
    overall = (0.4 * 300 + 0.5 * 100 + 0.9 * 100) / 600
    assert merged[1].lift == pytest.approx(0.7 / overall, abs=1e-3)


def test_good_and_bad_scores_get_different_verdicts():
    rising = [0.05 * i for i in range(1, 11)]
    good = assess(Report("churn", _deciles(rising, rising), sum(rising) / 10, sum(rising) / 10))
    assert good.monotone and good.rank_correlation == 1.0 and good.verdict == "trustworthy"
    assert good.quality_score == 100 and good.top_lift > 1.5 > good.bottom_lift
    shuffled = [0.3, 0.1, 0.5, 0.2, 0.35, 0.15, 0.25, 0.3, 0.2, 0.25]
    bad = assess(Report("churn", _deciles(shuffled, rising), sum(shuffled) / 10, sum(rising) / 10))
    assert not bad.monotone and bad.verdict == "not reliable" and bad.quality_score < 40
    biased = [min(1.0, r + 0.25) for r in rising]  # right order, levels far off
    care = assess(Report("churn", _deciles(rising, biased), sum(rising) / 10, sum(biased) / 10))
    assert care.monotone and care.verdict != "trustworthy"


@pytest.mark.slow
def test_demo_churn_buckets_are_monotone(built_workspace, tmp_path):
    from memberinsight.config import load_settings

    report = prediction_quality_report(built_workspace, load_settings(workspace=built_workspace.path), n_buckets=5)
    churn = report.target("churn")
    assert len(churn.buckets) == 5
    actual = [b.actual for b in churn.buckets]
    assert actual == sorted(actual) and actual[-1] > actual[0] + 0.2
    assert churn.top_lift > 1.0 > churn.bottom_lift
    purchases = report.target("purchases")
    assert [b.actual for b in purchases.buckets] == sorted(b.actual for b in purchases.buckets)
    assert sum(b.members for b in churn.buckets) > 1000
    fig = quality_figure(report)
    out = tmp_path / "quality.png"
    fig.savefig(out)
    assert out.stat().st_size > 10_000 and len(fig.axes) == 4  # two panels, each with a lift axis
    assert "churn" in report.summary_text().lower()
