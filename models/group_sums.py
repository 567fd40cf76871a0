"""Expected purchases, spend and value of a group of members, with 80% intervals of the sums.

A segment's (or any audience's) expected total is the sum of its members' shipped expectations.
Its interval combines two sources of uncertainty:

* **who buys**: members' outcomes are independent draws from their predictive distributions
  (:mod:`models.intervals`), so the variance of the sum is the sum of the members' variances
  (their standard deviations are stored by the build, ``*_sd`` columns of ``member_clv``);
* **the shop as a whole**: a season or a drift moves every member the same way, which independent
  draws do not cover. The build records the relative error the champion made on the total of this
  shop's holdout (at least :data:`MIN_SHOP_ERROR`); the sum gets a shared error of that size, an
  extra variance of ``(error x total)^2``.

The 80% interval of the sum is then the 10th-90th percentiles of a Gamma distribution with that
mean and variance (a sum of non-negative, right-skewed amounts; close to normal for big groups).
For a group of a few members read it as approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.intervals import LEVEL

MIN_SHOP_ERROR = 0.02
"""The shop-wide error of a sum is at least this share of the total (a holdout that happened to be
exact does not make a forecast exact)."""
INFO_KEY = "sum_interval_error"
"""``analytics_info`` key of the shop-wide relative errors (``{"purchases": e, "spend": e}``)."""

# (attribute, expected column, standard deviation column, error kind)
_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("purchases_90d", "expected_orders_90d", "orders_90d_sd", "purchases"),
    ("spend_90d", "predicted_spend_90d", "spend_90d_sd", "spend"),
    ("purchases_365d", "expected_orders_365d", "orders_365d_sd", "purchases"),
    ("value_365d", "predicted_clv_365d", "clv_365d_sd", "spend"),
)


@dataclass(frozen=True)
class Estimate:
    """An expected total with its 80% interval (``low`` / ``high`` are ``None`` when the build
    stored no spread, e.g. a workspace built before intervals)."""

    expected: float
    low: float | None
    high: float | None

    def words(self, money: bool = False, currency: str | None = None) -> str:
        """"about 340 (80%: 300–380)"."""
        from memberinsight.models.wording import about_range

        return about_range(self.expected, self.low, self.high, money=money, currency=currency)


@dataclass(frozen=True)
class GroupOutlook:
    """What a group of members is expected to buy and spend, with 80% intervals of the sums."""

    group: str
    members: int
    forecast_members: int
    """Members with a forecast (those with at least one purchase)."""
    short_history: int
    """Members flagged with too little history for a confident forecast of their own."""
    purchases_90d: Estimate | None = None
    spend_90d: Estimate | None = None
    purchases_365d: Estimate | None = None
    value_365d: Estimate | None = None
    level: float = LEVEL


def sum_interval(mean: float, variance: float, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` interval of a Gamma distribution with this mean and variance."""
    from scipy.stats import gamma

    if not np.isfinite(mean) or mean <= 0:
        return 0.0, 0.0
    if not np.isfinite(variance) or variance <= 0:
        return float(mean), float(mean)
    shape, scale = mean * mean / variance, variance / mean
    tail = (1 - level) / 2
    low, high = gamma.ppf([tail, 1 - tail], shape, scale=scale)
    return float(low), float(high)


def _estimate(part: pd.DataFrame, expected: str, sd: str, error: float) -> Estimate | None:
    values = pd.to_numeric(part[expected], errors="coerce")
    if not values.notna().any():
        return None
    total = float(values.sum())
    if sd not in part.columns or not part[sd].notna().any():
        return Estimate(round(total, 2), None, None)
    variance = float((pd.to_numeric(part[sd], errors="coerce").fillna(0.0) ** 2).sum()) + (error * total) ** 2
    low, high = sum_interval(total, variance)
    return Estimate(round(total, 2), round(low, 2), round(high, 2))


