"""Coherence checks for a short piece (subject, preview, SMS, push) against the pieces around it and the
earlier variants: nothing said twice, a preview that adds to its subject and the body's first line, an SMS or
push whose hook differs from the other variants' (not one word), and an SMS that stays one message."""

from __future__ import annotations

from collections.abc import Callable

from memberinsight.agent.campaigns.coherence import (
    body_text,
    brand_twice,
    first_line,
    follows_problems,
    offer_echo,
    piece_problems,
    preview_problems,
    shared_phrases,
)
from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.phrase_rules import PUSH_SHOWN
from memberinsight.agent.campaigns.phrasebank import SMS_SUFFIX
from memberinsight.agent.campaigns.variant_facts import SHORT_EXPLAINED, near_duplicate

Check = Callable[[str], list[str]]
NAME_ROOM = 18
"""The first-name length an SMS leaves room for, so it stays one message (raters: ~157 characters with
``{first_name}`` splits for longer names)."""
SMS_LIMIT = 160
PUSH_NAME_ROOM = 10
"""The first-name length a push leaves room for within the :data:`~agent.campaigns.phrase_rules.PUSH_SHOWN`
characters a lock screen shows (set 9: a 90-character push was cut)."""


def short_coherence(part: str, slots: dict[str, str], facts: FactSheet, shipped: set[str] | None = None, *,
               name_room: bool = False) -> Check:
    """The coherence check for a short piece: nothing said twice; a preview adds to its subject and to the
    body's first line; an SMS or push differs from the earlier variants' in its hook (``shipped``), not in
    one word (:func:`~agent.campaigns.variant_facts.near_duplicate`); with ``name_room`` an SMS stays one
    message for a first name of :data:`NAME_ROOM` letters."""
    if part == "preview":
        subject, first = slots.get("subject", ""), first_line(slots.get("body", ""), facts)
        body = body_text(slots.get("body", ""))
        return lambda text: (piece_problems(text, facts) + preview_problems(subject, text, facts)
                             + follows_problems(text, first, facts, what="the body's first line repeats the preview's")
                             + shared_phrases(text, body, facts))
    others = sorted(shipped or ())

    def check(text: str) -> list[str]:
        found = piece_problems(text.replace(SMS_SUFFIX, ""), facts)
        found += offer_echo(text, facts, SHORT_EXPLAINED.values()) + brand_twice(text, facts)
        close = next((o for o in others if near_duplicate(text, o, facts)), None)
        if close is not None:
            found.append(f"takes the same angle as another variant ({close!r}); change the hook, not one word")
        if name_room and part == "sms" and len(text.replace("{first_name}", "x" * NAME_ROOM)) > SMS_LIMIT:
            found.append(f"would split into two messages for a first name of {NAME_ROOM} letters")
        if part == "push" and len(text.replace("{first_name}", "x" * PUSH_NAME_ROOM)) > PUSH_SHOWN:
            found.append(f"is longer than the {PUSH_SHOWN} characters a push shows")
        return found
    return check
