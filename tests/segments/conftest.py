"""Fixtures for the segments tests: a tiny hand-made workspace and the labelled sentence sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SENTENCE_FILES = {name: HERE / f"{stem}.jsonl" for name, stem in (
    ("dev", "sentences"), ("holdout", "sentences_holdout"), ("holdout2", "sentences_holdout2"),
    ("holdout3", "sentences_holdout3"))}


def labelled(name: str) -> list[dict]:
    return [json.loads(line) for line in SENTENCE_FILES[name].read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sentence_files() -> dict[str, Path]:
    """The labelled sentence sets: ``dev`` (written before the parser) and three later holdout batches."""
    return SENTENCE_FILES


TINY_MEMBERS = [
    # member_id, city, country, channel, age_band, signup_date
    ("m1", "London", "United Kingdom", "social", "25-34", "2025-01-10"),
    ("m2", "Leeds", "United Kingdom", "email", "35-44", "2025-06-01"),
    ("m3", None, "Ireland", "organic", "65+", "2025-11-20"),
    ("m4", "Dublin", "Ireland", "paid_search", "18-24", "2025-12-01"),
    ("m5", "London", "United Kingdom", "referral", "45-54", "2024-12-31"),
]
TINY_PRODUCTS = [
    ("p1", "Tent", "Outdoor", 100.0, True),
    ("p2", "Pan", "Kitchen", 20.0, True),
    ("p3", "Rake", "Garden", 15.0, True),
    ("post", "Postage", "Uncategorised", 5.0, False),
]
TINY_ORDERS = [
    # order_id, line_no, member_id, product_id, quantity, unit_price, ordered_at, is_return
    ("o1", 1, "m1", "p1", 1, 100.0, "2025-10-05 10:00:00", False),  # 87 days before ref
    ("o1", 2, "m1", "post", 1, 5.0, "2025-10-05 10:00:00", False),  # postage: not counted
    ("o2", 1, "m1", "p1", 1, 120.0, "2025-12-20 09:00:00", False),
    ("o2", 2, "m1", "p2", 2, 20.0, "2025-12-20 09:00:00", False),
    ("o3", 1, "m2", "p2", 1, 20.0, "2025-06-15 12:00:00", False),
    ("c3", 1, "m2", "p2", -1, 20.0, "2025-06-20 12:00:00", True),   # return
    ("o4", 1, "m3", "p3", 3, 15.0, "2025-12-31 18:00:00", False),  # ref date = 2025-12-31
    ("o5", 1, None, "p1", 1, 100.0, "2025-12-30 10:00:00", False),  # guest checkout
    ("c6", 1, "m4", "p1", 1, 100.0, "2025-12-01 10:00:00", True),   # cancelled, positive quantity
    ("o7", 1, "m5", "p3", 1, 15.0, "2025-01-01 10:00:00", False),
]
TINY_REVIEWS = [
    ("r1", "p1", "m1", 5, "Great tent", "2025-12-22 10:00:00"),
    ("r2", "p2", "m2", 1, "Broke fast", "2025-06-30 10:00:00"),
    ("r3", "p2", "m2", 2, "Meh", "2025-12-30 10:00:00"),
]


@pytest.fixture(scope="session")
def tiny_workspace(tmp_path_factory: pytest.TempPathFactory):
    """Five members, a handful of orders and reviews, inserted by hand (ref date 2025-12-31)."""
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path_factory.mktemp("segments_tiny") / "ws")
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, city, country, channel, age_band, signup_date) "
                        "VALUES (?, ?, ?, ?, ?, ?)", TINY_MEMBERS)
        con.executemany("INSERT INTO products (product_id, title, category, price, is_product) VALUES (?, ?, ?, ?, ?)",
                        TINY_PRODUCTS)
        con.executemany("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at, is_return) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", TINY_ORDERS)
        con.executemany("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", TINY_REVIEWS)
        con.execute("CREATE TABLE member_predictions (member_id VARCHAR, rfm_segment VARCHAR, cluster INTEGER, "
                    "churn_probability DOUBLE, churn_band VARCHAR, clv_tier VARCHAR, predicted_clv_365d DOUBLE, "
                    "expected_orders_365d DOUBLE, expected_next_order_date DATE, avg_days_between_orders DOUBLE)")
        con.executemany("INSERT INTO member_predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            ("m1", "Champions", 0, 0.1, "low", "high", 500.0, 6.0, "2026-01-10", 40.0),
            ("m2", "At Risk", 1, 0.8, "high", "low", 20.0, 0.5, "2025-12-01", 5.0),
            ("m3", "New", 2, 0.5, "medium", "medium", 80.0, 1.0, "2026-03-01", None),
            ("m4", "No Purchases Yet", 2, None, None, None, None, None, None, None),
        ])
    return ws


@pytest.fixture(scope="session")
def demo_vocab():
    from memberinsight.segments.evaluation import evaluation_vocabulary

    return evaluation_vocabulary()
