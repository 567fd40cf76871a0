"""A small hand-made shop in canonical tables, with the edge cases features must handle."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

CATEGORIES = ["Kitchen", "Outdoor", "Garden", "Toys", "Books", " ", None]


def small_shop(seed: int = 0, members: int = 60, start: date = date(2025, 1, 1),
               days: int = 400) -> dict[str, pd.DataFrame]:
    """Canonical frames: members, products, orders (returns, guests, fees, same-day orders), reviews."""
    rng = np.random.default_rng(seed)
    m_ids = [f"M{i:04d}" for i in range(members)]
    signup = [pd.Timestamp(start + timedelta(days=int(d))) for d in rng.integers(-100, days, members)]
    signup[3] = pd.NaT  # unknown sign-up date
    mem = pd.DataFrame({
        "member_id": m_ids, "email": [f"u{i}@example.com" for i in range(members)],
        "phone": None, "first_name": [f"Ann{i}" for i in range(members)], "last_name": "Lee",
        "signup_date": signup, "age_band": "25-34", "city": "Leeds", "country": "UK", "channel": "organic",
    })
    prods = pd.DataFrame({
        "product_id": [f"P{i:03d}" for i in range(30)] + ["POST"],
        "title": [f"Thing {i}" for i in range(30)] + ["Postage"],
        "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(30)] + ["Fees"],
        "description": "", "price": 10.0, "attributes": "{}",
        "is_product": [True] * 30 + [False],
        "created_at": pd.Timestamp(start),
    })
    rows = []
    oid = 0
    for mi, m in enumerate(m_ids + [None] * 5):
        n_orders = int(rng.poisson(6)) if mi % 7 else 0
        first = int(rng.integers(0, days))
        for _ in range(n_orders):
            t = datetime.combine(start, datetime.min.time()) + timedelta(
                days=int(rng.integers(first, days)), hours=int(rng.integers(0, 24)))
            oid += 1
            for ln in range(int(rng.integers(1, 4))):
                p = int(rng.integers(0, 30))
                rows.append((f"O{oid}", ln + 1, m, f"P{p:03d}", int(rng.integers(1, 4)),
                             float(rng.choice([2.5, 9.99, 20.0])), t, False))
            if rng.random() < 0.3:
                rows.append((f"O{oid}", 9, m, "POST", 1, 4.95, t, False))
            if rng.random() < 0.15:  # a return a few days later
                oid += 1
                rows.append((f"R{oid}", 1, m, rows[-1][3], -1, rows[-1][5], t + timedelta(days=3), True))
    # two orders on the same day for one member
    t = datetime.combine(start + timedelta(days=50), datetime.min.time())
    rows.append(("S1", 1, "M0001", "P001", 1, 5.0, t + timedelta(hours=9), False))
    rows.append(("S2", 1, "M0001", "P002", 2, 7.0, t + timedelta(hours=15), False))
    orders = pd.DataFrame(rows, columns=["order_id", "line_no", "member_id", "product_id", "quantity",
                                         "unit_price", "ordered_at", "is_return"])
    orders["country"] = "UK"
    orders["channel"] = "web"
    rv = orders[orders["member_id"].notna() & (orders["quantity"] > 0)].sample(40, random_state=seed)
    reviews = pd.DataFrame({
        "review_id": [f"V{i}" for i in range(len(rv))], "product_id": rv["product_id"].to_numpy(),
        "member_id": rv["member_id"].to_numpy(), "rating": rng.integers(1, 6, len(rv)),
        "text": "fine", "created_at": rv["ordered_at"].to_numpy() + np.timedelta64(5, "D"),
        "verified_purchase": True,
    })
    return {"members": mem, "products": prods, "orders": orders, "reviews": reviews}


def load_frames(ws, frames: dict[str, pd.DataFrame]) -> None:
    """Insert canonical frames into a workspace's analytics database."""
    from memberinsight.workspace.schema import TABLES

    with ws.analytics() as con:
        for name, df in frames.items():
            cols = TABLES[name].column_names
            con.register("_frame", df[cols])
            con.execute(f"INSERT INTO {name} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _frame")
            con.unregister("_frame")
