"""Segment and audience totals with 80% intervals: independent members plus a shop-wide error, as a
moment-matched Gamma; checked against simulated sums with a known answer and on the built demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.models.group_sums import MIN_SHOP_ERROR, outlook_of, sum_interval
from memberinsight.models.wording import about_range


def test_sum_interval_matches_a_gamma_sum_with_a_known_answer():
    rng = np.random.default_rng(0)
    # 300 members, each spending Gamma(2, 30): the sum is Gamma(600, 30) exactly
    low, high = sum_interval(300 * 60.0, 300 * 2 * 30.0 ** 2)
    sums = rng.gamma(2.0, 30.0, (20000, 300)).sum(axis=1)
    assert low == pytest.approx(np.quantile(sums, 0.1), rel=0.01)
    assert high == pytest.approx(np.quantile(sums, 0.9), rel=0.01)
    assert ((sums >= low) & (sums <= high)).mean() == pytest.approx(0.8, abs=0.01)
    assert sum_interval(0.0, 0.0) == (0.0, 0.0) and sum_interval(5.0, 0.0) == (5.0, 5.0)


def test_group_totals_add_a_shop_wide_error_to_independent_members():
    rng = np.random.default_rng(1)
    n = 400
    expected = rng.gamma(1.0, 0.8, n)
    part = pd.DataFrame({"member_id": [f"M{i}" for i in range(n)], "expected_orders_90d": expected,
                         "orders_90d_sd": np.sqrt(expected), "predicted_spend_90d": expected * 50,
                         "spend_90d_sd": np.sqrt(expected) * 60, "enough_history": [True] * (n - 7) + [False] * 7})
    calm = outlook_of(part, "calm", {"purchases": 0.0, "spend": 0.0})
    shaky = outlook_of(part, "shaky", {"purchases": 0.25, "spend": 0.25})
    total = float(expected.sum())
    assert calm.purchases_90d.expected == pytest.approx(total, abs=0.01)
    assert calm.purchases_90d.low < total < calm.purchases_90d.high
    # Poisson-like members: the sum is about Poisson(total) plus the 2% floor on the shop-wide error
    spread = 1.2816 * np.sqrt(total + (MIN_SHOP_ERROR * total) ** 2)
    assert calm.purchases_90d.high - total == pytest.approx(spread, rel=0.08)
    assert shaky.purchases_90d.high - shaky.purchases_90d.low > 3 * (calm.purchases_90d.high - calm.purchases_90d.low)
    assert calm.members == n and calm.forecast_members == n and calm.short_history == 7
    assert calm.purchases_365d is None and calm.value_365d is None  # no such columns given
    words = calm.spend_90d.words(money=True, currency="£")
    assert words.startswith("about £") and "(80%: £" in words


def test_about_range_in_words():
    assert about_range(120.4, 40, 260, money=True, currency="£") == "about £120 (80%: £40\u2013£260)"
    assert about_range(340.2, 301.5, 380) == "about 340 (80%: 302\u2013380)"
    assert about_range(0.4, 0, 1.2) == "about 0.4 (80%: 0\u20131.2)"
    # a skewed outcome whose mean lies above the range of 8 in 10 outcomes is not shown as "about £45 (80%: £0-£42)"
    assert about_range(45.2, 0, 42, money=True, currency="£") == \
        "£0\u2013£42 in 8 of 10 cases (on average £45, lifted by a few large ones)"
    assert about_range(42.3, 0, 42, money=True, currency="£") == "about £42 (80%: £0\u2013£42)"  # as shown, inside
    assert about_range(3.2, 4, 9).endswith("(on average 3.2, pulled down by a few small ones)")
    assert about_range(5, None, None) == "about 5" and about_range(None, 1, 2) == ""


@pytest.mark.slow
def test_demo_segment_totals_agree_with_the_members_and_the_simulated_sums(built_workspace):
    from memberinsight.models import group_outlook, member_ranges, segment_outlooks

    outlooks = {o.group: o for o in segment_outlooks(built_workspace)}
    with built_workspace.analytics(read_only=True) as con:
        preds = con.execute("SELECT * FROM member_predictions").df()
        simulated = con.execute("SELECT * FROM segment_intervals").df().set_index("rfm_segment")
    for name, o in outlooks.items():
        part = preds[preds["rfm_segment"] == name]
        assert o.members == len(part)
        if o.purchases_90d is None:  # no member of the segment has a forecast
            assert part["expected_orders_90d"].isna().all()
            continue
        assert o.purchases_90d.expected == pytest.approx(part["expected_orders_90d"].sum(), abs=0.05)
        assert o.value_365d.expected == pytest.approx(part["predicted_clv_365d"].sum(), abs=0.5)
        for est in (o.purchases_90d, o.spend_90d, o.purchases_365d, o.value_365d):
            assert est.low <= est.expected <= est.high
        if name in simulated.index and o.forecast_members >= 50:
            # the simulated (independent) sums' interval lies inside ours, which adds the shop-wide error; the
            # simulated sums are whole orders, so their quantiles may sit up to one order off a smooth one
            sim = simulated.loc[name]
            assert o.purchases_90d.low <= sim["orders_90d_low"] * 1.03 + 1
            assert o.purchases_90d.high >= sim["orders_90d_high"] * 0.97 - 1
    champions = preds.loc[preds["rfm_segment"] == "Champions", "member_id"].tolist()
    same = group_outlook(built_workspace, champions, "Champions")
    assert same.value_365d == outlooks["Champions"].value_365d
    ranges = member_ranges(built_workspace, champions[:5] + ["NOPE"])
    assert list(ranges["member_id"]) == champions[:5] + ["NOPE"] and ranges["clv_365d_high"].iloc[:5].notna().all()
    assert (ranges["clv_365d_low"].iloc[:5] <= ranges["predicted_clv_365d"].iloc[:5] + 0.01).all()
