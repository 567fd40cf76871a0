"""The text classifier on a real labeled set of truthful vs deceptive reviews (Ott et al.'s hotels).

The **acceptance figure** is 5-fold cross-validation grouped by hotel (``GroupKFold``: no hotel is
in the training and the test rows of a fold; the published reference protocol), reported as the
mean over folds, the spread and every fold, against :data:`TARGETS`. A **leave-hotels-out holdout**
(a fraction of the hotels, chosen by a seed, never seen in training) is reported beside it.

Every hyper-parameter (each view's C, the stacker) is chosen inside the training hotels of a split
(:class:`screening.signals.text_classifier.TextClassifier` runs its own grouped inner folds), so the
test hotels of a fold never influence the model that scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from memberinsight.config import Settings
from memberinsight.errors import DataValidationError
from memberinsight.screening.signals.text_classifier import TextClassifier
from memberinsight.screening.vectors import encode_texts

REAL_FILE = "deceptive_opinion_dev.csv"
TARGETS = {"accuracy": 0.90, "roc_auc": 0.95}
"""Issue targets on the grouped CV: the published n-gram SVM accuracy, and ROC-AUC."""
PROTOCOL = "cross-validation grouped by hotel (GroupKFold), mean over folds"


@dataclass
class ViewMetrics:
    """One text view (or the stack) on the grouped CV (mean over folds) and on the holdout."""

    view: str
    cv_accuracy: float
    cv_roc_auc: float
    cv_pr_auc: float
    heldout_accuracy: float
    heldout_roc_auc: float


@dataclass
class RealEvaluation:
    """Grouped-CV acceptance figures, per fold, pooled out-of-fold, and the leave-hotels-out holdout."""

    n_reviews: int
    folds: int
    protocol: str
    targets: dict[str, float]
    cv_accuracy: float
    cv_roc_auc: float
    cv_accuracy_std: float
    cv_roc_auc_std: float
    meets_targets: bool | None
    fold_results: list[dict]
    pooled: dict[str, float]
    heldout_hotels: list[str]
    heldout_accuracy: float
    heldout_roc_auc: float
    heldout_pr_auc: float
    views: list[ViewMetrics] = field(default_factory=list)


def load_real_set(path: Path) -> pd.DataFrame:
    """The deceptive-opinion CSV with columns deceptive, hotel, text (validated: file, row, column)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"cannot read the labeled set ({exc})", file=str(path)) from exc
    for col in ("deceptive", "hotel", "text"):
        if col not in df.columns:
            raise DataValidationError(f"missing column '{col}'", file=str(path), column=col)
    for col, bad in (("deceptive", ~df["deceptive"].isin(["truthful", "deceptive"])),
                     ("hotel", df["hotel"].str.strip() == ""), ("text", df["text"].str.strip() == "")):
        if bad.any():
            rule = "must be 'truthful' or 'deceptive'" if col == "deceptive" else "must not be empty"
            raise DataValidationError(f"{col} {rule}", file=str(path), row=int(np.flatnonzero(bad.to_numpy())[0]) + 2,
                                      column=col)
    if df["hotel"].nunique() < 3 or df["deceptive"].nunique() < 2:
        raise DataValidationError("the labeled set needs both labels and at least 3 hotels for grouped splits",
                                  file=str(path), column="hotel")
    return df


