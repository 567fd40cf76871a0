"""The parser's known words for one vocabulary, and token correction against them
(:mod:`segments.fuzzy` does the matching)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from memberinsight.segments import lexicon as lx
from memberinsight.segments import phrases as ph
from memberinsight.segments.fuzzy import Fix, SpellIndex
from memberinsight.segments.periods import HOLIDAY_PHRASES, VAGUE_PERIODS
from memberinsight.segments.tokens import Token, phrase_tokens
from memberinsight.segments.vocabulary import Vocabulary

# Kinds of phrase-table entries whose words are never targets of a typo fix (a fix into a filler
# would make an unknown word disappear without a trace).
_NOT_TARGETS = ("FILL", "SOFT", "SEP", "OR", "DESC")
_EXTRA_WORDS = (*lx.TIME_UNITS, *lx.NUMBER_WORDS, *lx.MONTHS, *lx.COUNT_UNITS, *lx.MONEY_WORDS, *lx.DATE_PREPS,
                *lx.WINDOW_PREPS, *lx.PAST_WORDS, *lx.FUTURE_WORDS, *HOLIDAY_PHRASES, *VAGUE_PERIODS,
                "ago", "cluster", "clusters", "persona", "score", "scores", "trend", "trends", "rfm", "recently",
                "lately", "worth", "total", "star", "stars", "starred", "quarter", "year", "month",
                "week", "this", "current", "between", "since", "percent", "per", "cent", "pounds", "later",
                "earlier", "today", "yesterday", "tonight", "spring", "summer", "autumn", "winter", "same",
                "period", "window", "usually", "typically", "normally", "generally", "tend", "tends")


@lru_cache(maxsize=16)
def spell_index(vocab: Vocabulary) -> SpellIndex:
    """Known words (never corrected) and typo targets (``value`` or ``word``) for ``vocab``."""
    from memberinsight.segments.tagger import phrase_table

    known: set[str] = set()
    targets: dict[str, str] = {}
    for key, entries in phrase_table(vocab).items():
        known.update(key)
        kinds = {e.kind for e in entries}
        if kinds <= set(_NOT_TARGETS):
            if kinds == {"FILL"} and len(key) == 1 and len(key[0]) >= 6 and key[0].isalpha():
                targets.setdefault(key[0], "filler")  # "aquired": a slip in a long filler, read, never asked
            continue
        kind = "value" if "VAL" in kinds else "word"
        for tok in key:
            if len(tok) >= 4 and tok.isalpha():
                targets[tok] = "value" if kind == "value" or targets.get(tok) == "value" else "word"
    for phrase in _EXTRA_WORDS:
        for tok in phrase_tokens(str(phrase)):
            known.add(tok)
            if len(tok) >= 4 and tok.isalpha():
                targets.setdefault(tok, "word")
    for phrase in (*ph.DESCRIPTOR_PHRASES, *ph.INTENSIFIERS, *ph.HABIT_WORDS, *ph.SAME_WINDOW, *ph.PASSED):
        known.update(phrase_tokens(phrase))
    return SpellIndex(targets, frozenset(known))


def correct_tokens(tokens: list[Token], vocab: Vocabulary) -> tuple[list[Token], list[tuple[int, Fix]]]:
    """Tokens with unknown words read through :class:`SpellIndex` (``norm`` replaced, ``text`` kept),
    and the fixes made, by token index."""
    index = spell_index(vocab)
    out: list[Token] = []
    fixes: list[tuple[int, Fix]] = []
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or tok.norm in index.known:
            out.append(tok)
            continue
        fix = index.fix(tok.norm)
        if fix is None:
            out.append(tok)
            continue
        out.append(replace(tok, norm=fix.read_as))
        fixes.append((i, fix))
    return out, fixes
