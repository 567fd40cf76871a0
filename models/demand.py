"""Weekly demand per category: forecasts with prediction intervals and a rolling-origin backtest.

Series: units and revenue of purchase lines (returns and non-product lines excluded, guests
included) per category per 7-day week, the weeks counted back from the last day of data (the last
week ends on it, so a forecast's first week starts the day after: :func:`week_starts`); an incomplete
first week is dropped.

Model, on ``log1p`` of the series: when there are at least :data:`MIN_SEASONAL_WEEKS` weeks, an
annual Fourier seasonal component (``FOURIER_K`` harmonics, least squares with a linear trend) is
removed; the remainder gets an ETS model (additive error, damped additive trend; statsmodels
``ETSModel``) whose analytic prediction intervals are shifted back by the seasonal component and
transformed back. Baseline: seasonal naive (the same week last year).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from memberinsight.errors import DataValidationError, NotFoundError

SEASON = 52
PERIOD = 365.25 / 7
FOURIER_K = 2
MIN_SEASONAL_WEEKS = 60
MIN_WEEKS = 8


@dataclass(frozen=True)
class ForecastPoint:
    """One future week."""

    week_start: date
    units: float
    units_lower: float
    units_upper: float
    revenue: float
    revenue_lower: float
    revenue_upper: float


@dataclass
class CategoryForecast:
    """Forecast of one category for the next weeks, with recent history for context."""

    category: str
    interval: float
    points: list[ForecastPoint] = field(default_factory=list)
    history: list[tuple[date, float, float]] = field(default_factory=list)
    """(week_start, units, revenue) of the most recent weeks."""
    method: str = ""
    last_day: date | None = None
    """The last day of data: the last history week ends on it and the first forecast week starts the day after."""


def week_start(day: date, last: date) -> date:
    """The first day of the 7-day week holding ``day``, weeks counted back from ``last`` (the last day of data)."""
    return last - timedelta(days=6 + 7 * ((last - day).days // 7))


def week_starts(first: date, last: date) -> list[date]:
    """The first days of the complete 7-day weeks from ``first`` to ``last``, oldest first: the last week ends on
    ``last`` (the last day of data), so the week after it, a forecast's first, starts the day after the data ends."""
    start = last - timedelta(days=6)
    weeks: list[date] = []
    while start >= first:
        weeks.append(start)
        start -= timedelta(days=7)
    return weeks[::-1]


SERIES_COLUMNS = ["week_start", "category", "units", "revenue"]


