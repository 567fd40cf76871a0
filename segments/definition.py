"""The segment definition language: a small, typed, JSON/YAML-serialisable filter structure.

A definition is a tree. Leaves are :class:`Condition` (one field compared with a value); inner
nodes are :class:`Group` (``all`` = AND, ``any`` = OR) and :class:`Not`. In JSON::

    {"version": 1,
     "where": {"all": [
        {"field": "orders", "category": "Outdoor", "days": 90, "op": ">=", "value": 2},
        {"field": "spend", "op": ">", "value": 200},
        {"field": "churn_band", "op": "=", "value": "high"}]}}

Every field name must be in the field catalogue (:mod:`segments.fields`); operators and value
types are checked against the field's type. ``category`` (product categories) and ``days`` (a
trailing window ending on the latest data date) are only allowed on fields that take them; fields
that take ``days`` also take an absolute window instead: ``from`` and/or ``to`` (``YYYY-MM-DD``,
both inclusive), e.g. ``{"field": "orders", "category": "Outdoor", "from": "2026-05-01",
"to": "2026-05-31", "op": ">=", "value": 1}`` counts the Outdoor orders placed in May 2026.

Semantics (the compiler implements them exactly):

* a condition on a member with no value (no prediction, unknown city) is *false*;
* ``!=`` and ``not in`` are the exact negation of ``=`` / ``in`` (so "not in London" keeps
  members whose city is unknown); ``not`` negates a whole sub-tree the same way;
* date operators ``in_last_days`` / ``more_than_days_ago`` / ``in_next_days`` take a number of
  days counted from the latest data date (the last order date in the workspace), so a
  definition means the same thing on the same data whenever it runs.

:func:`segments.canonical.canonicalize` puts a definition in one normal form so two definitions
that mean the same thing compare equal (used by the parse-accuracy evaluation and to store segments).
"""

from __future__ import annotations

import json
import math
import reprlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union

from memberinsight.segments.errors import SegmentDefinitionError
from memberinsight.segments.fields import Field, get_field
from memberinsight.segments.loading import load_json, load_yaml

VERSION = 1
MAX_DEPTH = 6
MAX_CONDITIONS = 40
MAX_STRING = 120
MAX_LIST = 60

NUMERIC_OPS = ("=", "!=", ">", ">=", "<", "<=", "between")
CHOICE_OPS = ("=", "!=", "in", "not in")
DATE_OPS = ("=", "<", "<=", ">", ">=", "between", "in_last_days", "more_than_days_ago", "in_next_days")
RELATIVE_DATE_OPS = ("in_last_days", "more_than_days_ago", "in_next_days")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "integer": NUMERIC_OPS, "number": NUMERIC_OPS, "choice": CHOICE_OPS, "date": DATE_OPS,
}
NEGATED_OP = {"=": "!=", "!=": "=", "in": "not in", "not in": "in"}
FLIPPED_OP = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}


