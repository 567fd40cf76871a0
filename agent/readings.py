"""How a segment word is used in a message: as the segment, as a qualifier, or as an everyday word.

Several segment names are everyday words, and the same words turn up in messages that are not about
the segment at all:

* **everyday use**: the speaker describes themself ("sorry, I'm a little lost"), or the word is part
  of another name ("who won the Champions League", "the TV show Lost", "lost and found");
* **qualifier**: "at risk" next to another segment narrows that segment to its members at risk of
  churning ("at risk champions", "which Champions are at risk?", "big spenders at risk of leaving"),
  it does not name a second segment to compare with;
* **named as a group**: "the at risk lot", "the at-risk crowd" name the segment (its profile), where
  "at-risk members" asks for the list of members at risk.

The rules read the words around the name only; they never look a value up.
"""

from __future__ import annotations

import re

QUALIFIER_SEGMENTS = frozenset({"at risk"})
"""Segment names (normalised) that also qualify another segment ("at risk champions")."""

GROUP_NOUNS = r"(?:segment|group|lot|crowd|bunch|cohort|gang|tribe)"
"""Nouns after a segment name that say the segment itself is meant ("the at risk lot")."""

# The speaker about themself: "I'm lost", "feeling a bit lost", "we're new to this" (adjective names only).
_SPEAKER_NAMES = frozenset({"lost", "new", "loyal", "promising"})
_SPEAKER_BEFORE = re.compile(
    r"(?:\b(?:i|we|im|iam|ive|weve|were|youre|am|feel\w*|felt|seem\w*|getting|gotten|got so|got a bit)\s+"
    r"(?:(?:a|bit|little|so|very|totally|completely|quite|really|kind|of|kinda|sort|pretty|rather|"
    r"somewhat|getting|been|become|feeling|still|just|too|all|slightly)\s+){0,4})$")
# Part of another name: "Champions League", "world champions", "the show Lost", "lost and found".
_NAME_AFTER = re.compile(r"^\s+(?:league|cup|trophy|tournament|finals?|title|tour|series|episodes?|seasons? \d|"
                         r"property|and found|in translation|generation|united|fc|club)\b")
_NAME_BEFORE = re.compile(r"(?:\b(?:world|reigning|defending|olympic|european|national|league|premier|tv|television|"
                          r"netflix|sitcom|band|team)\s+(?:the\s+)?|\b(?:the|a|that|this)\s+(?:tv\s+)?(?:film|movie|"
                          r"book|novel|song|album|show|series|programme|program)\s+(?:called\s+)?)$")
_MARKED_AS_SEGMENT = re.compile(rf"^\s+(?:{GROUP_NOUNS}|members?|customers?|clients?|shoppers?|buyers?)\b")
# What may stand between "at risk" and the segment it narrows ("at risk champions", "Champions who are
# at risk", "loyal members at risk"); a list or comparison word between them names two segments.
_QUALIFIER_GAP = re.compile(r"\s*(?:(?:members?|customers?|clients?|people|ones|folks|shoppers|buyers|who|that|"
                            r"which|are|is|were|currently|now|still|in|from|among|amongst|within|the|our|"
                            r"segment|group|lot|any|most|highly|very|quite)\s+)*")
_COMPARING = re.compile(r"\b(?:compare\w*|comparison|versus|vs|v|against|differ\w*|side by side|contrast\w*|"
                        r"stack up|measure up|next to each other|or)\b")


_OF_THEM = re.compile(r"\b(?:which|how many|who|any|all|some|none|many|most) of (?:them|those|these|that lot|the lot)\b"
                      r"(?:\s+(?:are|is|were|look|seem|still|currently|now))*\s*$")
_ARE_THEY = re.compile(r"\b(?:are|were|is) (?:they|those|these|any of them|many of them)\s+(?:still\s+|currently\s+)?$")


def everyday_use(text: str, start: int, end: int) -> bool:
    """True when the one-word segment name at ``text[start:end]`` (normalised text) is an everyday word
    there: about the speaker, or part of another name ("Champions League")."""
    if " " in text[start:end]:
        return False
    after = text[end:]
    if _MARKED_AS_SEGMENT.match(after):
        return False
    before = text[:start]
    speaker = text[start:end] in _SPEAKER_NAMES and _SPEAKER_BEFORE.search(before)
    return bool(speaker or _NAME_AFTER.match(after) or _NAME_BEFORE.search(before))


def qualifies(text: str, at: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    """True when the qualifier segment at span ``at`` narrows another segment instead of naming one:
    "at risk of leaving", or next to another segment with no list or comparison word between them."""
    if re.match(r"\s+(?:of|to)\s+(?:\w+\s+)?(?:leav|churn|laps|los|go|quit|stop|drop|walk|slip|lapsing)",
                text[at[1]:]):
        return True
    if _COMPARING.search(text):
        return False
    if _OF_THEM.search(text[:at[0]]) or _ARE_THEY.search(text[:at[0]]):
        return True  # "which of them are at risk": the members just talked about, narrowed
    for start, end in others:
        gap = text[at[1]:start] if start >= at[1] else text[end:at[0]]
        if _QUALIFIER_GAP.fullmatch(gap):
            return True
    return False


def named_as_group(text: str, end: int) -> int:
    """Length of a group noun right after a segment name ending at ``end`` ("the at risk lot"), else 0."""
    m = re.match(rf" (?:{GROUP_NOUNS})\b", text[end:])
    return m.end() if m else 0
