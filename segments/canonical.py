"""Canonical form of segment definitions: one normal form, so two definitions that mean the same
thing compare equal (used by the parse-accuracy evaluation, saved segments and ``key()``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from memberinsight.segments.definition import (
    FLIPPED_OP,
    NEGATED_OP,
    OPS_BY_TYPE,
    Condition,
    Group,
    Node,
    Not,
    SegmentDefinition,
    node_to_dict,
)
from memberinsight.segments.fields import CATALOGUE


def canonicalize(defn: SegmentDefinition, sort: bool = True) -> SegmentDefinition:
    """One normal form: flattened groups, sorted children, single values as ``=``, integer bounds inclusive.

    With ``sort=False`` children keep their order (for display); everything else is normalised."""
    root = _canon(defn.where, sort)
    if not isinstance(root, Group):
        root = Group("all", (root,))
    return SegmentDefinition(where=root, version=defn.version, notes=defn.notes)


def _sort_key(node: Node) -> str:
    return json.dumps(casefold_values(node_to_dict(node)), sort_keys=True)


def _canon(node: Node, sort: bool = True) -> Node:
    if isinstance(node, Condition):
        return _canon_condition(node)
    if isinstance(node, Not):
        inner = _canon(node.item, sort)
        if isinstance(inner, Not):
            return inner.item
        if isinstance(inner, Condition):
            fld = CATALOGUE[inner.field]
            if inner.op in NEGATED_OP and NEGATED_OP[inner.op] in OPS_BY_TYPE[fld.type]:
                return _canon_condition(replace(inner, op=NEGATED_OP[inner.op]))
            if fld.never_null and inner.op in FLIPPED_OP:
                return _canon_condition(replace(inner, op=FLIPPED_OP[inner.op]))
        return Not(inner)
    items: list[Node] = []
    for child in (_canon(i, sort) for i in node.items):
        if isinstance(child, Group) and child.kind == node.kind:
            items.extend(child.items)
        else:
            items.append(child)
    unique = {_sort_key(i): i for i in items}
    ordered = tuple(unique[k] for k in (sorted(unique) if sort else unique))
    return ordered[0] if len(ordered) == 1 else Group(node.kind, ordered)


def _canon_condition(c: Condition) -> Condition:
    fld = CATALOGUE[c.field]
    op, value = c.op, c.value
    category = None
    if c.category:
        uniq_cat = {v.casefold(): v for v in reversed(c.category)}
        category = tuple(uniq_cat[k] for k in sorted(uniq_cat))
    if op in ("in", "not in"):
        uniq = {(v.casefold() if isinstance(v, str) else v): v for v in value}
        value = tuple(uniq[k] for k in sorted(uniq, key=str))
        if len(value) == 1:
            op, value = ("=" if op == "in" else "!="), value[0]
    if fld.type == "integer" and op in (">", "<") and isinstance(value, int):
        op, value = (">=", value + 1) if op == ">" else ("<=", value - 1)
    if fld.type == "integer" and fld.never_null and op == "<=" and value == 0:
        op = "="
    if fld.type == "date" and op in (">", "<"):
        day = date.fromisoformat(value).toordinal()
        op, value = (">=", date.fromordinal(day + 1).isoformat()) if op == ">" else \
            ("<=", date.fromordinal(day - 1).isoformat())
    return replace(c, op=op, value=value, category=category)


def casefold_values(obj: Any) -> Any:
    """``obj`` with every text value case-folded (field names and operators kept)."""
    if isinstance(obj, str):
        return obj.casefold()
    if isinstance(obj, list | tuple):
        return [casefold_values(v) for v in obj]
    if isinstance(obj, dict):
        return {k: (casefold_values(v) if k not in ("field", "op") else v) for k, v in obj.items()}
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    return obj
