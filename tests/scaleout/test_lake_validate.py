"""``lake validate`` applies ingest's rules on Spark: a lake with planted bad rows gets each row's first
problem, rejects are written beside it, and the counts add up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow,  # pyspark 4.0's toPandas under pandas 3 (not ours):
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


def _write(root: Path, table: str, frame: pd.DataFrame) -> None:
    (root / table).mkdir(parents=True)
    frame.to_parquet(root / table / "part-00000.parquet", index=False)


@pytest.fixture(scope="module")
def bad_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad_lake")
    ts = pd.Timestamp("2026-03-01 10:00")
    _write(root, "members", pd.DataFrame({
        "member_id": ["m1", "m2", "m2", None],  # m2 twice (the second is a duplicate), one without id
        "signup_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01", "2025-03-01"]).date,
        "country": ["UK", "UK", "FR", "UK"]}))
    _write(root, "products", pd.DataFrame({
        "product_id": ["p1", "p2", "p3"], "title": ["Tent", "Mug", ""],  # p3: empty title
        "category": ["Outdoor", "Kitchen", "Kitchen"], "price": [99.0, -1.0, 5.0]}))  # p2: negative price
    _write(root, "orders", pd.DataFrame({
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o1"],
        "line_no": [1, 2, 1, 0, 1, 1, 1],  # o3: line_no 0; the last row repeats (o1, 1)
        "member_id": ["m1", "m1", "m9", "m1", "m1", None, "m1"],  # o2: unknown member; o5: a guest (fine)
        "product_id": ["p1", "p2", "p1", "p1", "p3", "p1", "p1"],  # o1/2 and o4: products rejected above
        "quantity": [1, 2, 1, 1, 1, 1, 1],
        "unit_price": [99.0, 5.0, 99.0, 99.0, 5.0, 99.0, 99.0],
        "ordered_at": [ts, ts, ts, ts, ts, pd.Timestamp("2031-01-01"), ts]}))  # o5: in the future
    _write(root, "reviews", pd.DataFrame({
        "review_id": ["r1", "r2"], "product_id": ["p1", "p1"], "member_id": ["m1", "m1"],
        "rating": [5, 9], "text": ["great", "odd"], "created_at": [ts, ts]}))  # r2: rating 9
    return root


def test_validate_rejects_planted_rows_with_first_reasons(spark, bad_lake: Path) -> None:
    from memberinsight.scaleout import validate_lake

    report = validate_lake(spark, str(bad_lake), now=datetime(2026, 12, 1))
    t = report.tables
    assert not report.ok
    assert t["members"].reasons == {"missing_value": 1, "duplicate_key": 1}
    assert t["products"].reasons == {"missing_value": 1, "negative_price": 1}
    assert t["orders"].reasons == {"bad_line_no": 1, "future_date": 1, "duplicate_key": 1,
                                   "unknown_member": 1, "unknown_product": 2}
    assert t["reviews"].reasons == {"bad_rating": 1}
    for check in t.values():
        assert check.rows == check.valid + check.rejected == check.valid + sum(check.reasons.values())
    assert (t["members"].valid, t["orders"].valid, t["reviews"].valid) == (2, 1, 1)
    rejects = pd.read_parquet(bad_lake / "_rejects" / "orders")
    assert len(rejects) == t["orders"].rejected
    assert set(rejects.columns) >= {"order_id", "line_no", "reason", "column"}
    assert rejects.set_index("order_id").loc["o3", "column"] == "line_no"
    assert "orders: 7 rows, 1 valid, 6 rejected" in report.text()


def test_exported_demo_lake_is_valid(spark, demo_lake: str) -> None:
    from memberinsight.scaleout import validate_lake

    report = validate_lake(spark, demo_lake)
    assert report.ok, report.text()
    assert report.tables["members"].rows == 2000
    assert report.tables["orders"].rows == report.tables["orders"].valid > 10_000
