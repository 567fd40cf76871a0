"""Definition -> plain words, and -> editable rows (for the CLI and the UI's segment editor)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from memberinsight.segments.definition import (
    OPS_BY_TYPE,
    Condition,
    Group,
    Node,
    Not,
    SegmentDefinition,
)
from memberinsight.segments.fields import CATALOGUE

_OP_WORDS = {"=": "is", "!=": "is not", ">": "is more than", ">=": "is at least", "<": "is less than",
             "<=": "is at most", "in": "is one of", "not in": "is not one of"}
_DATE_WORDS = {"=": "is on", "<": "is before", "<=": "is on or before", ">": "is after", ">=": "is on or after"}


def _fmt(v: Any, unit: str = "", currency: str = "") -> str:
    if unit == "currency" and currency and isinstance(v, int | float) and not isinstance(v, bool):
        amount = f"{abs(v):,.2f}" if not float(v).is_integer() else f"{int(abs(v)):,}"
        return f"{'-' if v < 0 else ''}{currency}{amount}"  # "£1,200", "-£5.50"
    if isinstance(v, float):
        text = f"{v:,.4f}".rstrip("0").rstrip(".")
    elif isinstance(v, int) and not isinstance(v, bool):
        text = f"{v:,}"
    else:
        text = str(v)
    return f"{float(v):.0%}" if unit == "probability" and isinstance(v, int | float) and v <= 1 else text


def _values(v: Any, unit: str = "", currency: str = "") -> str:
    if isinstance(v, tuple | list):
        items = [_fmt(x, unit, currency) for x in v]
        return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]
    return _fmt(v, unit, currency)


def window_words(c: Condition) -> str:
    """The condition's time window in words ('' when it has none), with a leading space."""
    if c.days is not None:
        return f" in the last {c.days} days"
    start, end = c.date_from, c.date_to
    if start and end:
        a, b = date.fromisoformat(start), date.fromisoformat(end)
        if a.day == 1 and b == _month_end(b) and (a.year, a.month) == (b.year, b.month):
            return f" in {a:%B %Y}"
        if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
            return f" in {a.year}"
        if a.day == 1 and b == _month_end(b):
            return f" from {a:%B %Y} to {b:%B %Y}"
        return f" between {start} and {end}" if start != end else f" on {start}"
    if start:
        return f" on or after {start}"
    if end:
        return f" on or before {end}"
    return ""


def _month_end(d: date) -> date:
    return date(d.year, d.month, monthrange(d.year, d.month)[1])


def scope_words(c: Condition) -> str:
    """The condition's categories and time window in words ('' when it has neither), with a leading space:
    ' in Fashion from January 2026 to June 2026'."""
    parts = []
    if c.category:
        parts.append("in " + _values(list(c.category)))
    window = window_words(c)
    return (" " + " ".join(parts) if parts else "") + window


def _count_phrase(c: Condition) -> str:
    verb = {"orders": "bought", "returns": "returned", "reviews": "wrote", "low_ratings": "wrote",
            "distinct_products": "bought"}[c.field]
    noun = {"orders": "time", "returns": "order", "reviews": "review", "low_ratings": "1-2 star review",
            "distinct_products": "different product"}[c.field]
    what = (" " + _values(list(c.category))) if c.category and c.field == "orders" else ""
    scope = (" in " + _values(list(c.category))) if c.category and c.field != "orders" else ""
    window = window_words(c)
    v = c.value

    def n(k: int) -> str:
        return f"{k:,} {noun}{'' if k == 1 else 's'}"

    if c.field == "orders":
        noun = "time"
        if c.op == "=" and v == 0:
            return f"did not buy{what or ' anything'}{window}"
        if c.op == ">=" and v == 1:
            return f"bought{what or ' something'}{window}"
    elif c.op == "=" and v == 0:
        return f"{verb} no {noun}s{scope}{window}"
    elif c.op == ">=" and v == 1:
        return f"{verb} at least one {noun}{scope}{window}"
    qty = {"=": "exactly ", ">=": "at least ", ">": "more than ", "<=": "at most ", "<": "fewer than ",
           "!=": "other than "}.get(c.op, "")
    if c.op == "between":
        return f"{verb}{what} between {v[0]:,} and {n(v[1])}{scope}{window}"
    return f"{verb}{what} {qty}{n(v)}{scope}{window}"


def describe_condition(c: Condition, currency: str = "") -> str:
    """One condition in words, e.g. 'bought Outdoor at least 2 times in the last 90 days'; amounts carry
    ``currency`` (the shop's sign) when given."""
    fld = CATALOGUE[c.field]
    if fld.never_null and fld.type == "integer" and c.op in (">=", ">", "=", "<=", "<", "between", "!="):
        return _count_phrase(c)
    label = fld.label
    if fld.type == "date":
        if c.op == "in_last_days":
            return f"{label}{scope_words(c)} is within the last {c.value} days"
        if c.op == "more_than_days_ago":
            return f"{label}{scope_words(c)} is {c.value} or more days ago" if c.value else \
                f"{label}{scope_words(c)} is on or before the latest data date"
        if c.op == "in_next_days":
            return f"{label} is within the next {c.value} days"
        if c.op == "between":
            return f"{label}{scope_words(c)} is between {c.value[0]} and {c.value[1]}"
        return f"{label}{scope_words(c)} {_DATE_WORDS[c.op]} {c.value}"
    if c.op == "between":
        return (f"{label}{scope_words(c)} is between {_fmt(c.value[0], fld.unit, currency)} and "
                f"{_fmt(c.value[1], fld.unit, currency)}")
    return f"{label}{scope_words(c)} {_OP_WORDS[c.op]} {_values(c.value, fld.unit, currency)}"


def describe_node(node: Node, depth: int = 0, currency: str = "") -> str:
    if isinstance(node, Condition):
        return describe_condition(node, currency)
    if isinstance(node, Not):
        return f"not ({describe_node(node.item, depth + 1, currency)})"
    assert isinstance(node, Group)
    parts = [describe_node(i, depth + 1, currency) for i in node.items]
    if len(parts) == 1:
        return parts[0]
    if depth == 0 and node.kind == "all":
        return "; ".join(parts)
    joiner = " and " if node.kind == "all" else " or "
    return "(" + joiner.join(parts) + ")" if depth else "either " + joiner.join(parts)


def describe(definition: SegmentDefinition, currency: str = "") -> str:
    """The whole definition in words: 'Members where: <condition>; <condition>...' (amounts with the shop's
    ``currency`` sign when given)."""
    return "Members where: " + describe_node(definition.where, currency=currency)


def editable_rows(definition: SegmentDefinition) -> list[dict[str, Any]]:
    """One row per condition, with its path in the tree and what may be changed (for a form editor)."""
    rows: list[dict[str, Any]] = []

    def walk(node: Node, path: str, negated: bool) -> None:
        if isinstance(node, Condition):
            fld = CATALOGUE[node.field]
            rows.append({"path": path, "field": node.field, "label": fld.label, "negated": negated,
                         "op": node.op, "value": list(node.value) if isinstance(node.value, tuple) else node.value,
                         "category": list(node.category) if node.category else None, "days": node.days,
                         "from": node.date_from, "to": node.date_to,
                         "allowed_ops": list(OPS_BY_TYPE[fld.type]), "choices": list(fld.choices),
                         "params": list(fld.params), "words": describe_condition(node)})
        elif isinstance(node, Not):
            walk(node.item, f"{path}.not", not negated)
        else:
            for i, item in enumerate(node.items):
                walk(item, f"{path}.{node.kind}[{i}]", negated)

    walk(definition.where, "where", False)
    return rows
