"""The definition language: validation with clear paths, JSON/YAML round trips, canonical form."""

from __future__ import annotations

import pytest

from memberinsight.segments import SegmentDefinition, SegmentDefinitionError, canonicalize, parse_definition
from memberinsight.segments.definition import MAX_CONDITIONS, Not


def d(*conds, kind="all"):
    return {"version": 1, "where": {kind: list(conds)}}


ISSUE_EXAMPLE = d({"field": "orders", "category": "Outdoor", "days": 90, "op": ">=", "value": 2},
                  {"field": "spend", "op": ">", "value": 200},
                  {"field": "churn_band", "op": "=", "value": "high"})


def test_round_trip_json_and_yaml():
    defn = parse_definition(ISSUE_EXAMPLE)
    assert SegmentDefinition.from_json(defn.to_json()) == defn
    assert SegmentDefinition.from_yaml(defn.to_yaml()) == defn
    assert defn.to_dict()["where"]["all"][0] == {"field": "orders", "category": "Outdoor", "days": 90,
                                                 "op": ">=", "value": 2}
    assert [c.field for c in defn.conditions()] == ["orders", "spend", "churn_band"]


@pytest.mark.parametrize(("data", "path", "fragment"), [
    (d({"field": "favourite_colour", "op": "=", "value": "red"}), "where.all[0].field", "unknown field"),
    (d({"field": "spend", "op": "~", "value": 1}), "where.all[0].op", "not allowed"),
    (d({"field": "spend", "op": ">", "value": "200; DROP TABLE members"}), "where.all[0].value", "number"),
    (d({"field": "city", "category": "Outdoor", "op": "=", "value": "London"}), "where.all[0].category",
     "takes no product category"),
    (d({"field": "orders", "days": -5, "op": ">=", "value": 1}), "where.all[0].days", "outside"),
    (d({"field": "orders", "op": ">=", "value": 1.5}), "where.all[0].value", "whole number"),
    (d({"field": "churn_band", "op": "=", "value": "extreme"}), "where.all[0].value", "not one of"),
    (d({"field": "spend", "op": "between", "value": [500, 100]}), "where.all[0].value", "above high"),
    (d({"field": "signup_date", "op": ">", "value": "01/02/2025"}), "where.all[0].value", "YYYY-MM-DD"),
    (d({"field": "spend", "op": ">", "value": 1, "sql": "1=1"}), "where.all[0]", "unknown key"),
    ({"version": 1, "where": {"all": []}}, "where.all", "non-empty"),
    ({"version": 2, "where": {"all": []}}, "version", "unsupported version"),
    ({"where": {"all": [{"field": "spend", "op": ">", "value": 1}], "any": []}}, "where", "only key"),
    ("DROP TABLE members", "$", "object"),
])
def test_validation_errors_name_the_path(data, path, fragment):
    with pytest.raises(SegmentDefinitionError) as info:
        parse_definition(data)
    assert info.value.path == path
    assert fragment in str(info.value)


def test_limits_on_size_and_depth():
    many = d(*[{"field": "spend", "op": ">", "value": i} for i in range(MAX_CONDITIONS + 1)])
    with pytest.raises(SegmentDefinitionError, match="more than"):
        parse_definition(many)
    node = {"field": "spend", "op": ">", "value": 1}
    for _ in range(10):
        node = {"not": node}
    with pytest.raises(SegmentDefinitionError, match="deeper"):
        parse_definition({"where": node})
    with pytest.raises(SegmentDefinitionError, match="longer than"):
        parse_definition(d({"field": "city", "op": "=", "value": "x" * 500}))


