"""The best churn ROC-AUC any model can reach on a demo time split (the Bayes ceiling).

The demo generator's lifecycle (:mod:`workspace.demo.lifecycle`, :mod:`workspace.demo.members`,
:mod:`workspace.demo.orders`) draws for each member

* a purchase rate ``Gamma(RATE_SHAPE, mean RATE_MEAN_PER_YEAR) x channel x age x exp(SAT_RATE s - SAT_RATE^2/2)``,
* a base propensity to leave ``clip(Beta(DROP_A, DROP_B) x channel x age, DROP_CLIP)``,
* a satisfaction ``s ~ N(0, 1)`` and an Erlang gap shape ``k`` (``GAP_SHAPE_P``);

purchases follow an Erlang-``k`` renewal process in the shop's intensity time from the first
purchase; each line goes back with probability ``category rate x (0.3 + 2.9 (1 - quality)) x
exp(-SAT_RETURN s)`` (one parcel per order, ``RETURN_LAG`` days later); after every purchase the
member leaves for good with ``clip(dropout x exp(-SAT_DROP s - SAT_DROP^2/2) x (BAD_ORDER_DROP if
the order had a returned line else GOOD_ORDER_DROP), P_MIN, P_MAX)``. Spend, baskets and category
tastes do not depend on these latents, and review ratings depend on them only through the returns,
which are observed themselves.

Given a member's observed history up to the cutoff (purchase times, which lines went back and when,
age band, channel, and the product qualities of ``products_truth.csv``), the posterior
P(no purchase in the next H days) follows from these priors. It is computed here by importance
sampling from the prior, marginalising over the unknown return state of recent orders whose parcel
could still be on its way. Its ROC-AUC is the ceiling: no model that sees only the data can beat it
except by chance. Approximations: order times are the recorded timestamps (the generator draws the
time of day separately), and the few planted fake accounts are scored as if they were genuine.
All constants are imported from the generator, so the priors stay in step with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln
from sklearn.metrics import roc_auc_score

from memberinsight.workspace.demo import lifecycle as lc
from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.members import (
    AGE_BANDS,
    AGE_DROP,
    AGE_RATE,
    CHANNEL_DROP,
    CHANNEL_RATE,
    CHANNELS,
    DROP_A,
    DROP_B,
    DROP_CLIP,
    RATE_MEAN_PER_YEAR,
    RATE_SHAPE,
)
from memberinsight.workspace.demo.orders import RETURN_LAG
from memberinsight.workspace.demo.vocab import CATEGORIES

_RETURN_RATE = {c.name: c.return_rate for c in CATEGORIES}
_MIN_GAP = 1e-3  # intensity-days; two orders with the same timestamp


def _erlang_sf(x: float, k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    z = k * lam * x
    term = np.ones_like(z)
    total = np.ones_like(z)
    for i in range(1, int(k.max())):
        term = term * z / i
        total = total + np.where(i < k, term, 0.0)
    return np.exp(-z) * total


def _history(con, cutoff: date, horizon_days: int, quality: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame, set]:
    boundary = cutoff + timedelta(days=1)
    lines = con.execute("""
        SELECT o.member_id, substr(o.order_id, 2) AS order_no, o.product_id, o.ordered_at, p.category
        FROM orders o LEFT JOIN products p USING (product_id)
        WHERE o.member_id IS NOT NULL AND o.ordered_at < $b AND o.quantity > 0 AND NOT coalesce(o.is_return, false)
        """, {"b": boundary}).df()
    returns = con.execute("""
        SELECT substr(order_id, 2) AS order_no, product_id, true AS returned FROM orders
        WHERE member_id IS NOT NULL AND ordered_at < $b AND (coalesce(is_return, false) OR quantity < 0)
        """, {"b": boundary}).df().drop_duplicates(["order_no", "product_id"])
    lines = lines.merge(returns, on=["order_no", "product_id"], how="left")
    lines["returned"] = lines["returned"].astype("boolean").fillna(False).astype(bool)
    lines["base_p"] = [(_RETURN_RATE.get(c, 0.0) * (0.3 + 2.9 * (1 - quality.get(pid, 0.75))))
                       for c, pid in zip(lines["category"], lines["product_id"], strict=True)]
    future = set(con.execute("""
        SELECT DISTINCT member_id FROM orders WHERE member_id IS NOT NULL AND ordered_at >= $b
          AND ordered_at < $e AND quantity > 0 AND NOT coalesce(is_return, false)""",
                             {"b": boundary, "e": boundary + timedelta(days=horizon_days)}).df()["member_id"])
    members = con.execute("SELECT member_id, age_band, channel FROM members").df()
    return lines, members, future


class _Prior:
    """Samples of the member latents from the generator's priors (before channel and age factors)."""

    def __init__(self, samples: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.s = rng.standard_normal(samples)
        gamma = rng.gamma(RATE_SHAPE, RATE_MEAN_PER_YEAR / RATE_SHAPE, samples)
        self.rate = gamma / 365.25 * lc.satisfaction_rate_factor(self.s)
        self.drop = rng.beta(DROP_A, DROP_B, samples)
        pick = np.searchsorted(np.cumsum(lc.GAP_SHAPE_P), rng.random(samples), side="right")
        self.k = lc.GAP_SHAPES[pick.clip(0, len(lc.GAP_SHAPES) - 1)]
        self.ret_factor = lc.satisfaction_return_factor(self.s)


def _member_churn(prior: _Prior, ci: int, ai: int, c: np.ndarray, returned: np.ndarray, pending: np.ndarray,
                  line_order: np.ndarray, line_p: np.ndarray, line_ret: np.ndarray, cut_c: float,
                  end_c: float) -> float:
    """P(no purchase up to ``end_c`` | history to ``cut_c``) for one member (times in intensity days).

    ``c`` / ``returned`` / ``pending`` per purchase order in time order (a line of it came back
    before the cutoff; chance its parcel would still be on its way); ``line_*`` per line: its order's
    position, base return probability and whether it came back.
    """
    lam = prior.rate * CHANNEL_RATE[ci] * AGE_RATE[ai]
    drop = np.clip(prior.drop * CHANNEL_DROP[ci] * AGE_DROP[ai], *DROP_CLIP)
    n = len(c)
    log_stay_bad = np.log1p(-lc.leave_probability(drop, prior.s, np.ones(1, dtype=bool)))
    log_stay_good = np.log1p(-lc.leave_probability(drop, prior.s, np.zeros(1, dtype=bool)))
    p_line = np.minimum(line_p[:, None] * prior.ret_factor[None, :], 1.0)
    with np.errstate(divide="ignore"):
        log_no = np.log1p(-p_line)
        log_yes = np.log(p_line)
        starts = np.flatnonzero(np.r_[True, line_order[1:] != line_order[:-1]])
        log_none = np.add.reduceat(log_no, starts, axis=0)  # (orders, samples): nothing went back
        log_seen = np.add.reduceat(np.where(line_ret[:, None], log_yes, log_no), starts, axis=0)
        # bad order: returns seen (exactly these lines), or returns still on their way
        log_bad = np.where(returned[:, None], log_seen, np.log(-np.expm1(log_none)) + np.log(pending)[:, None])
        log_good = np.where(returned[:, None], -np.inf, log_none)
    log_w = np.logaddexp(log_bad[:-1] + log_stay_bad, log_good[:-1] + log_stay_good).sum(axis=0)
    if n > 1:
        gaps = np.maximum(np.diff(c), _MIN_GAP)[:, None]
        r = prior.k * lam
        log_w += (prior.k * np.log(r) + (prior.k - 1) * np.log(gaps) - r * gaps - gammaln(prior.k)).sum(axis=0)
    p_bad, p_good = 1 - np.exp(log_stay_bad), 1 - np.exp(log_stay_good)
    sf_cut = _erlang_sf(max(cut_c - c[-1], 0.0), prior.k, lam)
    sf_end = _erlang_sf(max(end_c - c[-1], 0.0), prior.k, lam)
    a_bad, a_good = np.exp(log_bad[-1]), np.exp(log_good[-1])
    seen = a_bad * (p_bad + (1 - p_bad) * sf_cut) + a_good * (p_good + (1 - p_good) * sf_cut)
    quiet = a_bad * (p_bad + (1 - p_bad) * sf_end) + a_good * (p_good + (1 - p_good) * sf_end)
    w = np.exp(log_w - log_w.max())
    return float((w * quiet).sum() / (w * seen).sum())


def bayes_churn_probability(con, cutoff, horizon_days: int, truth_dir: Path, end: date = date(2026, 9, 30),
                            years: float = 2.0, samples: int = 10000, seed: int = 0) -> pd.DataFrame:
    """Posterior churn probability per member who bought by ``cutoff`` (columns member_id, p, churned).

    ``truth_dir`` holds the demo's ``products_truth.csv`` (product quality); ``end`` and ``years``
    are the demo's history window (``generate_demo`` defaults).
    """
    cal = Calendar.build(end, years)
    truth = pd.read_csv(Path(truth_dir) / "products_truth.csv", dtype={"product_id": str})
    lines, members, future = _history(con, cutoff, horizon_days, dict(zip(truth["product_id"], truth["quality"],
                                                                            strict=True)))
    prior = _Prior(samples, seed)
    boundary = pd.Timestamp(cutoff + timedelta(days=1))

    def cum(day):
        return np.interp(day, np.arange(cal.days + 1), cal.cum)

    cut_day = float((cutoff - cal.start).days + 1)
    cut_c, end_c = float(cum(cut_day)), float(cum(cut_day + horizon_days))
    lags = np.arange(RETURN_LAG[0], RETURN_LAG[1] + 1)
    orders = lines.groupby(["member_id", "order_no"], sort=False).agg(t=("ordered_at", "min"),
                                                                      returned=("returned", "any")).reset_index()
    orders = orders.sort_values(["member_id", "t", "order_no"]).reset_index(drop=True)
    orders["pos"] = orders.groupby("member_id").cumcount()
    days_left = (boundary - orders["t"]).dt.total_seconds().to_numpy() / 86400
    orders["pending"] = (lags[None, :] >= days_left[:, None]).mean(axis=1)
    orders["c"] = cum((orders["t"] - pd.Timestamp(cal.start)).dt.total_seconds().to_numpy() / 86400)
    lines = lines.merge(orders[["member_id", "order_no", "pos"]], on=["member_id", "order_no"])
    lines = lines.sort_values(["member_id", "pos"], kind="stable")
    attrs = members.set_index("member_id")
    out = []
    line_groups = dict(list(lines.groupby("member_id", sort=False)))
    for member_id, mo in orders.groupby("member_id", sort=True):
        ml = line_groups[member_id]
        chan, band = attrs["channel"].get(member_id), attrs["age_band"].get(member_id)
        ci = CHANNELS.index(chan) if chan in CHANNELS else 0
        ai = AGE_BANDS.index(band) if band in AGE_BANDS else 0
        p = _member_churn(prior, ci, ai, mo["c"].to_numpy(), mo["returned"].to_numpy(), mo["pending"].to_numpy(),
                          ml["pos"].to_numpy(), ml["base_p"].to_numpy(), ml["returned"].to_numpy(), cut_c, end_c)
        out.append((member_id, p))
    hist = pd.DataFrame(out, columns=["member_id", "p"])
    hist["churned"] = (~hist["member_id"].isin(future)).astype(int)
    return hist


def bayes_ceiling_auc(con, cutoff, horizon_days: int, truth_dir: Path, end: date = date(2026, 9, 30),
                      years: float = 2.0) -> float:
    """ROC-AUC of the exact posterior on the split (see the module docstring)."""
    df = bayes_churn_probability(con, cutoff, horizon_days, truth_dir, end, years)
    return float(roc_auc_score(df["churned"], df["p"]))
