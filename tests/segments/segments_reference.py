"""An independent pandas implementation of segment semantics, to check the SQL compiler against.

Written from the documented semantics (segments.definition / segments.fields), not from the SQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from memberinsight.segments.definition import Condition, Group, Not, SegmentDefinition


class PandasSegments:
    """Loads the canonical tables (and predictions when present) once; evaluates definitions."""

    def __init__(self, ws: Any) -> None:
        with ws.analytics(read_only=True) as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            self.members = con.execute("SELECT * FROM members").df()
            self.products = con.execute("SELECT * FROM products").df()
            self.orders = con.execute("SELECT * FROM orders").df()
            self.reviews = con.execute("SELECT * FROM reviews").df()
            self.predictions = (con.execute("SELECT * FROM member_predictions").df()
                                if "member_predictions" in tables else None)
            self.features = (con.execute("SELECT * FROM member_features").df()
                             if "member_features" in tables else None)
        self.ids = pd.Index(self.members["member_id"].astype(str), name="member_id")
        o = self.orders.merge(self.products[["product_id", "category", "is_product"]], on="product_id", how="left")
        o = o[o["member_id"].notna() & o["is_product"].fillna(True).astype(bool)].copy()
        o["member_id"] = o["member_id"].astype(str)
        o["day"] = pd.to_datetime(o["ordered_at"]).dt.normalize()
        is_return = o["is_return"].fillna(False).astype(bool) | (o["quantity"] < 0)
        o["purchase"] = ~is_return & (o["quantity"] > 0)
        o["returned"] = is_return
        o["value"] = (o["quantity"] * o["unit_price"]).where(o["purchase"], -(o["quantity"] * o["unit_price"]).abs())
        o["cat"] = o["category"].str.lower()
        self.lines = o
        self.ref = pd.Timestamp(pd.to_datetime(self.orders["ordered_at"]).max()).normalize()
        r = self.reviews[self.reviews["member_id"].notna()].copy()
        r["member_id"] = r["member_id"].astype(str)
        r["day"] = pd.to_datetime(r["created_at"]).dt.normalize()
        self.review_rows = r

    # ----- values ---------------------------------------------------------------------
    def _lines(self, c: Condition) -> pd.DataFrame:
        o = self.lines
        if c.category:
            o = o[o["cat"].isin([x.lower() for x in c.category])]
        return self._window(o, c)

    def _window(self, rows: pd.DataFrame, c: Condition) -> pd.DataFrame:
        """Rows inside the condition's trailing ``days`` or absolute ``from``/``to`` window (inclusive)."""
        if c.days is not None:
            rows = rows[rows["day"] > self.ref - pd.Timedelta(days=c.days)]
        if c.date_from is not None:
            rows = rows[rows["day"] >= pd.Timestamp(c.date_from)]
        if c.date_to is not None:
            rows = rows[rows["day"] <= pd.Timestamp(c.date_to)]
        return rows

    def value(self, c: Condition) -> pd.Series:
        f = c.field
        if f in ("city", "country", "channel", "age_band", "signup_date"):
            return self.members.set_index(self.ids)[f]
        if f in ("orders", "spend", "aov", "returns", "last_order_date", "first_order_date", "distinct_products"):
            o = self._lines(c)
            g = o.groupby("member_id")
            if f == "orders":
                s = o[o["purchase"]].groupby("member_id")["order_id"].nunique()
            elif f == "spend":
                s = g["value"].sum()
            elif f == "returns":
                s = o[o["returned"]].groupby("member_id")["order_id"].nunique()
            elif f == "distinct_products":
                s = o[o["purchase"]].groupby("member_id")["product_id"].nunique()
            elif f == "aov":
                p = o[o["purchase"]]
                s = p.groupby("member_id")["value"].sum() / p.groupby("member_id")["order_id"].nunique()
            elif f == "last_order_date":
                s = o[o["purchase"]].groupby("member_id")["day"].max()
            else:
                s = o[o["purchase"]].groupby("member_id")["day"].min()
            s = s.reindex(self.ids)
            if f in ("spend", "aov"):
                s = s.round(2)  # money is compared in cents
            return s.fillna(0) if f in ("orders", "spend", "returns", "distinct_products") else s
        if f in ("reviews", "avg_rating", "low_ratings"):
            r = self._window(self.review_rows, c)
            g = r.groupby("member_id")["rating"]
            s = {"reviews": g.size(), "avg_rating": g.mean(),
                 "low_ratings": r[r["rating"] <= 2].groupby("member_id").size()}[f].reindex(self.ids)
            return s if f == "avg_rating" else s.fillna(0)
        if f in ("tenure_days", "return_rate", "distinct_categories", "spend_trend", "days_overdue"):
            feats = self.features.assign(member_id=self.features["member_id"].astype(str)).set_index("member_id")
            if f == "days_overdue":
                s = feats["recency_days"] - feats["ipt_mean"]
            else:
                s = feats["trend_spend" if f == "spend_trend" else f]
            return s.reindex(self.ids)
        if self.predictions is None:
            raise LookupError("member_predictions is missing")
        p = self.predictions.assign(member_id=self.predictions["member_id"].astype(str)).set_index("member_id")
        return p[f].reindex(self.ids)

    # ----- conditions -----------------------------------------------------------------
    def condition(self, c: Condition) -> pd.Series:
        v = self.value(c)
        op, x = c.op, c.value
        if c.field in ("city", "country", "channel", "age_band", "rfm_segment"):
            low = v.astype("string").str.lower()
            if op in ("=", "!="):
                hit = low == str(x).lower()
            else:
                hit = low.isin([str(i).lower() for i in x])
            hit = hit.fillna(False).astype(bool)
            return ~hit if op in ("!=", "not in") else hit
        if c.field == "cluster":
            hit = v.isin([x] if op in ("=", "!=") else list(x)).fillna(False).astype(bool)
            return ~hit if op in ("!=", "not in") else hit
        if c.field in ("churn_band", "clv_tier"):
            low = v.astype("string").str.lower()
            hit = (low.isin([i.lower() for i in x]) if isinstance(x, tuple) else low == x.lower())
            hit = hit.fillna(False).astype(bool)
            return ~hit if op in ("!=", "not in") else hit
        if c.field in ("signup_date", "last_order_date", "first_order_date", "expected_next_order_date"):
            d = pd.to_datetime(v).dt.normalize()
            ref = self.ref
            if op == "in_last_days":
                hit = d > ref - pd.Timedelta(days=x)
            elif op == "more_than_days_ago":
                hit = d <= ref - pd.Timedelta(days=x)
            elif op == "in_next_days":
                hit = (d > ref) & (d <= ref + pd.Timedelta(days=x))
            elif op == "between":
                hit = (d >= pd.Timestamp(x[0])) & (d <= pd.Timestamp(x[1]))
            else:
                hit = _compare(d, op, pd.Timestamp(x))
            return hit.fillna(False).astype(bool)
        num = pd.to_numeric(v, errors="coerce")
        if op == "between":
            hit = (num >= x[0]) & (num <= x[1])
        elif op == "!=":
            return ~((num == x).fillna(False).astype(bool))
        else:
            hit = _compare(num, op, x)
        return hit.fillna(False).astype(bool)

    def mask(self, node: Any) -> pd.Series:
        if isinstance(node, Condition):
            return self.condition(node)
        if isinstance(node, Not):
            return ~self.mask(node.item)
        assert isinstance(node, Group)
        masks = [self.mask(i) for i in node.items]
        out = masks[0]
        for m in masks[1:]:
            out = (out & m) if node.kind == "all" else (out | m)
        return out

    def members_of(self, definition: SegmentDefinition) -> list[str]:
        m = self.mask(definition.where)
        return sorted(m[m].index.tolist())

    def ref_date(self) -> date:
        return self.ref.date()

    def day(self, days_back: int) -> date:
        return self.ref.date() - timedelta(days=days_back)


def _compare(s: pd.Series, op: str, x: Any) -> pd.Series:
    return {"=": s == x, ">": s > x, ">=": s >= x, "<": s < x, "<=": s <= x}[op]
