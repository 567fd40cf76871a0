"""BG/NBD with a drifting purchase rate: the drift-aware statistical model of purchases.

Plain BG/NBD assumes an active member keeps buying at one rate. In a shop whose members buy less
as they age (one acquisition cohort slowing down) it over-predicts the future; in a shop whose
members speed up it under-predicts. Here the rate of every active member drifts exponentially in
calendar time, ``lambda_i * exp(kappa * (t - cutoff))``, so at the cutoff it equals ``lambda_i``
and ``kappa < 0`` is a slowdown.

Measuring time on the drifted clock ``u(t) = integral of exp(kappa (s - cutoff)) ds`` turns the
process back into a plain BG/NBD, so the model is BG/NBD fitted on transformed ``t_x`` and ``T``.
The calendar-time likelihood adds ``kappa * sum(t_j - cutoff)`` over every repeat purchase day
``t_j`` (the Jacobian of the clock change); ``kappa`` is chosen by maximising it (profile
likelihood) and kept only when it improves the log-likelihood significantly (likelihood-ratio
test at 5%); otherwise the model is plain BG/NBD (``kappa = 0``).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.bgnbd import BetaGeoModel

Array = NDArray[np.float64]
MAX_DRIFT_PER_YEAR = 3.0
"""Largest drift considered, in e-folds per year (3: the rate falls or rises 20-fold in a year)."""
LR_THRESHOLD = 1.92
"""Half the 95% chi-square(1) quantile: the log-likelihood gain needed to keep a drift."""


def repeat_day_ages(con: duckdb.DuckDBPyConnection, as_of: date) -> float:
    """Sum over members of the age in days, at ``as_of``, of every purchase day after their first.

    Purchase days are counted as in :mod:`models.features` (product lines with a positive
    quantity that are not returns; members only; several orders on one day count once).
    """
    row = con.execute(
        """
        WITH d AS (
            SELECT DISTINCT o.member_id, CAST(o.ordered_at AS DATE) AS d
            FROM clean_orders o LEFT JOIN products p ON p.product_id = o.product_id
            WHERE o.member_id IS NOT NULL AND o.ordered_at < $boundary AND COALESCE(p.is_product, TRUE)
              AND NOT COALESCE(o.is_return, FALSE) AND o.quantity > 0
        ), f AS (SELECT member_id, min(d) AS first_d FROM d GROUP BY member_id)
        SELECT coalesce(sum(date_diff('day', d.d, $as_of)), 0) FROM d JOIN f USING (member_id)
        WHERE d.d > f.first_d
        """, {"boundary": as_of + timedelta(days=1), "as_of": as_of}).fetchall()[0]
    return float(row[0])


def _clock(kappa: float, x_days: Array) -> Array:
    """Drifted-clock length of the ``x_days`` days that end at the cutoff."""
    if abs(kappa) < 1e-12:
        return x_days
    return -np.expm1(-kappa * x_days) / kappa


class DriftBetaGeo:
    """BG/NBD on a drifted clock (see the module docstring); days are the time unit.

    ``fit(x, t_x, T, repeat_ages)`` where ``repeat_ages`` is :func:`repeat_day_ages` at the same
    cutoff; ``kappa_`` is the fitted drift per day (0 when not significant), ``gain_`` the
    log-likelihood gain over plain BG/NBD.
    """

    def __init__(self, penalizer: float = 0.001, max_drift_per_year: float = MAX_DRIFT_PER_YEAR) -> None:
        self.penalizer = penalizer
        self.max_drift_per_year = max_drift_per_year

    def _transform(self, kappa: float, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
        T_u = _clock(kappa, T)
        return T_u - _clock(kappa, T - t_x), T_u

    def _fit_at(self, kappa: float, x: Array, t_x: Array, T: Array) -> BetaGeoModel:
        t_u, T_u = self._transform(kappa, x, t_x, T)
        return BetaGeoModel(penalizer=self.penalizer).fit(x, t_u, T_u)

    def fit(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, repeat_ages: float) -> DriftBetaGeo:
        """Fit the drift by profile likelihood and BG/NBD on the drifted clock."""
        xa, ta, Ta = (np.asarray(v, dtype=float) for v in (x, t_x, T))

        def neg_ll(kappa: float) -> float:
            return -(self._fit_at(kappa, xa, ta, Ta).log_likelihood_ - kappa * repeat_ages)

        bound = self.max_drift_per_year / 365.25
        plain = neg_ll(0.0)
        res = minimize_scalar(neg_ll, bounds=(-bound, bound), method="bounded", options={"xatol": 1e-6})
        self.gain_ = float(max(plain - res.fun, 0.0))
        self.kappa_ = float(res.x) if self.gain_ > LR_THRESHOLD else 0.0
        self.bg_ = self._fit_at(self.kappa_, xa, ta, Ta)
        return self

    @property
    def drift_per_year(self) -> float:
        """Fitted drift as a yearly growth factor minus one (-0.3: active members buy 30% less a year on)."""
        self._check()
        return float(np.expm1(self.kappa_ * 365.25))

    def _check(self) -> None:
        if not hasattr(self, "bg_"):
            raise ModelNotReadyError("DriftBetaGeo is not fitted")

    def _args(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[Array, Array, Array]:
        self._check()
        xa, ta, Ta = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        t_u, T_u = self._transform(self.kappa_, xa, ta, Ta)
        return xa, t_u, T_u

    def conditional_expected_purchases(self, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
        """Expected purchase days in the ``t`` days after the cutoff."""
        xa, t_u, T_u = self._args(x, t_x, T)
        window = t if abs(self.kappa_) < 1e-12 else float(np.expm1(self.kappa_ * t) / self.kappa_)
        return self.bg_.conditional_expected_purchases(window, xa, t_u, T_u)

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
        """P(still active at the cutoff)."""
        xa, t_u, T_u = self._args(x, t_x, T)
        return self.bg_.p_alive(xa, t_u, T_u)

    def params(self) -> dict[str, float]:
        """BG/NBD parameters on the drifted clock, the drift per day and per year, and the likelihood gain."""
        self._check()
        r, alpha, a, b = (float(v) for v in self.bg_.params_)
        return {"r": r, "alpha": alpha, "a": a, "b": b, "kappa_per_day": self.kappa_,
                "drift_per_year": round(self.drift_per_year, 4), "loglik_gain": round(self.gain_, 3)}
