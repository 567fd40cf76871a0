"""Follow-ups naming a row of the last list by its place: "first one", "tell me about the second one", "#3",
"the last one".

An answer that lists members, segments, categories, reviews, products or fraud items leaves what it listed in the
conversation (:func:`listed_rows`, kept as :attr:`agent.conversation.Conversation.listed`, in the order shown).
:func:`row_followup` reads a message that is nothing but such a reference and answers about that row: a member's
profile, a segment's profile, a category's forecast, a fraud item's evidence. Rows no tool opens on their own (a
review, a product) are named in words, with where to open them; a reference with no list before it, or a number
past its end, is asked back in words. Anything more than a reference ("email the first one", "show the first 5",
"first-time buyers") is left to the router.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memberinsight.agent.router import Route

if TYPE_CHECKING:
    from memberinsight.agent.conversation import Conversation

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10}
_REFERENCE_RE = re.compile(r"#\s*(\d{1,3})\b|\b(?:number|no\.?|nr\.?|row|item|entry)\s+(\d{1,3})\b|"
                           r"\b(" + "|".join(ORDINALS) + r"|last|(\d{1,2})(?:st|nd|rd|th))\b")
_REFERENCE_WORDS = frozenset(
    "tell me us about more on show open look up at the a one ones row item entry details detail info information of "
    "for what who whos whats is was and please give can could would you i see profile member customer review product "
    "segment category cluster result listed in list that this there from s".split())
"""Words a bare reference may come with ("tell me more about the second one", "who is the first member?")."""


@dataclass(frozen=True)
class Listed:
    """What an answer listed, in the order it showed: ``kind`` (member, segment, category, review, product, fraud
    item), the rows' ids and a short label each; ``arguments``: the listing call's arguments (a forecast's weeks)."""

    kind: str
    ids: tuple[str, ...]
    labels: tuple[str, ...] = ()
    arguments: tuple[tuple[str, Any], ...] = ()


ROW_TOOLS = {"member": ("member_lookup", "member_id"), "segment": ("segment_overview", "segment"),
             "category": ("category_forecast", "category"), "fraud item": ("fraud_overview", "item")}
"""The tool (and its argument) that answers about one listed row of each kind."""
ROW_WORDS = {"review": "I don't open a single review in the chat: pick it in the **Review queue** tab to read its "
                       "evidence and decide it.",
             "product": "I have no more on one product than that list shows; ask for products like it by name."}
"""What to say about a listed row no tool opens on its own."""


def _label(row: Any, *columns: str) -> str:
    return " · ".join(str(row[c]) for c in columns if c in row and row[c] is not None and str(row[c]) not in ("", "nan"))


def listed_rows(tool: str, arguments: dict[str, Any], table: Any) -> Listed | None:
    """What the answer of ``tool`` (called with ``arguments``) listed in ``table``, in the order shown; ``None``
    when it listed no rows a follow-up can name."""
    if tool == "compare_segments" and arguments.get("segment_a") and arguments.get("segment_b"):
        pair = (str(arguments["segment_a"]), str(arguments["segment_b"]))
        return Listed("segment", pair, pair)
    if table is None or getattr(table, "empty", True):
        return None
    columns = set(table.columns)
    records = table.to_dict("records")
    if "member_id" in columns:
        return Listed("member", tuple(str(r["member_id"]) for r in records),
                      tuple(_label(r, "rfm_segment", "segment") for r in records))
    if tool == "fraud_overview" and "item_id" in columns:
        return Listed("fraud item", tuple(str(r["item_id"]) for r in records),
                      tuple(_label(r, "pattern") for r in records))
    if "review_id" in columns:
        return Listed("review", tuple(str(r["review_id"]) for r in records),
                      tuple(_label(r, "product_id") for r in records))
    if "product_id" in columns:
        return Listed("product", tuple(str(r["product_id"]) for r in records),
                      tuple(_label(r, "title", "category") for r in records))
    if tool == "segment_overview" and "segment" in columns and len(records) > 1:
        by = (("by", arguments["by"]),) if arguments.get("by") else ()
        return Listed("segment", tuple(str(r["segment"]) for r in records), arguments=by)
    if tool == "category_forecast" and "category" in columns:
        weeks = (("weeks", arguments["weeks"]),) if arguments.get("weeks") else ()
        return Listed("category", tuple(str(r["category"]) for r in records), arguments=weeks)
    return None


def row_reference(text: str) -> int | None:
    """The 1-based place a message names when it is only a reference to a listed row ("first one", "tell me about
    #2", "the last one": -1); ``None`` for any other message."""
    lowered = text.lower().strip()
    m = _REFERENCE_RE.search(lowered)
    if m is None:
        return None
    rest = re.findall(r"[a-z]+|\d+", lowered[:m.start()] + " " + lowered[m.end():])
    if any(w not in _REFERENCE_WORDS for w in rest):
        return None
    number, numbered, word, digits = m.groups()
    if number or numbered:
        return int(number or numbered)
    if digits:
        return int(digits)
    return -1 if word == "last" else ORDINALS[word]


def _plural(kind: str) -> str:
    return {"category": "categories", "fraud item": "fraud items"}.get(kind, kind + "s")


def row_followup(read: str, conversation: Conversation) -> tuple[Route, str | None] | None:
    """``(route, question)`` when ``read`` is only a reference to a row of the last list; ``None`` otherwise.

    The route calls the tool that answers about that row (:data:`ROW_TOOLS`); ``question`` is set instead, in
    words, when no list came before, the place is past its end, or no tool opens such a row (:data:`ROW_WORDS`).
    The list is kept, so "and the second one?" works next.
    """
    place = row_reference(read)
    if place is None:
        return None
    listed = conversation.listed
    if listed is None or not listed.ids:
        return (Route(None, 1.0, (), "listed row, no list"),
                "Which one do you mean? My last answer did not list anything I can pick from by its place. Ask for "
                "a list first (e.g. “who are our at-risk high spenders?” or “what's in the review queue?”), then say "
                "“the first one”, or name the member, segment or category.")
    n = len(listed.ids)
    position = n if place == -1 else place
    if not 1 <= position <= n:
        return (Route(None, 1.0, (), "listed row not listed"),
                f"The last list had {n} {_plural(listed.kind) if n != 1 else listed.kind}: which number do you mean "
                f"(1 to {n})?")
    row_id = listed.ids[position - 1]
    if listed.kind not in ROW_TOOLS:
        label = listed.labels[position - 1] if position <= len(listed.labels) else ""
        named = f"**{row_id}**" + (f" ({label})" if label else "")
        return (Route(None, 1.0, (), "listed row, no tool"),
                f"#{position} in the last list is {listed.kind} {named}. {ROW_WORDS.get(listed.kind, '')}".rstrip())
    tool, argument = ROW_TOOLS[listed.kind]
    arguments: dict[str, Any] = {**dict(listed.arguments), argument: row_id}
    if listed.kind == "fraud item":
        arguments["position"] = position
    return Route(tool, 1.0, ((tool, 1.0),), "follow-up, listed row", arguments), None
