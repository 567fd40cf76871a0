"""Real members' names in copy, matched as names: a member called White does not make "white Christmas" a name.

Many surnames are ordinary words (White, King, Green, Price, Hope, Winter). A name counts only where
it is used as a name:

* after a title (*Mr King*, *Mrs Green*, *Dr Price*) or a greeting (*Dear White*, *Hi Hope,*);
* next to the first-name token or another member's name (*{first_name} White*, *Alice Smithson*);
* as a vocative: at the start of a clause and followed by a comma (*Alice, 15% off is yours*) or,
  for a name that is an ordinary word, by a comma and a clause (*White, your offer is here*; not
  *Rich, smooth coffee*); or after a comma at the end of a sentence (*..., Alice!*);
* capitalised in mid-sentence, on its own (not after *a*/*the*/*like*, not inside a capitalised
  phrase), when the name is not an ordinary word (:data:`ORDINARY_WORD_NAMES`, the sheet's own
  words, marketing vocabulary): *15% off for Alice*.

Lower-case uses (*like a king*, *go green*, *let it snow*) and capitalised phrases (*White
Christmas*, *Go Green*, *Young at heart?*) are never names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Master|Madam|MR|MRS|MS|DR)"
_GREETINGS = r"(?:dear|hi|hello|hey|hiya|howdy)"
_GREETINGS_COMMA = (r"(?:morning|evening|afternoon|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|congrats"
                    r"|congratulations|welcome(?:\s+back)?|cheers|well\s+done)")
_TITLE_BEFORE = re.compile(rf"\b{_TITLES}\.?\s+$")
_GREETING_BEFORE = re.compile(rf"(?:^|[.!?:;\n\-\u2013\u2014]\s*|\s)(?i:{_GREETINGS},?|{_GREETINGS_COMMA},)\s+"
                              r"(?:\{first_name\}\s+)?$")
_TOKEN_BEFORE = re.compile(r"\{first_name\}\s+$")
_CLAUSE_START = re.compile(r"(?:^|[.!?:;\n\-\u2013\u2014]\s*|^\W+)$")
_VOCATIVE_AFTER = re.compile(r"^\s*[,!]\s*(?:[\d£$€{]|(?i:your?|you(?:'|\u2019)(?:re|ve|ll|d)|we|we(?:'|\u2019)"
                             r"(?:re|ve|ll|d)|here|here's|this|that|these|it's|there's|don't|do|a|an|the|our|now|just"
                             r"|only|thanks|thank|welcome|happy|take|get|grab|shop|treat|enjoy|save|come|discover"
                             r"|explore|claim|unlock|use|check|see|look|pick|stock|have|find|join|earn|spend|browse"
                             r"|try|make|let's|hurry|act|order|fancy|ready|time|why|how|did|are|is|good|great)\b)")
_END_VOCATIVE = re.compile(r",\s*$")
_END_AFTER = re.compile(r"^\s*(?:[.!?]|$)")
_DETERMINER_BEFORE = re.compile(r"\b(?:a|an|the|our|your|my|this|that|these|those|every|each|some|any|like|so|very"
                                r"|too|more|most|of|in|on|and|or|it|let)\s+$", re.I)
_CAPITAL_PREV = re.compile(r"[A-Z][\w'\u2019-]*\s+$")


ORDINARY_WORD_NAMES = frozenset("""
white black brown green grey gray gold golden silver red blue rose scarlett amber ruby pearl violet
wood woods hill hills marsh moss field fields lane lanes brook brooks rivers river stone stones snow frost rain
winter summer spring autumn storm lake forest heath dale bush fox wolf lamb bird swan crane drake finch sparrow
robin wren hawk peacock bull bear hart buck bass salmon fish baker cook butler carpenter mason fisher hunter
miller turner walker weaver porter potter gardener farmer shepherd knight king queen bishop page marshall
steward archer bowman cooper draper glover slater thatcher taylor best rich young good hope joy faith grace love
wise sharp strong swift bright fair noble free merry jolly long short little small large hardy bold moody sterling
price cash penny pound banks money christmas easter day may june august holiday bell hall church chapel house
castle tower bridge ford wells waters pool beach shore street way ward cross cole cotton silk wool flowers
berry apple plum peach hazel holly ivy heather olive bean rice salt pepper sugar honey head hand foot lord duke
prince pope abbott monk friend savage lucky power wild gentle cherry dawn sky star north south west east
""".split())
"""Ordinary English words that are also common surnames or first names: these count as a name only
where copy addresses someone with them, never for being capitalised."""


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def member_names_used(text: str, names: Iterable[str], known_words: set[str]) -> list[str]:
    """The names from ``names`` that ``text`` uses as names (see the module docstring).

    ``known_words`` are lower-case ordinary words (the sheet's own words, marketing vocabulary):
    a known word counts as a name only in the address forms, never just for being capitalised.
    """
    names = [n for n in names if len(n.strip()) > 2]
    lowered = {n.strip().lower() for n in names}
    found: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w{{]){re.escape(name.strip())}(?![\w}}])", re.I)
        for m in pattern.finditer(text):
            ordinary = name.strip().lower() in known_words or name.strip().lower() in ORDINARY_WORD_NAMES
            if _used_as_name(text, m.start(), m.end(), ordinary, lowered):
                found.append(name.strip())
                break
    return found


def _neighbour_is_name(text: str, start: int, end: int, names: set[str]) -> bool:
    after = re.match(r"\s+([A-Z][\w'\u2019-]*)", text[end:])
    before = re.search(r"([A-Z][\w'\u2019-]*)\s+$", text[:start])
    return any(m is not None and m.group(1).lower().removesuffix("'s") in names for m in (after, before))


def _used_as_name(text: str, start: int, end: int, ordinary: bool, names: set[str]) -> bool:
    word = text[start:end]
    if not _is_capitalised(word):
        return False
    before, after = text[:start], text[end:]
    if _TITLE_BEFORE.search(before) or _GREETING_BEFORE.search(before) or _TOKEN_BEFORE.search(before):
        return True
    if _neighbour_is_name(text, start, end, names):
        return True
    if _END_VOCATIVE.search(before) and _END_AFTER.match(after):
        return True
    if _CLAUSE_START.search(before):
        return bool(_VOCATIVE_AFTER.match(after) if ordinary else re.match(r"\s*[,!]", after))
    if ordinary or _DETERMINER_BEFORE.search(before) or _CAPITAL_PREV.search(before):
        return False
    return True