def _metrics(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float]:
    return float(accuracy_score(y, s > 0)), float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def evaluate_real(path: Path, settings: Settings, n_folds: int = 5, heldout_fraction: float = 0.2,
                  seed: int = 0) -> RealEvaluation:
    """The text classifier on a real labeled set: grouped-by-hotel CV (``n_folds``; 0 skips it) and a
    holdout of ``heldout_fraction`` of the hotels (chosen by ``seed``)."""
    df = load_real_set(path)
    texts = df["text"].astype(str).tolist()
    y = (df["deceptive"] == "deceptive").to_numpy(int)
    hotels = df["hotel"].astype(str).to_numpy()
    if n_folds and not 2 <= n_folds <= len(set(hotels)):
        raise DataValidationError(f"n_folds must be 0 or between 2 and the number of hotels ({len(set(hotels))})",
                                  column="n_folds")
    vecs = encode_texts(texts, settings)

    def run(tr: np.ndarray, te: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float]]:
        tc = TextClassifier().fit([texts[i] for i in tr], y[tr], vecs[tr], hotels[tr])
        sub = [texts[i] for i in te]
        return tc.decision_function(sub, vecs[te]), tc.view_scores(sub, vecs[te]), dict(tc.C_)

    per_view: dict[str, list[tuple[float, float, float]]] = {}
    fold_results: list[dict] = []
    pooled = np.full(len(y), np.nan)
    splits = list(GroupKFold(n_splits=n_folds).split(texts, y, hotels)) if n_folds else []
    for i, (tr, te) in enumerate(splits):
        s, fold_views, chosen = run(tr, te)
        pooled[te] = s
        acc, auc, ap = _metrics(y[te], s)
        fold_results.append({"fold": i + 1, "test_hotels": sorted(set(hotels[te])), "n_test": int(len(te)),
                             "accuracy": round(acc, 4), "roc_auc": round(auc, 4), "pr_auc": round(ap, 4),
                             "chosen_C": chosen})
        for v, vs in fold_views.items():
            per_view.setdefault(v, []).append(_metrics(y[te], vs))
        per_view.setdefault("stacked", []).append((acc, auc, ap))
    tr, te = next(GroupShuffleSplit(n_splits=1, test_size=heldout_fraction, random_state=seed)
                  .split(texts, y, hotels))
    s_held, views_held, _ = run(tr, te)
    held = {v: _metrics(y[te], vs) for v, vs in views_held.items()}
    held["stacked"] = _metrics(y[te], s_held)
    nan = float("nan")

    def cv(v: str, k: int) -> float:
        return round(float(np.mean([m[k] for m in per_view[v]])), 4) if v in per_view else nan

    views = [ViewMetrics(view=v, cv_accuracy=cv(v, 0), cv_roc_auc=cv(v, 1), cv_pr_auc=cv(v, 2),
                         heldout_accuracy=round(m[0], 4), heldout_roc_auc=round(m[1], 4)) for v, m in held.items()]
    accs = [f["accuracy"] for f in fold_results]
    aucs = [f["roc_auc"] for f in fold_results]
    pooled_metrics: dict[str, float] = {}
    if splits:
        order = np.argsort(-pooled, kind="stable")
        acc, auc, ap = _metrics(y, pooled)
        pooled_metrics = {"accuracy": round(acc, 4), "roc_auc": round(auc, 4), "pr_auc": round(ap, 4),
                          "precision_at_100": round(float(y[order[:100]].mean()), 4)}
    cv_acc, cv_auc = cv("stacked", 0), cv("stacked", 1)
    meets = (cv_acc >= TARGETS["accuracy"] and cv_auc >= TARGETS["roc_auc"]) if splits else None
    return RealEvaluation(
        n_reviews=len(y), folds=len(splits), protocol=f"{len(splits)}-fold {PROTOCOL}" if splits else "holdout only",
        targets=dict(TARGETS), cv_accuracy=cv_acc, cv_roc_auc=cv_auc,
        cv_accuracy_std=round(float(np.std(accs)), 4) if accs else nan,
        cv_roc_auc_std=round(float(np.std(aucs)), 4) if aucs else nan, meets_targets=meets,
        fold_results=fold_results, pooled=pooled_metrics, heldout_hotels=sorted(set(hotels[te])),
        heldout_accuracy=round(held["stacked"][0], 4), heldout_roc_auc=round(held["stacked"][1], 4),
        heldout_pr_auc=round(held["stacked"][2], 4), views=views)


def default_real_path() -> Path:
    """``<repo>/../shared/data/deceptive_opinion_dev.csv`` (present for developers, absent for users)."""
    return Path(__file__).resolve().parents[2] / "shared" / "data" / REAL_FILE
