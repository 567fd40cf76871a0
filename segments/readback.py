"""Member counts for a parse's read-back: each top-level condition alone, the whole segment, and, when
the whole is empty, which condition emptied it."""

from __future__ import annotations

from typing import Any

from memberinsight.errors import ModelNotReadyError
from memberinsight.segments.definition import Group, Node, SegmentDefinition, node_to_dict
from memberinsight.segments.describe import describe_node
from memberinsight.segments.result import ConditionCount, Counts


def _as_definition(nodes: list[Node]) -> SegmentDefinition:
    from memberinsight.segments.definition import parse_definition

    return parse_definition({"version": 1, "where": {"all": [node_to_dict(n) for n in nodes]}})


def count_members(definition: SegmentDefinition, ws: Any, currency: str = "") -> Counts:
    """Counts on workspace ``ws`` (one read-only connection); ``unavailable`` says why when the workspace
    lacks built data the definition needs. Amounts in the words carry ``currency``."""
    from memberinsight.segments.compiler import run_query

    def words(node: Node) -> str:
        return describe_node(node, 1, currency)

    root = definition.where
    parts: list[Node] = list(root.items) if isinstance(root, Group) and root.kind == "all" else [root]
    try:
        with ws.analytics(read_only=True) as con:
            sizes = [int(run_query(con, _as_definition([p]), count_only=True)) for p in parts]
            total = int(run_query(con, definition, count_only=True))
            reason = None
            if total == 0:
                reason = _why_empty(parts, sizes, lambda nodes: int(run_query(con, _as_definition(nodes),
                                                                              count_only=True)), words)
    except ModelNotReadyError as exc:
        return Counts([ConditionCount(words(p), None) for p in parts], None, unavailable=str(exc))
    return Counts([ConditionCount(words(p), s) for p, s in zip(parts, sizes, strict=True)], total, reason)


def _why_empty(parts: list[Node], sizes: list[int], size_of: Any, words: Any) -> str:
    for part, size in zip(parts, sizes, strict=True):
        if size == 0:
            return f"No member matches: '{words(part)}' matches no member on its own."
    for k in range(1, len(parts)):
        if size_of(parts[:k + 1]) == 0:
            before = "; ".join(f"'{words(p)}' ({s:,})" for p, s in zip(parts[:k], sizes[:k], strict=True))
            return (f"No member matches: each condition matches members on its own, but adding "
                    f"'{words(parts[k])}' ({sizes[k]:,}) to {before} leaves none. Loosen one of them "
                    "(a longer window, a lower count) or use 'or'.")
    return "No member matches all the conditions together."
