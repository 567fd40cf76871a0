"""The history window of the demo shop: day indices, overall shopping intensity and time of day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

_EPOCH = date(1970, 1, 1)
# Share of orders per hour of day (lunch and evening peaks).
HOUR_W = np.array([0.4, 0.25, 0.15, 0.1, 0.1, 0.15, 0.4, 0.9, 1.3, 1.5, 1.6, 1.8, 2.1, 2.0, 1.7, 1.6,
                   1.6, 1.8, 2.2, 2.6, 2.8, 2.5, 1.7, 0.9])


@dataclass
class Calendar:
    """``days`` consecutive days ending on ``end`` (inclusive); day 0 is ``start``."""

    start: date
    end: date
    days: int
    month: np.ndarray  # 0..11 per day
    intensity: np.ndarray  # relative order volume per day, mean 1
    cum: np.ndarray  # cumulative intensity at day boundaries, length days + 1

    @classmethod
    def build(cls, end: date, years: float) -> Calendar:
        days = max(int(round(years * 365.25)), 60)
        start = end - timedelta(days=days - 1)
        d = np.arange(days)
        dates = np.datetime64(start.isoformat()) + d
        months = dates.astype("datetime64[M]").astype(np.int64) % 12
        dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        weekday = (dates.astype(np.int64) + 3) % 7  # 0 Monday
        w = np.ones(days)
        w *= np.where(weekday == 6, 1.15, np.where(weekday == 5, 0.9, 1.0))
        w *= np.where(months == 10, 1.2, 1.0)
        w *= np.where((months == 10) & (dom >= 22), 1.6, 1.0)  # Black Friday week
        w *= np.where((months == 11) & (dom <= 18), 1.45, np.where((months == 11) & (dom >= 24), 0.7, 1.0))
        w *= np.where((months == 0) & (dom <= 14), 1.2, 1.0)  # January sales
        w *= np.where((months >= 5) & (months <= 7), 0.92, 1.0)  # summer lull
        w /= w.mean()
        cum = np.concatenate([[0.0], np.cumsum(w)])
        return cls(start=start, end=end, days=days, month=months, intensity=w, cum=cum)

    @property
    def start_epoch_day(self) -> int:
        return (self.start - _EPOCH).days

    def cum_at(self, t: np.ndarray) -> np.ndarray:
        """Cumulative intensity at fractional day ``t``."""
        return np.interp(t, np.arange(self.days + 1), self.cum)

    def time_at(self, c: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`cum_at`: the fractional day where cumulative intensity reaches ``c``."""
        return np.interp(c, self.cum, np.arange(self.days + 1))

    def seconds(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Epoch seconds for orders on ``day`` with a realistic time of day."""
        cdf = np.cumsum(HOUR_W) / HOUR_W.sum()
        hour = np.searchsorted(cdf, rng.random(len(day)), side="right").clip(0, 23)
        sec = hour * 3600 + rng.integers(0, 3600, len(day))
        return (self.start_epoch_day + day.astype(np.int64)) * 86400 + sec

    def epoch_seconds_of_day(self, day: np.ndarray) -> np.ndarray:
        return (self.start_epoch_day + day.astype(np.int64)) * 86400