def outlook_of(part: pd.DataFrame, group: str, errors: dict[str, float] | None = None) -> GroupOutlook:
    """The :class:`GroupOutlook` of the member rows ``part`` (columns of ``member_predictions`` and
    the ``*_sd`` columns of ``member_clv``); ``errors`` are the shop-wide relative errors."""
    errors = errors or {}
    figures = {attr: _estimate(part, col, sd, max(MIN_SHOP_ERROR, float(errors.get(kind, 0.0))))
               for attr, col, sd, kind in _FIGURES if col in part.columns}
    forecast = int(pd.to_numeric(part.get("expected_orders_90d"), errors="coerce").notna().sum()) \
        if "expected_orders_90d" in part.columns else 0
    short = int((part["enough_history"] == False).sum()) if "enough_history" in part.columns else 0  # noqa: E712
    return GroupOutlook(group, len(part), forecast, short, purchases_90d=figures.get("purchases_90d"),
                        spend_90d=figures.get("spend_90d"), purchases_365d=figures.get("purchases_365d"),
                        value_365d=figures.get("value_365d"))


def _frame(con: Any) -> pd.DataFrame:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "member_predictions" not in tables:
        raise ModelNotReadyError("analytics have not been built; run `memberinsight build`")
    sds = ""
    if "member_clv" in tables:
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'member_clv'").fetchall()}
        sds = "".join(f", c.{sd}" for _, _, sd, _ in _FIGURES if sd in cols)
    join = "LEFT JOIN member_clv c USING (member_id)" if sds else ""
    return con.execute(f"SELECT p.*{sds} FROM member_predictions p {join}").df()


def shop_errors(con: Any) -> dict[str, float]:
    """The shop-wide relative errors the build recorded (empty before the first build with intervals)."""
    from memberinsight.models.build import get_info

    try:
        raw = get_info(con, INFO_KEY)
    except ModelNotReadyError:
        return {}
    return {str(k): float(v) for k, v in (raw or {}).items() if v is not None}


def group_outlook(ws: Any, member_ids: list[str] | pd.Series, group: str = "Selected members") -> GroupOutlook:
    """Expected purchase days and spend (90 days), purchase days and value (365 days) of the members
    ``member_ids``, each with the 80% interval of the sum."""
    ids = pd.Series(list(member_ids), dtype=str)
    with ws.analytics(read_only=True) as con:
        frame, errors = _frame(con), shop_errors(con)
    return outlook_of(frame[frame["member_id"].astype(str).isin(set(ids))], group, errors)


def segment_outlooks(ws: Any, by: str = "rfm") -> list[GroupOutlook]:
    """One :class:`GroupOutlook` per RFM segment (``by="rfm"``) or behaviour cluster (``by="cluster"``)."""
    column = "cluster_label" if by == "cluster" else "rfm_segment"
    with ws.analytics(read_only=True) as con:
        frame, errors = _frame(con), shop_errors(con)
    frame = frame[frame[column].notna()]
    return [outlook_of(part, str(name), errors) for name, part in frame.groupby(column, sort=True)]


RANGE_COLUMNS: tuple[str, ...] = (
    "member_id", "expected_orders_90d", "orders_90d_low", "orders_90d_high", "predicted_spend_90d", "spend_90d_low",
    "spend_90d_high", "expected_orders_365d", "orders_365d_low", "orders_365d_high", "predicted_clv_365d",
    "clv_365d_low", "clv_365d_high", "enough_history", "history_note")
"""Per-member expectations and 80% intervals :func:`member_ranges` returns."""


def member_ranges(ws: Any, member_ids: list[str] | pd.Series) -> pd.DataFrame:
    """Each member's expectations with their 80% intervals (:data:`RANGE_COLUMNS`), in the order given."""
    ids = pd.DataFrame({"member_id": pd.Series(list(member_ids), dtype=str)})
    with ws.analytics(read_only=True) as con:
        frame = _frame(con)
    cols = [c for c in RANGE_COLUMNS if c in frame.columns]
    return ids.merge(frame[cols].astype({"member_id": str}), on="member_id", how="left")
