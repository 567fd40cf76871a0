"""Checks on entities read from a message (:mod:`agent.extract`).

A percentage that measures members is not an offer.
"with churn prob over 70%", "return rate above 30%", "less than 40% likely to stay": the number is a
condition on members (read by the segment parser), not "70% off". A bare percentage is an offer only
when nothing before it compares or measures ("20% for the Champions", "25%").

A look-back word ("past 14 days", "the last 30 days") belongs to the period taken out of the message, so
it is not left over as a content word ("only confirmed, past 14 days" is a follow-up of the fraud queue).
"""

from __future__ import annotations

import re

_BARE_SHARE = re.compile(r"^\d+(?:\.\d+)?\s?%$")
_MEASURE_BEFORE = re.compile(
    r"(?:\b(?:over|above|under|below|than|least|most|exceeding|beyond|upwards of|around|about|between|and|to|"
    r"probability|prob|chance|likelihood|likely|rate|risk|share|score)\s*(?:of\s*)?|[<>]=?\s*)$")
_MEASURE_AFTER = re.compile(r"^\s*(?:chance|likely|likelihood|probability|prob|risk|return rate|of (?:their|what))\b")


def measured_share(offer: str | None, text: str) -> bool:
    """True when ``offer`` is a bare percentage that ``text`` uses as a measure of members, not a discount."""
    if not offer or not _BARE_SHARE.match(offer.strip()):
        return False
    at = text.find(offer.strip().lower())
    if at < 0:
        return False
    return bool(_MEASURE_BEFORE.search(text[:at].rstrip()) if text[:at].strip() else False) \
        or bool(_MEASURE_AFTER.match(text[at + len(offer.strip()):]))


_LOOKBACK_END = re.compile(r"\b(?:the (?:last|past|previous)|last|past|previous)\s*$")
_LOOKBACK_WORD = re.compile(r"\b(?:last|past|previous)\b(?=\s*(?:,|$))")


def without_lookback_words(rest: str) -> str:
    """``rest`` (the words left once entities are taken out) without the look-back word of a period."""
    return _LOOKBACK_WORD.sub(" ", _LOOKBACK_END.sub(" ", rest))
