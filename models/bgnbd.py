"""BG/NBD purchase-frequency model and Gamma-Gamma spend model (own implementation on scipy).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a customer
buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; after each repeat purchase they
drop out with probability ``p ~ Beta(a, b)``. Inputs per customer: ``x`` repeat purchases,
``t_x`` time of the last purchase and ``T`` age, both measured from the first purchase.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's order values are
``Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)``; fitted on customers with ``x >= 1`` repeat purchases
and their mean repeat order value ``m_x``.

Times are in whatever unit the caller uses (days here); fitting rescales internally for conditioning.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

from memberinsight.errors import DataValidationError, ModelNotReadyError

Array = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=float) for v in values]


def bgnbd_log_likelihood(params: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
    """Per-customer BG/NBD log-likelihood for ``params = (r, alpha, a, b)``."""
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=float))
    x, t_x, T = _arrays(x, t_x, T)
    base = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                      -np.inf)
    return base + np.logaddexp(a3, a4)


def _check_rft(x: Array, t_x: Array, T: Array) -> None:
    if len(x) == 0:
        raise DataValidationError("no customers to fit", column="x_repeat")
    if np.any(~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(T)):
        raise DataValidationError("missing values in x / t_x / T", column="x_repeat")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9) or np.any((x == 0) & (t_x != 0)):
        raise DataValidationError("need x >= 0, 0 <= t_x <= T and t_x = 0 when x = 0", column="t_x_days")


class BetaGeoModel:
    """BG/NBD frequency model: ``fit(x, t_x, T)`` then expectations and P(alive).

    ``penalizer`` adds ``penalizer * sum(params**2)`` to the negative mean log-likelihood
    (as in the ``lifetimes`` package) to keep parameters finite on small data.
    """

    def __init__(self, penalizer: float = 0.0, max_iter: int = 2000) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> BetaGeoModel:
        """Maximum-likelihood fit; sets ``params_`` (r, alpha, a, b), ``log_likelihood_``, ``n_``."""
        x, t_x, T = _arrays(x, t_x, T)
        _check_rft(x, t_x, T)
        scale = float(np.mean(T)) or 1.0
        key = np.stack([x, t_x / scale, T / scale], axis=1)
        uniq, counts = np.unique(key, axis=0, return_counts=True)
        ux, ut, uT = uniq[:, 0], uniq[:, 1], uniq[:, 2]
        w = counts / counts.sum()

        def objective(logp: Array) -> float:
            p = np.exp(logp)
            ll = bgnbd_log_likelihood(p, ux, ut, uT)
            return float(-(w * ll).sum() + self.penalizer * np.sum(p ** 2))

        best = None
        for start in ([0.0, 0.0, 0.0, 0.0], [np.log(0.5), np.log(0.5), np.log(0.8), np.log(2.5)]):
            res = minimize(objective, np.array(start), method="L-BFGS-B",
                           bounds=[(-9.0, 9.0)] * 4, options={"maxiter": self.max_iter})
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        r, alpha, a, b = np.exp(best.x)
        self.params_ = np.array([r, alpha * scale, a, b])
        self.log_likelihood_ = float(bgnbd_log_likelihood(self.params_, x, t_x, T).sum())
        self.converged_ = bool(best.success)
        self.n_ = len(x)
        return self

    # ----- predictions ------------------------------------------------------------
    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise ModelNotReadyError("BetaGeoModel is not fitted")
        r, alpha, a, b = (float(v) for v in self.params_)
        return r, alpha, a, b

    def expected_purchases(self, t: ArrayLike) -> Array:
        """Unconditional E[X(t)]: repeat purchases in (0, t] of a new customer."""
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
        """P(still active at T | x, t_x, T). Equals 1 when x = 0 and rises with t_x for x > 0."""
        r, alpha, a, b = self._params()
        x, t_x, T = _arrays(x, t_x, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                         + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        odds = np.where(x > 0, np.exp(np.minimum(log_ratio, 700.0)), 0.0)
        return 1.0 / (1.0 + odds)

    def p_no_purchase(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
        """P(no purchase in (T, T + t] | x, t_x, T): inactive, or active with no Poisson event."""
        r, alpha, a, b = self._params()
        x, t_x, T = _arrays(x, t_x, T)
        t = np.asarray(t, dtype=float)
        alive = self.p_alive(x, t_x, T)
        return 1.0 - alive + alive * ((alpha + T) / (alpha + T + t)) ** (r + x)

    def conditional_expected_purchases(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike,
                                       T: ArrayLike) -> Array:
        """E[purchases in (T, T + t] | x, t_x, T]."""
        r, alpha, a, b = self._params()
        x, t_x, T = _arrays(x, t_x, T)
        t = np.asarray(t, dtype=float)
        z = t / (alpha + T + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
        out = head * body * self.p_alive(x, t_x, T)
        return np.where(np.isfinite(out), np.maximum(out, 0.0), 0.0)


class GammaGammaModel:
    """Gamma-Gamma spend model: ``fit(x, m_x)`` on customers with ``x >= 1`` and ``m_x > 0``."""

    def __init__(self, penalizer: float = 0.0, max_iter: int = 2000) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    @staticmethod
    def log_likelihood(params: ArrayLike, x: ArrayLike, m_x: ArrayLike) -> Array:
        """Per-customer log-density of the mean order value ``m_x`` over ``x`` orders."""
        p, q, v = (float(u) for u in np.asarray(params, dtype=float))
        x, m = _arrays(x, m_x)
        px = p * x
        return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
                + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + m * x))

    def fit(self, x: ArrayLike, m_x: ArrayLike) -> GammaGammaModel:
        """Maximum-likelihood fit on customers with x >= 1 and m_x > 0 (others are ignored)."""
        x, m = _arrays(x, m_x)
        keep = (x >= 1) & np.isfinite(m) & (m > 0)
        if keep.sum() < 2:
            raise DataValidationError("Gamma-Gamma needs at least two repeat customers", column="repeat_aov")
        x, m = x[keep], m[keep]
        scale = float(np.mean(m))
        ms = m / scale

        def objective(logp: Array) -> float:
            pr = np.exp(logp)
            return float(-self.log_likelihood(pr, x, ms).mean() + self.penalizer * np.sum(pr ** 2))

        res = minimize(objective, np.array([0.0, np.log(2.0), 0.0]), method="L-BFGS-B",
                       bounds=[(-9.0, 9.0)] * 3, options={"maxiter": self.max_iter})
        p, q, v = np.exp(res.x)
        self.params_ = np.array([p, q, v * scale])
        self.converged_ = bool(res.success)
        self.n_ = int(keep.sum())
        return self

    def population_mean(self) -> float:
        """Mean order value of a customer with no repeat purchases (prior mean; inf when q <= 1)."""
        if not hasattr(self, "params_"):
            raise ModelNotReadyError("GammaGammaModel is not fitted")
        p, q, v = (float(u) for u in self.params_)
        return p * v / (q - 1) if q > 1 else float("inf")

    def conditional_expected_value(self, x: ArrayLike, m_x: ArrayLike) -> Array:
        """E[order value | x, m_x]: a weighted mix of the population mean and the member's own mean."""
        if not hasattr(self, "params_"):
            raise ModelNotReadyError("GammaGammaModel is not fitted")
        p, q, v = (float(u) for u in self.params_)
        x, m = _arrays(x, m_x)
        m = np.where(np.isfinite(m) & (x > 0), m, 0.0)
        return (p * (v + x * m)) / (p * x + q - 1)


def simulate_bgnbd(n: int, params: tuple[float, float, float, float], T: float, horizon: float,
                   rng: np.random.Generator) -> dict[str, Array]:
    """Simulate BG/NBD customers (all born at 0, observed to ``T``, then ``horizon`` more).

    Returns arrays ``x``, ``t_x``, ``T`` (calibration), ``future`` (purchases in (T, T + horizon])
    and ``alive`` (still active at ``T``).
    """
    r, alpha, a, b = params
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    alive_at_T = np.ones(n, dtype=bool)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    active = np.ones(n, dtype=bool)  # still simulating
    end = T + horizon
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        over = t[idx] > end
        active[idx[over]] = False
        idx = idx[~over]
        in_cal = t[idx] <= T
        x[idx[in_cal]] += 1
        t_x[idx[in_cal]] = t[idx[in_cal]]
        future[idx[~in_cal]] += 1
        dies = rng.random(idx.size) < p[idx]
        dead = idx[dies]
        alive[dead] = False
        active[dead] = False
        alive_at_T[dead[t[dead] <= T]] = False
    return {"x": x, "t_x": t_x, "T": np.full(n, float(T)), "future": future, "alive": alive_at_T}
