"""Planted demo fraud: deterministic, labelled, consistent with the shop, and only when asked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from memberinsight.errors import ConfigError
from memberinsight.workspace.demo import generate_demo
from memberinsight.workspace.demo.fraud import PATTERNS, TRUTH_FILE, generate_fraud_demo, plant_fraud


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fraud_demo")
    generate_fraud_demo(folder, members=600, seed=3)
    return folder


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_default_demo_is_untouched_unless_asked(tmp_path: Path) -> None:
    plain, _ = generate_fraud_demo(tmp_path / "a", members=300, seed=5, fraud=False)
    generate_demo(tmp_path / "b", members=300, seed=5)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert not (tmp_path / "a" / TRUTH_FILE).exists()
    assert "device_id" not in (tmp_path / "a" / "orders.csv").read_text(encoding="utf-8").splitlines()[0]


def test_planting_is_deterministic_and_refuses_a_second_time(planted: Path, tmp_path: Path) -> None:
    generate_fraud_demo(tmp_path / "again", members=600, seed=3)
    assert _digests(tmp_path / "again") == _digests(planted)
    with pytest.raises(ConfigError, match="already has planted fraud"):
        plant_fraud(planted, seed=3)


def test_labels_name_real_rows_and_every_pattern(planted: Path) -> None:
    truth, orders, members = _read(planted, "fraud_truth"), _read(planted, "orders"), _read(planted, "members")
    reviews, labels = _read(planted, "reviews"), _read(planted, "review_labels")
    groups = truth.groupby("pattern")["group_id"].nunique()
    assert {p: groups[p] for p in PATTERNS} == dict.fromkeys(PATTERNS, 10)
    assert set(groups.index) == {*PATTERNS, "review_fraud"}  # the generator's own fake-review accounts
    assert set(truth.loc[truth.kind == "order", "object_id"]) <= set(orders.order_id)
    assert set(truth.loc[truth.kind == "account", "object_id"]) <= set(members.member_id)
    assert members.member_id.is_unique and not orders.duplicated(["order_id", "line_no"]).any()
    assert list(labels.review_id) == list(reviews.review_id) and reviews.review_id.is_unique
    brushing = labels[labels.pattern == "brushing"]
    assert len(brushing) >= 60 and (brushing.is_fake == "1").all()
    assert (reviews.set_index("review_id").loc[brushing.review_id, "rating"] == "5").all()
    assert set(orders.status) == {"paid", "cancelled", "refunded", "chargeback"}


def test_patterns_have_their_shape(planted: Path) -> None:
    truth, orders = _read(planted, "fraud_truth"), _read(planted, "orders")
    heads = orders.drop_duplicates("order_id").set_index("order_id")
    heads["ordered_at"] = pd.to_datetime(heads["ordered_at"])
    planted_orders = truth[truth.kind == "order"].merge(heads, left_on="object_id", right_index=True)
    for _, burst in planted_orders[planted_orders.pattern == "card_testing"].groupby("group_id"):
        span = burst.ordered_at.max() - burst.ordered_at.min()
        assert len(burst) >= 8 and span <= pd.Timedelta(minutes=90)
        assert burst.payment_fingerprint.is_unique and burst.device_id.nunique() == 1
    takeover = planted_orders[planted_orders.pattern == "account_takeover"]
    for _, row in takeover.iterrows():
        before = heads[(heads.member_id == row.member_id) & (heads.ordered_at < row.ordered_at)
                       & ~heads.index.isin(takeover.object_id)]
        assert len(before) >= 3 and row.device_id not in set(before.device_id)
        assert row.shipping_method == "express"
    coupon = planted_orders[planted_orders.pattern == "coupon_abuse"]
    assert (coupon.groupby("group_id").member_id.nunique() >= 4).all()
