"""Compiled SQL on a tiny hand-made workspace: each field's semantics, bound parameters, whitelisting."""

from __future__ import annotations

import pytest

from memberinsight.errors import ModelNotReadyError
from memberinsight.segments import compile_definition, parse_definition, segment_members, segment_size


def c(field, op, value, **kw):
    return {"field": field, **kw, "op": op, "value": value}


def members(ws, *conds, kind="all"):
    return segment_members(ws, {"where": {kind: list(conds)}})


@pytest.mark.parametrize(("conds", "expected"), [
    ([c("orders", ">=", 2, category="Outdoor", days=90)], ["m1"]),           # o1 is 87 days before the ref date
    ([c("orders", ">=", 2, category="Outdoor", days=80)], []),
    ([c("orders", ">=", 1, category="outdoor", days=30)], ["m1"]),            # categories are case-insensitive
    ([c("spend", ">", 200)], ["m1"]),                                        # 100 + 120 + 2 x 20; postage excluded
    ([c("spend", "=", 260)], ["m1"]),
    ([c("spend", "<", 0)], ["m4"]),                                          # a cancelled line counts negative
    ([c("spend", "=", 0)], ["m2"]),                                          # bought 20, returned 20
    ([c("returns", ">=", 1)], ["m2", "m4"]),
    ([c("orders", "=", 0, days=30)], ["m2", "m4", "m5"]),                    # members without orders count 0
    ([c("aov", ">", 100)], ["m1"]),
    ([c("last_order_date", "more_than_days_ago", 90)], ["m2", "m5"]),        # m4 never bought: excluded
    ([c("last_order_date", "in_last_days", 30)], ["m1", "m3"]),
    ([c("last_order_date", "<", "2025-06-16")], ["m2", "m5"]),
    ([c("first_order_date", ">=", "2025-06-01")], ["m1", "m2", "m3"]),
    ([c("signup_date", "between", ["2025-06-01", "2025-11-20"])], ["m2", "m3"]),  # inclusive bounds
    ([c("signup_date", "between", ["2025-06-02", "2025-11-19"])], []),
    ([c("city", "=", "london")], ["m1", "m5"]),
    ([c("city", "!=", "London")], ["m2", "m3", "m4"]),                      # unknown city counts as "not London"
    ([{"not": c("city", "=", "London")}], ["m2", "m3", "m4"]),
    ([c("age_band", "in", ["65+", "18-24"])], ["m3", "m4"]),
    ([c("reviews", ">=", 1, days=30)], ["m1", "m2"]),
    ([c("low_ratings", ">=", 2)], ["m2"]),
    ([c("avg_rating", "<", 2)], ["m2"]),
    ([c("churn_band", "=", "high")], ["m2"]),
    ([c("churn_band", "!=", "high")], ["m1", "m3", "m4", "m5"]),             # no prediction counts as "not high"
    ([c("cluster", "in", [1, 2])], ["m2", "m3", "m4"]),
    ([c("rfm_segment", "=", "champions")], ["m1"]),
    ([c("expected_next_order_date", "in_next_days", 14)], ["m1"]),
    ([c("expected_next_order_date", "more_than_days_ago", 0)], ["m2"]),     # overdue
    ([c("avg_days_between_orders", "<=", 30)], ["m2"]),
    ([c("predicted_clv_365d", "between", [50, 600])], ["m1", "m3"]),
    ([c("churn_probability", ">", 0.4), c("city", "=", "Leeds")], ["m2"]),
    # absolute windows (from/to, inclusive): m1 bought Outdoor in October and again in December
    ([c("orders", ">=", 1, category="Outdoor", **{"from": "2025-10-01", "to": "2025-10-31"})], ["m1"]),
    ([c("last_order_date", "between", ["2025-10-01", "2025-10-31"], category="Outdoor")], []),
    ([c("orders", ">=", 1, **{"from": "2025-12-20"})], ["m1", "m3"]),
    ([c("orders", ">=", 1, **{"to": "2025-06-15"})], ["m2", "m5"]),
    ([c("orders", ">=", 1, **{"from": "2025-06-15", "to": "2025-10-05"})], ["m1", "m2"]),
    ([c("orders", "=", 0, **{"from": "2025-06-16", "to": "2025-10-04"})], ["m1", "m2", "m3", "m4", "m5"]),
    ([c("spend", "=", 100, **{"from": "2025-10-01", "to": "2025-10-31"})], ["m1"]),  # postage excluded
    ([c("spend", "=", 0, **{"from": "2025-06-01", "to": "2025-06-30"})], ["m1", "m2", "m3", "m4", "m5"]),
    ([c("returns", ">=", 1, **{"from": "2025-12-01"})], ["m4"]),
    ([c("reviews", ">=", 1, **{"from": "2025-12-22", "to": "2025-12-22"})], ["m1"]),
])
def test_field_semantics(tiny_workspace, conds, expected):
    assert members(tiny_workspace, *conds) == expected


