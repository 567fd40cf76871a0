"""Segment sizes on the built demo workspace equal an independent pandas implementation, for every
definition in the labelled sentence sets."""

from __future__ import annotations

import pandas as pd
import pytest
from segments_reference import PandasSegments

from memberinsight.segments import SegmentDefinition, parse_definition, run_query

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference(built_workspace):
    return PandasSegments(built_workspace)


def _all_labelled(sentence_files):
    import json

    rows = []
    for name, path in sentence_files.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((f"{name}:{row['id']}", SegmentDefinition.from_dict(row["expected"])))
    return rows


def test_every_labelled_definition_matches_pandas(built_workspace, reference, sentence_files):
    rows = _all_labelled(sentence_files)
    sizes = {}
    with built_workspace.analytics(read_only=True) as con:
        for rid, defn in rows:
            sql_ids = run_query(con, defn)
            assert sql_ids == reference.members_of(defn), rid
            sizes[rid] = len(sql_ids)
    assert len(sizes) >= 100
    non_trivial = [r for r, n in sizes.items() if 0 < n < 2000]
    assert len(non_trivial) >= 0.9 * len(sizes)  # the comparison is not vacuous


def test_derived_and_feature_fields_match_pandas(built_workspace, reference):
    cases = [{"field": "days_overdue", "op": ">", "value": 0}, {"field": "return_rate", "op": ">=", "value": 0.2},
             {"field": "tenure_days", "op": "<", "value": 200}, {"field": "spend_trend", "op": "<", "value": 0},
             {"not": {"field": "distinct_categories", "op": ">=", "value": 3}},
             {"field": "p_alive", "op": "between", "value": [0.2, 0.6]},
             {"field": "expected_orders_90d", "op": ">=", "value": 1},
             {"field": "r_score", "op": ">=", "value": 4}]
    with built_workspace.analytics(read_only=True) as con:
        for case in cases:
            defn = parse_definition({"where": case})
            ids = run_query(con, defn)
            assert ids == reference.members_of(defn), case
            assert 0 < len(ids) < 2000, case


def test_hand_written_filters(built_workspace):
    """A few definitions checked against filters written out by hand (not the reference class)."""
    with built_workspace.analytics(read_only=True) as con:
        members = con.execute("SELECT member_id, city, age_band FROM members").df()
        lines = con.execute("SELECT o.member_id, o.order_id, o.quantity, o.unit_price, o.is_return, o.ordered_at, "
                            "p.category, p.is_product FROM orders o JOIN products p USING (product_id)").df()
        preds = con.execute("SELECT member_id, churn_probability FROM member_predictions").df()
    ref = pd.Timestamp(lines["ordered_at"].max()).normalize()
    lines = lines[lines["member_id"].notna() & lines["is_product"].fillna(True)]
    buy = lines[~lines["is_return"].fillna(False) & (lines["quantity"] > 0)]
    ret = lines[lines["is_return"].fillna(False) | (lines["quantity"] < 0)]

    def ids(frame):
        return sorted(frame.astype(str).unique().tolist())

    def check(definition, expected):
        with built_workspace.analytics(read_only=True) as con:
            assert run_query(con, parse_definition({"where": {"all": definition}})) == expected

    # "bought Kitchen 3 or more times"
    kitchen = buy[buy["category"] == "Kitchen"].groupby("member_id")["order_id"].nunique()
    check([{"field": "orders", "category": "Kitchen", "op": ">=", "value": 3}], ids(kitchen[kitchen >= 3].index))
    # "spent more than 500 in the last year" (net of returns)
    recent = lines["ordered_at"].dt.normalize() > ref - pd.Timedelta(days=365)
    value = buy[recent.loc[buy.index]].assign(v=lambda d: d.quantity * d.unit_price).groupby("member_id")["v"].sum()
    back = ret[recent.loc[ret.index]].assign(v=lambda d: (d.quantity * d.unit_price).abs()).groupby("member_id")["v"].sum()
    net = value.sub(back, fill_value=0)
    check([{"field": "spend", "days": 365, "op": ">", "value": 500}], ids(net[net > 500].index))
    # "Garden buyers over 55"
    garden = set(buy.loc[buy["category"] == "Garden", "member_id"])
    older = members[members["age_band"].isin(["55-64", "65+"]) & members["member_id"].isin(garden)]
    check([{"field": "orders", "category": "Garden", "op": ">=", "value": 1},
           {"field": "age_band", "op": "in", "value": ["55-64", "65+"]}], ids(older["member_id"]))
    # "churn probability over 70%" and "not in London" (unknown city counts as not London)
    high = preds[preds["churn_probability"] > 0.7]["member_id"]
    not_london = members[members["city"].fillna("") != "London"]["member_id"]
    check([{"field": "churn_probability", "op": ">", "value": 0.7}, {"field": "city", "op": "!=", "value": "London"}],
          ids(pd.Series(sorted(set(high) & set(not_london)))))
