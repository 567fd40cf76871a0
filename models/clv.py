"""Purchase frequency and customer lifetime value (CLV).

* :class:`StatisticalCLV` - the baseline: BG/NBD for purchases (purchase days) and P(alive),
  Gamma-Gamma for the value of a purchase, fitted on one feature snapshot; optionally also BG/NBD
  with a drifting purchase rate (:mod:`models.drift`). Without prices Gamma-Gamma is left out and
  spend is unknown (NaN) rather than an error.
* :class:`CLVModel` - LightGBM (Poisson for purchases, Tweedie for spend) boosted *from* the
  BG/NBD / Gamma-Gamma prediction (initial margin) with the member features and the statistical
  predictions as inputs, trained on stacked time snapshots. Longer horizons keep the boosted level
  for ``horizon_days`` and take the shape over time from BG/NBD: ``E[n(365)] = gbm(H) * bg(365) / bg(H)``.

Which of them (or a simple baseline) ships is decided per workspace on the holdout
(:mod:`models.candidates`).

"Purchases" are purchase days (several orders on one day count once), the unit BG/NBD models.
Spend is the gross value of purchases (returns are not netted; margins are unknown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.bgnbd import BetaGeoModel, GammaGammaModel
from memberinsight.models.training import FeatureEncoder, fit_lgbm_cv, lgbm_params

STAT_COLUMNS: tuple[str, ...] = ("bg_expected", "bg_p_alive", "bg_p_zero", "gg_value", "bg_spend")
MIN_BUYERS = 20
"""Fewest buying members BG/NBD is fitted on."""


class StatisticalCLV:
    """BG/NBD + Gamma-Gamma fitted on one snapshot of member features (days as the time unit)."""

    def __init__(self, penalizer: float = 0.001) -> None:
        self.penalizer = penalizer

    def fit(self, features: pd.DataFrame) -> StatisticalCLV:
        """Fit on buying members' ``x_repeat``, ``t_x_days``, ``first_order_days``, ``repeat_aov``."""
        f = features[features["frequency"] > 0]
        if len(f) < MIN_BUYERS:
            raise DataValidationError(f"BG/NBD needs at least {MIN_BUYERS} buying members, got {len(f)}",
                                      column="frequency")
        self.bg_ = BetaGeoModel(penalizer=self.penalizer).fit(f["x_repeat"], f["t_x_days"], f["first_order_days"])
        self.gg_: GammaGammaModel | None = None
        self.spend_note_ = ""
        try:
            self.gg_ = GammaGammaModel(penalizer=self.penalizer).fit(f["x_repeat"], f["repeat_aov"])
        except DataValidationError as exc:  # no prices, or too few repeat buyers with a price
            self.spend_note_ = spend_unavailable_reason(f, exc)
        return self

    @property
    def has_spend(self) -> bool:
        """Whether Gamma-Gamma could be fitted (order values known for at least two repeat buyers)."""
        return getattr(self, "gg_", None) is not None

    def _rft(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not hasattr(self, "bg_"):
            raise ModelNotReadyError("StatisticalCLV is not fitted")
        x = features["x_repeat"].to_numpy(dtype=float)
        t_x = np.nan_to_num(features["t_x_days"].to_numpy(dtype=float))
        T = np.nan_to_num(features["first_order_days"].to_numpy(dtype=float))
        return x, t_x, T

    def expected_purchases(self, features: pd.DataFrame, horizon_days: float) -> np.ndarray:
        """BG/NBD expected purchase days in the next ``horizon_days`` days."""
        x, t_x, T = self._rft(features)
        return self.bg_.conditional_expected_purchases(horizon_days, x, t_x, T)

    def predict(self, features: pd.DataFrame, horizon_days: float) -> pd.DataFrame:
        """``bg_expected``, ``bg_p_alive``, ``bg_p_zero`` (no purchase in the horizon), ``gg_value``
        (value per purchase) and ``bg_spend`` per row."""
        x, t_x, T = self._rft(features)
        out = pd.DataFrame(index=features.index)
        out["bg_expected"] = self.bg_.conditional_expected_purchases(horizon_days, x, t_x, T)
        out["bg_p_alive"] = self.bg_.p_alive(x, t_x, T)
        out["bg_p_zero"] = self.bg_.p_no_purchase(horizon_days, x, t_x, T)
        out["gg_value"] = self.order_value(features)
        out["bg_spend"] = out["bg_expected"] * out["gg_value"]
        return out

    def order_value(self, features: pd.DataFrame) -> np.ndarray:
        """Gamma-Gamma expected value of a member's next purchase (NaN when spend is unavailable)."""
        x, _, _ = self._rft(features)
        if self.gg_ is None:
            return np.full(len(features), np.nan)
        m = features["repeat_aov"].to_numpy(dtype=float)
        value = self.gg_.conditional_expected_value(x, m)
        # Members with one purchase day have no repeat value: use their own first order value
        # shrunk like a one-purchase member (Gamma-Gamma with x = 1 and m_x = their order value).
        first = features["avg_order_value"].to_numpy(dtype=float)
        one = (x == 0) & np.isfinite(first) & (first > 0)
        return np.where(one, self.gg_.conditional_expected_value(np.ones_like(x), first), value)

    def fit_drift(self, features: pd.DataFrame, repeat_ages: float) -> StatisticalCLV:
        """Also fit BG/NBD with a drifting purchase rate (:class:`models.drift.DriftBetaGeo`) on the
        same buyers; ``repeat_ages`` is :func:`models.drift.repeat_day_ages` at the same cutoff."""
        from memberinsight.models.drift import DriftBetaGeo

        f = features[features["frequency"] > 0]
        x, t_x, T = self._rft(f)
        self.drift_ = DriftBetaGeo(self.penalizer).fit(x, t_x, T, repeat_ages)
        return self

    def expected_purchases_drift(self, features: pd.DataFrame, horizon_days: float) -> np.ndarray:
        """Drift-aware expected purchase days in the next ``horizon_days`` days (needs :meth:`fit_drift`)."""
        if not hasattr(self, "drift_"):
            raise ModelNotReadyError("the drift model is not fitted; call fit_drift first")
        x, t_x, T = self._rft(features)
        return self.drift_.conditional_expected_purchases(horizon_days, x, t_x, T)

    def params(self) -> dict[str, float]:
        """Fitted parameters (r, alpha, a, b; p, q, gamma when spend is available)."""
        r, alpha, a, b = self.bg_.params_
        out = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        if self.gg_ is not None:
            p, q, v = self.gg_.params_
            out.update(p=float(p), q=float(q), gamma=float(v))
        return out


def spend_unavailable_reason(features: pd.DataFrame, exc: Exception | None = None) -> str:
    """Why spend (Gamma-Gamma, CLV) cannot be modelled on these members, in plain words."""
    priced = pd.to_numeric(features.get("gross_spend", pd.Series(dtype=float)), errors="coerce").fillna(0) > 0
    if not priced.any():
        return "no order has a price, so spend and lifetime value cannot be predicted"
    return (f"too few repeat buyers with priced orders to model order values ({exc})" if exc else
            "too few repeat buyers with priced orders to model order values")


def with_statistical(snaps: pd.DataFrame, horizon_days: int, penalizer: float = 0.001) -> pd.DataFrame:
    """``snaps`` with :data:`STAT_COLUMNS` added, BG/NBD fitted separately on each cutoff's snapshot."""
    parts = []
    for _, part in snaps.groupby("as_of", sort=True):
        if int((part["frequency"] > 0).sum()) < MIN_BUYERS:
            continue  # an early cutoff with too few buyers: left out of training
        stat = StatisticalCLV(penalizer).fit(part)
        parts.append(pd.concat([part, stat.predict(part, horizon_days)], axis=1))
    if not parts:
        raise ModelNotReadyError(f"every training cutoff has fewer than {MIN_BUYERS} buying members; "
                                 "purchase and churn models need more buyers")
    out = pd.concat(parts)
    return out.loc[snaps.index[snaps.index.isin(out.index)]]


def _log_floor(values: np.ndarray, floor: float) -> np.ndarray:
    return np.log(np.maximum(np.nan_to_num(np.asarray(values, dtype=float)), floor))


class CLVModel:
    """Boosted purchases and spend for the next ``horizon_days`` days, starting from BG/NBD.

    Both LightGBM models (Poisson for purchase days, Tweedie for spend; log links) boost from the
    BG/NBD / Gamma-Gamma prediction as the initial margin and also see it as an input, so the trees
    learn corrections (covariates, seasonality, misfit); grouped early stopping decides how many.
    """

    COUNT_FLOOR = 1e-4
    SPEND_FLOOR = 1e-2

    def __init__(self, horizon_days: int = 90, random_state: int = 42, n_folds: int = 4,
                 max_rounds: int = 1000) -> None:
        self.horizon_days = horizon_days
        self.random_state = random_state
        self.n_folds = n_folds
        self.max_rounds = max_rounds

    def fit(self, X: pd.DataFrame, purchases: np.ndarray, spend: np.ndarray, groups: np.ndarray) -> CLVModel:
        """``X`` holds member features and :data:`STAT_COLUMNS`; targets are next-horizon purchase days
        and spend; ``groups`` are member ids (for grouped cross-validation)."""
        missing = [c for c in STAT_COLUMNS if c not in X.columns]
        if missing:
            raise DataValidationError(f"missing statistical inputs {missing}", column=missing[0])
        self.feature_names_ = list(X.columns)
        self.encoder_ = FeatureEncoder().fit(X, self.feature_names_)
        Xf = self.encoder_.transform(X)
        groups = np.asarray(groups)
        self.count_model_, _, self.count_rounds_ = fit_lgbm_cv(
            LGBMRegressor, lgbm_params("poisson", self.random_state), Xf,
            np.asarray(purchases, dtype=float), groups, self.n_folds, self.max_rounds,
            init_score=_log_floor(X["bg_expected"], self.COUNT_FLOOR))
        spend = np.nan_to_num(np.asarray(spend, dtype=float))
        self.spend_model_: LGBMRegressor | None = None
        self.spend_rounds_ = 0
        if (spend > 0).any() and np.isfinite(X["bg_spend"].to_numpy(dtype=float)).any():
            self.spend_model_, _, self.spend_rounds_ = fit_lgbm_cv(
                LGBMRegressor, lgbm_params("tweedie", self.random_state, tweedie_variance_power=1.3), Xf,
                spend, groups, self.n_folds, self.max_rounds, init_score=_log_floor(X["bg_spend"], self.SPEND_FLOOR))
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """``expected_purchases`` and ``expected_spend`` in the next ``horizon_days`` days per row."""
        if not hasattr(self, "count_model_"):
            raise ModelNotReadyError("CLVModel is not fitted; run `memberinsight build`")
        Xf = self.encoder_.transform(X)
        n = self.count_model_.predict(Xf, raw_score=True) + _log_floor(X["bg_expected"], self.COUNT_FLOOR)
        if self.spend_model_ is None:  # no prices: spend is unknown
            spend = np.full(len(X), np.nan)
        else:
            spend = np.exp(self.spend_model_.predict(Xf, raw_score=True) + _log_floor(X["bg_spend"], self.SPEND_FLOOR))
        return pd.DataFrame({"expected_purchases": np.exp(n), "expected_spend": spend}, index=X.index)

    def predict_long(self, X: pd.DataFrame, stat: StatisticalCLV, days: int) -> pd.DataFrame:
        """Purchases and spend over ``days`` days: boosted level at the horizon, BG/NBD time profile
        (the drift-aware one when ``stat`` found a significant drift, :meth:`StatisticalCLV.fit_drift`)."""
        short = self.predict(X)
        drift = getattr(stat, "drift_", None)
        profile = stat.expected_purchases_drift if drift is not None and drift.kappa_ != 0 else stat.expected_purchases
        bg_h = profile(X, self.horizon_days)
        bg_d = profile(X, days)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(bg_h > 1e-9, bg_d / bg_h, days / self.horizon_days)
        return pd.DataFrame({
            "expected_purchases": short["expected_purchases"].to_numpy() * ratio,
            "expected_spend": short["expected_spend"].to_numpy() * ratio,
        }, index=X.index)
