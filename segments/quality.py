"""Prediction-quality report: can an operator trust the churn and purchase scores used as fields?

For each target (churn; purchases in the horizon) the models package measures, on the latest
holdout, the actual outcome per bucket of predicted score. This module presents it: buckets
(merged to quintiles by default), whether actual rates rise with the score, top-bucket lift,
calibration error, a 0-100 quality score with a verdict, JSON for the CLI and a matplotlib
figure for the UI.

Quality score = 100 x (rank agreement, the Spearman correlation of bucket order with actual
outcome, floored at 0) x (1 - calibration error relative to the overall actual, floored at 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memberinsight.errors import ModelNotReadyError

LABELS = {"churn": "Churn probability (no order in the horizon)",
          "purchases": "Expected purchases in the horizon"}


@dataclass(frozen=True)
class Bucket:
    bucket: int
    members: int
    mean_predicted: float
    actual: float
    lift: float


@dataclass
class TargetQuality:
    """Quality of one prediction target on the holdout."""

    kind: str
    label: str
    holdout_cutoff: str
    horizon_days: int
    overall_actual: float
    overall_predicted: float
    buckets: list[Bucket]
    rank_correlation: float
    monotone: bool
    """Actual outcome never falls from one bucket to the next (allowing 1% of the overall rate as noise)."""
    top_lift: float
    bottom_lift: float
    calibration_error: float
    """Members-weighted mean |predicted - actual| over buckets."""
    quality_score: int
    verdict: str
    advice: str


@dataclass
class QualityReport:
    """Churn and purchase prediction quality."""

    targets: list[TargetQuality] = field(default_factory=list)

    def target(self, kind: str) -> TargetQuality:
        for t in self.targets:
            if t.kind == kind:
                return t
        raise KeyError(kind)

    def summary_text(self) -> str:
        lines = []
        for t in self.targets:
            lines.append(f"{t.label}: quality {t.quality_score}/100 ({t.verdict}); holdout from {t.holdout_cutoff}, "
                         f"{t.horizon_days} days; top-bucket lift {t.top_lift:.2f}; "
                         f"rank correlation {t.rank_correlation:.2f}")
            lines.append(f"  {'bucket':>6} {'members':>8} {'predicted':>10} {'actual':>8} {'lift':>6}")
            for b in t.buckets:
                lines.append(f"  {b.bucket:>6} {b.members:>8} {b.mean_predicted:>10.3f} {b.actual:>8.3f} "
                             f"{b.lift:>6.2f}")
            lines.append(f"  {t.advice}")
        return "\n".join(lines)


def merge_buckets(buckets: list[Any], n_buckets: int) -> list[Bucket]:
    """Merge equal-size score buckets (e.g. deciles) into ``n_buckets`` groups, weighting by members."""
    rows = sorted(buckets, key=lambda b: b.bucket)
    if n_buckets >= len(rows):
        groups = [[b] for b in rows]
    else:
        groups = [list(g) for g in np.array_split(np.array(rows, dtype=object), n_buckets)]
    total_members = sum(b.members for b in rows)
    overall = sum(b.actual * b.members for b in rows) / total_members if total_members else float("nan")
    out = []
    for i, group in enumerate(groups, start=1):
        m = sum(b.members for b in group)
        pred = sum(b.mean_predicted * b.members for b in group) / m
        act = sum(b.actual * b.members for b in group) / m
        out.append(Bucket(i, int(m), round(pred, 4), round(act, 4), round(act / overall, 3) if overall else 0.0))
    return out


def _spearman(values: list[float]) -> float:
    if len(values) < 2 or np.std(values) == 0:
        return 0.0
    ranks = np.argsort(np.argsort(values)).astype(float)
    order = np.arange(len(values), dtype=float)
    return float(np.corrcoef(order, ranks)[0, 1])


def assess(report: Any, n_buckets: int = 5) -> TargetQuality:
    """Present one bucket report (``kind``, ``holdout_cutoff``, ``horizon_days``, ``buckets``...)."""
    buckets = merge_buckets(list(report.buckets), n_buckets)
    if not buckets:
        raise ModelNotReadyError(f"no holdout buckets for {report.kind}; run `memberinsight build`")
    overall = float(report.overall_actual)
    actual = [b.actual for b in buckets]
    tol = 0.01 * abs(overall)
    monotone = all(b >= a - tol for a, b in zip(actual, actual[1:], strict=False))
    rho = _spearman(actual)
    weights = np.array([b.members for b in buckets], dtype=float)
    calib = float(np.average([abs(b.mean_predicted - b.actual) for b in buckets], weights=weights))
    rel = calib / overall if overall else 1.0
    score = int(round(100 * max(rho, 0.0) * max(0.0, 1.0 - rel)))
    top, bottom = buckets[-1].lift, buckets[0].lift
    if score >= 70 and monotone:
        verdict, advice = "trustworthy", "Scores rank members well and match observed rates: safe to target on them."
    elif score >= 40 and rho > 0.6:
        verdict, advice = "use with care", ("Scores rank members sensibly, but levels are off; use bands and "
                                            "rankings rather than exact probabilities.")
    else:
        verdict, advice = "not reliable", "Scores barely separate members on the holdout; do not target on them alone."
    return TargetQuality(report.kind, LABELS.get(report.kind, report.kind), str(report.holdout_cutoff),
                         int(report.horizon_days), round(overall, 4), round(float(report.overall_predicted), 4),
                         buckets, round(rho, 3), monotone, round(top, 3), round(bottom, 3), round(calib, 4),
                         score, verdict, advice)


def _bucket_reports(ws: Any, settings: Any) -> list[Any]:
    """Churn and purchases bucket reports from the models package (latest holdout)."""
    from memberinsight import models

    getter = getattr(models, "prediction_quality", None)
    if getter is not None:
        quality = getter(ws, settings)
        return [quality.churn, quality.purchases]
    from memberinsight.models.evaluation import evaluate_churn, evaluate_clv

    horizon = int(getattr(settings, "horizon_days", 90))
    seed = int(getattr(settings, "random_seed", 42))
    with ws.analytics(read_only=True) as con:
        return [evaluate_churn(con, horizon, seed).quality, evaluate_clv(con, horizon, seed).quality]


def prediction_quality_report(ws: Any, settings: Any, n_buckets: int = 5) -> QualityReport:
    """Actual vs predicted per score bucket for churn and purchases, with lift, score and verdict."""
    return QualityReport([assess(r, n_buckets) for r in _bucket_reports(ws, settings)])


def quality_figure(report: QualityReport):
    """A matplotlib figure: per target, predicted vs actual by bucket (bars) and lift (line)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2 * max(1, len(report.targets)), 3.8))
    for i, t in enumerate(report.targets, start=1):
        ax = fig.add_subplot(1, len(report.targets), i)
        x = np.arange(1, len(t.buckets) + 1)
        ax.bar(x - 0.2, [b.mean_predicted for b in t.buckets], width=0.4, label="predicted", color="#9db4d6")
        ax.bar(x + 0.2, [b.actual for b in t.buckets], width=0.4, label="actual", color="#2b5fa8")
        ax.set_xticks(x)
        ax.set_xlabel("score bucket (1 = lowest predicted)")
        ax.set_ylabel("rate" if t.kind == "churn" else "mean per member")
        ax.set_title(f"{t.label}\nquality {t.quality_score}/100: {t.verdict}", fontsize=9)
        ax2 = ax.twinx()
        ax2.plot(x, [b.lift for b in t.buckets], color="#d9822b", marker="o", label="lift")
        ax2.axhline(1.0, color="#d9822b", linewidth=0.6, linestyle=":")
        ax2.set_ylabel("lift vs overall")
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(handles, ["predicted", "actual", "lift"], fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig
