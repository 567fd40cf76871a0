"""What the interpreter remembers of the measures it built (:mod:`segments.interpret`): each count, sum or
score with its clause span and window (``Context.measures``, for "both in ...", and to ask about a window
said once), and a window at the end of "A and B" that covers A too."""

from __future__ import annotations

from typing import Any

from memberinsight.segments.conditions import Context, is_negated
from memberinsight.segments.tagger import Item

LIFETIME_WORDS = ("lifetime", "in total", "total", "overall", "ever", "all time", "all-time", "of all time",
                  "in their lifetime", "to date", "so far", "altogether")


def record(ctx: Context, node: dict[str, Any] | None, fld: str, items: list[Item],
           elliptic: bool = False) -> dict[str, Any] | None:
    """Keep a count, sum or score in ``ctx.measures`` (for "both in ...", and to ask about a window said once)."""
    if node is None:
        return None
    inner = node.get("not", node)
    if "field" in inner:
        timed = [it for it in items if it.kind in ("WINDOW", "DATE", "AGO", "SAMEWIN") and it.used]
        ctx.measures.append({"node": inner, "field": inner["field"], "first": items[0].i, "last": items[-1].j,
                             "window": timed[0] if timed else None, "elliptic": elliptic,
                             "explicit": any(it.text.lower() in LIFETIME_WORDS for it in items if it.kind == "FILL")})
    return node


def share_window(items: list[Item], ctx: Context, t: dict[str, Any], days: int | None,
                  window: tuple[str | None, str | None] | None) -> None:
    """"bought Electronics and Home in the last 60 days": a window at the end of "A and B" covers A too
    (not after "but": "bought Pets but not in the last 2 weeks")."""
    first = items[0].i
    before = ctx.tokens[first - 1].norm if first > 0 else ""
    previous = t.get("node")
    if previous is None or before not in ("and", ",", "&", "+") or is_negated(items, first + 1) \
            or t.get("days") is not None or t.get("window") is not None or (days is None and window is None):
        return
    if days is not None:
        previous["days"] = days
    elif window is not None:
        previous.update({k: v for k, v in zip(("from", "to"), window, strict=True) if v is not None})
