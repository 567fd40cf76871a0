"""Demand: weekly series, forecasts with intervals, rolling-origin backtest vs seasonal naive."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.models.demand import (
    backtest,
    forecast_array,
    forecast_category,
    mase,
    seasonal_naive,
    smape,
    week_start,
    week_starts,
    weekly_series,
)


@pytest.fixture(scope="module")
def series(demo_workspace):
    with demo_workspace.analytics(read_only=True) as con:
        return weekly_series(con)


def test_weekly_series_is_complete_weeks_ending_on_the_last_day_of_data(series, demo_workspace):
    weeks = series["week_start"].drop_duplicates().sort_values()
    assert (weeks.diff().dropna().dt.days == 7).all()
    with demo_workspace.analytics(read_only=True) as con:
        first, last = con.execute("SELECT min(ordered_at)::DATE, max(ordered_at)::DATE FROM orders").fetchall()[0]
    assert weeks.iloc[0].date() >= first and weeks.iloc[-1].date() + timedelta(days=6) == last  # no day left out
    counts = series.groupby("category").size()
    assert counts.nunique() == 1 and len(counts) >= 5
    with demo_workspace.analytics(read_only=True) as con:  # the last week holds the last 7 days' units
        units = con.execute("""SELECT sum(quantity) FROM clean_orders o LEFT JOIN products p USING (product_id)
                               WHERE ordered_at::DATE > ?::DATE - 7 AND quantity > 0 AND NOT coalesce(is_return, false)
                                 AND coalesce(p.is_product, true)""", [last]).fetchone()[0]
    assert series.loc[series["week_start"] == weeks.iloc[-1], "units"].sum() == pytest.approx(units)


def test_weeks_count_back_from_the_last_day():
    last = date(2026, 9, 30)  # a Wednesday: the weeks run Thursday to Wednesday
    assert week_starts(date(2026, 9, 10), last) == [date(2026, 9, 10), date(2026, 9, 17), date(2026, 9, 24)]
    assert week_starts(date(2026, 9, 11), last) == [date(2026, 9, 17), date(2026, 9, 24)]  # a part week dropped
    assert week_starts(date(2026, 9, 28), last) == []
    assert week_start(last, last) == week_start(date(2026, 9, 24), last) == date(2026, 9, 24)
    assert week_start(date(2026, 9, 23), last) == date(2026, 9, 17)


@pytest.mark.slow
def test_backtest_beats_seasonal_naive(series):
    bt = backtest(series, horizon=8, n_origins=2, step=8)
    assert bt.baseline == "seasonal naive"
    for target in ("units", "revenue"):
        m = bt.metrics[target]
        assert m["smape_model"] < m["smape_naive"], (target, m)
        assert m["mase_model"] < m["mase_naive"], (target, m)
        assert 0.6 <= m["coverage"] <= 1.0, (target, m)


def test_forecast_category_intervals(series):
    fc = forecast_category(series, series["category"].iloc[0].lower(), weeks=6)
    assert len(fc.points) == 6 and fc.category == series["category"].iloc[0]
    for p in fc.points:
        assert 0 <= p.units_lower <= p.units <= p.units_upper
        assert 0 <= p.revenue_lower <= p.revenue <= p.revenue_upper
    assert (fc.points[0].week_start - fc.history[-1][0]).days == 7
    # the forecast starts the day after the last day of data, not inside the last (part) week of orders
    assert fc.last_day == series["week_start"].max().date() + timedelta(days=6)
    assert fc.points[0].week_start == fc.last_day + timedelta(days=1)
    with pytest.raises(NotFoundError):
        forecast_category(series, "No Such Category", 4)


def test_forecast_tracks_level_and_season():
    t = np.arange(120)
    y = 50 + 20 * np.sin(2 * np.pi * t / (365.25 / 7))
    point, lo, hi, method = forecast_array(y[:100], 20)
    assert "Fourier" in method
    assert smape(y[100:], point) < 5
    assert np.all(lo <= point) and np.all(point <= hi)


def test_metrics_and_baseline():
    assert smape([0, 0], [0, 0]) == 0
    assert smape([10], [30]) == pytest.approx(100.0)
    hist = np.arange(60.0)
    assert seasonal_naive(hist, 3).tolist() == [8.0, 9.0, 10.0]
    assert seasonal_naive(np.arange(5.0), 2).tolist() == [4.0, 4.0]
    assert mase([10, 10], [10, 10], hist) == 0
    with pytest.raises(DataValidationError):
        forecast_array(np.ones(3), 2)


def test_a_stored_forecast_made_before_the_data_changed_is_not_served(workspace_copy):
    from memberinsight.models import category_forecast

    with workspace_copy.analytics(read_only=True) as con:
        last = con.execute("SELECT max(ordered_at)::DATE FROM clean_orders").fetchone()[0]
    fresh = category_forecast(workspace_copy, "Outdoor", 4)
    assert fresh.last_day == last and fresh.points[0].week_start == last + timedelta(days=1)
    with workspace_copy.analytics() as con:  # as an older build stored it: weeks starting before the data ends
        con.execute("UPDATE category_forecasts SET week_start = week_start - INTERVAL 3 DAY")
    again = category_forecast(workspace_copy, "Outdoor", 4)
    assert [p.week_start for p in again.points] == [p.week_start for p in fresh.points]
