"""Training and storing the screening model of a workspace.

Labels come from the workspace only (planted demo labels in ``labels/review_labels.csv`` and
operator decisions in the queue), so a trained model never depends on ``../shared``. Every build
retrains, so yesterday's decisions are today's training labels.

Training rows are *cross-fitted*: each labelled review also gets the text score and risk of models
that did not see it (grouped folds that spread each class, :mod:`screening.folds`; a near-duplicate
ring is one group): the text classifier's own out-of-fold stacking scores, and a risk model refitted
without the review's fold. The queue shows those scores for labelled reviews, so a review's own
label never inflates its place in the queue. A fold whose training rows would hold one class only
is not refitted: its rows keep the full model's risk (counted in ``ScreeningModel.n_in_sample``).

The model needs fake and genuine labels from at least two independent groups each
(:func:`screening.risk.label_shortfall`); otherwise - e.g. the operators removed one ring and
nothing else - screening uses the documented rules, and ``ScreeningModel.note`` says why.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from memberinsight.config import Settings
from memberinsight.errors import WorkspaceError
from memberinsight.screening.data import training_labels
from memberinsight.screening.features import SignalFrame, compute_signals, ring_groups
from memberinsight.screening.folds import stratified_group_folds, two_class
from memberinsight.screening.risk import MIN_LABELS_PER_CLASS, RiskModel, label_shortfall
from memberinsight.screening.signals.outliers import BehaviourOutlier
from memberinsight.screening.signals.text_classifier import TextClassifier

MODEL_DIR = "screening"
MODEL_FILE = "model.pkl"
MANIFEST_FILE = "manifest.json"
OUTER_FOLDS = 5
MAX_TRAIN_ROWS = 20_000
"""Above this many labels, every fake (up to half) and a random sample of genuine reviews train the
models; the risk model weights the sampled genuine rows back up, so its probabilities stay calibrated."""


@dataclass
class ScreeningModel:
    """Everything scoring needs: outlier forest, text classifier and risk model (None -> rules)."""

    outlier: BehaviourOutlier
    text: TextClassifier | None
    risk: RiskModel | None
    embedder_id: str
    trained_at: str
    n_fake: int = 0
    n_genuine: int = 0
    oof: dict[str, tuple[float, float]] = field(default_factory=dict)
    """review_id -> (text log-odds, risk) from models that did not see that review."""
    note: str = ""
    """Why the rules are used instead of the model (empty when the model is used)."""
    n_in_sample: int = 0
    """Labelled rows whose stored risk comes from the full model (no fold could leave them out)."""

    @property
    def method(self) -> str:
        return "model" if self.risk is not None else "rules"


def model_path(ws) -> Path:
    return ws.models_dir / MODEL_DIR / MODEL_FILE


def save_model(ws, model: ScreeningModel) -> Path:
    """Write the model (pickle, temp file + rename) and a JSON manifest beside it."""
    path = model_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    manifest = {"method": model.method, "trained_at": model.trained_at, "embedder_id": model.embedder_id,
                "n_fake": model.n_fake, "n_genuine": model.n_genuine, "note": model.note,
                "n_in_sample": model.n_in_sample,
                "text_views": list(model.text.views_) if model.text is not None else []}
    (path.parent / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def load_model(ws) -> ScreeningModel | None:
    """The saved model, or None when screening was never trained in this workspace."""
    path = model_path(ws)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            model = pickle.load(fh)  # noqa: S301 - the workspace's own file
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise WorkspaceError(f"screening model {path} cannot be read ({exc}); run `memberinsight build`") from exc
    if not isinstance(model, ScreeningModel):
        raise WorkspaceError(f"{path} is not a screening model; run `memberinsight build`")
    return model


def scoring_frame(signals: pd.DataFrame, outlier: np.ndarray, text_logit: np.ndarray) -> pd.DataFrame:
    """Signal columns plus the outlier score, the text log-odds and the rule-based risk: the risk model's input."""
    from memberinsight.screening.risk import rule_risk

    out = signals.copy()
    out["outlier"] = outlier
    out["text_logit"] = text_logit
    out["rules"] = rule_risk(out)
    return out


