"""Offline evaluation of screening: per signal and combined.

* **Demo labels** (``<workspace>/labels/review_labels.csv``): every supervised score is out-of-fold
  from grouped 5-fold cross-validation (a planted ring / burst / flood is one group, so its
  near-identical texts never train and test at once; the text classifier is nested inside the
  combiner's folds). Reports ROC-AUC, PR-AUC (average precision), precision of the top 100 and
  precision of the top ``k = min(100, fakes)`` (the top 100 cannot exceed fakes / 100).
* **Real labeled set** (``deceptive_opinion_dev.csv``, truthful vs deceptive hotel reviews): the
  text classifier, :mod:`screening.real_set`. Acceptance figure: 5-fold cross-validation grouped by
  hotel (mean, spread and every fold, against the targets), plus a leave-hotels-out holdout; per
  view and stacked: accuracy, ROC-AUC and PR-AUC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from memberinsight.config import Settings
from memberinsight.errors import NotFoundError
from memberinsight.screening.data import demo_label_frame
from memberinsight.screening.features import compute_signals
from memberinsight.screening.model import scoring_frame
from memberinsight.screening.real_set import (
    REAL_FILE,
    RealEvaluation,
    ViewMetrics,
    default_real_path,
    evaluate_real,
    load_real_set,
)
from memberinsight.screening.risk import RiskModel, feature_matrix, rule_risk
from memberinsight.screening.signals.outliers import BehaviourOutlier
from memberinsight.screening.signals.text_classifier import TextClassifier

FAMILIES: dict[str, tuple[str, ...]] = {
    "duplicates": ("dup_max_sim", "dup_accounts", "dup_cross_product", "ring_accounts", "ring_products"),
    "mismatch": ("mismatch_gap", "mismatch_z", "own_sim", "peer_sim"),
    "behaviour": ("burst_count", "burst_ratio", "burst_young", "account_age_days", "reviewer_volume",
                  "member_orders", "verified", "rating_deviation", "rating_extremity", "reviewer_extreme_share"),
}
__all__ = ["FAMILIES", "REAL_FILE", "DemoEvaluation", "RealEvaluation", "ScreeningEvaluation", "SignalMetrics",
           "ViewMetrics", "default_real_path", "evaluate_demo", "evaluate_real", "evaluate_screening",
           "load_real_set", "ranking_metrics"]


@dataclass
class SignalMetrics:
    """Ranking quality of one score against the labels."""

    signal: str
    roc_auc: float
    pr_auc: float
    precision_at_100: float
    precision_at_k: float
    how: str


@dataclass
class DemoEvaluation:
    n_reviews: int
    n_fake: int
    k: int
    signals: list[SignalMetrics]
    combined_brier: float
    folds: int


@dataclass
class ScreeningEvaluation:
    demo: DemoEvaluation | None
    real: RealEvaluation | None
    skipped: list[str] = field(default_factory=list)


def ranking_metrics(name: str, y: np.ndarray, score: np.ndarray, how: str) -> SignalMetrics:
    """ROC-AUC, PR-AUC and precision at the top of a ranking (ties broken by order)."""
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    k = int(min(100, y.sum())) or 1
    return SignalMetrics(signal=name, roc_auc=round(float(roc_auc_score(y, score)), 4),
                         pr_auc=round(float(average_precision_score(y, score)), 4),
                         precision_at_100=round(float(y[order[:100]].mean()), 4),
                         precision_at_k=round(float(y[order[:k]].mean()), 4), how=how)


def _oof_family(x: np.ndarray, y: np.ndarray, folds: list) -> np.ndarray:
    out = np.zeros(len(y))
    for tr, te in folds:
        m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(x[tr], y[tr])
        out[te] = m.predict_proba(x[te])[:, 1]
    return out


def evaluate_demo(ws, settings: Settings, n_folds: int = 5) -> DemoEvaluation:
    """Per-signal and combined metrics on the planted demo labels (out-of-fold)."""
    labels = demo_label_frame(ws)
    if labels is None:
        raise NotFoundError(f"no planted labels in {ws.path / 'labels'} (ingest a demo shop first)")
    frame = compute_signals(ws, settings, persist_edges=False)
    lab = labels.set_index("review_id")
    ids = frame.reviews["review_id"].astype(str)
    keep = ids.isin(lab.index).to_numpy()
    rows = np.flatnonzero(keep)
    y = lab.loc[ids[keep], "is_fake"].to_numpy(int)
    gid = lab.loc[ids[keep], "group_id"].astype(str).to_numpy()
    groups = np.where(gid != "", gid, ids[keep].to_numpy())
    folds = list(GroupKFold(n_splits=n_folds).split(rows, y, groups))
    sig = frame.signals.iloc[rows].reset_index(drop=True)
    texts = frame.reviews["text"].to_numpy(object)[rows].tolist()
    vecs = frame.vectors[rows]
    outlier = BehaviourOutlier(random_state=settings.random_seed).fit(frame.signals).score(sig)
    text_oof = np.zeros(len(y))
    combined = np.zeros(len(y))
    for tr, te in folds:
        tc = TextClassifier().fit([texts[i] for i in tr], y[tr], vecs[tr], groups[tr])
        text_oof[te] = tc.decision_function([texts[i] for i in te], vecs[te])
        risk = RiskModel().fit(scoring_frame(sig.iloc[tr], outlier[tr], tc.oof_score_), y[tr])
        combined[te] = risk.predict_proba(scoring_frame(sig.iloc[te], outlier[te], text_oof[te]))
    full = scoring_frame(sig, outlier, text_oof)
    results = [ranking_metrics(name, y, _oof_family(feature_matrix(full)[:, [_col(c) for c in cols]], y, folds),
                               f"logistic regression on {len(cols)} {name} columns, out-of-fold")
               for name, cols in FAMILIES.items()]
    results += [
        ranking_metrics("text_classifier", y, text_oof, "stacked text views, nested out-of-fold"),
        ranking_metrics("outlier", y, outlier, "isolation forest on behaviour, unsupervised"),
        ranking_metrics("rules_fallback", y, rule_risk(full) + 1e-3 * outlier, "documented rules, no labels"),
        ranking_metrics("combined", y, combined, "risk model over all signals, nested out-of-fold"),
    ]
    return DemoEvaluation(n_reviews=len(y), n_fake=int(y.sum()), k=int(min(100, y.sum())), signals=results,
                          combined_brier=round(float(brier_score_loss(y, combined)), 4), folds=n_folds)


def _col(name: str) -> int:
    from memberinsight.screening.risk import FEATURES

    return FEATURES.index(name)


def evaluate_screening(ws, settings: Settings, real_path: Path | None = None, demo: bool = True,
                       real: bool = True) -> ScreeningEvaluation:
    """Both evaluations; a part whose data is missing is skipped with the reason in ``skipped``."""
    skipped: list[str] = []
    demo_result = real_result = None
    if demo:
        if ws is None or demo_label_frame(ws) is None:
            skipped.append("demo: the workspace has no labels/review_labels.csv (ingest a generated demo shop)")
        else:
            demo_result = evaluate_demo(ws, settings)
    if real:
        path = real_path or default_real_path()
        if not path.is_file():
            skipped.append(f"real: {path} is absent (only developer machines have ../shared)")
        else:
            real_result = evaluate_real(path, settings)
    return ScreeningEvaluation(demo=demo_result, real=real_result, skipped=skipped)
