"""80% intervals for expected purchases and spend, and "not enough history" flags.

Intervals come from the statistical model's predictive distribution, simulated per member:

* **Purchases** (BG/NBD): given ``x`` repeat purchase days, ``t_x`` and ``T``, the member is still
  active with probability ``P(alive)``; if active, their purchase rate is ``Gamma(r + x, alpha + T)``
  and their drop-out probability ``Beta(a, b + x)``. While active they buy as a Poisson process and
  drop out right after a purchase with that probability, so purchases in the next ``t`` days are
  ``min(Poisson(lambda t), Geometric(p))`` (zero when no longer active).
* **Spend** (Gamma-Gamma): a purchase's value is ``Gamma(p, nu)`` with ``nu | x, m_x ~
  Gamma(q + p x, gamma + x m_x)``, so ``n`` purchases sum to ``Gamma(p n, nu)``.

When the shipped point estimate comes from another candidate (the boosted model, the drift-aware
BG/NBD, the recent rate), each member's distribution is centred on it: the purchase rate is scaled
so the simulated mean matches the shipped expectation (within a factor of four either way), and
spend likewise; an interval therefore always agrees with the number shown next to it.

Counts are discrete, so an "80%" interval of whole purchase days can hold more than 80% of the
probability (``0-0`` when 88% of the mass is at zero). :func:`count_interval` picks, per member,
the densest interval of whole counts, at the per-member probability level at which the intervals
hold 80% of the predicted probability on average over all members.

Both horizons have intervals: 90 days (purchase days and spend) and 365 days (purchase days and
CLV). Per-member standard deviations of the draws are stored too: sums over any group of members
get their interval from them (:mod:`models.group_sums`). Coverage of the shipped (champion-
centred) intervals on the time-split holdout is checked by :func:`holdout_coverage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError

if TYPE_CHECKING:
    from memberinsight.models.clv import StatisticalCLV

LEVEL = 0.8
"""Nominal coverage of the intervals."""
SIMULATIONS = 2000
"""Draws per member."""
MIN_PURCHASE_DAYS = 2
"""Fewer purchase days than this, with a first order less than :data:`MIN_HISTORY_DAYS` ago, is
too little history for a confident forecast."""
MIN_HISTORY_DAYS = 90
MAX_SCALE = 4.0
"""At most this factor between the shipped expectation and the statistical model's."""
CHUNK = 2000
"""Members simulated at a time (bounds memory)."""
HORIZONS: tuple[tuple[int, str, str], ...] = ((90, "orders_90d", "spend_90d"), (365, "orders_365d", "clv_365d"))
"""(days, purchases column prefix, spend column prefix) of the stored intervals."""


@dataclass
class Draws:
    """Simulated future purchases (and spend) per member: arrays of shape ``(members, draws)``."""

    purchases: np.ndarray
    spend: np.ndarray | None
    days: int


