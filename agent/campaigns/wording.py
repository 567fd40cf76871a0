"""Small wording helpers of the composer: which content words a phrase writes itself, whether a phrase
repeats the phrases chosen before it, and where an offer ends its clause."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_PLAIN_WORDS = frozenset("""with your this that have just from what we've we'd we'll you're you'll it's there
they them then than when were will would could should about into here more some over only also been like
make made take shop shopping offer today until ends only before days left""".split())


def offer_ends_clause(text: str) -> bool:
    """True when every ``{offer}`` in ``text`` ends its clause (punctuation or the end follows), so words
    saying when it ends can follow it."""
    return all(re.match(r"\s*(?:[.,!?:;]|$)", text[m.end():]) for m in re.finditer(r"\{[Oo]ffer\}", text))


def words(text: str) -> set[str]:
    """The content words a phrase writes itself (common words and placeholders left out, except the
    deadline: a date said in the subject need not be said again in the preview)."""
    found = set(re.findall(r"[a-z][a-z']{3,}", _PLACEHOLDER.sub(" ", text).lower())) - _PLAIN_WORDS
    stems = {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in found}  # favourite(s)
    return stems | ({"{deadline}"} if "{deadline}" in text else set())


def clashes(text: str, context: str) -> bool:
    """True when ``text`` repeats a content word of ``context`` or asks a question right after one."""
    if not context:
        return False
    return bool(words(text) & words(context)) or (context.rstrip().endswith("?") and text.rstrip().endswith("?"))


def capitalise(text: str) -> str:
    """``text`` with its first letter in capitals (a placeholder or figure first is left as it is)."""
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text
