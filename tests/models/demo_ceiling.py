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

from workspace.demo import lifecycle as lc
from workspace.demo.calendar import Calendar
from workspace.demo.members import (
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
from workspace.demo.orders import RETURN_LAG
from workspace.demo.vocab import CATEGORIES

_RETURN_RATE = {c.name: c.return_rate for c in CATEGORIES}
_MIN_GAP = 1e-3  # intensity-days; two orders with the same timestamp


def _log_erlang_pdf(x: float, k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    r = k * lam
    return k * np.log(r) + (k - 1) * np.log(x) - r * x - gammaln(k)


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


def bayes_churn_probability(con, cutoff, horizon_days: int, truth_dir: Path, end: date = date(2026, 9, 30),
                            years: float = 2.0, samples: int = 20000, seed: int = 0) -> pd.DataFrame:
    """Posterior churn probability per member who bought by ``cutoff`` (columns member_id, p, churned).

    ``truth_dir`` holds the demo's ``products_truth.csv`` (product quality); ``end`` and ``years``
    are the demo's history window (``generate_demo`` defaults).
    """
    cal = Calendar.build(end, years)
    start = pd.Timestamp(cal.start)
    truth = pd.read_csv(Path(truth_dir) / "products_truth.csv", dtype={"product_id": str})
    quality = dict(zip(truth["product_id"], truth["quality"], strict=True))
    lines, members, future = _history(con, cutoff, horizon_days, quality)
    rng = np.random.default_rng(seed)
    s = rng.standard_normal(samples)
    base_rate = rng.gamma(RATE_SHAPE, RATE_MEAN_PER_YEAR / RATE_SHAPE, samples) / 365.25 * lc.satisfaction_rate_factor(s)
    base_drop = rng.beta(DROP_A, DROP_B, samples)
    k = lc.GAP_SHAPES[np.searchsorted(np.cumsum(lc.GAP_SHAPE_P), rng.random(samples), side="right").clip(0, 2)]
    ret_factor = lc.satisfaction_return_factor(s)
    boundary = pd.Timestamp(cutoff + timedelta(days=1))
    cut_day = float((cutoff - cal.start).days + 1)

    def cum(day: float) -> float:
        return float(np.interp(day, np.arange(cal.days + 1), cal.cum))

    lags = np.arange(RETURN_LAG[0], RETURN_LAG[1] + 1)
    channel = dict(zip(members["member_id"], members["channel"], strict=True))
    age = dict(zip(members["member_id"], members["age_band"], strict=True))
    out = []
    for member_id, mlines in lines.groupby("member_id", sort=True):
        ci = CHANNELS.index(channel.get(member_id)) if channel.get(member_id) in CHANNELS else 0
        ai = AGE_BANDS.index(age.get(member_id)) if age.get(member_id) in AGE_BANDS else 0
        lam = base_rate * CHANNEL_RATE[ci] * AGE_RATE[ai]
        drop = np.clip(base_drop * CHANNEL_DROP[ci] * AGE_DROP[ai], *DROP_CLIP)
        p_bad = lc.leave_probability(drop, s, np.ones(samples, dtype=bool))
        p_good = lc.leave_probability(drop, s, np.zeros(samples, dtype=bool))
        orders = mlines.groupby("order_no", sort=False).agg(t=("ordered_at", "min")).sort_values("t")
        log_w = np.zeros(samples)
        last_terms = None
        prev_c = None
        for j, (order_no, row) in enumerate(orders.iterrows()):
            ol = mlines[mlines["order_no"] == order_no]
            p = np.minimum(np.outer(ol["base_p"].to_numpy(), ret_factor), 1.0)
            log_keep = np.log1p(-np.minimum(p, 1 - 1e-12)).sum(axis=0)
            if ol["returned"].any():
                r = ol["returned"].to_numpy()[:, None]
                a_bad = np.exp(np.where(r, np.log(np.maximum(p, 1e-300)), np.log1p(-np.minimum(p, 1 - 1e-12))).sum(0))
                a_good = np.zeros(samples)
            else:
                left = (boundary - row["t"]).total_seconds() / 86400
                pending = float(np.mean(lags >= left))  # parcel would not be back yet
                a_good = np.exp(log_keep)
                a_bad = (1 - a_good) * pending
            day = (row["t"] - start).total_seconds() / 86400
            c = cum(day)
            if prev_c is not None:
                log_w += _log_erlang_pdf(max(c - prev_c, _MIN_GAP), k, lam)
            prev_c = c
            if j < len(orders) - 1:
                log_w += np.log(np.maximum(a_bad * (1 - p_bad) + a_good * (1 - p_good), 1e-300))
            else:
                last_terms = (a_bad, a_good)
        a_bad, a_good = last_terms
        sf_cut = _erlang_sf(max(cum(cut_day) - prev_c, 0.0), k, lam)
        sf_end = _erlang_sf(max(cum(cut_day + horizon_days) - prev_c, 0.0), k, lam)
        obs = a_bad * (p_bad + (1 - p_bad) * sf_cut) + a_good * (p_good + (1 - p_good) * sf_cut)
        quiet = a_bad * (p_bad + (1 - p_bad) * sf_end) + a_good * (p_good + (1 - p_good) * sf_end)
        w = np.exp(log_w - log_w.max())
        out.append((member_id, float((w * quiet).sum() / (w * obs).sum())))
    hist = pd.DataFrame(out, columns=["member_id", "p"])
    hist["churned"] = (~hist["member_id"].isin(future)).astype(int)
    return hist


def bayes_ceiling_auc(con, cutoff, horizon_days: int, truth_dir: Path, end: date = date(2026, 9, 30),
                      years: float = 2.0) -> float:
    """ROC-AUC of the exact posterior on the split (see the module docstring)."""
    df = bayes_churn_probability(con, cutoff, horizon_days, truth_dir, end, years)
    return float(roc_auc_score(df["churned"], df["p"]))