@pytest.mark.parametrize(("a", "b"), [
    (d({"field": "city", "op": "in", "value": ["London"]}), d({"field": "city", "op": "=", "value": "london"})),
    (d({"field": "orders", "op": ">", "value": 1}), d({"field": "orders", "op": ">=", "value": 2})),
    (d({"not": {"field": "orders", "category": "Toys", "op": ">=", "value": 1}}),
     d({"field": "orders", "category": "Toys", "op": "=", "value": 0})),
    (d({"not": {"field": "city", "op": "=", "value": "London"}}), d({"field": "city", "op": "!=", "value": "London"})),
    (d({"field": "spend", "op": ">", "value": 1}, {"field": "city", "op": "=", "value": "Leeds"}),
     d({"field": "city", "op": "=", "value": "Leeds"}, {"all": [{"field": "spend", "op": ">", "value": 1.0}]})),
    (d({"field": "signup_date", "op": ">", "value": "2025-02-28"}),
     d({"field": "signup_date", "op": ">=", "value": "2025-03-01"})),
    (d({"field": "orders", "category": ["Toys", "Garden"], "op": ">=", "value": 1}),
     d({"field": "orders", "category": ["garden", "toys", "Toys"], "op": ">=", "value": 1})),
    (d({"field": "returns", "op": "<", "value": 1}), d({"field": "returns", "op": "=", "value": 0})),
])
def test_canonical_forms_compare_equal(a, b):
    assert parse_definition(a).key() == parse_definition(b).key()


def test_canonical_form_keeps_meaningful_differences():
    # churn_probability may be unknown, so "not above 0.5" is not "at most 0.5"
    neg = canonicalize(parse_definition(d({"not": {"field": "churn_probability", "op": ">", "value": 0.5}})))
    assert isinstance(neg.where.items[0] if hasattr(neg.where, "items") else neg.where, Not)
    le = parse_definition(d({"field": "churn_probability", "op": "<=", "value": 0.5}))
    assert neg.key() != le.key()
    assert parse_definition(d({"field": "spend", "op": ">", "value": 1})).key() != \
        parse_definition(d({"field": "spend", "op": ">=", "value": 2})).key()
    assert parse_definition(d({"field": "orders", "days": 30, "op": ">=", "value": 1})).key() != \
        parse_definition(d({"field": "orders", "days": 31, "op": ">=", "value": 1})).key()


def test_display_order_is_kept_unless_sorting():
    defn = parse_definition(ISSUE_EXAMPLE)
    assert [c.field for c in canonicalize(defn, sort=False).conditions()] == ["orders", "spend", "churn_band"]
    shuffled = parse_definition({"where": {"all": list(reversed(ISSUE_EXAMPLE["where"]["all"]))}})
    assert canonicalize(shuffled) == canonicalize(defn)
    assert [c.field for c in canonicalize(shuffled, sort=False).conditions()] == ["churn_band", "spend", "orders"]


def test_random_structures_validate_or_fail_cleanly():
    """Untrusted data (forms, files, model output): only SegmentDefinitionError, and valid ones compile."""
    import random

    from memberinsight.segments import compile_definition
    from memberinsight.segments.fields import FIELDS

    rng = random.Random(5)
    keys = ["field", "op", "value", "category", "days", "all", "any", "not", "where", "version", "x"]
    scalars = [None, True, 0, -1, 2, 2.5, 1e300, float("nan"), "", "London", "high", "2025-01-01", "; DROP",
               [], [1, 2], ["a"], {}, *[f.name for f in FIELDS[:8]], ">=", "in", "between", "in_last_days"]

    ops = [">=", ">", "=", "!=", "<", "in", "not in", "between", "in_last_days", "more_than_days_ago"]
    values = [1, 3, 0.5, "high", "London", ["London", "Leeds"], [1, 5], "2025-06-01", ["2025-01-01", "2025-12-31"]]

    def leaf():
        if rng.random() < 0.3:  # junk
            return {k: rng.choice(scalars) for k in rng.sample(keys[:5], rng.randint(1, 5))}
        out = {"field": rng.choice(FIELDS).name, "op": rng.choice(ops), "value": rng.choice(values)}
        if rng.random() < 0.3:
            out["category"] = rng.choice(["Outdoor", ["Toys", "Pets"], 3])
        if rng.random() < 0.3:
            out["days"] = rng.choice([30, 0, 90.0, "90"])
        return out

    def node(depth):
        if depth > 3 or rng.random() < 0.5:
            return leaf()
        kind = rng.choice(["all", "any", "not", "x"])
        return {kind: node(depth + 1) if kind == "not" else [node(depth + 1) for _ in range(rng.randint(0, 3))]}

    valid = 0
    for _ in range(3000):
        data = {"version": rng.choice([1, 1, 1, 2]), "where": node(0)}
        try:
            defn = parse_definition(data)
        except SegmentDefinitionError:
            continue
        valid += 1
        compile_definition(defn)
        assert parse_definition(defn.canonical().to_dict()).key() == defn.key()
    assert valid > 20
