"""Exclusions that name people before their condition, rewritten to the plain ", not <condition>" form.

"Garden buyers excluding anyone who spent over 100", "..., but not those with a return rate above 20%",
"except for people in the high churn band": the grammar splits clauses at "who" / "with", which left the
negation on an empty clause (the condition was kept un-negated, or borrowed the category before it). The
person words carry no condition of their own, so the exclusion is the condition after them, negated.
"""

from __future__ import annotations

import re

_MARKER = (r"excluding|exclude|except(?:\s+for)?|but\s+not|other\s+than|apart\s+from|"
           r"leaving\s+out|leave\s+out|minus|and\s+not|without")
_PERSON = (r"any(?:one|body)?|those|people|members|customers|custs|shoppers|buyers|the\s+ones|ones|folks|"
           r"everyone|everybody|all")
_RELATIVE = (r"who(?:'s|'ve|'re|\s+(?:is|are|have|has|were|was|had|did))?|that\s+(?:are|have|has|were|is)|that|"
             r"with|having|(in)(?!\s+(?:the\s+)?(?:last|past|previous|next|this|first|\d))")  # "in" a place, not a time
_EXCLUSION = re.compile(rf"\s*,?\s*\b(?:{_MARKER})\s+(?:{_PERSON})\s+(?:{_RELATIVE})\s+(?:(?:already|currently|"
                        rf"also|still|ever)\s+)?(?![^,.;]{{0,30}}?\b(?:only|just|a\s+single|exactly)\b)", re.I)
# (not before "only": "but not those with only one review" is an exact count's own exclusion, read elsewhere)


def exclusion_clauses(text: str) -> str:
    """"A excluding anyone who B" -> "A, not B" ("in" is kept: "excluding those in London" -> ", not in London")."""
    return _EXCLUSION.sub(lambda m: ", not in " if m.group(1) else ", not ", text)
