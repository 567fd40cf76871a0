"""Small, sparse shops written as canonical CSV files: no prices, one line per order, few repeat
buyers, short history (like review-derived exports). Used to check that builds degrade step by step."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

WORDS = ("great", "fine", "broken", "lovely", "slow", "gift", "card", "works", "cheap", "quality")


def write_sparse_shop(out: Path, members: int = 400, days: int = 420, prices: bool = False,
                      repeat_share: float = 0.35, products: int = 40, seed: int = 3,
                      end: date = date(2025, 6, 30)) -> Path:
    """Write ``members.csv``, ``products.csv``, ``orders.csv`` and ``reviews.csv`` into ``out``.

    Every order has exactly one line (no baskets); ``prices=False`` sets every unit price to 0;
    only ``repeat_share`` of the members ever buy more than once.
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = end - timedelta(days=days - 1)
    m_ids = [f"A{i:05d}" for i in range(members)]
    first_day = rng.integers(0, days, members)
    pd.DataFrame({"member_id": m_ids,
                  "signup_date": [(start + timedelta(days=int(d))).isoformat() for d in first_day]}
                 ).to_csv(out / "members.csv", index=False)
    p_ids = [f"B{i:04d}" for i in range(products)]
    base_price = np.round(rng.gamma(3.0, 8.0, products), 2)
    pd.DataFrame({"product_id": p_ids, "title": [f"Gift card design {i}" for i in range(products)],
                  "category": "Gift Cards", "price": base_price if prices else None}
                 ).to_csv(out / "products.csv", index=False)
    popularity = rng.dirichlet(np.full(products, 0.6))
    rows, reviews = [], []
    for i, mid in enumerate(m_ids):
        day = int(first_day[i])
        repeat = rng.random() < repeat_share
        rate = rng.gamma(1.5, 1 / 60) if repeat else 0.0
        n = 0
        while day < days:
            n += 1
            p = int(rng.choice(products, p=popularity))
            t = datetime.combine(start + timedelta(days=day), datetime.min.time()) + timedelta(
                hours=int(rng.integers(8, 22)))
            oid = f"{mid}-{n}"
            rows.append((oid, 1, mid, p_ids[p], 1, float(base_price[p]) if prices else 0.0, t.isoformat(sep=" ")))
            if rng.random() < 0.6:
                text = " ".join(rng.choice(WORDS, 6))
                reviews.append((f"R{oid}", p_ids[p], mid, int(rng.integers(1, 6)), text,
                                (t + timedelta(days=2)).isoformat(sep=" "), True))
            if not repeat or rng.random() < 0.25:
                break
            day += 1 + int(rng.exponential(1 / rate))
    pd.DataFrame(rows, columns=["order_id", "line_no", "member_id", "product_id", "quantity", "unit_price",
                                "ordered_at"]).to_csv(out / "orders.csv", index=False)
    reviews = [r for r in reviews if r[5] <= f"{end.isoformat()} 23:59:59"]
    pd.DataFrame(reviews, columns=["review_id", "product_id", "member_id", "rating", "text", "created_at",
                                   "verified_purchase"]).to_csv(out / "reviews.csv", index=False)
    return out