def _bg_posterior(stat: StatisticalCLV, features: pd.DataFrame
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    bg = getattr(stat, "bg_", None)
    if bg is None:
        raise ModelNotReadyError("the statistical model is not fitted; run `memberinsight build`")
    x, t_x, T = stat._rft(features)
    r, alpha, a, b = (float(v) for v in bg.params_)
    return x, T, bg.p_alive(x, t_x, T), (r, alpha, a, b)


def simulate(stat: StatisticalCLV, features: pd.DataFrame, days: int, *, expected: np.ndarray | None = None,
             expected_spend: np.ndarray | None = None, draws: int = SIMULATIONS,
             seed: int = 0) -> Draws:
    """Draws of purchase days (and spend, when Gamma-Gamma is fitted) in the next ``days`` days.

    ``stat`` is a fitted :class:`models.clv.StatisticalCLV`; ``features`` its member features.
    ``expected`` / ``expected_spend`` centre each member's draws on the shipped point estimates.
    """
    x, T, alive, params = _bg_posterior(stat, features)
    n, rng = len(x), np.random.default_rng(seed)
    base = stat.expected_purchases(features, days)
    target = None if expected is None else np.nan_to_num(np.asarray(expected, dtype=float), nan=0.0)
    scale = np.ones(n)
    if target is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.clip(np.where(base > 1e-9, target / base, 1.0), 1 / MAX_SCALE, MAX_SCALE)
    counts = np.zeros((n, draws), dtype=np.int32)
    for start in range(0, n, CHUNK):
        part = slice(start, min(start + CHUNK, n))
        counts[part] = _simulate_counts(rng, days, draws, x[part], T[part], alive[part], params,
                                        scale[part], None if target is None else target[part])
    spend = _simulate_spend(stat, features, counts, rng, expected_spend)
    return Draws(counts, spend, days)


def _simulate_counts(rng: np.random.Generator, days: int, draws: int, x: np.ndarray, T: np.ndarray,
                     alive: np.ndarray, params: tuple[float, float, float, float], scale: np.ndarray,
                     target: np.ndarray | None) -> np.ndarray:
    r, alpha, a, b = params
    shape = (len(x), draws)
    lam = rng.gamma((r + x)[:, None], 1.0 / (alpha + T)[:, None], shape)
    life = rng.geometric(np.clip(rng.beta(a, (b + x)[:, None], shape), 1e-12, 1.0))
    is_alive = rng.random(shape) < alive[:, None]
    for _ in range(3):  # refine the scale so the simulated mean matches the target despite drop-out
        count = np.where(is_alive, np.minimum(rng.poisson(lam * (scale[:, None] * days)), life), 0)
        if target is None:
            break
        sim_mean = count.mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fix = np.where(sim_mean > 1e-9, target / sim_mean, 1.0)
        scale = np.clip(scale * fix, 1 / MAX_SCALE, MAX_SCALE)
    return count


def _simulate_spend(stat: StatisticalCLV, features: pd.DataFrame, count: np.ndarray, rng: np.random.Generator,
                    expected_spend: np.ndarray | None) -> np.ndarray | None:
    gg = getattr(stat, "gg_", None)
    if gg is None:
        return None
    p, q, v = (float(u) for u in gg.params_)
    x = features["x_repeat"].to_numpy(dtype=float)
    m = features["repeat_aov"].to_numpy(dtype=float)
    first = features["avg_order_value"].to_numpy(dtype=float)
    m = np.where(np.isfinite(m) & (x > 0), m, 0.0)
    one = (x == 0) & np.isfinite(first) & (first > 0)  # as in StatisticalCLV.order_value
    x_eff, m_eff = np.where(one, 1.0, x), np.where(one, first, m)
    nu = rng.gamma((q + p * x_eff)[:, None], 1.0 / (v + x_eff * m_eff)[:, None], count.shape)
    spend = np.where(count > 0, rng.gamma(np.maximum(p * count, 1e-12), 1.0 / nu), 0.0).astype(np.float32)
    if expected_spend is not None:
        target = np.asarray(expected_spend, dtype=float)
        sim_mean = spend.mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fix = np.where((sim_mean > 1e-9) & np.isfinite(target), target / sim_mean, 1.0)
        spend = spend * np.clip(fix, 1 / MAX_SCALE, MAX_SCALE)[:, None]
    return spend


def _pmf(draws: np.ndarray) -> np.ndarray:
    draws = np.asarray(draws, dtype=np.int64)
    k = int(draws.max(initial=0)) + 1
    rows = np.repeat(np.arange(len(draws)), draws.shape[1])
    pmf = np.zeros((len(draws), k))
    np.add.at(pmf, (rows, draws.ravel()), 1.0)
    return pmf / max(draws.shape[1], 1)


def _densest(pmf: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, grow ``[lo, hi]`` from the mode (and the rounded mean) by the likelier neighbour until
    it holds ``level``,
    keeping the last step only when that ends closer to ``level``; returns lo, hi and the mass."""
    n, k = pmf.shape
    idx = np.arange(n)
    mode, mean = pmf.argmax(axis=1), np.rint(pmf @ np.arange(k)).astype(int)
    lo, hi = np.minimum(mode, mean), np.maximum(mode, mean)  # always holds the rounded expectation
    cdf = pmf.cumsum(axis=1)
    mass = cdf[idx, hi] - np.where(lo > 0, cdf[idx, np.maximum(lo - 1, 0)], 0.0)
    padded = np.concatenate([np.zeros((n, 1)), pmf, np.zeros((n, 1))], axis=1)  # column j + 1 is count j
    for _ in range(k):
        open_ = mass < level
        if not open_.any():
            break
        left, right = padded[idx, lo], padded[idx, hi + 2]
        grow_left = open_ & (left > right)
        grow_right = open_ & ~grow_left & (right > 0)
        step = np.where(grow_left, left, np.where(grow_right, right, 0.0))
        keep = (mass + step - level) <= (level - mass)  # the step ends closer to the level
        grow_left &= keep
        grow_right &= keep
        lo = np.where(grow_left, lo - 1, lo)
        hi = np.where(grow_right, hi + 1, hi)
        mass = mass + np.where(grow_left | grow_right, step, 0.0)
        stuck = open_ & ~(grow_left | grow_right)
        mass = np.where(stuck, np.maximum(mass, level), mass)  # stop growing these rows
    inside = cdf[idx, hi] - np.where(lo > 0, cdf[idx, np.maximum(lo - 1, 0)], 0.0)
    return lo, hi, inside


def _calibrated(mass_at: object, level: float) -> float:
    """The per-member level whose intervals hold ``level`` of the predicted probability on average."""
    lo_t, hi_t = 0.3, level
    if float(np.mean(mass_at(hi_t))) <= level:  # type: ignore[operator]
        return hi_t
    for _ in range(14):
        mid = (lo_t + hi_t) / 2
        if float(np.mean(mass_at(mid))) > level:  # type: ignore[operator]
            hi_t = mid
        else:
            lo_t = mid
    return hi_t


def count_interval(draws: np.ndarray, level: float = LEVEL, calibrate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the densest interval of whole counts whose probability is closest to ``level``.

    Counts are discrete and mostly zero, so a member's interval can rarely hold exactly ``level``
    (``0-0`` holds 93% for a member who almost surely will not buy). With ``calibrate`` the
    per-member level is lowered until the intervals hold ``level`` of the predicted probability on
    average over all members, so about ``level`` of members should land inside their interval.
    """
    pmf = _pmf(draws)
    tau = _calibrated(lambda t: _densest(pmf, t)[2], level) if calibrate else level
    lo, hi, _ = _densest(pmf, tau)
    return lo, hi


def _spend_bounds(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2
    low = np.quantile(draws, tail, axis=1)
    one_sided = low <= 0  # a point mass at zero: the interval starts at 0 and holds ``level``
    high = np.where(one_sided, np.quantile(draws, level, axis=1), np.quantile(draws, 1 - tail, axis=1))
    return np.where(one_sided, 0.0, low), high


def spend_interval(draws: np.ndarray, level: float = LEVEL, calibrate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``level`` interval of simulated spend: equal-tailed, or ``[0, q(level)]`` when
    the member may well spend nothing; calibrated on the predicted probability like
    :func:`count_interval`."""
    draws = np.asarray(draws, dtype=float)

    def mass(t: float) -> np.ndarray:
        lo, hi = _spend_bounds(draws, t)
        return ((draws >= lo[:, None]) & (draws <= hi[:, None])).mean(axis=1)

    return _spend_bounds(draws, _calibrated(mass, level) if calibrate else level)


def history_notes(features: pd.DataFrame, min_days: int = MIN_HISTORY_DAYS,
                  min_purchase_days: int = MIN_PURCHASE_DAYS) -> list[str | None]:
    """Per member, why the history is too short for a confident forecast (``None`` when enough).

    Too little: fewer than ``min_purchase_days`` purchase days and a first order less than
    ``min_days`` days ago; the forecast for such a member is mostly the shop's average.
    """
    from memberinsight.models.wording import plural

    out: list[str | None] = []
    for pdays, first in zip((features["x_repeat"].to_numpy(dtype=float) + 1),
                            features["first_order_days"].to_numpy(dtype=float), strict=True):
        if not np.isfinite(first) or (pdays < min_purchase_days and first < min_days):
            age = "" if not np.isfinite(first) else f", first order {plural(round(first), 'day')} ago"
            out.append(f"only {plural(round(pdays), 'purchase day')}{age}")
        else:
            out.append(None)
    return out


def member_intervals(stat: StatisticalCLV, features: pd.DataFrame, *,
                     expected: dict[int, np.ndarray | None] | None = None,
                     expected_spend: dict[int, np.ndarray | None] | None = None,
                     seed: int = 0) -> tuple[pd.DataFrame, Draws]:
    """The interval columns stored with the predictions, and the 90-day draws (for segment sums).

    ``expected`` / ``expected_spend`` map a horizon (90, 365) to the shipped expectations the draws
    are centred on. Columns, per horizon of :data:`HORIZONS`: ``orders_90d_low`` / ``_high`` /
    ``_sd`` (purchase days), ``spend_90d_low`` / ``_high`` / ``_sd``, ``orders_365d_*`` and
    ``clv_365d_*`` (spend columns NaN without prices); then ``enough_history`` and ``history_note``.
    """
    out = pd.DataFrame({"member_id": features["member_id"].to_numpy()})
    first: Draws | None = None
    for days, orders, spend in HORIZONS:
        d = simulate(stat, features, days, expected=(expected or {}).get(days),
                     expected_spend=(expected_spend or {}).get(days), seed=seed if days == 90 else seed + days)
        lo, hi = count_interval(d.purchases)
        out[f"{orders}_low"], out[f"{orders}_high"] = lo.astype(float), hi.astype(float)
        out[f"{orders}_sd"] = d.purchases.std(axis=1).round(4)
        if d.spend is not None:
            s_lo, s_hi = spend_interval(d.spend)
            out[f"{spend}_low"], out[f"{spend}_high"] = np.round(s_lo, 2), np.round(s_hi, 2)
            out[f"{spend}_sd"] = d.spend.std(axis=1).round(2)
        else:
            out[f"{spend}_low"] = out[f"{spend}_high"] = out[f"{spend}_sd"] = np.nan
        first = first or d
    notes = history_notes(features)
    out["enough_history"] = [n is None for n in notes]
    out["history_note"] = notes
    assert first is not None
    return out, first


def group_intervals(draws: np.ndarray, groups: np.ndarray | pd.Series, level: float = LEVEL) -> pd.DataFrame:
    """Expected total and ``level`` interval of a sum (purchase days or spend) per group.

    Members' draws are independent, so this interval covers the randomness of who buys, not a
    shift of the whole shop (a season, a drift); read it as a lower bound on the uncertainty.
    """
    labels = pd.Series(np.asarray(groups, dtype=object)).fillna("(none)").to_numpy()
    tail = (1 - level) / 2
    rows = []
    for g in sorted(set(labels), key=str):
        total = np.asarray(draws)[labels == g].sum(axis=0)
        rows.append({"group": g, "members": int((labels == g).sum()), "expected": float(total.mean()),
                     "low": float(np.quantile(total, tail)), "high": float(np.quantile(total, 1 - tail))})
    return pd.DataFrame(rows)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of members whose actual value lies inside their interval."""
    a = np.asarray(actual, dtype=float)
    ok = np.isfinite(low) & np.isfinite(high)
    return float(((a >= low) & (a <= high))[ok].mean()) if ok.any() else float("nan")


def holdout_coverage(evaluation: Any, seed: int = 0) -> dict[str, Any]:
    """Coverage of the shipped 80% intervals on the time-split holdout.

    ``evaluation`` is the :class:`models.evaluation.CLVEvaluation` of the holdout: BG/NBD and
    Gamma-Gamma fitted as of its cutoff, and each member's draws centred on the champions' holdout
    expectations, as the shipped intervals are centred on the champions' predictions. Returns the
    shares of members whose purchase days and spend in the following days fell inside their
    intervals, the mean width, and the coverage of the members flagged with too little history.
    """
    ev = evaluation
    h, days = ev.holdout, ev.plan.horizon_days
    spend = h["champion_spend"].to_numpy(dtype=float)
    d = simulate(ev.stat, h, days, expected=h["champion_purchases"].to_numpy(dtype=float),
                 expected_spend=None if np.isnan(spend).all() else spend, seed=seed)
    actual = h["future_days"].to_numpy(dtype=float)
    lo, hi = count_interval(d.purchases)
    out: dict[str, Any] = {
        "level": LEVEL, "holdout_cutoff": ev.plan.holdout_cutoff.isoformat(), "horizon_days": days,
        "members": len(h), "centred_on": ev.choice_purchases.champion,
        "purchases": round(coverage(actual, lo, hi), 4), "mean_width_purchases": round(float((hi - lo).mean()), 3)}
    if d.spend is not None:
        s_lo, s_hi = spend_interval(d.spend)
        out["spend"] = round(coverage(h["future_spend"].to_numpy(dtype=float), s_lo, s_hi), 4)
    short = ~np.array([n is None for n in history_notes(h)])
    if short.any():
        out["purchases_short_history"] = round(coverage(actual[short], lo[short], hi[short]), 4)
    return out
