"""Behaviour signals: who posted the review, when, and how it fits the product's other reviews.

Columns (aligned with the review frame of :func:`screening.data.load_review_frame`):

* ``burst_count`` - other reviews of the same product within ``window_days`` either side;
* ``burst_ratio`` - that count over what the product's normal review rate predicts;
* ``burst_young`` - how many of those came from accounts at most ``young_days`` old at the time;
* ``account_age_days`` - days between the account's signup and the review (missing -> 365);
* ``reviewer_volume`` - reviews the account has written in total;
* ``member_orders`` - orders the account has placed (0 for accounts that never bought);
* ``verified`` - 1 when the shop confirmed a purchase;
* ``rating_deviation`` - rating minus the mean rating of the product's other reviews;
* ``rating_extremity`` - distance of the rating from the middle (0 for 3 stars, 1 for 1 or 5);
* ``reviewer_extreme_share`` - share of the account's reviews that are 1 or 5 stars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WINDOW_DAYS = 3.0
YOUNG_DAYS = 14.0
UNKNOWN_AGE_DAYS = 365.0

BEHAVIOUR_COLUMNS = ("burst_count", "burst_ratio", "burst_young", "account_age_days", "reviewer_volume",
                     "member_orders", "verified", "rating_deviation", "rating_extremity",
                     "reviewer_extreme_share")


def behaviour_signals(df: pd.DataFrame, window_days: float = WINDOW_DAYS, young_days: float = YOUNG_DAYS
                      ) -> pd.DataFrame:
    """Behaviour columns for every row of ``df`` (needs review_id, product_id, member_id, rating,
    created_at, verified_purchase, signup_date, member_orders)."""
    n = len(df)
    t = df["created_at"].to_numpy("datetime64[s]").astype(np.int64) / 86400.0
    signup = df["signup_date"]
    age = (df["created_at"] - signup).dt.total_seconds().to_numpy() / 86400.0
    age = np.where(np.isnan(age), UNKNOWN_AGE_DAYS, np.maximum(age, 0.0))
    young = age <= young_days
    product = df["product_id"].astype(str).to_numpy()
    burst = np.zeros(n)
    burst_young = np.zeros(n)
    expected = np.zeros(n)
    order = np.lexsort((t, product))
    p_sorted, t_sorted, y_sorted = product[order], t[order], young[order].astype(np.int64)
    bounds = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        ts = t_sorted[lo:hi]
        left = np.searchsorted(ts, ts - window_days, side="left")
        right = np.searchsorted(ts, ts + window_days, side="right")
        cum = np.r_[0, np.cumsum(y_sorted[lo:hi])]
        rows = order[lo:hi]
        burst[rows] = right - left - 1
        burst_young[rows] = cum[right] - cum[left] - y_sorted[lo:hi]
        span = max(ts[-1] - ts[0], 30.0)
        expected[rows] = (hi - lo - 1) * (2 * window_days) / span
    member = df["member_id"].astype(object).where(df["member_id"].notna(), None)
    key = np.array([f"\0anon{i}" if m is None else str(m) for i, m in enumerate(member)], dtype=object)
    extreme = df["rating"].isin([1, 5]).astype(float).to_numpy()
    by_member = pd.DataFrame({"k": key, "e": extreme})
    volume = by_member.groupby("k")["k"].transform("size").to_numpy()
    extreme_share = by_member.groupby("k")["e"].transform("mean").to_numpy()
    rating = df["rating"].to_numpy(float)
    g = pd.Series(rating).groupby(product)
    cnt, tot = g.transform("count").to_numpy(), g.transform("sum").to_numpy()
    global_mean = float(rating.mean()) if n else 3.0
    others_mean = np.where(cnt > 1, (tot - rating) / np.maximum(cnt - 1, 1), global_mean)
    return pd.DataFrame({
        "burst_count": burst,
        "burst_ratio": burst / (expected + 1.0),
        "burst_young": burst_young,
        "account_age_days": age,
        "reviewer_volume": volume.astype(float),
        "member_orders": df["member_orders"].to_numpy(float),
        "verified": df["verified_purchase"].astype(float).to_numpy(),
        "rating_deviation": rating - others_mean,
        "rating_extremity": np.abs(rating - 3.0) / 2.0,
        "reviewer_extreme_share": extreme_share,
    })
