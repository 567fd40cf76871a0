"""80% intervals for purchases and spend, "too little history" flags, and their wording.

Unit tests use customers simulated from a known BG/NBD process (:func:`models.bgnbd.simulate_bgnbd`),
so interval coverage is checked against the truth; the slow tests read the built demo workspace.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.models.bgnbd import simulate_bgnbd
from memberinsight.models.clv import StatisticalCLV
from memberinsight.models.intervals import (
    count_interval,
    coverage,
    group_intervals,
    history_notes,
    member_intervals,
    simulate,
    spend_interval,
)
from memberinsight.models.profile import outlook_with_range, spend_words

PARAMS = (0.6, 40.0, 0.8, 3.0)  # r, alpha (days), a, b


@pytest.fixture(scope="module")
def shop() -> tuple[pd.DataFrame, np.ndarray]:
    """4,000 BG/NBD customers observed for 365 days, with purchases in the next 90 days (truth)."""
    rng = np.random.default_rng(3)
    sim = simulate_bgnbd(4000, PARAMS, T=365.0, horizon=90.0, rng=rng)
    x = sim["x"]
    feats = pd.DataFrame({
        "member_id": [f"M{i:05d}" for i in range(len(x))], "frequency": x + 1, "x_repeat": x,
        "t_x_days": sim["t_x"], "first_order_days": sim["T"],
        "repeat_aov": np.where(x > 0, rng.gamma(4.0, 12.0, len(x)), np.nan),
        "avg_order_value": rng.gamma(4.0, 12.0, len(x))})
    return feats, sim["future"]


@pytest.fixture(scope="module")
def stat(shop) -> StatisticalCLV:
    return StatisticalCLV().fit(shop[0])


def test_simulated_mean_matches_the_closed_form_expectation(shop, stat):
    feats, _ = shop
    d = simulate(stat, feats, 90, draws=2000, seed=1)
    closed = stat.expected_purchases(feats, 90)
    assert d.purchases.shape == (len(feats), 2000)
    assert d.purchases.mean() == pytest.approx(closed.mean(), rel=0.03)
    assert np.corrcoef(d.purchases.mean(axis=1), closed)[0, 1] > 0.99
    assert d.spend is not None and (d.spend[d.purchases == 0] == 0).all() and (d.spend[d.purchases > 0] > 0).all()


def test_purchase_intervals_cover_about_80_percent_of_the_truth(shop, stat):
    feats, future = shop
    d = simulate(stat, feats, 90, seed=2)
    lo, hi = count_interval(d.purchases)
    cov = coverage(future, lo, hi)
    assert 0.75 <= cov <= 0.85, cov
    assert (lo <= hi).all() and (lo >= 0).all()
    rounded = np.rint(d.purchases.mean(axis=1))
    assert ((lo <= rounded) & (rounded <= hi)).all()  # the number shown always lies in its range
    plain_lo, plain_hi = count_interval(d.purchases, calibrate=False)
    assert coverage(future, plain_lo, plain_hi) > cov  # discrete counts over-cover without calibration


def test_intervals_centre_on_the_shipped_estimate(shop, stat):
    feats, _ = shop
    base = stat.expected_purchases(feats, 90)
    d = simulate(stat, feats, 90, expected=base * 1.5, seed=4)
    assert d.purchases.mean() == pytest.approx(1.5 * base.mean(), rel=0.05)
    _, high = count_interval(d.purchases)
    _, plain_high = count_interval(simulate(stat, feats, 90, seed=4).purchases)
    assert high.sum() > plain_high.sum()


def test_spend_interval_handles_the_mass_at_zero():
    rng = np.random.default_rng(0)
    draws = np.where(rng.random((3, 5000)) < np.array([[0.95], [0.5], [0.0]]), 0.0, rng.gamma(3.0, 20.0, (3, 5000)))
    lo, hi = spend_interval(draws, calibrate=False)
    assert lo[0] == 0 and hi[0] == 0  # almost surely nothing
    assert lo[1] == 0 and 0 < hi[1]  # one-sided: from nothing up to the 80th percentile
    inside = ((draws >= lo[:, None]) & (draws <= hi[:, None])).mean(axis=1)
    assert inside[1] == pytest.approx(0.8, abs=0.02) and inside[2] == pytest.approx(0.8, abs=0.02)
    assert lo[2] > 0


def test_short_history_is_flagged_in_words():
    feats = pd.DataFrame({"x_repeat": [0.0, 0.0, 3.0, 1.0], "first_order_days": [12.0, 400.0, 20.0, 1.0]})
    notes = history_notes(feats)
    assert notes[0] == "only 1 purchase day, first order 12 days ago"
    assert notes[1] is None and notes[2] is None  # long known one-timer; several purchase days
    assert notes[3] is None


def test_member_intervals_columns_and_segment_sums(shop, stat):
    feats, future = shop
    table, d = member_intervals(stat, feats, expected={90: stat.expected_purchases(feats, 90)}, seed=5)
    assert list(table.columns) == ["member_id", "orders_90d_low", "orders_90d_high", "orders_90d_sd", "spend_90d_low",
                                   "spend_90d_high", "spend_90d_sd", "orders_365d_low", "orders_365d_high",
                                   "orders_365d_sd", "clv_365d_low", "clv_365d_high", "clv_365d_sd",
                                   "enough_history", "history_note"]
    assert table["enough_history"].all()  # everyone observed for a year
    # both horizons: the year's range is wider and its spread bigger; the spreads are the draws'
    assert (table["orders_365d_high"] >= table["orders_90d_high"]).all()
    assert table["orders_365d_sd"].sum() > table["orders_90d_sd"].sum()
    assert table["orders_90d_sd"].to_numpy() == pytest.approx(d.purchases.std(axis=1), abs=1e-3)
    assert (table["clv_365d_low"] <= table["clv_365d_high"]).all() and table["clv_365d_sd"].notna().all()
    groups = np.where(feats["x_repeat"] > 2, "frequent", "rare")
    sums = group_intervals(d.purchases, groups).set_index("group")
    for g in ("frequent", "rare"):
        row = sums.loc[g]
        assert row["low"] < row["expected"] < row["high"]
        assert row["low"] <= future[groups == g].sum() * 1.15 and future[groups == g].sum() <= row["high"] * 1.15


def test_outlook_in_plain_words():
    assert outlook_with_range("expected to buy about once in the next 90 days", 0, 2, True, None) == (
        "expected to buy about once in the next 90 days (80%: 0\u20132)")
    assert outlook_with_range("not expected to buy in the next 90 days", 0, 0, True, None) == (
        "not expected to buy in the next 90 days")
    flagged = outlook_with_range("expected to buy about once in the next 90 days", 0, 2, False,
                                 "only 1 purchase day, first order 12 days ago")
    assert flagged == ("too little history for a confident forecast (only 1 purchase day, first order 12 days ago); "
                       "between 0 and 2 purchases in the next 90 days (80% range)")
    assert "about" not in flagged
    assert outlook_with_range("no purchase forecast yet", None, None, None, None) == "no purchase forecast yet"
    assert spend_words(120.4, 0.0, 340.0, True, currency="£") == "about £120 in the next 90 days (80%: £0\u2013£340)"
    assert spend_words(29.0, 0.0, 0.0, True, currency="") == "most likely nothing in the next 90 days (about 29 on average)"
    assert spend_words(540.0, 120.0, 1300.0, True, 365, currency="£") == (
        "about £540 in the next year (80%: £120\u2013£1,300)")
    assert spend_words(80.0, 0.0, 300.0, False, 365, currency="£") == "between £0 and £300 in the next year (80% range)"
    # the demo's member page showed "about £45 in the next 90 days (80%: £0-£42)": the mean above its own range
    assert spend_words(45.0, 0.0, 42.0, True, currency="£") == (
        "£0\u2013£42 in the next 90 days in 8 of 10 cases (on average £45, lifted by a few large orders)")
    assert spend_words(None, None, None, None) == ""


@pytest.mark.slow
def test_demo_build_stores_intervals_and_holdout_coverage(built_workspace):
    from memberinsight.models.profile import member_profile
    from memberinsight.models.store import ModelStore

    with built_workspace.analytics(read_only=True) as con:
        preds = con.execute("""SELECT * FROM member_predictions WHERE expected_orders_90d IS NOT NULL""").df()
        segs = con.execute("SELECT * FROM segment_intervals").df()
        never = con.execute("""SELECT member_id FROM member_predictions WHERE expected_orders_90d IS NULL
                               LIMIT 1""").fetchall()
    assert (preds["orders_90d_low"] <= preds["orders_90d_high"]).all()
    assert (preds["spend_90d_low"] <= preds["spend_90d_high"]).all()
    assert (preds["orders_90d_low"] <= np.rint(preds["expected_orders_90d"]) + 1).all()
    short = preds[~preds["enough_history"].astype(bool)]
    assert 0 < len(short) < len(preds) / 2 and short["history_note"].str.startswith("only").all()
    assert set(segs["rfm_segment"]) <= set(preds["rfm_segment"].dropna()) | {"(none)"}
    assert segs["orders_90d_high"].sum() > preds["expected_orders_90d"].sum() > segs["orders_90d_low"].sum()
    assert (preds["orders_365d_low"] <= preds["orders_365d_high"]).all()
    assert (preds["clv_365d_low"] <= preds["clv_365d_high"]).all() and preds["clv_365d_high"].notna().all()
    assert (preds["orders_365d_high"] >= preds["orders_90d_high"]).all()
    cov = ModelStore.for_workspace(built_workspace).manifest("clv").metrics["intervals"]
    assert 0.75 <= cov["purchases"] <= 0.85 and 0.75 <= cov["spend"] <= 0.85, cov  # the shipped (champion) intervals
    assert cov["centred_on"] == ModelStore.for_workspace(built_workspace).manifest("clv").params["champion"]["purchases"]
    flagged = member_profile(built_workspace, str(short["member_id"].iloc[0]))
    assert flagged.purchase_outlook.startswith("too little history for a confident forecast (only")
    assert flagged.next_order == "" and flagged.year_outlook == ""
    sure = preds[preds["enough_history"].astype(bool) & (preds["expected_orders_90d"] >= 0.6)]
    p = member_profile(built_workspace, str(sure["member_id"].iloc[0]))
    assert p.purchase_outlook.startswith("expected to buy about") and "(80%: " in p.purchase_outlook
    assert p.spend_outlook.startswith(("about", "most likely nothing"))
    assert p.year_outlook.startswith("expected to buy about") and "in the next year (80%: " in p.year_outlook
    assert p.value_outlook.startswith("about £") and "in the next year (80%: £" in p.value_outlook
    assert flagged.value_outlook.startswith("between £") and flagged.value_outlook.endswith("(80% range)")
    if never:
        assert "80%" not in member_profile(built_workspace, str(never[0][0])).purchase_outlook
