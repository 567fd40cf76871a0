"""Unicode hygiene for operator sentences, before anything is tagged.

* NFKC normalisation (full-width letters, ligatures, composed accents);
* bidirectional controls (right-to-left override and friends) are refused: they can make a sentence
  read differently on screen from what the parser sees;
* invisible characters (zero-width spaces and joiners, soft hyphens) and leftover combining marks
  are removed, and the result says so;
* look-alike letters from other scripts inside a Latin word (a Cyrillic "О" in "Оutdoor") are mapped
  to their Latin twin, and the result says so (the parser then asks before using the word).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
# Cyrillic and Greek letters that look like Latin ones.
CONFUSABLES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "а": "a", "е": "e", "о": "o", "р": "p",
    "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "һ": "h", "ь": "b", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k",
    "ρ": "p", "τ": "t", "υ": "u", "ѵ": "v",
}


@dataclass
class Prepared:
    """The cleaned sentence, what was changed (``changes``: word, read as, why) and a refusal reason."""

    text: str
    changes: list[dict[str, str]] = field(default_factory=list)
    refusal: str | None = None


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or "LATIN" in unicodedata.name(ch, "")


def _map_confusables(word: str) -> str:
    """``word`` with look-alike letters mapped, when it mixes them with Latin letters (or is made only
    of look-alikes); otherwise unchanged."""
    if not any(ch in CONFUSABLES for ch in word):
        return word
    letters = [ch for ch in word if ch.isalpha()]
    latin = sum(_is_latin_letter(ch) for ch in letters)
    looks = sum(ch in CONFUSABLES for ch in letters)
    if latin and latin + looks == len(letters):
        return "".join(CONFUSABLES.get(ch, ch) for ch in word)
    return word


def prepare(sentence: str) -> Prepared:
    """Normalise ``sentence`` (see the module docstring); never raises."""
    found_bidi = sorted({f"U+{ord(ch):04X}" for ch in sentence if ch in BIDI_CONTROLS})
    if found_bidi:
        return Prepared(sentence, refusal=f"the sentence contains bidirectional control characters "
                                          f"({', '.join(found_bidi)}) that can make it display differently "
                                          "from what it says; retype it without them")
    changes: list[dict[str, str]] = []
    text = unicodedata.normalize("NFKC", sentence)
    if any(ch in INVISIBLE for ch in text):
        cleaned = "".join(ch for ch in text if ch not in INVISIBLE)
        changes.append({"word": "invisible characters", "read_as": "removed", "why": "invisible characters"})
        text = cleaned
    if any(unicodedata.category(ch) == "Mn" for ch in text):
        words = text.split()
        out = []
        for word in words:
            bare = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
            if bare != word:
                changes.append({"word": word, "read_as": bare, "why": "stray accent marks removed"})
            out.append(bare)
        text = " ".join(out)
    if any(ch in CONFUSABLES for ch in text):
        out = []
        for word in text.split(" "):
            mapped = _map_confusables(word)
            if mapped != word:
                changes.append({"word": word, "read_as": mapped, "why": "look-alike letters from another alphabet"})
            out.append(mapped)
        text = " ".join(out)
    return Prepared(text, changes)


def fold(word: str) -> str:
    """``word`` without accents, lower case ("Outdoór" -> "outdoor")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