@dataclass(frozen=True)
class Condition:
    """One test on one catalogue field, e.g. ``orders(category=Outdoor, days=90) >= 2``."""

    field: str
    op: str
    value: Any
    category: tuple[str, ...] | None = None
    """Product categories the behaviour is restricted to (any of them)."""
    days: int | None = None
    """Trailing window in days, ending on the latest data date."""
    date_from: str | None = None
    """Absolute window start (``YYYY-MM-DD``, inclusive); JSON key ``from``."""
    date_to: str | None = None
    """Absolute window end (``YYYY-MM-DD``, inclusive); JSON key ``to``."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.category:
            out["category"] = self.category[0] if len(self.category) == 1 else list(self.category)
        if self.days is not None:
            out["days"] = self.days
        if self.date_from is not None:
            out["from"] = self.date_from
        if self.date_to is not None:
            out["to"] = self.date_to
        out["op"] = self.op
        out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return out


@dataclass(frozen=True)
class Group:
    """``all`` (AND) or ``any`` (OR) of child nodes."""

    kind: str
    items: tuple[Node, ...]

    def to_dict(self) -> dict[str, Any]:
        return {self.kind: [node_to_dict(i) for i in self.items]}


@dataclass(frozen=True)
class Not:
    """Negation of a child node."""

    item: Node

    def to_dict(self) -> dict[str, Any]:
        return {"not": node_to_dict(self.item)}


Node = Union[Condition, Group, Not]  # noqa: UP007 - used at runtime in isinstance checks


def node_to_dict(node: Node) -> dict[str, Any]:
    return node.to_dict()


@dataclass(frozen=True)
class SegmentDefinition:
    """A validated segment definition (root node plus format version)."""

    where: Node
    version: int = VERSION
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "where": node_to_dict(self.where)}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=indent is None)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def conditions(self) -> list[Condition]:
        """Every leaf condition, depth first."""
        return list(iter_conditions(self.where))

    def canonical(self) -> SegmentDefinition:
        """This definition in canonical form (:func:`segments.canonical.canonicalize`)."""
        from memberinsight.segments.canonical import canonicalize

        return canonicalize(self)

    def key(self) -> str:
        """Canonical JSON text (case-insensitive for values): equal keys mean equal definitions."""
        from memberinsight.segments.canonical import canonicalize, casefold_values

        return json.dumps(casefold_values(canonicalize(self).to_dict()), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any) -> SegmentDefinition:
        return parse_definition(data)

    @classmethod
    def from_json(cls, text: str) -> SegmentDefinition:
        """Parse and validate JSON text (size and nesting limits checked before the data is built)."""
        return parse_definition(load_json(text))

    @classmethod
    def from_yaml(cls, text: str) -> SegmentDefinition:
        """Parse and validate YAML text (size, nesting and no-alias rules checked before the data is built)."""
        return parse_definition(load_yaml(text))


def iter_conditions(node: Node):
    if isinstance(node, Condition):
        yield node
    elif isinstance(node, Group):
        for item in node.items:
            yield from iter_conditions(item)
    else:
        yield from iter_conditions(node.item)


def all_of(*nodes: Node) -> SegmentDefinition:
    """Convenience: a definition that ANDs the given nodes (validated)."""
    return parse_definition({"version": VERSION, "where": {"all": [node_to_dict(n) for n in nodes]}})


# ----- parsing + validation ------------------------------------------------------------------

def parse_definition(data: Any) -> SegmentDefinition:
    """Validate untrusted data (from JSON/YAML, a form, or a model) into a :class:`SegmentDefinition`."""
    if isinstance(data, SegmentDefinition):
        return data
    if not isinstance(data, dict):
        raise SegmentDefinitionError("a definition must be an object with 'where'", path="$")
    unknown = set(data) - {"version", "where"}
    if unknown:
        raise SegmentDefinitionError(f"unknown key(s) {sorted(unknown)}; allowed: version, where", path="$")
    version = data.get("version", VERSION)
    if version != VERSION:
        raise SegmentDefinitionError(f"unsupported version {_show(version)} (expected {VERSION})", path="version")
    if "where" not in data:
        raise SegmentDefinitionError("missing 'where'", path="$")
    counter = [0]
    where = _parse_node(data["where"], "where", 0, counter)
    return SegmentDefinition(where=where)


def _parse_node(data: Any, path: str, depth: int, counter: list[int]) -> Node:
    if depth > MAX_DEPTH:
        raise SegmentDefinitionError(f"nested deeper than {MAX_DEPTH} levels", path=path)
    if not isinstance(data, dict):
        raise SegmentDefinitionError("expected an object (a condition, 'all', 'any' or 'not')", path=path)
    groups = [k for k in ("all", "any", "not") if k in data]
    if groups:
        if len(data) != 1:
            raise SegmentDefinitionError(f"'{groups[0]}' must be the only key of its object", path=path)
        kind = groups[0]
        if kind == "not":
            return Not(_parse_node(data["not"], f"{path}.not", depth + 1, counter))
        items = data[kind]
        if not isinstance(items, list) or not items:
            raise SegmentDefinitionError(f"'{kind}' needs a non-empty list", path=f"{path}.{kind}")
        return Group(kind, tuple(_parse_node(it, f"{path}.{kind}[{i}]", depth + 1, counter)
                                 for i, it in enumerate(items)))
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise SegmentDefinitionError(f"more than {MAX_CONDITIONS} conditions", path=path)
    return _parse_condition(data, path)


def _parse_condition(data: dict[str, Any], path: str) -> Condition:
    unknown = set(data) - {"field", "op", "value", "category", "days", "from", "to"}
    if unknown:
        raise SegmentDefinitionError(f"unknown key(s) {sorted(unknown)} in condition", path=path)
    name = data.get("field")
    if not isinstance(name, str):
        raise SegmentDefinitionError("'field' must be a field name", path=f"{path}.field")
    fld = get_field(name, path=f"{path}.field")
    op = data.get("op")
    allowed = OPS_BY_TYPE[fld.type]
    if op not in allowed:
        raise SegmentDefinitionError(f"operator {_show(op)} not allowed for {fld.type} field '{fld.name}' "
                                     f"(allowed: {', '.join(allowed)})", path=f"{path}.op")
    category = _parse_category(data.get("category"), fld, f"{path}.category")
    days = _parse_days(data.get("days"), fld, f"{path}.days")
    date_from, date_to = _parse_window(data.get("from"), data.get("to"), fld, path)
    if days is not None and (date_from or date_to):
        raise SegmentDefinitionError("give either 'days' (a trailing window) or 'from'/'to' (dates), not both",
                                     path=f"{path}.days")
    if "value" not in data:
        raise SegmentDefinitionError("missing 'value'", path=f"{path}.value")
    value = _parse_value(data["value"], fld, op, f"{path}.value")
    return Condition(fld.name, op, value, category, days, date_from, date_to)


def _parse_window(raw_from: Any, raw_to: Any, fld: Field, path: str) -> tuple[str | None, str | None]:
    if raw_from is None and raw_to is None:
        return None, None
    if "days" not in fld.params:
        key = "from" if raw_from is not None else "to"
        raise SegmentDefinitionError(f"field '{fld.name}' takes no date window", path=f"{path}.{key}")
    start = _date(raw_from, f"{path}.from") if raw_from is not None else None
    end = _date(raw_to, f"{path}.to") if raw_to is not None else None
    if start and end and start > end:
        raise SegmentDefinitionError(f"window 'from' {start} is after 'to' {end}", path=f"{path}.from")
    return start, end


def _parse_category(raw: Any, fld: Field, path: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if "category" not in fld.params:
        raise SegmentDefinitionError(f"field '{fld.name}' takes no product category", path=path)
    values = raw if isinstance(raw, list) else [raw]
    if not values or len(values) > MAX_LIST:
        raise SegmentDefinitionError(f"category must be 1 to {MAX_LIST} names", path=path)
    return tuple(_string(v, path) for v in values)


def _parse_days(raw: Any, fld: Field, path: str) -> int | None:
    if raw is None:
        return None
    if "days" not in fld.params:
        raise SegmentDefinitionError(f"field '{fld.name}' takes no time window", path=path)
    return _int(raw, path, low=1, high=36_500)


def _show(value: Any) -> str:
    """A short repr for messages (bounded in depth and length, even for hostile nested data)."""
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 3, 60, 60
    return short.repr(value)


def _string(v: Any, path: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise SegmentDefinitionError(f"expected a non-empty text value, got {_show(v)}", path=path)
    if len(v) > MAX_STRING:
        raise SegmentDefinitionError(f"text value longer than {MAX_STRING} characters", path=path)
    return v.strip()


def _int(v: Any, path: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v != int(v):
        raise SegmentDefinitionError(f"expected a whole number, got {_show(v)}", path=path)
    v = int(v)
    if (low is not None and v < low) or (high is not None and v > high):
        raise SegmentDefinitionError(f"{v} is outside {low}..{high}", path=path)
    return v


def _number(v: Any, path: str) -> float | int:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SegmentDefinitionError(f"expected a number, got {_show(v)}", path=path)
    if abs(v) > 1e12:
        raise SegmentDefinitionError(f"number {v} is out of range", path=path)
    return int(v) if float(v).is_integer() else float(v)


def _date(v: Any, path: str) -> str:
    if isinstance(v, date):
        return v.isoformat()[:10]
    if isinstance(v, str) and len(v.strip()) == 10:
        try:
            return date.fromisoformat(v.strip()).isoformat()
        except ValueError:
            pass
    raise SegmentDefinitionError(f"expected a date YYYY-MM-DD, got {_show(v)}", path=path)


def _scalar(v: Any, fld: Field, path: str) -> Any:
    if fld.type == "integer":
        return _int(v, path, low=-(10**12), high=10**12)
    if fld.type == "number":
        return _number(v, path)
    if fld.type == "date":
        return _date(v, path)
    # choice
    if fld.value_type == "integer":
        return _int(v, path, low=-(2**31), high=2**31 - 1)
    text = _string(v if not isinstance(v, int | float) or isinstance(v, bool) else str(v), path)
    if fld.choices:
        for choice in fld.choices:
            if choice.casefold() == text.casefold():
                return choice
        raise SegmentDefinitionError(f"{text!r} is not one of {', '.join(fld.choices)} for '{fld.name}'",
                                     path=path)
    return text


def _parse_value(raw: Any, fld: Field, op: str, path: str) -> Any:
    if op in RELATIVE_DATE_OPS:
        return _int(raw, path, low=0, high=36_500)
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise SegmentDefinitionError("'between' needs [low, high]", path=path)
        low, high = (_scalar(v, fld, f"{path}[{i}]") for i, v in enumerate(raw))
        if low > high:
            raise SegmentDefinitionError(f"'between' low {low} is above high {high}", path=path)
        return (low, high)
    if op in ("in", "not in"):
        values = raw if isinstance(raw, list) else [raw]
        if not values or len(values) > MAX_LIST:
            raise SegmentDefinitionError(f"'{op}' needs 1 to {MAX_LIST} values", path=path)
        return tuple(_scalar(v, fld, f"{path}[{i}]") for i, v in enumerate(values))
    if isinstance(raw, list):
        raise SegmentDefinitionError(f"'{op}' takes a single value, not a list", path=path)
    return _scalar(raw, fld, path)
