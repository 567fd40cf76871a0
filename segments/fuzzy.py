"""Typo tolerance: abbreviations, American/British spellings and edit distance against known words.

A token the tagger does not know is tried, in order, as

1. an operator abbreviation ("custs", "mbrs", "yr", "pls"): sure, no question;
2. a spelling variant of a known word ("canceled" -> "cancelled", "categorys" -> "categories",
   "jewelry" -> "jewellery", accents dropped): sure for spellings, a guess for accents;
3. the closest known word by edit distance (Damerau: a swap counts one) with a confidence
   ``1 - distance / length``: a guess. Values from the workspace (cities, categories...) always make
   the parser ask; a one-letter slip in a long lexicon word ("orderd") is taken with a note.

Short words (under four letters) are never corrected, and fillers are never targets, so a word
the parser does not know is reported rather than turned into something harmless-looking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memberinsight.segments.textprep import fold

ABBREVIATIONS: dict[str, str] = {
    "cust": "customers", "custs": "customers", "custo": "customers", "custos": "customers", "cstmrs": "customers",
    "mbr": "members", "mbrs": "members", "membs": "members", "mems": "members", "ppl": "people", "peeps": "people",
    "yr": "year", "yrs": "years", "hol": "holiday", "hols": "holidays", "ovr": "over", "abt": "about",
    "b4": "before", "w": "with", "w_o": "without", "nos": "numbers", "no's": "numbers", "tho": "though",
    "whove": "who've", "whos": "who's", "whod": "who'd", "thats": "that's", "theyve": "they've",
    "theyre": "they're", "ive": "i've", "im": "i'm", "id": "i'd", "u": "you", "ur": "your", "r": "are",
    "prob": "probability", "probs": "probability", "avg": "average", "ave": "average", "cats": "categories",
    "cat": "category", "qtr": "quarter", "qtrs": "quarters", "mnth": "month", "mnths": "months",
    "thx": "thanks", "ty": "thanks", "plz": "please", "pls": "please", "sth": "something",
    "wknd": "weekend", "wkend": "weekend", "wkd": "weekend", "fri": "friday", "mon": "monday",
    # a phone typist's shortenings: vowels dropped ("nxt", "btwn"), words clipped ("champs", "prev")
    "nxt": "next", "btwn": "between", "betw": "between", "btween": "between", "champs": "champions",
    "champ": "champions", "prev": "previous", "ords": "orders", "rtns": "returns", "retns": "returns",
    "revs": "reviews", "amt": "amount", "tot": "total", "lst": "last", "ystrdy": "yesterday", "mths": "months",
    "wks": "weeks", "wk": "week", "accross": "across", "acros": "across",
}
# Pairs of American and British spellings, as regex rewrites tried both ways.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    (r"([aeiou])l(ed|ing|er|ers|ation|ations)$", r"\1ll\2"), (r"([aeiou])ll(ed|ing|er|ers|ation|ations)$", r"\1l\2"),
    (r"or$", "our"), (r"our$", "or"), (r"ors$", "ours"), (r"ours$", "ors"), (r"er$", "re"), (r"re$", "er"),
    (r"ize$", "ise"), (r"ise$", "ize"), (r"ized$", "ised"), (r"ised$", "ized"), (r"yze$", "yse"),
    (r"ization$", "isation"), (r"isation$", "ization"), (r"og$", "ogue"), (r"ogue$", "og"),
    (r"([^aeiou])ys$", r"\1ies"), (r"elry$", "ellery"), (r"ellery$", "elry"), (r"ense$", "ence"),
)


COMPOUND_ENDINGS = ("ware", "wares", "wear", "gear", "goods", "stuff", "items", "products", "supplies", "s", "es")


@dataclass(frozen=True)
class Fix:
    """How an unknown token was read: ``kind`` is abbreviation, spelling, accent or typo."""

    word: str
    read_as: str
    kind: str
    confidence: float
    alternatives: tuple[str, ...] = ()


def distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment edit distance (a swap of two neighbours counts one); ``limit + 1``
    as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class SpellIndex:
    """Known words, indexed by their one- and two-letter deletions (fast candidate lookup)."""

    def __init__(self, targets: dict[str, str], known: frozenset[str]) -> None:
        self.targets = targets
        """target word -> its kind: ``value`` (workspace vocabulary), ``word`` (lexicon) or ``filler``
        (taken only for a one-letter slip in a word of six letters or more)."""
        self.known = known
        self.folded = {fold(w): w for w in (*targets, *known) if fold(w) != w}
        self.values = sorted((w for w, k in targets.items() if k == "value" and len(w) >= 4), key=len, reverse=True)
        self.index: dict[str, set[str]] = {}
        for word in targets:
            for d in _deletes(word, 2 if len(word) >= 8 else 1):
                self.index.setdefault(d, set()).add(word)

    def fix(self, word: str) -> Fix | None:
        """How to read ``word`` (see the module docstring), or None when it is known or unfixable."""
        if word in self.known or not re.fullmatch(r"[^\W\d_][\w'/]*", word):
            return None
        if word in ABBREVIATIONS:
            return Fix(word, ABBREVIATIONS[word], "abbreviation", 1.0)
        for pattern, repl in _SPELLING_RULES:
            variant = re.sub(pattern, repl, word)
            if variant != word and variant in self.known:
                return Fix(word, variant, "spelling", 1.0)
        bare = fold(word)
        if bare != word and (bare in self.known or bare in self.folded):
            return Fix(word, bare if bare in self.known else self.folded[bare], "accent", 0.9)
        if len(word) < 4:
            return None
        for value in self.values:
            rest = word[len(value):]
            if word.startswith(value) and rest in COMPOUND_ENDINGS:  # "kitchenware", "outdoorgear"
                return Fix(word, value, "typo", 0.8)
        limit = 2 if len(word) >= 8 else 1
        found: dict[str, int] = {}
        for d in _deletes(word, limit):
            for cand in self.index.get(d, ()):
                if cand not in found:
                    dist = distance(word, cand, limit)
                    filler = self.targets[cand] == "filler"
                    if dist <= limit and len(cand) >= 4 and (not filler or (dist == 1 and len(word) >= 6)):
                        found[cand] = dist
        if not found:
            return None
        best = min(found.values())
        # Ties: workspace values first (a city or category says more than a filler), then alphabetical.
        ranked = sorted((c for c, v in found.items() if v == best), key=lambda c: (self.targets[c] != "value", c))
        confidence = round(1 - best / max(len(word), len(ranked[0])), 2)
        return Fix(word, ranked[0], "typo", confidence, tuple(ranked[1:]))

    def is_value(self, word: str) -> bool:
        return self.targets.get(word) == "value"
