"""Tag a tokenised sentence: calendar periods and holidays, star ratings, dates, time windows, ranges,
clusters, vocabulary values, field cues, comparators, negations, separators and numbers. Whatever is
left is an unknown ``WORD``.

Before tagging, unknown tokens are read through :mod:`segments.spelling` (abbreviations, American and
British spellings, typos against the workspace's vocabulary); the fixes are kept for the parser, which
says what it read and asks about guesses."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache
from typing import Any

from memberinsight.segments import lexicon as lx
from memberinsight.segments import phrases as ph
from memberinsight.segments.fuzzy import Fix
from memberinsight.segments.regions import regions
from memberinsight.segments.tokens import (
    Number,
    Token,
    days_for,
    phrase_tokens,
    read_compound,
    read_number,
    tokenize,
)
from memberinsight.segments.vocabulary import VALUE_FIELDS, Vocabulary

PRIORITY = {"IMPLIED": 0, "VAL": 1, "CUE": 2, "WEAK": 3, "AGECUE": 4, "PRED": 5, "BAND": 6, "NEG": 7,
            "CMP": 8, "DATEPREP": 9, "TREND": 10, "OR": 11, "SEP": 12, "PERSON": 13, "DESC": 14, "SOFT": 15,
            "INTENS": 16, "HABIT": 17, "SAMEWIN": 18, "REF": 18.5, "EMPH": 18.6, "PASSED": 19, "PER": 20, "SCOPE": 21, "AGAIN": 22,
            "FILL": 23}
AFTER_NUMBER_WORDS = frozenset((*lx.COUNT_UNITS, *lx.TIME_UNITS, *lx.MONEY_WORDS, *lx.COUNT_ADVERBS,
                                *lx.NUMBER_WORDS, *lx.BANDS, "times", "stars", "star", "%",
                                "percent", "often", "frequently", "days", "old", "olds"))
COUNT_ADJECTIVES = ("different", "distinct", "separate", "unique", "individual")
TENURE_NEXT = ("over", "more", "for", "at", "less", "under", "longer", "fewer", "since", "a", "an", "than", "upwards",
               "north", "beyond", "no", "not", ">", "<", ">=", "<=")
BUY_VERBS = ("ordered", "bought", "shopped", "spent", "purchased", "order", "buy", "shop", "spend", "transacted")
NOT_A_COUNT = ("this", "that", "the", "which", "each", "every", "any", "no", "another", "other", "last", "first",
               "only", "same", "either", "neither")
AFTER_COMPARATOR = ("below", "above", "under", "over", "than", "then", "least", "most", "of", "=", "<", ">", "<=",
                    ">=", "exactly", "beneath", "is")
EXISTENTIAL = ("is", "are", "was", "were", "'s", "s", "any", "anyone", "anybody", "out", "hi", "hey", "hello")
SINGULAR_UNITS = ("order", "purchase", "transaction", "review", "return", "refund", "category", "rating")


@dataclass
class Item:
    """A tagged span of tokens ``[i, j)``."""

    kind: str
    i: int
    j: int
    text: str
    field: str | None = None
    value: Any = None
    extra: dict[str, Any] = dc_field(default_factory=dict)
    used: bool = False


@dataclass(frozen=True)
class Entry:
    kind: str
    field: str | None = None
    value: Any = None
    extra: tuple[tuple[str, Any], ...] = ()


def _add(table: dict[tuple[str, ...], list[Entry]], phrase: str, entry: Entry) -> None:
    key = phrase_tokens(phrase)
    if key:
        table.setdefault(key, []).append(entry)


def _value_variants(value: str, name: str) -> list[str]:
    out = [value]
    if "'" in value:  # "Can't Lose Them": "cant lose them", "cannot lose them"
        out += [value.replace("'", ""), value.replace("n't", " not").replace("N't", " Not"),
                value.replace("an't", "annot")]
    if name == "channel":
        out.append(value.replace("_", " "))
    if name in ("category", "rfm_segment") and " " not in value:
        out.append(value[:-1] if value.lower().endswith("s") and len(value) > 3 else value + "s")
    if name == "rfm_segment" and " " in value and not value.lower().endswith("s"):
        out.append(value + "s")
    if name == "age_band" and "-" in value:
        lo, hi = value.split("-", 1)
        out += [f"{lo} to {hi}", f"{lo}-{hi}s"]
    return out


@lru_cache(maxsize=16)
def phrase_table(vocab: Vocabulary) -> dict[tuple[str, ...], list[Entry]]:
    """Every phrase the tagger knows for this vocabulary, mapped to its entries (best first)."""
    table: dict[tuple[str, ...], list[Entry]] = {}
    for name in VALUE_FIELDS:
        for value in vocab.values(name):
            caps = name == "rfm_segment" and value.lower() in lx.COMMON_WORD_SEGMENTS
            for variant in _value_variants(str(value), name):
                _add(table, variant, Entry("VAL", name, value, (("needs_caps", caps),)))
    for alias, target in lx.DEMONYMS.items():
        if target in vocab.country:
            _add(table, alias, Entry("VAL", "country", target))
    for phrase, region in regions(vocab.city, vocab.country).items():  # "Scotland" -> its cities
        _add(table, phrase, Entry("VAL", region.field, region.values, (("region", region.name),
                                                                        ("unplaced", region.unplaced))))
    for alias, target in lx.CITY_DEMONYMS.items():
        if target in vocab.city:
            _add(table, alias, Entry("VAL", "city", target))
    for alias, target in (lx.CHANNEL_ALIASES | ph.CHANNEL_SYNONYMS).items():
        if target in vocab.channel:
            _add(table, alias, Entry("VAL", "channel", target))
            if target in ("social", "paid_search") and not alias.endswith(("ads", "ad")):
                for suffix in ph.AD_SUFFIXES:  # "Facebook ads", "TikTok adverts"
                    _add(table, f"{alias} {suffix}", Entry("VAL", "channel", target))
    for phrase, fld in ph.SIGNUP_CUES.items():
        _add(table, phrase, Entry("CUE", fld))
    for phrase, desc in ph.DESCRIPTOR_PHRASES.items():  # "top spenders" also names the field (spend)
        _add(table, phrase, Entry("DESC", "spend" if desc == "big spender" else None, desc))
    for phrase, (fld, op, implied) in lx.IMPLIED.items():
        _add(table, phrase, Entry("IMPLIED", fld, (op, implied)))
    for phrase, fld in lx.CUES.items():
        _add(table, phrase, Entry("CUE", fld))
    for phrase, fld in lx.WEAK_CUES.items():
        _add(table, phrase, Entry("WEAK", fld))
    for phrase in set(lx.COMPARATORS_BEFORE) | set(lx.COMPARATORS_AFTER):
        _add(table, phrase, Entry("CMP", None, None, (("before", lx.COMPARATORS_BEFORE.get(phrase)),
                                                       ("after", lx.COMPARATORS_AFTER.get(phrase)))))
    simple = (("NEG", lx.NEGATIONS), ("SEP", lx.SEPARATORS), ("OR", lx.DISJUNCTIONS), ("PERSON", lx.PERSONS),
              ("FILL", lx.FILLERS), ("PRED", lx.PREDICTORS), ("AGECUE", lx.AGE_CUES), ("SOFT", tuple(lx.SOFT_WORDS)),
              ("INTENS", ph.INTENSIFIERS), ("HABIT", ph.HABIT_WORDS), ("SAMEWIN", ph.SAME_WINDOW), ("REF", ph.REFERENCES),
              ("EMPH", lx.EMPHATIC),
              ("PASSED", ph.PASSED), ("PER", ph.PER_ORDER), ("SCOPE", ph.SCOPE_WORDS), ("AGAIN", ph.AGAIN_WORDS))
    for kind, phrases in simple:
        for phrase in phrases:
            _add(table, phrase, Entry(kind))
    for phrase, band in lx.BANDS.items():
        _add(table, phrase, Entry("BAND", None, band))
    for phrase, op in lx.TRENDS.items():
        _add(table, phrase, Entry("TREND", None, op))
    for phrase in lx.DATE_PREP_PHRASES:
        _add(table, phrase, Entry("DATEPREP"))
    table.setdefault(("-",), []).append(Entry("SEP"))  # a spaced dash ("Pets buyers - last order ...")
    for entries in table.values():
        entries.sort(key=lambda e: PRIORITY[e.kind])
    return table


class _Tagging:
    def __init__(self, sentence: str, vocab: Vocabulary) -> None:
        from memberinsight.segments.spelling import correct_tokens

        self.tokens: list[Token]
        self.fixes: list[tuple[int, Fix]]
        self.tokens, self.fixes = correct_tokens(tokenize(sentence), vocab)
        self.sentence = sentence
        self.vocab = vocab
        self.items: list[Item] = []
        self.taken = [False] * len(self.tokens)

    # ---- helpers ------------------------------------------------------------------------
    def norm(self, i: int) -> str:
        return self.tokens[i].norm if 0 <= i < len(self.tokens) else ""

    def free(self, i: int, j: int) -> bool:
        return 0 <= i and j <= len(self.tokens) and not any(self.taken[i:j])

    def take(self, kind: str, i: int, j: int, **kw: Any) -> Item:
        text = self.sentence[self.tokens[i].start:self.tokens[j - 1].end]
        item = Item(kind, i, j, text, **kw)
        self.items.append(item)
        for k in range(i, j):
            self.taken[k] = True
        return item

    def number_at(self, i: int):
        if not self.free(i, i + 1):
            return None
        return read_number(self.norm(i))

    def lexicon(self) -> None:
        table = phrase_table(self.vocab)
        longest = max((len(k) for k in table), default=1)
        n = len(self.tokens)
        i = 0
        while i < n:
            if not self.free(i, i + 1):
                i += 1
                continue
            matched = False
            for size in range(min(longest, n - i), 0, -1):
                key = tuple(self.norm(k) for k in range(i, i + size))
                if key not in table or not self.free(i, i + size):
                    continue
                entry = next((e for e in table[key] if self._allowed(e, i, size)), None)
                if entry is None:
                    continue
                self.take(entry.kind, i, i + size, field=entry.field, value=entry.value, extra=dict(entry.extra))
                i += size
                matched = True
                break
            if not matched:
                i += 1

    def _allowed(self, entry: Entry, i: int, size: int) -> bool:
        if entry.kind in ("IMPLIED", "TREND") and self.norm(i + size - 1) in ("more", "less", "fewer") \
                and self.norm(i + size) in ("than", "then") and (read_number(self.norm(i + size + 1)) is not None
                                                                 or self.norm(i + size + 1) in ("£", "$", "€")):
            return False  # "ordering more than 3 times" compares a count; "ordering more" alone is a trend
        if entry.kind == "CUE" and entry.field == "tenure_days" and self.norm(i) == "with" and size == 2:
            # "with us over a year": how long; "shopped with us last Boxing Day": where
            ahead = [self.norm(k) for k in range(i + size, i + size + 5)]
            unit = next((k for k, w in enumerate(ahead) if w in lx.TIME_UNITS), None)
            return self.norm(i - 1) not in BUY_VERBS and ahead[0] in TENURE_NEXT and unit is not None \
                and not any(w in lx.COUNT_UNITS for w in ahead[:unit])
        if entry.kind == "NEG" and self.norm(i) in ("zero", "none", "nothing") and size == 1:
            return self.norm(i - 1) not in AFTER_COMPARATOR  # "order trend below zero" is a number
        if entry.kind == "FILL" and self.tokens[i].norm == "then" and size == 1:
            # "and then again in Q1" restates the order; "bought Kitchen then Garden" is a sequence (asked)
            return self.norm(i - 1) in ("and", ",", "ok", "okay", "so", "right", "well") or self.norm(i + 1) == "again"
        if entry.kind == "REF" and self.norm(i + size - 1) == "there":
            # "spent under 20 there" refers back; "are there any", "there are" do not
            return self.norm(i - 1) not in EXISTENTIAL and self.norm(i + size) not in EXISTENTIAL
        if entry.kind == "VAL" and dict(entry.extra).get("needs_caps"):
            near = {self.norm(i - 1), self.norm(i + size), self.norm(i - 2), self.norm(i + size + 1)}
            # "promising & potential loyalists": listed with another segment's name, it is one too
            others = {s.split()[0].lower() for s in self.vocab.rfm_segment} - set(lx.COMMON_WORD_SEGMENTS)
            joiners = ("and", "or", "&", ",", "+", "/", "plus")
            listed = (self.norm(i + size) in joiners and self.norm(i + size + 1) in others) or (
                self.norm(i - 1) in joiners and any(self.norm(k) in others for k in (i - 2, i - 3)))
            return self.tokens[i].text[:1].isupper() or bool(near & {"segment", "segments", "rfm"}) or listed
        if entry.kind == "CMP" and dict(entry.extra).get("before") is None and self.norm(i) in ("or", "and"):
            # "3 or more", "5 orders or fewer": only after a number (else "... or over 150" is two parts)
            prev = self.tokens[i - 1] if i > 0 else None
            dated = any(it.kind == "DATE" and it.i <= i - 1 < it.j for it in self.items)
            if self.norm(i + size) in ("than", "then"):
                return False  # "100 or more than 10 orders": "or" + "more than"
            if read_number(self.norm(i + size)) is not None and self.norm(i + size) not in ("a", "an") \
                    and self.free(i + size, i + size + 1):
                return False  # "in the last 90 days and over 100", "under 50 or over 500": "and"/"or" + "over N"
            return prev is not None and not dated and (prev.kind in ("num", "range") or prev.norm in AFTER_NUMBER_WORDS)
        return True

    def numbers(self) -> None:
        for i in range(len(self.tokens)):
            if self.norm(i) in ("a", "an") and self.norm(i + 1) in lx.TIME_UNITS and self.free(i + 1, i + 2):
                self._release(i)  # "over a year": the article is a number here, not a filler
            compound = read_compound([tok.norm for tok in self.tokens], i)
            if compound is not None and self._claimable(i, i + compound[1]):
                for k in range(i, i + compound[1]):  # "a grand", "three hundred and fifty": one number
                    self._release(k, ("FILL", "SEP"))
            elif not self.free(i, i + 1):
                continue
            start = self.tokens[i].start
            if start >= 2 and self.sentence[start - 1] == "," and self.sentence[start - 2].isdigit():
                continue  # "£1,00": a malformed amount stays not understood, never a second number
            num: Number | None
            if compound is not None and self.free(i, i + compound[1]):
                num, j = compound[0], i + compound[1]  # "two hundred quid", "a grand"
            else:
                num = read_number(self.norm(i))
                if num is None and self.norm(i) in ("a", "an") and self.norm(i + 1) in lx.TIME_UNITS \
                        and any(it.kind == "CMP" and it.j == i for it in self.items):
                    num = read_number("one")  # "for over a year"
                if self.norm(i) == "one" and self.norm(i - 1) in NOT_A_COUNT:
                    self.take("FILL", i, i + 1)  # "for this one", "the one in Leeds": a pronoun, not a number
                    continue
                j = i + 1
            if num is None:
                continue
            extra: dict[str, Any] = {"money": num.money, "percent": num.percent, "plus": num.plus,
                                     "adverb": num.adverb, "currency": num.currency}
            if self.norm(j) in lx.MONEY_WORDS:
                extra["money"] = True
                extra["currency"] = extra["currency"] or lx.MONEY_SYMBOLS.get(self.norm(j), "")
                j += 1
            elif self.norm(j) in ("%", "percent", "pct") or (self.norm(j), self.norm(j + 1)) == ("per", "cent"):
                extra["percent"] = True
                num = type(num)(num.value / 100, percent=True)
                j += 1 + (self.norm(j) == "per")
            k = j + (self.norm(j) in COUNT_ADJECTIVES and self.norm(j + 1) in lx.COUNT_UNITS)
            unit = lx.COUNT_UNITS.get(self.norm(k))
            if self.norm(j) in lx.TIME_UNITS and self.free(j, j + 1) and not extra["money"]:
                extra["days"] = days_for(num.value, lx.TIME_UNITS[self.norm(j)])
                j += 1
            elif unit and not extra["money"] and self.free(j, k):
                self._release(k)
                extra["unit_field"] = unit
                extra["singular"] = num.value == 1 and not num.plus and self.norm(k) in SINGULAR_UNITS
                j = k + 1
            if num.adverb:
                extra["unit_field"] = "orders"
            if j == i + 1 and self.norm(j) in ("s", "'s") and self.free(j, j + 1) \
                    and self.tokens[j].start == self.tokens[i].end and num.is_int and 16 <= num.value <= 100:
                extra["age_plural"] = True  # "over 55s", "the under-25s": people of that age
                j += 1
            self.take("NUM", i, j, value=num.value, extra=extra)

    def _claimable(self, i: int, j: int) -> bool:
        """Tokens ``[i, j)`` are free or held only by one-token fillers and separators."""
        held = {k for it in self.items if it.j - it.i > 1 or it.kind not in ("FILL", "SEP") for k in range(it.i, it.j)}
        return j <= len(self.tokens) and not any(k in held for k in range(i, j))

    def _release(self, j: int, kinds: tuple[str, ...] = ("WEAK", "CUE", "FILL")) -> None:
        """Free token ``j`` if a one-token lexicon item holds it (a count unit after a number)."""
        for it in list(self.items):
            if it.i == j and it.j == j + 1 and it.kind in kinds:
                self.items.remove(it)
                self.taken[j] = False

    def leftovers(self) -> None:
        for i, tok in enumerate(self.tokens):
            if not self.taken[i]:
                self.take("WORD", i, i + 1, value=tok.norm)


def tag(sentence: str, vocab: Vocabulary) -> tuple[list[Token], list[Item], list[tuple[int, Fix]]]:
    """Tokens, their items in sentence order, and the spelling fixes made (by token index)."""
    from memberinsight.segments import tag_dates
    from memberinsight.segments.tag_calendar import tag_calendar
    from memberinsight.segments.tag_extra import average_stars, bare_buyers, decades, ratings, score_letters
    from memberinsight.segments.tag_fixes import acquisition, neighbours
    from memberinsight.segments.tag_more import (
        every_period,
        plain_segment_words,
        rfm_triples,
        shared_heads,
        shifted_windows,
        vague_windows,
    )

    t = _Tagging(sentence, vocab)
    tag_calendar(t)
    ratings(t)
    average_stars(t)
    score_letters(t)
    tag_dates.dates(t)
    tag_dates.windows(t)
    shifted_windows(t)
    vague_windows(t)
    every_period(t)
    rfm_triples(t)
    decades(t)
    tag_dates.ranges(t)
    tag_dates.clusters(t)
    shared_heads(t)
    t.lexicon()
    plain_segment_words(t)
    bare_buyers(t)
    t.numbers()
    acquisition(t)
    neighbours(t)
    t.leftovers()
    return t.tokens, sorted(t.items, key=lambda it: it.i), t.fixes