def test_groups_and_negation(tiny_workspace):
    ws = tiny_workspace
    assert members(ws, c("city", "=", "Leeds"), c("churn_probability", ">", 0.4), kind="any") == ["m2", "m3"]
    assert segment_members(ws, {"where": {"not": {"any": [c("city", "=", "London"),
                                                          c("country", "=", "Ireland")]}}}) == ["m2"]
    assert segment_size(ws, {"where": {"all": [c("orders", ">=", 1)]}}) == 4


def test_values_are_bound_parameters_never_sql_text():
    hostile = "London'); DROP TABLE members; --"
    q = compile_definition(parse_definition({"where": {"all": [
        c("city", "=", hostile), c("orders", ">=", 2, category=["Out'door"], days=90)]}}))
    assert hostile not in q.sql and "DROP" not in q.sql and "Out'door" not in q.sql
    assert hostile.casefold() in q.params.values()
    assert sorted(q.params) == [f"p{i}" for i in range(len(q.params))]


def test_hostile_values_run_safely(tiny_workspace):
    hostile = "x' OR '1'='1"
    assert members(tiny_workspace, c("city", "=", hostile)) == []
    assert members(tiny_workspace, c("orders", ">=", 1, category=hostile)) == []
    assert segment_size(tiny_workspace, {"where": {"all": [c("orders", ">=", 0)]}}) == 5  # tables intact


def test_missing_predictions_or_columns_say_run_build(tiny_workspace, tmp_path):
    from memberinsight.workspace import Workspace

    empty = Workspace.create(tmp_path / "empty")
    with pytest.raises(ModelNotReadyError, match="memberinsight build"):
        members(empty, c("churn_band", "=", "high"))
    with pytest.raises(ModelNotReadyError, match="p_alive"):
        members(tiny_workspace, c("p_alive", ">", 0.5))  # the tiny predictions table has no p_alive column
    assert members(empty, c("orders", ">=", 1)) == []


def test_lines_of_products_missing_from_the_catalogue_still_count(tiny_workspace, tmp_path):
    import shutil

    from segments_reference import PandasSegments

    from memberinsight.workspace import Workspace

    shutil.copytree(tiny_workspace.path, tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws")
    with ws.analytics() as con:  # m5 buys a product the catalogue does not know
        con.execute("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, ordered_at, "
                    "is_return) VALUES ('o9', 1, 'm5', 'unknown-sku', 2, 16.0, '2025-11-01 10:00:00', false)")
    reference = PandasSegments(ws)
    for cond, expected in [(c("spend", "=", 47), ["m5"]), (c("orders", ">=", 2), ["m1", "m5"]),
                           (c("orders", ">=", 1, **{"from": "2025-11-01", "to": "2025-11-30"}), ["m5"]),
                           (c("aov", "=", 23.5), ["m5"]),
                           (c("last_order_date", "=", "2025-11-01"), ["m5"])]:
        defn = parse_definition({"where": cond})
        assert segment_members(ws, defn) == expected == reference.members_of(defn), cond


def test_window_validation():
    from memberinsight.segments import SegmentDefinitionError

    with pytest.raises(SegmentDefinitionError, match="not both"):
        parse_definition({"where": c("orders", ">=", 1, days=30, **{"from": "2025-01-01"})})
    with pytest.raises(SegmentDefinitionError, match="after"):
        parse_definition({"where": c("orders", ">=", 1, **{"from": "2025-02-01", "to": "2025-01-01"})})
    with pytest.raises(SegmentDefinitionError, match="takes no date window"):
        parse_definition({"where": c("city", "=", "Leeds", **{"from": "2025-01-01"})})
    with pytest.raises(SegmentDefinitionError, match="YYYY-MM-DD"):
        parse_definition({"where": c("orders", ">=", 1, to="May 2025")})
    d = parse_definition({"where": c("orders", ">=", 1, category="Outdoor", **{"from": "2025-05-01", "to": "2025-05-31"})})
    assert d.conditions()[0].to_dict() == {"field": "orders", "category": "Outdoor", "from": "2025-05-01",
                                           "to": "2025-05-31", "op": ">=", "value": 1}
    assert parse_definition(d.to_dict()).key() == d.key()
