"""Demand: weekly series, forecasts with intervals, rolling-origin backtest vs seasonal naive."""

from __future__ import annotations

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
    weekly_series,
)


@pytest.fixture(scope="module")
def series(demo_workspace):
    with demo_workspace.analytics(read_only=True) as con:
        return weekly_series(con)


def test_weekly_series_is_complete_weeks(series, demo_workspace):
    weeks = series["week_start"].drop_duplicates().sort_values()
    assert (weeks.dt.day_of_week == 0).all()
    assert (weeks.diff().dropna().dt.days == 7).all()
    with demo_workspace.analytics(read_only=True) as con:
        first, last = con.execute("SELECT min(ordered_at)::DATE, max(ordered_at)::DATE FROM orders").fetchall()[0]
    assert weeks.iloc[0].date() >= first and weeks.iloc[-1].date().toordinal() + 6 <= last.toordinal()
    counts = series.groupby("category").size()
    assert counts.nunique() == 1 and len(counts) >= 5


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
