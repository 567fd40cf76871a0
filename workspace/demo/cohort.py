"""The ``cohort`` scenario: one acquisition wave whose buying decays as it ages, with hidden truth.

A shop that acquired all its members in one wave (a launch, a marketplace listing) and sells one
kind of product. It is the case where a model trained on earlier, busier months over-predicts
the future, so the tests can catch that failure mode.

Each member follows a BG/NBD-like process with drift:

* first purchase during the acquisition wave (the first ``WAVE_DAYS`` days, front-loaded);
* while active, repeat purchases arrive as a Poisson process with rate ``lambda_i * d(t)``:
  ``lambda_i ~ Gamma(RATE_SHAPE, mean RATE_MEAN_PER_YEAR)`` and the drift ``d(t) = exp(-DECAY * t)``
  (``t`` in years since the wave started), so an active member buys ``HALF_LIFE_YEARS`` later at
  half the rate;
* after each repeat purchase the member leaves for good with probability ``p_i ~ Beta(DROP_A, DROP_B)``.

``members_truth.csv`` holds each member's latent rate and drop-out probability, whether they were
still active at the end, and the true expected number of purchases in the 90 and 182 days after
the last day (given their hidden state): ``E[min(M, G)] = sum_k P(M >= k) (1 - p)^(k - 1)`` with
``M`` the Poisson count of the window and ``G`` the geometric number of purchases until leaving.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.stats import poisson

from memberinsight.workspace.demo.generator import DemoSummary
from memberinsight.workspace.demo.writer import CsvAppender
from memberinsight.workspace.schema import MEMBERS, ORDERS, PRODUCTS, REVIEWS

WAVE_DAYS = 60
RATE_SHAPE, RATE_MEAN_PER_YEAR = 1.2, 6.0
DROP_A, DROP_B = 1.0, 6.0
HALF_LIFE_YEARS = 1.0
DECAY = np.log(2) / HALF_LIFE_YEARS
TRUTH_HORIZONS = (90, 182)

COHORT_FILES: dict[str, list[str]] = {
    "members": MEMBERS.column_names,
    "products": PRODUCTS.column_names,
    "orders": ORDERS.column_names,
    "reviews": REVIEWS.column_names,
    "members_truth": ["member_id", "rate_per_year", "dropout_prob", "first_purchase", "left_on",
                      "active_at_end", "expected_purchases_90d", "expected_purchases_182d"],
}
PRODUCTS_LIST = (  # one kind of product: roast coffee in a few blends and sizes
    ("C001", "House Blend Coffee Beans 250g", 8.5), ("C002", "House Blend Coffee Beans 1kg", 27.0),
    ("C003", "Single Origin Ethiopia 250g", 10.5), ("C004", "Single Origin Colombia 250g", 9.5),
    ("C005", "Decaf Blend Coffee Beans 250g", 9.0), ("C006", "Espresso Roast 500g", 15.5),
)
REVIEW_TEXTS = ("Lovely coffee, arrived quickly.", "Good beans, a bit too dark for me.",
                "Fresh and fragrant, will reorder.", "Fine but pricey.", "Great espresso blend.")


def _years(days: np.ndarray | float) -> np.ndarray:
    return np.asarray(days, dtype=float) / 365.25


def _cum_drift(t_years: np.ndarray) -> np.ndarray:
    """Integral of the drift ``d`` from the wave start to ``t`` (years)."""
    return (1.0 - np.exp(-DECAY * t_years)) / DECAY


def _inverse_cum_drift(u: np.ndarray) -> np.ndarray:
    """Time (years) at which the integrated drift reaches ``u`` (inf beyond its limit ``1 / DECAY``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = 1.0 - DECAY * u
        return np.where(inside > 0, -np.log(np.where(inside > 0, inside, 1.0)) / DECAY, np.inf)


def expected_window_purchases(rate_year: np.ndarray, p: np.ndarray, start_day: float, days: int) -> np.ndarray:
    """True expected purchases of *active* members in ``days`` days from ``start_day`` (days since the wave)."""
    mu = rate_year * (_cum_drift(_years(start_day + days)) - _cum_drift(_years(start_day)))
    k = np.arange(1, 200)[:, None]
    terms = poisson.sf(k - 1, mu[None, :]) * (1.0 - p[None, :]) ** (k - 1)
    return terms.sum(axis=0)


def _simulate(rng: np.random.Generator, n: int, days: int) -> dict[str, np.ndarray]:
    first = np.minimum(rng.exponential(WAVE_DAYS / 3.0, n), WAVE_DAYS - 1e-3)
    rate = rng.gamma(RATE_SHAPE, RATE_MEAN_PER_YEAR / RATE_SHAPE, n)
    p = rng.beta(DROP_A, DROP_B, n)
    member, when = [np.arange(n)], [first]
    u = _cum_drift(_years(first))
    active = np.ones(n, dtype=bool)
    left = np.full(n, np.nan)
    while active.any():
        idx = np.flatnonzero(active)
        u[idx] += rng.exponential(1.0, idx.size) / rate[idx]
        t = _inverse_cum_drift(u[idx]) * 365.25
        inside = t < days
        active[idx[~inside]] = False
        idx, t = idx[inside], t[inside]
        member.append(idx)
        when.append(t)
        dies = rng.random(idx.size) < p[idx]
        left[idx[dies]] = t[dies]
        active[idx[dies]] = False
    m, w = np.concatenate(member), np.concatenate(when)
    order = np.lexsort((w, m))
    return {"first": first, "rate": rate, "p": p, "left": left, "o_member": m[order], "o_time": w[order]}


def generate_cohort(out_dir: Path, members: int = 2000, seed: int = 7, end_date: date = date(2026, 9, 30),
                    years: float = 1.5) -> DemoSummary:
    """Write the cohort shop into ``out_dir``; same seed, byte-identical files."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    days = max(int(round(years * 365.25)), 120)
    start = end_date - timedelta(days=days - 1)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 17]))
    sim = _simulate(rng, members, days)
    ids = np.array([f"K{i + 1:06d}" for i in range(members)], dtype=object)
    base = np.datetime64(start.isoformat(), "s")
    secs = (sim["o_time"] * 86400).astype(np.int64)
    secs = secs - secs % 60
    o_at = base + secs.astype("timedelta64[s]")
    n_orders = len(sim["o_member"])
    product = rng.choice(len(PRODUCTS_LIST), n_orders, p=[0.35, 0.15, 0.15, 0.15, 0.1, 0.1])
    qty = 1 + rng.poisson(0.3, n_orders)
    price = np.array([p[2] for p in PRODUCTS_LIST])[product]
    order_ids = np.array([f"K-O{i + 1:07d}" for i in range(n_orders)], dtype=object)
    signup = base.astype("datetime64[D]") + np.floor(sim["first"]).astype("timedelta64[D]")
    alive_end = np.isnan(sim["left"])
    truth = {h: np.where(alive_end, expected_window_purchases(sim["rate"], sim["p"], days, h), 0.0)
             for h in TRUTH_HORIZONS}
    reviewed = rng.random(n_orders) < 0.08
    r_at = o_at[reviewed] + np.timedelta64(3, "D")
    keep = r_at <= np.datetime64(end_date.isoformat(), "s") + np.timedelta64(86399, "s")
    r_idx = np.flatnonzero(reviewed)[keep]
    left_on = [None if np.isnan(v) else (start + timedelta(days=int(v))).isoformat() for v in sim["left"]]
    data: dict[str, dict[str, object]] = {
        "members": {"member_id": ids, "email": None, "phone": None, "first_name": None, "last_name": None,
                    "signup_date": signup, "age_band": None, "city": None, "country": "United Kingdom",
                    "channel": "marketplace"},
        "products": {"product_id": np.array([p[0] for p in PRODUCTS_LIST], dtype=object),
                     "title": np.array([p[1] for p in PRODUCTS_LIST], dtype=object), "category": "Coffee",
                     "description": None, "price": np.array([p[2] for p in PRODUCTS_LIST]), "attributes": None,
                     "is_product": True, "created_at": np.datetime64(start.isoformat(), "s")},
        "orders": {"order_id": order_ids, "line_no": 1, "member_id": ids[sim["o_member"]],
                   "product_id": np.array([p[0] for p in PRODUCTS_LIST], dtype=object)[product],
                   "quantity": qty, "unit_price": price, "ordered_at": o_at, "is_return": False,
                   "country": "United Kingdom", "channel": "web"},
        "reviews": {"review_id": np.array([f"K-R{i + 1:06d}" for i in range(len(r_idx))], dtype=object),
                    "product_id": np.array([p[0] for p in PRODUCTS_LIST], dtype=object)[product[r_idx]],
                    "member_id": ids[sim["o_member"][r_idx]], "rating": rng.integers(3, 6, len(r_idx)),
                    "text": np.array(REVIEW_TEXTS, dtype=object)[rng.integers(0, len(REVIEW_TEXTS), len(r_idx))],
                    "created_at": r_at[keep], "verified_purchase": True},
        "members_truth": {"member_id": ids, "rate_per_year": np.round(sim["rate"], 4),
                          "dropout_prob": np.round(sim["p"], 4), "first_purchase": signup,
                          "left_on": np.array(left_on, dtype=object), "active_at_end": alive_end,
                          "expected_purchases_90d": np.round(truth[90], 5),
                          "expected_purchases_182d": np.round(truth[182], 5)},
    }
    summary = DemoSummary(out_dir=out, seed=seed, members=members, start_date=start, end_date=end_date)
    for name, cols in COHORT_FILES.items():
        rows = len(next(v for v in data[name].values() if isinstance(v, np.ndarray)))
        with CsvAppender(out / f"{name}.csv", cols) as w:
            w.write({c: _column(data[name][c], rows) for c in cols})
            summary.counts[name] = w.rows
        summary.files[name] = out / f"{name}.csv"
    summary.seconds = round(time.perf_counter() - t0, 3)
    return summary


def _column(value: object, rows: int) -> object:
    """A constant broadcast to a column, or the array itself."""
    if isinstance(value, np.ndarray):
        return value
    return np.array([value] * rows, dtype=object) if value is None or isinstance(value, str) else np.full(rows, value)
