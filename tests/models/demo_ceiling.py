"""The best churn ROC-AUC any model can reach on a demo time split (the Bayes ceiling).

The demo generator (:mod:`workspace.demo.members`, :mod:`workspace.demo.orders`) draws each
member's purchase rate from ``Gamma(0.9, scale 5/0.9) per year x channel x age`` factors and a
dropout probability from ``Beta(1.3, 6) x channel x age`` factors (clipped to [0.01, 0.92]); purchases
follow a Poisson process scaled by the shop's daily intensity, and after *every* purchase (the first
included) the member drops out with that probability. Nothing else observable (spend, categories,
returns, reviews) depends on the rate or the dropout.

Given a member's observed history up to the cutoff (first and last purchase, repeat count, age band,
channel), the exact posterior P(no purchase in the next H days) follows from those priors; it is
computed here by importance sampling from the prior. Its ROC-AUC is the ceiling: no model that sees
only the data can beat it except by chance. Keep the prior constants in step with the generator.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from workspace.demo.calendar import Calendar
from workspace.demo.members import AGE_BANDS, AGE_DROP, AGE_RATE, CHANNEL_DROP, CHANNEL_RATE, CHANNELS

RATE_SHAPE, RATE_MEAN_PER_YEAR = 0.9, 5.0
DROP_A, DROP_B = 1.3, 6.0


def bayes_churn_probability(con, cutoff, horizon_days: int, end: date = date(2026, 9, 30), years: float = 2.0,
                            samples: int = 20000, seed: int = 0) -> pd.DataFrame:
    """Posterior churn probability per member who bought by ``cutoff`` (columns member_id, p, churned).

    ``end`` and ``years`` are the demo's history window (``generate_demo`` defaults).
    """
    cal = Calendar.build(end, years)
    start = cal.start
    rng = np.random.default_rng(seed)
    g_rate = rng.gamma(RATE_SHAPE, RATE_MEAN_PER_YEAR / RATE_SHAPE, samples) / 365.25
    g_drop = rng.beta(DROP_A, DROP_B, samples)
    boundary = cutoff + timedelta(days=1)
    orders = con.execute("""
        SELECT member_id, order_id, min(ordered_at) AS t FROM orders
        WHERE member_id IS NOT NULL AND ordered_at < $b AND quantity > 0 AND NOT coalesce(is_return, false)
        GROUP BY 1, 2""", {"b": boundary}).df()
    future = set(con.execute("""
        SELECT DISTINCT member_id FROM orders WHERE member_id IS NOT NULL AND ordered_at >= $b
          AND ordered_at < $e AND quantity > 0 AND NOT coalesce(is_return, false)""",
                             {"b": boundary, "e": boundary + timedelta(days=horizon_days)}).df()["member_id"])
    members = con.execute("SELECT member_id, age_band, channel FROM members").df()
    orders["day"] = (orders["t"] - pd.Timestamp(start)).dt.total_seconds() / 86400

    def cum(day: float) -> float:
        return float(np.interp(day, np.arange(cal.days + 1), cal.cum))

    cut_day = float((cutoff - start).days + 1)
    horizon_intensity = cum(cut_day + horizon_days) - cum(cut_day)
    hist = orders.groupby("member_id")["day"].agg(["min", "max", "count"]).reset_index()
    hist = hist.merge(members, on="member_id", how="left")
    probs = []
    for row in hist.itertuples(index=False):
        ci = CHANNELS.index(row.channel) if row.channel in CHANNELS else 0
        ai = AGE_BANDS.index(row.age_band) if row.age_band in AGE_BANDS else 0
        lam = g_rate * CHANNEL_RATE[ci] * AGE_RATE[ai]
        p = np.clip(g_drop * CHANNEL_DROP[ci] * AGE_DROP[ai], 0.01, 0.92)
        x = row.count - 1
        life, last = cum(cut_day) - cum(row.min), cum(row.max) - cum(row.min)
        log_alive = (x + 1) * np.log1p(-p) + x * np.log(lam) - lam * life
        log_dead = x * np.log1p(-p) + np.log(p) + x * np.log(lam) - lam * last
        top = max(log_alive.max(), log_dead.max())
        w_alive, w_dead = np.exp(log_alive - top), np.exp(log_dead - top)
        probs.append((w_dead.sum() + (w_alive * np.exp(-lam * horizon_intensity)).sum())
                     / (w_alive.sum() + w_dead.sum()))
    hist["p"] = probs
    hist["churned"] = (~hist["member_id"].isin(future)).astype(int)
    return hist[["member_id", "p", "churned"]]


def bayes_ceiling_auc(con, cutoff, horizon_days: int, end: date = date(2026, 9, 30), years: float = 2.0) -> float:
    """ROC-AUC of the exact posterior on the split (see the module docstring)."""
    df = bayes_churn_probability(con, cutoff, horizon_days, end, years)
    return float(roc_auc_score(df["churned"], df["p"]))
