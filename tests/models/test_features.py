"""Features in SQL: agree with an independent pandas implementation, honour the cutoff exactly."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from memberinsight.models.features import (
    CORE_COLUMNS,
    compute_features,
    future_targets,
    latest_order_date,
    top_categories,
)
from memberinsight.models.features_reference import reference_features


def _tables(ws):
    with ws.analytics(read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in ("members", "products", "orders", "reviews")}


def _assert_same(sql: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(sql.columns) == list(ref.columns)
    assert sql["member_id"].tolist() == ref["member_id"].tolist()
    for col in sql.columns[1:]:
        if col in ("age_band", "channel", "country"):
            assert sql[col].fillna("").tolist() == ref[col].fillna("").tolist(), col
            continue
        a = pd.to_numeric(sql[col]).astype(float).to_numpy()
        b = pd.to_numeric(ref[col]).astype(float).to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=col)


@pytest.mark.parametrize("as_of", ["2025-06-30", "2025-11-01"])
def test_sql_matches_pandas_reference(small_ws, as_of):
    tables = _tables(small_ws)
    with small_ws.analytics(read_only=True) as con:
        sql = compute_features(con, as_of)
    ref = reference_features(tables["members"], tables["products"], tables["orders"], tables["reviews"],
                             date.fromisoformat(as_of), sql.attrs["categories"])
    assert len(sql) > 30
    _assert_same(sql, ref)


def test_feature_definitions_on_known_member(small_ws):
    # M0001 has two orders on 2025-02-20 (09:00 and 15:00) besides any random ones.
    with small_ws.analytics(read_only=True) as con:
        f = compute_features(con, "2025-02-20").set_index("member_id")
        lines = con.execute("SELECT * FROM orders WHERE member_id = 'M0001' AND ordered_at < '2025-02-21'").df()
    row = f.loc["M0001"]
    buys = lines[(lines.quantity > 0) & ~lines.is_return & (lines.product_id != "POST")]
    assert row["frequency"] == buys["order_id"].nunique()
    assert row["purchase_days"] == buys["ordered_at"].dt.normalize().nunique()
    assert row["recency_days"] == 0  # bought on the cutoff day itself: the whole day counts
    assert row["x_repeat"] == row["purchase_days"] - 1
    assert row["gross_spend"] == pytest.approx((buys.quantity * buys.unit_price).sum())
    assert row["avg_order_value"] == pytest.approx(row["gross_spend"] / row["frequency"])


def test_non_buyers_fees_and_guests(small_ws):
    with small_ws.analytics(read_only=True) as con:
        f = compute_features(con, "2026-03-01")
        guests = con.execute("SELECT count(*) FROM orders WHERE member_id IS NULL").fetchall()[0][0]
    assert guests > 0 and f["member_id"].notna().all()
    assert "share_fees" not in f.columns  # postage lines (is_product = false) never count
    non = f[f["frequency"] == 0]
    assert len(non) > 0
    assert non["recency_days"].isna().all() and (non["monetary"] == 0).all()
    buyers = f[f["frequency"] > 0]
    shares = buyers[[c for c in f.columns if c.startswith("share_")]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-9)
    assert buyers["return_rate"].between(0, 1).all()
    assert set(CORE_COLUMNS) <= set(f.columns)


def test_members_who_signed_up_after_cutoff_are_excluded(small_ws, small_frames):
    as_of = date(2025, 3, 1)
    with small_ws.analytics(read_only=True) as con:
        f = compute_features(con, as_of)
    m = small_frames["members"]
    later = set(m.loc[m["signup_date"] > pd.Timestamp(as_of), "member_id"])
    o = small_frames["orders"]
    bought_before = set(o.loc[o["ordered_at"] < pd.Timestamp(as_of + timedelta(days=1)), "member_id"].dropna())
    assert later - bought_before, "fixture should have members who joined after the cutoff"
    assert not (set(f["member_id"]) & (later - bought_before))


def test_appending_future_orders_changes_nothing(demo_copy):
    ws = demo_copy
    with ws.analytics() as con:
        cutoff = latest_order_date(con) - timedelta(days=120)
        cats = top_categories(con, cutoff)
        before = compute_features(con, cutoff)
        members = con.execute("SELECT member_id FROM members ORDER BY member_id LIMIT 60").df()["member_id"]
        prod = con.execute("SELECT product_id FROM products LIMIT 1").fetchall()[0][0]
        con.execute("INSERT INTO products (product_id, title, category, price, is_product) "
                    "VALUES ('PNEW', 'Brand new thing', 'Brand New Category', 999.0, TRUE)")
        con.execute("INSERT INTO members (member_id, signup_date, channel) VALUES ('MNEW', ?, 'social')",
                    [cutoff + timedelta(days=1)])
        start = datetime.combine(cutoff + timedelta(days=1), datetime.min.time())  # first instant after
        rows = []
        for i, m in enumerate(members):
            t = start + timedelta(days=i % 30, hours=i % 5)
            rows.append((f"FUT{i}", 1, m, "PNEW", 50, 999.0, t, False))
            rows.append((f"FUT{i}", 2, m, prod, 3, 10.0, t, False))
            rows.append((f"FUTR{i}", 1, m, prod, -2, 10.0, t + timedelta(days=1), True))
        rows.append(("FUTX", 1, "MNEW", prod, 1, 5.0, start, False))
        con.executemany("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at, is_return) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at) "
                        "VALUES (?, ?, ?, 1, 'late review', ?)",
                        [(f"RV{i}", prod, m, start) for i, m in enumerate(members)])
        after = compute_features(con, cutoff)
        assert top_categories(con, cutoff) == cats
        assert future_targets(con, cutoff, 30)["future_orders"].sum() >= len(members)
    pd.testing.assert_frame_equal(before, after)


def test_member_without_signup_date_appears_from_first_purchase(small_ws, small_frames):
    m = small_frames["members"]
    nodate = m.loc[m["signup_date"].isna(), "member_id"].tolist()
    assert nodate == ["M0003"]
    o = small_frames["orders"]
    buys = o[(o["member_id"] == "M0003") & (o["quantity"] > 0) & (o["product_id"] != "POST")]
    first = buys["ordered_at"].min().date()
    with small_ws.analytics(read_only=True) as con:
        before = compute_features(con, first - timedelta(days=1)).set_index("member_id")
        on = compute_features(con, first).set_index("member_id")
    assert "M0003" not in before.index  # did not exist yet: no sign-up date, no purchase
    row = on.loc["M0003"]
    assert row["frequency"] >= 1 and row["tenure_days"] == row["first_order_days"] == 0


def test_overdue_features(small_ws):
    with small_ws.analytics(read_only=True) as con:
        f = compute_features(con, "2026-01-15")
    two = f[f["purchase_days"] >= 2]
    np.testing.assert_allclose(two["days_overdue"], two["recency_days"] - two["ipt_mean"])
    np.testing.assert_allclose(two["overdue_ratio"], two["recency_days"] / two["ipt_mean"])
    np.testing.assert_allclose(two["repeat_rate_year"],
                               365 * two["x_repeat"] / two["first_order_days"].clip(lower=30))
    one = f[f["purchase_days"] == 1]
    assert len(one) and one["days_overdue"].isna().all() and (one["repeat_rate_year"] == 0).all()
