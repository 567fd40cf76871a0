"""Follow-ups on a fraud answer: "why is the first one flagged?", "show me the burst", "tell me more about #2",
"who else shares that device?".

The fraud overview (:func:`agent.tools.fraud.fraud_overview`) numbers the items it lists and leaves their ids in
the conversation's subject (``fraud_items``), as a member list leaves its members; an answer about one item
leaves that item (``fraud_item``). :func:`fraud_followup` reads a message that comes right after such an answer
and refers to one of those items, by number ("#2", "number 3", "the second one"), by id ("burst:O123", "O123"),
by kind ("the burst", "that coupon ring": the first of that kind listed) or by "it" / "that device" (the item
last talked about, else the first listed); what it asks about (why it is flagged, its orders, who else shares
its identifiers) sets the part the answer puts first. Anything else is left to the router, so "only card
testing" or "and last month?" narrow the list as before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from memberinsight.agent.router import Route

if TYPE_CHECKING:
    from memberinsight.agent.conversation import Conversation

TOOL = "fraud_overview"
_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
          "ninth": 9, "tenth": 10}
_NUMBER_RE = re.compile(r"(?:#\s*|\b(?:number|no\.?|item|nr\.?|entry|row)\s+)(\d{1,3})\b")
_ORDINAL_RE = re.compile(r"\bthe\s+(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                         r"(\d{1,2})(?:st|nd|rd|th))(?=\s+(?:one|item|entry|case|burst|run|coupon ring|ring|account|"
                         r"order)\b|\s*[?.!]*$|\s+(?:flagged|listed|suspicious)\b)")
"""An ordinal names a listed item only as "the second (one / burst / ...)" or a message ending on it: "the first
campaign", "first-time buyers" and "the second half of the year" are other questions."""
_LAST_RE = re.compile(r"\bthe last (?:one|item|entry|case)\b|\bthe last\s*[?.!]*$")
_ID_RE = re.compile(r"\b(order|account|burst|coupon_ring):([A-Za-z0-9_.\-]+)")
_KIND_RE = re.compile(r"\b(?:the|that|this)\s+(burst|card[- ]testing run|run|coupon ring|ring|account|order)\b")
_KINDS = {"burst": "burst", "card testing run": "burst", "card-testing run": "burst", "run": "burst",
          "coupon ring": "coupon_ring", "ring": "coupon_ring", "account": "account", "order": "order"}
_IT_RE = re.compile(r"\b(?:it|this one|that one|this item|that item|this case|that case)\b")
_ACCOUNTS_RE = re.compile(r"\bwho else\b|\b(?:which|what) other accounts?\b|\bother accounts?\b|"
                          r"\b(?:that|this|its) (?:device|card|address|ip)\b")
_FRAUD_WORDS_RE = re.compile(r"\b(?:why|flagged|suspicious|fraud|evidence|reasons?|linked|shares?|who else|orders|"
                             r"details?|more about|tell me more)\b")
"""What "that account" / "that order" must come with to be about the fraud item (not "the churn risk of that
account")."""
_ORDERS_RE = re.compile(r"\b(?:orders?|show me the (?:burst|ring|coupon ring|run))\b")
_ASK_RE = re.compile(r"\b(?:why|flagged|suspicious|reasons?|evidence|explain|more|details?|show|what|which|who|"
                     r"tell)\b")


def _about(text: str) -> str | None:
    if _ACCOUNTS_RE.search(text):
        return "accounts"
    if re.search(r"\b(?:why|flagged|reasons?|evidence)\b", text):
        return "why"
    if _ORDERS_RE.search(text):
        return "orders"
    return None


def _position(text: str, items: list[str]) -> int | None:
    """The 1-based number the message names, if any."""
    m = _NUMBER_RE.search(text)
    if m:
        return int(m.group(1))
    m = _ORDINAL_RE.search(text)
    if m:
        return int(m.group(2)) if m.group(2) else _WORDS[m.group(1)]
    if _LAST_RE.search(text):
        return len(items)
    return None


def _names_bare_id(text: str, item: str) -> bool:
    """True when ``text`` names ``item``'s id without its kind: an id with a letter in it ("O123"), anywhere, or
    an all-digit id ("1001") only as the whole message, so "the last 2 weeks" is not account 2."""
    bare = item.split(":", 1)[1].lower()
    if bare.isdigit():
        return text.strip(" ?.!#") == bare
    return re.search(rf"\b{re.escape(bare)}\b", text) is not None


def fraud_followup(read: str, conversation: Conversation) -> tuple[Route, str | None] | None:
    """``(route, question)`` when ``read`` follows up on an item of the last fraud answer; None otherwise.

    The route calls :data:`TOOL` with ``item`` (and ``about`` / ``position``); ``question`` is set instead when
    the number named is not in the list. The conversation's last call is left as it was, so a later "only card
    testing" still narrows the list.
    """
    items = [str(i) for i in conversation.subject.get("fraud_items") or ()]
    if conversation.last_tool != TOOL or not items:
        return None
    text = read.lower().strip()
    focus = str(conversation.subject.get("fraud_item") or "")
    about = _about(text)
    item: str | None = None
    position = _position(text, items)
    named = _ID_RE.search(read)
    bare = None if position is not None else next((i for i in items if _names_bare_id(text, i)), None)
    kind = _KIND_RE.search(text)
    if kind and kind.group(1) in ("account", "order") and not _FRAUD_WORDS_RE.search(text):
        kind = None
    if named:
        item = f"{named.group(1)}:{named.group(2)}"
    elif bare:
        item = bare
    elif position is not None:
        if not 1 <= position <= len(items):
            return (Route(None, 1.0, ((TOOL, 1.0),), "fraud item not listed"),
                    f"The last fraud list had {len(items)} item{'s' if len(items) != 1 else ''}: which number do "
                    f"you mean (1 to {len(items)})?")
        item = items[position - 1]
    elif kind and kind.group(1) in _KINDS:
        wanted = _KINDS[kind.group(1)]
        item = focus if focus.startswith(f"{wanted}:") else next((i for i in items if i.startswith(f"{wanted}:")),
                                                                 None)
    elif (_IT_RE.search(text) and _ASK_RE.search(text)) or about == "accounts":
        item = focus or items[0]
    if item is None or not (_ASK_RE.search(text) or about or len(text.split()) <= 4):
        return None
    if position is None and item in items:
        position = items.index(item) + 1
    arguments: dict[str, object] = {"item": item}
    if about:
        arguments["about"] = about
    if position is not None:
        arguments["position"] = position
    return Route(TOOL, 1.0, ((TOOL, 1.0),), "follow-up, fraud item", arguments), None
