"""Member counts for a parse's read-back: each top-level condition alone, the whole segment, and, when
the whole is empty, which condition emptied it."""

from __future__ import annotations

from typing import Any

from memberinsight.errors import ModelNotReadyError
from segments.definition import Group, Node, SegmentDefinition, node_to_dict
from segments.describe import describe_node
from segments.result import ConditionCount, Counts


def _as_definition(nodes: list[Node]) -> SegmentDefinition:
    from segments.definition import parse_definition

    return parse_definition({"version": 1, "where": {"all": [node_to_dict(n) for n in nodes]}})


def count_members(definition: SegmentDefinition, ws: Any) -> Counts:
    """Counts on workspace ``ws`` (one read-only connection); ``unavailable`` says why when the workspace
    lacks built data the definition needs."""
    from segments.compiler import run_query

    root = definition.where
    parts: list[Node] = list(root.items) if isinstance(root, Group) and root.kind == "all" else [root]
    try:
        with ws.analytics(read_only=True) as con:
            sizes = [int(run_query(con, _as_definition([p]), count_only=True)) for p in parts]
            total = int(run_query(con, definition, count_only=True))
            reason = None
            if total == 0:
                reason = _why_empty(parts, sizes, lambda nodes: int(run_query(con, _as_definition(nodes),
                                                                              count_only=True)))
    except ModelNotReadyError as exc:
        return Counts([ConditionCount(describe_node(p, 1), None) for p in parts], None, unavailable=str(exc))
    return Counts([ConditionCount(describe_node(p, 1), s) for p, s in zip(parts, sizes, strict=True)], total, reason)


def _why_empty(parts: list[Node], sizes: list[int], size_of: Any) -> str:
    for part, size in zip(parts, sizes, strict=True):
        if size == 0:
            return f"No member matches: '{describe_node(part, 1)}' matches no member on its own."
    for k in range(1, len(parts)):
        if size_of(parts[:k + 1]) == 0:
            before = "; ".join(f"'{describe_node(p, 1)}' ({s:,})" for p, s in zip(parts[:k], sizes[:k], strict=True))
            return (f"No member matches: each condition matches members on its own, but adding "
                    f"'{describe_node(parts[k], 1)}' ({sizes[k]:,}) to {before} leaves none. Loosen one of them "
                    "(a longer window, a lower count) or use 'or'.")
    return "No member matches all the conditions together."
