"""Hostile definition text: size and nesting limits give a clear SegmentDefinitionError, never a RecursionError."""

from __future__ import annotations

import json
import time

import pytest

from memberinsight.segments import SegmentDefinition, SegmentDefinitionError, parse_definition
from memberinsight.segments.definition import MAX_DEPTH
from memberinsight.segments.loading import MAX_NESTING, MAX_TEXT

CITY = {"field": "city", "op": "=", "value": "London"}


def _nested_not(depth: int) -> str:
    return '{"where": ' + '{"not": ' * depth + json.dumps(CITY) + "}" * depth + "}"


@pytest.mark.parametrize("depth", [2000, 100_000])
def test_deep_json_is_refused_quickly_with_the_limit_named(depth: int) -> None:
    for text in (_nested_not(depth), '{"where": ' + "[" * depth + "]" * depth + "}",
                 '{"where": {"field": "city", "op": "in", "value": ' + "[" * depth + "]" * depth + "}}"):
        start = time.perf_counter()
        with pytest.raises(SegmentDefinitionError) as info:
            SegmentDefinition.from_json(text)
        assert time.perf_counter() - start < 1.0
        message = str(info.value)
        assert (f"deeper than {MAX_NESTING} levels" in message if len(text) <= MAX_TEXT
                else f"the limit is {MAX_TEXT:,}" in message), message


@pytest.mark.parametrize("depth", [2000, 20_000])
def test_deep_yaml_is_refused_with_the_limit_named(depth: int) -> None:
    flow = "where: " + "[" * depth + "]" * depth
    block = "where:\n" + "".join(" " * i + "not:\n" for i in range(1, 200)) + " " * 200 + "field: city\n"
    for text in (flow, block):
        with pytest.raises(SegmentDefinitionError, match="MAX_NESTING|MAX_TEXT"):
            SegmentDefinition.from_yaml(text)


def test_nesting_inside_strings_does_not_count_and_escaped_quotes_are_handled() -> None:
    value = 'a\\" [[[[' + "[" * 60 + "{{{{"  # brackets inside a JSON string, after an escaped quote
    defn = SegmentDefinition.from_json('{"where": {"field": "city", "op": "=", "value": "' + value + '"}}')
    assert defn.where.value == 'a" [[[[' + "[" * 60 + "{{{{"


def test_text_over_the_size_limit_is_refused_before_parsing() -> None:
    pad = " " * (MAX_TEXT + 1 - len(json.dumps({"where": CITY})))
    text = json.dumps({"where": CITY}) + pad
    with pytest.raises(SegmentDefinitionError, match=r"65,537 characters; the limit is 65,536 \(MAX_TEXT"):
        SegmentDefinition.from_json(text)
    with pytest.raises(SegmentDefinitionError, match="MAX_TEXT"):
        SegmentDefinition.from_yaml("where: {field: city, op: '=', value: London}" + "\n" * MAX_TEXT)
    assert SegmentDefinition.from_json(text[:MAX_TEXT]).where.value == "London"  # at the limit: fine


def test_yaml_aliases_are_refused() -> None:
    text = "c: &c {field: city, op: '=', value: London}\nwhere: {all: [*c, *c]}\n"
    with pytest.raises(SegmentDefinitionError, match="aliases"):
        SegmentDefinition.from_yaml(text)


def test_a_definition_within_the_group_limit_still_parses_from_json_and_yaml() -> None:
    node: dict = CITY
    for _ in range(MAX_DEPTH):
        node = {"all": [node, {"field": "spend", "op": ">", "value": 1}]}
    text = json.dumps({"where": node})
    assert SegmentDefinition.from_json(text) == SegmentDefinition.from_yaml(text)  # JSON is YAML
    with pytest.raises(SegmentDefinitionError, match=f"deeper than {MAX_DEPTH}"):
        SegmentDefinition.from_json(json.dumps({"where": {"not": node}}))


def test_deep_python_data_gives_the_clear_error_too() -> None:
    inner: list = []
    deep = inner
    for _ in range(5000):  # a value nested 5000 lists deep (repr of it alone would overflow the stack)
        deep.append([])
        deep = deep[0]
    with pytest.raises(SegmentDefinitionError, match=r"where.value\[0\]: expected a non-empty text value"):
        parse_definition({"where": {"field": "city", "op": "in", "value": inner}})
    node: dict = CITY
    for _ in range(3000):
        node = {"not": node}
    with pytest.raises(SegmentDefinitionError, match="deeper than"):
        parse_definition({"where": node})