def weekly_series(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Complete weeks x categories: columns ``week_start, category, units, revenue`` (zeros filled); the weeks
    end on the last day of data (:func:`week_starts`)."""
    bounds = con.execute("SELECT CAST(min(ordered_at) AS DATE), CAST(max(ordered_at) AS DATE) FROM clean_orders").fetchall()
    first, last = bounds[0]
    if first is None:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    df = con.execute(
        """
        WITH lines AS (
            SELECT CAST(o.ordered_at AS DATE) AS day,
                   COALESCE(NULLIF(trim(p.category), ''), 'Uncategorised') AS category,
                   o.quantity, o.quantity * o.unit_price AS amount
            FROM clean_orders o LEFT JOIN products p ON p.product_id = o.product_id
            WHERE COALESCE(p.is_product, TRUE) AND NOT COALESCE(o.is_return, FALSE) AND o.quantity > 0
        )
        SELECT day, category, sum(quantity)::DOUBLE AS units, sum(amount) AS revenue
        FROM lines GROUP BY ALL
        """
    ).df()
    if df.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    back = (pd.Timestamp(last) - pd.to_datetime(df["day"])).dt.days
    df["week_start"] = pd.Timestamp(last) - pd.to_timedelta(6 + 7 * (back // 7), unit="D")
    df = df.groupby(["week_start", "category"], as_index=False)[["units", "revenue"]].sum(min_count=1)
    cats = sorted(df["category"].unique())
    weeks = pd.DatetimeIndex([pd.Timestamp(w) for w in week_starts(first, last)])
    full = pd.MultiIndex.from_product([weeks, cats], names=["week_start", "category"])
    out = df.set_index(["week_start", "category"]).reindex(full, fill_value=0.0).reset_index()
    return out.sort_values(["category", "week_start"]).reset_index(drop=True)


def _fourier(t: np.ndarray) -> np.ndarray:
    cols = []
    for k in range(1, FOURIER_K + 1):
        cols += [np.sin(2 * np.pi * k * t / PERIOD), np.cos(2 * np.pi * k * t / PERIOD)]
    return np.column_stack(cols)


def forecast_array(y: np.ndarray, horizon: int, interval: float = 0.8,
                   seasonal: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Forecast ``horizon`` steps of a non-negative weekly series: (point, lower, upper, method)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.asarray(y, dtype=float)
    if len(y) < MIN_WEEKS:
        raise DataValidationError(f"need at least {MIN_WEEKS} complete weeks to forecast, got {len(y)}",
                                  column="ordered_at")
    x = np.log1p(np.maximum(y, 0.0))
    n = len(x)
    t = np.arange(n + horizon, dtype=float)
    use_season = (n >= MIN_SEASONAL_WEEKS) if seasonal is None else seasonal
    season = np.zeros(n + horizon)
    if use_season:
        design = np.column_stack([np.ones(n), t[:n], _fourier(t[:n])])
        coef, *_ = np.linalg.lstsq(design, x, rcond=None)
        season = _fourier(t) @ coef[2:]
    resid = x - season[:n]
    if np.ptp(resid) < 1e-9:
        level = np.full(horizon, resid[-1])
        lo = hi = level
        method = "constant"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(pd.Series(resid), error="add", trend="add", damped_trend=True).fit(disp=False, maxiter=200)
            frame = model.get_prediction(start=n, end=n + horizon - 1).summary_frame(alpha=1 - interval)
        level = frame["mean"].to_numpy()
        lo, hi = frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()
        method = "ETS(A,Ad,N)" + (" + Fourier annual season" if use_season else "")
    fut = season[n:]
    point = np.maximum(np.expm1(level + fut), 0.0)
    return point, np.maximum(np.expm1(lo + fut), 0.0), np.maximum(np.expm1(hi + fut), 0.0), method


def seasonal_naive(y: np.ndarray, horizon: int, season: int = SEASON) -> np.ndarray:
    """The same week one season earlier (the last value when the history is shorter than a season)."""
    y = np.asarray(y, dtype=float)
    if len(y) < season:
        return np.full(horizon, y[-1])
    return np.array([y[len(y) - season + (h % season)] for h in range(horizon)])


def naive_forecast_array(y: np.ndarray, horizon: int, interval: float = 0.8,
                         season: int = SEASON) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Seasonal-naive forecast with empirical prediction intervals: (point, lower, upper, method).

    Intervals add the quantiles of the history's own naive errors (``y[t] - y[t - lag]``; with
    less than a season and a bit of history, lag 1 and errors widening with the square root of
    the step) to the point forecast.
    """
    y = np.asarray(y, dtype=float)
    if len(y) < 2:
        raise DataValidationError("need at least 2 complete weeks to forecast", column="ordered_at")
    point = seasonal_naive(y, horizon, season)
    seasonal = len(y) >= season + MIN_WEEKS
    lag = season if seasonal else 1
    errors = y[lag:] - y[:-lag]
    lo_q, hi_q = np.quantile(errors, [(1 - interval) / 2, 1 - (1 - interval) / 2])
    steps = np.ones(horizon) if seasonal else np.sqrt(np.arange(1, horizon + 1))
    method = "seasonal naive (same week last year)" if len(y) >= season else "naive (last week repeated)"
    return point, np.maximum(point + lo_q * steps, 0.0), np.maximum(point + hi_q * steps, 0.0), method


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0 when both are 0)."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denom = np.abs(a) + np.abs(f)
    terms = np.where(denom > 0, 2 * np.abs(f - a) / np.where(denom > 0, denom, 1), 0.0)
    return float(100 * terms.mean())


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, season: int = SEASON) -> float:
    """Mean absolute scaled error against the in-sample seasonal-naive error (lag 1 if too short)."""
    h = np.asarray(history, dtype=float)
    m = season if len(h) > season else 1
    scale = np.abs(h[m:] - h[:-m]).mean() if len(h) > m else float("nan")
    err = np.abs(np.asarray(actual, dtype=float) - np.asarray(forecast, dtype=float)).mean()
    return float(err / scale) if scale and scale > 0 else float("nan")


def category_names(series: pd.DataFrame) -> list[str]:
    """Categories in the weekly series."""
    return sorted(series["category"].unique()) if not series.empty else []


def _category_part(series: pd.DataFrame, category: str) -> pd.DataFrame:
    part = series[series["category"].str.lower() == category.strip().lower()] if not series.empty else series
    if part.empty:
        raise NotFoundError(f"no category '{category}' (known: {', '.join(category_names(series))})")
    return part


def category_history(series: pd.DataFrame, category: str, history_weeks: int = 12) -> CategoryForecast:
    """A forecast shell holding the canonical category name and its recent weeks (no points yet)."""
    part = _category_part(series, category)
    hist = [(w.date(), float(u), round(float(r), 2)) for w, u, r in
            part[["week_start", "units", "revenue"]].tail(history_weeks).itertuples(index=False)]
    return CategoryForecast(str(part["category"].iloc[0]), 0.8, [], hist, "", _last_day(part))