def cross_fit_risk(signals: pd.DataFrame, text_oof: np.ndarray, outlier: np.ndarray, y: np.ndarray,
                   groups: np.ndarray, weight: np.ndarray, folds: int = OUTER_FOLDS,
                   full: RiskModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold risk for labelled rows (grouped folds) from the text classifier's out-of-fold scores.

    Returns ``(risk, cross_fitted)``. A fold whose training rows lack a class (or hold fewer than two
    of one) cannot refit the risk model; its rows get the risk of ``full`` (the model fitted on every
    row, fitted here when not given) and ``cross_fitted`` is False for them."""
    y = np.asarray(y, dtype=int)
    features = scoring_frame(signals, outlier, text_oof)
    risk_oof = np.zeros(len(y))
    done = np.zeros(len(y), dtype=bool)
    k = min(folds, len(np.unique(np.asarray(groups).astype(str))), int(np.bincount(y, minlength=2).min()))
    for tr, te in stratified_group_folds(y, groups, k):
        if not two_class(y[tr], minimum=2):
            continue
        risk_oof[te] = RiskModel().fit(features.iloc[tr], y[tr], weight[tr]).predict_proba(features.iloc[te])
        done[te] = True
    if not done.all():
        full = full or RiskModel().fit(features, y, weight)
        rest = np.flatnonzero(~done)
        risk_oof[rest] = full.predict_proba(features.iloc[rest])
    return risk_oof, done


def sample_training_rows(rows: np.ndarray, y: np.ndarray, limit: int, seed: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most ``limit`` labelled rows (fakes first, up to half), with weights undoing the sampling."""
    if len(rows) <= limit:
        return rows, y, np.ones(len(rows))
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    pos = rng.choice(pos, size=min(len(pos), limit // 2), replace=False)
    neg_take = rng.choice(neg, size=min(len(neg), limit - len(pos)), replace=False)
    keep = np.sort(np.concatenate([pos, neg_take]))
    weight = np.where(y[keep] == 1, (y == 1).sum() / len(pos), len(neg) / len(neg_take))
    return rows[keep], y[keep], weight


def train_screening(ws, settings: Settings, frame: SignalFrame | None = None, show_progress: bool = False,
                    cross_fitted: bool = True) -> ScreeningModel:
    """Fit the outlier forest, and with enough labels the text classifier and the risk model; save them."""
    from memberinsight.screening.vectors import embedder_id

    frame = frame or compute_signals(ws, settings, show_progress=show_progress)
    outlier_model = BehaviourOutlier(random_state=settings.random_seed).fit(frame.signals)
    model = ScreeningModel(outlier=outlier_model, text=None, risk=None, embedder_id=embedder_id(settings),
                           trained_at=datetime.now(UTC).isoformat(timespec="seconds"))
    labels = training_labels(ws)
    pos = frame.row_of()
    rows = np.array(sorted(pos[r] for r in labels if r in pos), dtype=np.int64)
    y = np.array([labels[frame.reviews.at[i, "review_id"]] for i in rows], dtype=int)
    model.n_fake, model.n_genuine = int(y.sum()), int(len(y) - y.sum())
    groups_all = ring_groups(frame)
    model.note = (label_shortfall(y, groups_all[rows]) if len(rows)
                  else f"no labels; the model needs at least {MIN_LABELS_PER_CLASS} fake and genuine labels")
    if not model.note:
        rows, y, weight = sample_training_rows(rows, y, MAX_TRAIN_ROWS, settings.random_seed)
        texts = frame.reviews["text"].tolist()
        groups = groups_all[rows]
        outlier = outlier_model.score(frame.signals)
        text = TextClassifier().fit([texts[i] for i in rows], y, frame.vectors[rows], groups)
        risk = RiskModel().fit(scoring_frame(frame.signals.iloc[rows], outlier[rows], text.oof_score_), y, weight)
        model.text, model.risk = text, risk
        if cross_fitted:
            text_oof = text.oof_score_
            risk_oof, done = cross_fit_risk(frame.signals.iloc[rows], text_oof, outlier[rows], y, groups, weight,
                                            full=risk)
            model.n_in_sample = int((~done | ~text.oof_mask_).sum())
            ids = frame.reviews["review_id"].to_numpy(object)[rows]
            model.oof = {str(r): (float(t), float(p)) for r, t, p in zip(ids, text_oof, risk_oof, strict=True)}
    save_model(ws, model)
    return model
