"""Champion / challenger: simple baselines, and the choice of what ships for each prediction.

At every build each prediction is made by several candidates, all scored on the workspace's own
time-split holdout (:mod:`models.evaluation`); the one with the best *primary metric* ships and
the choice, every candidate's metrics and the margin go into the model manifest. A model never
ships when a baseline beats it on the holdout; on a tie the simpler candidate ships.

Candidates, simplest first:

* purchases and spend: ``recent_rate`` (the last 365 days' purchases or spend, scaled to the
  horizon), ``bgnbd`` (BG/NBD, times Gamma-Gamma for spend), ``bgnbd_trend`` (BG/NBD with a
  drifting purchase rate, :mod:`models.drift`) and ``boosted`` (:class:`models.clv.CLVModel`);
* churn: ``base_rate`` (everyone gets the training churn rate), ``recency_rule`` (a logistic
  regression on days since the last order, usual gap and number of orders), ``bgnbd`` (BG/NBD's
  probability of no purchase in the horizon) and ``boosted`` (:class:`models.churn.ChurnModel`);
* demand: ``seasonal_naive`` (the same week last year) and ``ets`` (:mod:`models.demand`).

Primary metrics (lower is better): RMSE for purchases and spend (the predictions are expected
values that get summed into totals and CLV; MAE would reward predicting too little for skewed
counts), the Brier score for churn (ranking *and* calibration), sMAPE of weekly units for demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from memberinsight.errors import ModelNotReadyError

PURCHASE_CANDIDATES: tuple[str, ...] = ("recent_rate", "bgnbd", "bgnbd_trend", "boosted")
SPEND_CANDIDATES: tuple[str, ...] = ("recent_rate", "bgnbd", "bgnbd_trend", "boosted")
CHURN_CANDIDATES: tuple[str, ...] = ("base_rate", "recency_rule", "bgnbd", "boosted")
DEMAND_CANDIDATES: tuple[str, ...] = ("seasonal_naive", "ets")
PRIMARY_METRIC = {"purchases": "rmse", "spend": "rmse", "churn": "brier", "demand": "smape_units"}
LABELS = {
    "recent_rate": "recent-rate baseline", "bgnbd": "BG/NBD", "bgnbd_trend": "BG/NBD with drift",
    "boosted": "boosted model", "base_rate": "base-rate baseline", "recency_rule": "recency rule",
    "seasonal_naive": "seasonal-naive baseline", "ets": "ETS forecast",
}
TARGET_LABELS = {"purchases": "Purchases", "spend": "Spend / CLV", "churn": "Churn", "demand": "Demand"}
METRIC_LABELS = {"rmse": "RMSE", "brier": "Brier score", "smape_units": "sMAPE of weekly units"}


@dataclass(frozen=True)
class Choice:
    """Which candidate ships for one prediction, and how every candidate did on the holdout."""

    target: str
    metric: str
    """The primary metric (lower is better)."""
    champion: str
    runner_up: str | None
    margin: float | None
    """How much worse the runner-up was on the primary metric, relative to the champion (0.07 = 7%)."""
    candidates: dict[str, dict[str, float]] = field(default_factory=dict)
    note: str = ""

    def worse_by(self, name: str) -> float | None:
        """How much worse candidate ``name`` was than the champion on the primary metric (relative)."""
        return _relative(self.candidates.get(name, {}).get(self.metric),
                         self.candidates.get(self.champion, {}).get(self.metric))


def _relative(value: float | None, best: float | None) -> float | None:
    if value is None or best is None or not np.isfinite(value) or not np.isfinite(best):
        return None
    if best <= 0:
        return 0.0 if value <= 0 else None
    return round(float(value / best - 1.0), 4)


def choose(target: str, candidates: dict[str, dict[str, float]], order: tuple[str, ...] | None = None,
           metric: str | None = None) -> Choice:
    """The champion among ``candidates`` (name -> holdout metrics) on the target's primary metric.

    Candidates with a missing or non-finite metric cannot win. Ties go to the candidate listed
    first in ``order`` (simplest first).
    """
    metric = metric or PRIMARY_METRIC[target]
    order = order or tuple(candidates)
    names = [n for n in order if n in candidates] + [n for n in candidates if n not in order]
    scored = [(float(candidates[n][metric]), i, n) for i, n in enumerate(names)
              if candidates[n].get(metric) is not None and np.isfinite(candidates[n][metric])]
    if not scored:
        raise ModelNotReadyError(f"no {target} candidate could be scored on the holdout")
    scored.sort()
    champion = scored[0][2]
    runner = scored[1][2] if len(scored) > 1 else None
    choice = Choice(target, metric, champion, runner, None, dict(candidates))
    margin = choice.worse_by(runner) if runner else None
    return Choice(target, metric, champion, runner, margin, dict(candidates), _note(choice, runner, margin))


def _note(choice: Choice, runner: str | None, margin: float | None) -> str:
    champ = LABELS.get(choice.champion, choice.champion)
    text = f"{TARGET_LABELS.get(choice.target, choice.target)}: {champ} chosen on this shop's holdout"
    parts = []
    if runner is not None and margin is not None:
        parts.append(f"the {LABELS.get(runner, runner)} {_worse(margin)}")
    model = "ets" if choice.target == "demand" else "boosted"
    if choice.champion != model and runner != model and model in choice.candidates:
        worse = choice.worse_by(model)
        if worse is not None:
            parts.append(f"the {LABELS[model]} {_worse(worse)}")
    metric = METRIC_LABELS.get(choice.metric, choice.metric)
    return text + (", " + " and ".join(parts) if parts else "") + f" ({metric})."


def _worse(margin: float) -> str:
    if margin < 0.0005:
        return "did no better"
    return f"was {margin:.1%} worse" if margin < 0.1 else f"was {margin:.0%} worse"


def _figure(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "not scored"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def choice_line(choice: Choice) -> str:
    """What shipped for one prediction, every candidate's holdout metric and the margins, in one line:
    "Purchases: boosted model chosen on this shop's holdout (RMSE 1.36); BG/NBD 11.9% worse (1.52),
    recent-rate baseline 9.7% worse (1.49)"."""
    metric = METRIC_LABELS.get(choice.metric, choice.metric)
    champ = choice.candidates.get(choice.champion, {}).get(choice.metric)
    head = (f"{TARGET_LABELS.get(choice.target, choice.target)}: {LABELS.get(choice.champion, choice.champion)} "
            f"chosen on this shop's holdout ({metric} {_figure(champ)})")
    others = sorted((n for n in choice.candidates if n != choice.champion),
                    key=lambda n: (choice.candidates[n].get(choice.metric) is None, choice.candidates[n].get(choice.metric)
                                   or 0.0))
    parts = []
    for name in others:
        value, worse = choice.candidates[name].get(choice.metric), choice.worse_by(name)
        if worse is None:
            parts.append(f"{LABELS.get(name, name)} {_figure(value)}")
        else:
            parts.append(f"{LABELS.get(name, name)} {_worse(worse).removeprefix('was ')} ({_figure(value)})")
    return head + ("; " + ", ".join(parts) if parts else "; no other candidate could be scored")