def _last_day(part: pd.DataFrame) -> date:
    """The last day of data: the end of the series' last week."""
    return part["week_start"].max().date() + timedelta(days=6)


def forecast_category(series: pd.DataFrame, category: str, weeks: int = 12, interval: float = 0.8,
                      history_weeks: int = 12, method: str = "ets") -> CategoryForecast:
    """Forecast one category's units and revenue ``weeks`` weeks ahead with ``method``
    (``ets`` or ``seasonal_naive``: the demand candidates, :mod:`models.candidates`)."""
    part = _category_part(series, category)
    name = str(part["category"].iloc[0])
    fc = naive_forecast_array if method == "seasonal_naive" else forecast_array
    pu, lu, hu, label = fc(part["units"].to_numpy(), weeks, interval)
    pr, lr, hr, _ = fc(part["revenue"].to_numpy(), weeks, interval)
    last = part["week_start"].max().date()
    points = [ForecastPoint(last + timedelta(weeks=i + 1), round(float(pu[i]), 2), round(float(lu[i]), 2),
                            round(float(hu[i]), 2), round(float(pr[i]), 2), round(float(lr[i]), 2),
                            round(float(hr[i]), 2)) for i in range(weeks)]
    hist = [(w.date(), float(u), round(float(r), 2)) for w, u, r in
            part[["week_start", "units", "revenue"]].tail(history_weeks).itertuples(index=False)]
    return CategoryForecast(name, interval, points, hist, label, _last_day(part))


@dataclass
class BacktestResult:
    """Rolling-origin backtest: mean metrics over categories and origins, model vs seasonal naive."""

    horizon_weeks: int
    origins: list[str]
    categories: int
    metrics: dict[str, dict[str, float]]
    """``units`` / ``revenue`` -> smape_model, smape_naive, mase_model, mase_naive, coverage."""
    baseline: str = "seasonal naive"

    def candidates(self) -> dict[str, dict[str, float]]:
        """The demand candidates' backtest metrics (``smape_units`` is the primary one)."""
        out: dict[str, dict[str, float]] = {"seasonal_naive": {}, "ets": {}}
        for target, m in self.metrics.items():
            out["seasonal_naive"].update({f"smape_{target}": m["smape_naive"], f"mase_{target}": m["mase_naive"]})
            out["ets"].update({f"smape_{target}": m["smape_model"], f"mase_{target}": m["mase_model"],
                               f"coverage_{target}": m["coverage"]})
        return out


def _finite_mean(values: list[float]) -> float:
    """Mean of the finite values, rounded (NaN when there are none, e.g. MASE of an all-zero series)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return round(float(v.mean()), 4) if len(v) else float("nan")


def backtest(series: pd.DataFrame, horizon: int = 8, n_origins: int = 3, step: int = 6,
             interval: float = 0.8) -> BacktestResult:
    """Refit at ``n_origins`` cut points ``step`` weeks apart and score the next ``horizon`` weeks."""
    cats = category_names(series)
    if not cats:
        raise DataValidationError("no orders to backtest", column="ordered_at")
    n = series["week_start"].nunique()
    origins = [n - horizon - k * step for k in range(n_origins)]
    origins = sorted(o for o in origins if o >= MIN_WEEKS)
    if not origins:
        raise DataValidationError(f"need more than {horizon + MIN_WEEKS} complete weeks for a backtest, got {n}",
                                  column="ordered_at")
    weeks = sorted(series["week_start"].unique())
    baseline = "seasonal naive" if min(origins) >= SEASON else "naive (history shorter than a season)"
    scores: dict[str, dict[str, list[float]]] = {k: {m: [] for m in (
        "smape_model", "smape_naive", "mase_model", "mase_naive", "coverage")} for k in ("units", "revenue")}
    for cat in cats:
        part = series[series["category"] == cat]
        for target in ("units", "revenue"):
            y = part[target].to_numpy()
            for o in origins:
                hist, act = y[:o], y[o:o + horizon]
                point, lo, hi, _ = forecast_array(hist, len(act), interval)
                naive = seasonal_naive(hist, len(act))
                s = scores[target]
                s["smape_model"].append(smape(act, point))
                s["smape_naive"].append(smape(act, naive))
                s["mase_model"].append(mase(act, point, hist))
                s["mase_naive"].append(mase(act, naive, hist))
                s["coverage"].append(float(np.mean((act >= lo) & (act <= hi))))
    metrics = {t: {k: _finite_mean(v) for k, v in s.items()} for t, s in scores.items()}
    return BacktestResult(horizon, [pd.Timestamp(weeks[o]).date().isoformat() for o in origins],
                          len(cats), metrics, baseline)
