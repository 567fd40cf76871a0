"""A pandas implementation of :mod:`models.features`, written independently of the SQL.

Not used by the application: it is the oracle the tests compare the SQL against and the
baseline ``bench/features.py`` times. Same definitions as the module docstring of
:mod:`models.features`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from memberinsight.models.features import CORE_COLUMNS, category_columns


def reference_features(members: pd.DataFrame, products: pd.DataFrame, orders: pd.DataFrame,
                       reviews: pd.DataFrame, as_of: date, categories: list[str]) -> pd.DataFrame:
    """Features as of ``as_of`` from canonical-table frames, by pandas group-bys."""
    boundary = pd.Timestamp(as_of + timedelta(days=1))
    asof = pd.Timestamp(as_of)
    prod = products[["product_id", "category", "is_product"]].copy()
    prod["category"] = prod["category"].astype("string").str.strip().replace("", pd.NA).fillna("Uncategorised")
    lines = orders[orders["member_id"].notna() & (orders["ordered_at"] < boundary)].merge(
        prod, on="product_id", how="left")
    lines["category"] = lines["category"].fillna("Uncategorised")
    lines = lines[lines["is_product"].fillna(True).astype(bool)]
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    lines["is_ret"] = lines["is_return"].fillna(False).astype(bool) | (lines["quantity"] < 0)

    buy = lines[~lines["is_ret"] & (lines["quantity"] > 0)]
    ords = buy.groupby(["member_id", "order_id"], sort=False).agg(
        at=("ordered_at", "min"), value=("amount", "sum")).reset_index()
    ords["d"] = ords["at"].dt.normalize()
    ords["age"] = (asof - ords["d"]).dt.days

    days = ords.groupby(["member_id", "d"], sort=True)["value"].sum().reset_index()
    days["gap"] = days.groupby("member_id")["d"].diff().dt.days
    g = days.groupby("member_id")
    dstat = pd.DataFrame({
        "purchase_days": g.size(),
        "first_d": g["d"].min(),
        "last_d": g["d"].max(),
        "repeat_value": g["value"].sum() - g["value"].first(),
        "ipt_mean": g["gap"].mean(),
        "ipt_std": g["gap"].std(ddof=0),
        "ipt_median": g["gap"].median(),
        "ipt_last": g["gap"].last(),
    })

    og = ords.groupby("member_id")
    recent = ords["age"] < 90
    prev = (ords["age"] >= 90) & (ords["age"] < 180)
    year = ords["age"] < 365
    ostat = pd.DataFrame({
        "frequency": og.size(),
        "gross_spend": og["value"].sum(),
        "orders_90d": recent.groupby(ords["member_id"]).sum(),
        "orders_prev_90d": prev.groupby(ords["member_id"]).sum(),
        "orders_365d": year.groupby(ords["member_id"]).sum(),
        "spend_90d": ords["value"].where(recent, 0).groupby(ords["member_id"]).sum(),
        "spend_prev_90d": ords["value"].where(prev, 0).groupby(ords["member_id"]).sum(),
        "spend_365d": ords["value"].where(year, 0).groupby(ords["member_id"]).sum(),
    })

    bg = buy.groupby("member_id")
    cols = category_columns(categories)
    known = set(categories)
    lstat = pd.DataFrame({
        "units": bg["quantity"].sum(),
        "distinct_categories": bg["category"].nunique(),
    })
    total = bg["amount"].sum()
    for cc in cols:
        mask = buy["category"].isin(known) if cc.category is None else buy["category"] == cc.category
        if cc.category is None:
            mask = ~mask
        part = buy["amount"].where(mask, 0).groupby(buy["member_id"]).sum()
        lstat[cc.column] = part / total.replace(0, np.nan)

    ret = lines[lines["is_ret"]]
    rstat = pd.DataFrame({
        "return_value": ret["amount"].abs().groupby(ret["member_id"]).sum(),
        "returned_units": ret["quantity"].abs().groupby(ret["member_id"]).sum(),
    })
    rv = reviews[reviews["member_id"].notna() & (reviews["created_at"] < boundary)]
    vstat = pd.DataFrame({
        "review_count": rv.groupby("member_id").size(),
        "mean_rating": rv.groupby("member_id")["rating"].mean(),
    })

    active = pd.concat([buy["member_id"], ret["member_id"]]).unique()
    dated = members["signup_date"].notna()
    signup = members.loc[(dated & (members["signup_date"] <= asof)) | (~dated & members["member_id"].isin(active)),
                         ["member_id", "signup_date", "age_band", "channel", "country"]]
    ids = pd.Index(signup["member_id"]).union(pd.Index(active))
    out = pd.DataFrame(index=ids.rename("member_id"))
    sg = signup.groupby("member_id")
    for c in ("signup_date", "age_band", "channel", "country"):
        out[c] = sg[c].min()
    out = out.join(dstat).join(ostat).join(lstat).join(rstat).join(vstat)

    res = pd.DataFrame(index=out.index)
    res["recency_days"] = (asof - out["last_d"]).dt.days.astype(float)
    res["frequency"] = out["frequency"].fillna(0)
    res["purchase_days"] = out["purchase_days"].fillna(0)
    res["monetary"] = out["gross_spend"].fillna(0) - out["return_value"].fillna(0)
    res["gross_spend"] = out["gross_spend"].fillna(0)
    res["avg_order_value"] = out["gross_spend"] / out["frequency"]
    start = pd.concat([out["signup_date"], out["first_d"]], axis=1).min(axis=1)
    res["tenure_days"] = (asof - start).dt.days.astype(float)
    res["first_order_days"] = (asof - out["first_d"]).dt.days.astype(float)
    for c in ("ipt_mean", "ipt_std", "ipt_median", "ipt_last"):
        res[c] = out[c]
    for c in ("orders_90d", "orders_prev_90d", "spend_90d", "spend_prev_90d", "orders_365d", "spend_365d"):
        res[c] = out[c].fillna(0)
    res["trend_orders"] = res["orders_90d"] - res["orders_prev_90d"]
    denom = (res["spend_90d"] + res["spend_prev_90d"]).replace(0, np.nan)
    res["trend_spend"] = ((res["spend_90d"] - res["spend_prev_90d"]) / denom).fillna(0)
    res["units"] = out["units"].fillna(0)
    res["units_per_order"] = out["units"] / out["frequency"]
    res["distinct_categories"] = out["distinct_categories"].fillna(0)
    res["return_value"] = out["return_value"].fillna(0)
    res["return_rate"] = (out["returned_units"].fillna(0) / out["units"].replace(0, np.nan)).clip(upper=1.0)
    res["review_count"] = out["review_count"].fillna(0)
    res["mean_rating"] = out["mean_rating"]
    res["x_repeat"] = out["purchase_days"].fillna(1) - 1
    res["t_x_days"] = (out["last_d"] - out["first_d"]).dt.days.astype(float)
    res["repeat_aov"] = out["repeat_value"] / (out["purchase_days"] - 1).replace(0, np.nan)
    res["days_overdue"] = res["recency_days"] - res["ipt_mean"]
    res["overdue_ratio"] = res["recency_days"] / res["ipt_mean"]
    res["repeat_rate_year"] = 365.0 * res["x_repeat"] / res["first_order_days"].clip(lower=30)
    res.loc[out["purchase_days"].isna(), "repeat_rate_year"] = np.nan
    res["recency_share"] = res["recency_days"] / res["first_order_days"].replace(0, np.nan)
    for c in ("age_band", "channel", "country"):
        res[c] = out[c]
    for cc in cols:
        res[cc.column] = out[cc.column]
    res = res.reset_index().sort_values("member_id", kind="stable").reset_index(drop=True)
    assert list(res.columns[1:1 + len(CORE_COLUMNS)]) == list(CORE_COLUMNS)
    return res
