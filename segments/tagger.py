"""Tag a tokenised sentence: dates, time windows, ranges, clusters, vocabulary values, field cues,
comparators, negations, separators and numbers. Whatever is left is an unknown ``WORD``."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from functools import lru_cache
from typing import Any

from segments import lexicon as lx
from segments.tokens import (
    Token,
    days_for,
    month_of,
    month_span,
    phrase_tokens,
    read_day,
    read_iso_or_slash,
    read_number,
    read_year,
    tokenize,
)
from segments.vocabulary import VALUE_FIELDS, Vocabulary

BARE_MONTH_PREPS = ("in", "during", "since", "before", "after", "until", "till", "between", "from", "through")
PRIORITY = {"IMPLIED": 0, "VAL": 1, "CUE": 2, "WEAK": 3, "AGECUE": 4, "PRED": 5, "BAND": 6, "NEG": 7,
            "CMP": 8, "DATEPREP": 9, "TREND": 10, "OR": 11, "SEP": 12, "PERSON": 13, "SOFT": 14, "FILL": 15}


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
    for alias, target in lx.CITY_DEMONYMS.items():
        if target in vocab.city:
            _add(table, alias, Entry("VAL", "city", target))
    for alias, target in lx.CHANNEL_ALIASES.items():
        if target in vocab.channel:
            _add(table, alias, Entry("VAL", "channel", target))
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
              ("FILL", lx.FILLERS), ("PRED", lx.PREDICTORS), ("AGECUE", lx.AGE_CUES), ("SOFT", tuple(lx.SOFT_WORDS)))
    for kind, phrases in simple:
        for phrase in phrases:
            _add(table, phrase, Entry(kind))
    for phrase, band in lx.BANDS.items():
        _add(table, phrase, Entry("BAND", None, band))
    for phrase, op in lx.TRENDS.items():
        _add(table, phrase, Entry("TREND", None, op))
    for phrase in lx.DATE_PREP_PHRASES:
        _add(table, phrase, Entry("DATEPREP"))
    for key in table:
        table[key].sort(key=lambda e: PRIORITY[e.kind])
    return table


class _Tagging:
    def __init__(self, sentence: str, vocab: Vocabulary) -> None:
        self.tokens: list[Token] = tokenize(sentence)
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

    # ---- passes -------------------------------------------------------------------------
    def dates(self) -> None:
        n = len(self.tokens)
        for i in range(n):
            if not self.free(i, i + 1):
                continue
            tok = self.tokens[i]
            if tok.kind == "date" and (d := read_iso_or_slash(tok.norm)):
                self.take("DATE", i, i + 1, value=(d, d), extra={"precision": "day"})
                continue
            # 1 March 2024 / 1st of March 2024 / March 1, 2024 / March 2024
            day, j = read_day(tok.norm), i
            if day is not None:
                j = i + 1 + (self.norm(i + 1) == "of")
                mon = month_of(self.norm(j))
                if mon and (year := read_year(self.norm(j + 1))) and self.free(i, j + 2):
                    self._date_item(i, j + 2, year, mon, day)
                continue
            mon = month_of(tok.norm)
            bare = mon is not None and self._bare_month(i)
            if mon is None or (tok.norm == "may" and not read_year(self.norm(i + 1))
                               and read_day(self.norm(i + 1)) is None and not bare):
                continue
            k = i + 1
            day = read_day(self.norm(k))
            if day is not None:
                k += 1 + (self.norm(k + 1) == ",")
            year = read_year(self.norm(k))
            if year and self.free(i, k + 1):
                if day is None:
                    start, end = month_span(year, mon)
                    self.take("DATE", i, k + 1, value=(start, end), extra={"precision": "month"})
                else:
                    self._date_item(i, k + 1, year, mon, day)
            elif bare and day is None and self.free(i, i + 1):
                # "in May", "between March and May": the latest such month up to the data's last date
                assert self.vocab.ref_date is not None
                ref = self.vocab.ref_date
                year = ref.year if date(ref.year, mon, 1) <= ref else ref.year - 1
                start, end = month_span(year, mon)
                self.take("DATE", i, i + 1, value=(start, end), extra={"precision": "month", "assumed_year": year})
        for i in range(n):  # a bare year after a date preposition: "before 2024"
            year = read_year(self.norm(i)) if self.free(i, i + 1) else None
            if year and self.norm(i - 1) in ("before", "after", "since", "in", "during", "until", "from"):
                self.take("DATE", i, i + 1, value=(date(year, 1, 1), date(year, 12, 31)),
                          extra={"precision": "year"})

    def _bare_month(self, i: int) -> bool:
        """A month name without a year where a date is expected ("in May", "between March and May"),
        readable only when the vocabulary knows the data's last date."""
        if self.vocab.ref_date is None or read_year(self.norm(i + 1)) or read_day(self.norm(i + 1)) is not None:
            return False
        before = self.norm(i - 1)
        if before in BARE_MONTH_PREPS:
            return True
        return (before in ("and", "to") and month_of(self.norm(i - 2)) is not None
                and self.norm(i - 3) in ("between", "from"))

    def _date_item(self, i: int, j: int, year: int, mon: int, day: int) -> None:
        try:
            d = date(year, mon, day)
        except ValueError:
            return
        self.take("DATE", i, j, value=(d, d), extra={"precision": "day"})

    def _unit(self, i: int) -> int | None:
        return lx.TIME_UNITS.get(self.norm(i)) if self.free(i, i + 1) else None

    def windows(self) -> None:
        n = len(self.tokens)
        i = 0
        while i < n:
            if not self.free(i, i + 1):
                i += 1
                continue
            j = i
            prep = self.norm(j) in lx.WINDOW_PREPS
            j += prep
            j += self.norm(j) in ("the", "this")
            word = self.norm(j)
            if word in lx.PAST_WORDS or word in lx.FUTURE_WORDS:
                k = j + 1
                num = self.number_at(k)
                if num is not None and not num.money and not num.percent:
                    k += 1
                unit = self._unit(k)
                if unit and self.free(i, k + 1):
                    count = num.value if num is not None else 1
                    direction = "past" if word in lx.PAST_WORDS else "future"
                    self.take("WINDOW", i, k + 1, value=days_for(count, unit), extra={"direction": direction})
                    i = k + 1
                    continue
            if self.norm(i) in ("in", "within", "inside"):
                k = i + 1 + (self.norm(i + 1) == "the")
                num = read_number(self.norm(k)) if self.norm(k) not in ("a", "an") else read_number("one")
                unit = self._unit(k + 1)
                if num is not None and unit and self.free(i, k + 2) and not num.money and not num.percent:
                    self.take("WINDOW", i, k + 2, value=days_for(num.value, unit), extra={"direction": "any"})
                    i = k + 2
                    continue
            num = read_number(self.norm(i)) if self.norm(i) not in ("a", "an") else read_number("one")
            unit = self._unit(i + 1)
            if num is not None and unit and self.norm(i + 2) == "ago" and self.free(i, i + 3):
                self.take("AGO", i, i + 3, value=days_for(num.value, unit))
                i += 3
                continue
            i += 1

    def ranges(self) -> None:
        n = len(self.tokens)
        bands = {b.lower() for b in self.vocab.age_band}
        for i in range(n):
            if not self.free(i, i + 1):
                continue
            w = self.norm(i)
            if w in ("between", "from") and self.norm(i + 2) in ("and", "to", "&") and self.free(i, i + 4):
                lo, hi = read_number(self.norm(i + 1)), read_number(self.norm(i + 3))
                if lo is not None and hi is not None:
                    self._range(i, i + 4, lo, hi)
                    continue
            tok = self.tokens[i]
            if tok.kind == "num" and i + 1 < n and self.free(i, i + 2) and self.tokens[i + 1].kind == "num":
                between = self.sentence[tok.end:self.tokens[i + 1].start].strip().lower()
                lo, hi = read_number(tok.norm), read_number(self.norm(i + 1))
                if between in ("-", "–", "to") and lo is not None and hi is not None and (lo.money or hi.money):
                    self._range(i, i + 2, lo, hi)  # "£50-£100"
                    continue
            if tok.kind == "range" and tok.norm not in bands:
                lo_s, hi_s = tok.norm.split("-", 1)
                lo, hi = read_number(lo_s), read_number(hi_s)
                if lo is not None and hi is not None:
                    self._range(i, i + 1, lo, hi)
        # between DATE and DATE -> one DATE spanning both
        for a in [it for it in self.items if it.kind == "DATE"]:
            for b in [it for it in self.items if it.kind == "DATE"]:
                if (b.i == a.j + 1 and self.norm(a.j) in ("and", "to") and self.norm(a.i - 1) in ("between", "from")
                        and self.free(a.i - 1, a.i) and self.free(a.j, a.j + 1)):
                    if "assumed_year" in b.extra and b.value[1] < a.value[0]:  # "between November and February"
                        b.value = (b.value[0].replace(year=b.value[0].year + 1),
                                   month_span(b.value[0].year + 1, b.value[0].month)[1])
                    self.items.remove(a)
                    self.items.remove(b)
                    for k in range(a.i, b.j):
                        self.taken[k] = False
                    assumed = {k: v for k, v in (a.extra | b.extra).items() if k == "assumed_year"}
                    self.take("DATE", a.i - 1, b.j, value=(a.value[0], b.value[1]),
                              extra={"precision": "range", "prep": "between", **assumed})
                    return

    def _range(self, i: int, j: int, lo: Any, hi: Any) -> None:
        low, high = sorted((lo.value, hi.value))
        self.take("RANGE", i, j, value=(low, high),
                  extra={"money": lo.money or hi.money, "percent": lo.percent or hi.percent})

    def clusters(self) -> None:
        for i in range(len(self.tokens)):
            if self.norm(i) not in ("cluster", "clusters", "persona", "personas") or not self.free(i, i + 1):
                continue
            k = i + 1 + (self.norm(i + 1) in ("#", "no", "number", "num"))
            values, end = [], k
            while (num := self.number_at(end)) is not None and num.is_int:
                values.append(int(num.value))
                end += 1
                if self.norm(end) in (",", "and", "or", "&", "/") and self.number_at(end + 1) is not None:
                    end += 1
                else:
                    break
            if values:
                self.take("CLUSTER", i, end, field="cluster", value=tuple(values))

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
        if entry.kind == "VAL" and dict(entry.extra).get("needs_caps"):
            near = {self.norm(i - 1), self.norm(i + size), self.norm(i - 2), self.norm(i + size + 1)}
            return self.tokens[i].text[:1].isupper() or bool(near & {"segment", "segments", "rfm"})
        return True

    def numbers(self) -> None:
        for i in range(len(self.tokens)):
            if not self.free(i, i + 1):
                continue
            num = read_number(self.norm(i))
            if num is None:
                continue
            j = i + 1
            extra: dict[str, Any] = {"money": num.money, "percent": num.percent, "plus": num.plus, "adverb": num.adverb}
            if self.norm(j) in lx.MONEY_WORDS:
                extra["money"] = True
                j += 1
            elif self.norm(j) == "%":
                extra["percent"] = True
                num = type(num)(num.value / 100, percent=True)
                j += 1
            unit = lx.COUNT_UNITS.get(self.norm(j))
            if self.norm(j) in lx.TIME_UNITS and self.free(j, j + 1) and not extra["money"]:
                extra["days"] = days_for(num.value, lx.TIME_UNITS[self.norm(j)])
                j += 1
            elif unit and not extra["money"]:
                self._release(j)
                extra["unit_field"] = unit
                j += 1
            if num.adverb:
                extra["unit_field"] = "orders"
            self.take("NUM", i, j, value=num.value, extra=extra)

    def _release(self, j: int) -> None:
        """Free token ``j`` if a one-token lexicon item holds it (a count unit after a number)."""
        for it in list(self.items):
            if it.i == j and it.j == j + 1 and it.kind in ("WEAK", "CUE", "FILL"):
                self.items.remove(it)
                self.taken[j] = False

    def leftovers(self) -> None:
        for i, tok in enumerate(self.tokens):
            if not self.taken[i]:
                self.take("WORD", i, i + 1, value=tok.norm)


def tag(sentence: str, vocab: Vocabulary) -> tuple[list[Token], list[Item]]:
    """Tokens and their items, in sentence order."""
    t = _Tagging(sentence, vocab)
    t.dates()
    t.windows()
    t.ranges()
    t.clusters()
    t.lexicon()
    t.numbers()
    t.leftovers()
    return t.tokens, sorted(t.items, key=lambda it: it.i)