def choice_from_dict(raw: dict[str, Any] | None) -> Choice | None:
    """A :class:`Choice` read back from a manifest (``None`` when absent)."""
    if not raw:
        return None
    return Choice(raw["target"], raw["metric"], raw["champion"], raw.get("runner_up"), raw.get("margin"),
                  dict(raw.get("candidates", {})), raw.get("note", ""))


def recent_rate(features: pd.DataFrame, horizon_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Purchases and spend in the next ``horizon_days`` days at the last 365 days' pace."""
    scale = float(horizon_days) / 365.0
    orders = pd.to_numeric(features["orders_365d"], errors="coerce").fillna(0).to_numpy(dtype=float)
    spend = pd.to_numeric(features["spend_365d"], errors="coerce").fillna(0).to_numpy(dtype=float)
    return orders * scale, np.maximum(spend, 0.0) * scale


RULE_COLUMNS: tuple[str, ...] = ("recency_days", "ipt_mean", "frequency")


class RecencyRule:
    """Churn from three numbers: logistic regression on log days since the last order, log usual gap
    between orders (the median gap of all members when unknown) and log number of orders."""

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        cols = [np.log1p(pd.to_numeric(X[c], errors="coerce").astype(float).clip(lower=0)) for c in RULE_COLUMNS]
        M = np.column_stack([c.to_numpy() for c in cols])
        return np.where(np.isfinite(M), M, self.fill_)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> RecencyRule:
        """Fit on feature rows ``X`` and labels ``y`` (1 = no purchase in the horizon)."""
        raw = np.column_stack([np.log1p(pd.to_numeric(X[c], errors="coerce").astype(float).clip(lower=0))
                               for c in RULE_COLUMNS])
        med = np.nanmedian(np.where(np.isfinite(raw), raw, np.nan), axis=0)
        self.fill_ = np.nan_to_num(med)
        self.model_ = LogisticRegression(C=1.0).fit(self._matrix(X), np.asarray(y, dtype=int))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Churn probability per row."""
        if not hasattr(self, "model_"):
            raise ModelNotReadyError("RecencyRule is not fitted")
        return self.model_.predict_proba(self._matrix(X))[:, 1]


class BaseRate:
    """Everyone gets the training churn rate."""

    def fit(self, y: np.ndarray) -> BaseRate:
        """Record the share of 1s in ``y``."""
        self.rate_ = float(np.mean(np.asarray(y, dtype=float)))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The base rate for every row."""
        if not hasattr(self, "rate_"):
            raise ModelNotReadyError("BaseRate is not fitted")
        return np.full(len(X), self.rate_)
