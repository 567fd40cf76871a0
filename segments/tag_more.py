"""Tagging passes for RFM score triples and for several fields sharing one head noun (:mod:`segments.tagger`).

* "5-5-5", "555s", "rfm 555", "r5f5m5", "r5 f4+ m4+": an ``RFM`` item, value ``((field, score), ...)`` (a
  "+" / "-" written against a score adds its comparator: ``(field, score, ">=")``); a bare "555" is an
  RFM cell only next to "rfm" / "score" (else it is a number like any other);
* "r, f and m scores", "recency and frequency scores", "spend and order trends": one ``CUE`` item for the
  first field, with every field in ``extra["fields"]`` and how they are joined in ``extra["conj"]``
  (``all`` for "and", ``any`` for "or"); the interpreter builds the same test on each field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from memberinsight.segments.tokens import read_year

SCORE_NAMES = {"r": "r_score", "recency": "r_score", "f": "f_score", "frequency": "f_score", "m": "m_score",
               "monetary": "m_score"}
TREND_NAMES = {"spend": "spend_trend", "spending": "spend_trend", "order": "order_trend",
               "orders": "order_trend", "ordering": "order_trend"}
HEADS = {"score": SCORE_NAMES, "scores": SCORE_NAMES, "trend": TREND_NAMES, "trends": TREND_NAMES}
HEAD_JOINERS = (",", "and", "&", "/", "or", "+")
RFM_CONTEXT = ("rfm", "score", "scores", "cell", "code", "codes")
_LETTER_SCORE = re.compile(r"([rfm])([1-5])")
_CELL = re.compile(r"r([1-5])f([1-5])m([1-5])")
TRIPLE_FIELDS = ("r_score", "f_score", "m_score")


def rfm_triples(t: Any) -> None:
    """Tag RFM cells (see the module docstring)."""
    n = len(t.tokens)
    i = 0
    while i < n:
        tok = t.tokens[i]
        if not t.free(i, i + 1):
            i += 1
            continue
        value: tuple[tuple[Any, ...], ...] | None = None
        size = 1
        if tok.kind == "triple":
            value = tuple(zip(TRIPLE_FIELDS, (int(d) for d in re.split(r"[-/]", tok.norm)), strict=True))
        elif tok.kind == "num" and re.fullmatch(r"[1-5]{3}", tok.norm):
            plural = t.norm(i + 1) in ("s", "'s") and i + 1 < n and t.tokens[i + 1].start == tok.end
            near = {t.norm(k) for k in range(max(i - 3, 0), i)} | {t.norm(i + 1 + plural)}
            if plural or near & set(RFM_CONTEXT):
                value = tuple(zip(TRIPLE_FIELDS, (int(d) for d in tok.norm), strict=True))
                size += plural
        elif tok.kind == "word" and (m := _CELL.fullmatch(tok.norm)):
            value = tuple(zip(TRIPLE_FIELDS, (int(d) for d in m.groups()), strict=True))
        elif tok.kind == "word" and _LETTER_SCORE.fullmatch(tok.norm):
            # "R5 F5 M5", "r5 and f4": letter and score written together
            parts: list[tuple[Any, ...]] = []
            k = i
            while k < n and t.free(k, k + 1) and (m2 := _LETTER_SCORE.fullmatch(t.norm(k))):
                parts.append((SCORE_NAMES[m2.group(1)], int(m2.group(2))))
                k += 1
                end = t.tokens[k - 1].end
                if t.sentence[end:end + 1] == "-" and t.sentence[end + 1:end + 2] in ("", " ", ","):
                    parts[-1] = (*parts[-1], "<=")  # "r2-": that score or less (the tokens drop the "-")
                elif _touching_sign(t, k):  # "f4+": that score or more
                    parts[-1] = (*parts[-1], ">=")
                    k += 1
                if t.norm(k) in (",", "and", "&", "+", "/") and _LETTER_SCORE.fullmatch(t.norm(k + 1)):
                    k += 1
            if len({part[0] for part in parts}) == len(parts):
                value, size = tuple(parts), k - i
        if value is not None:
            t.take("RFM", i, i + size, value=value)
            i += size
            continue
        i += 1


def _touching_sign(t: Any, k: int) -> bool:
    """Token ``k`` is a "+" written against the score before it ("f4+")."""
    return k < len(t.tokens) and t.norm(k) == "+" and t.tokens[k].start == t.tokens[k - 1].end \
        and t.free(k, k + 1) and (k + 1 >= len(t.tokens) or t.tokens[k + 1].start > t.tokens[k].end)


def _name_at(t: Any, k: int) -> tuple[str, ...] | None:
    """The name tables token ``k`` belongs to (by head), or None."""
    word = t.norm(k)
    return tuple(head for head, names in HEADS.items() if word in names) or None


def shared_heads(t: Any) -> None:
    """Tag "r, f and m scores" / "spend and order trends" (see the module docstring)."""
    n = len(t.tokens)
    i = 0
    while i < n:
        if not t.free(i, i + 1) or _name_at(t, i) is None:
            i += 1
            continue
        names, joins, k = [i], [], i + 1
        while k < n:
            m = k
            while m < n and t.norm(m) in HEAD_JOINERS and t.free(m, m + 1):
                m += 1
            if m == k or m >= n or _name_at(t, m) is None or not t.free(m, m + 1):
                break
            joins += [t.norm(x) for x in range(k, m)]
            names.append(m)
            k = m + 1
        head = t.norm(k)
        if len(names) < 2 or head not in HEADS or not t.free(k, k + 1):
            i += 1
            continue
        table = HEADS[head]
        fields = tuple(dict.fromkeys(table.get(t.norm(x), "") for x in names))
        if "" in fields or len(fields) != len(names):
            i += 1
            continue
        t.take("CUE", i, k + 1, field=fields[0],
               extra={"fields": fields, "conj": "any" if "or" in joins else "all"})
        i = k + 1


EVERY_UNITS = {"quarter": "quarter", "quarters": "quarter", "qtr": "quarter", "month": "month", "months": "month",
               "week": "week", "weeks": "week"}
MAX_PERIODS = 13


def _units(unit: str, start: date, end: date) -> list[tuple[date, date]]:
    """The calendar quarters / months / weeks that begin within ``[start, end]``."""
    from memberinsight.segments.periods import relative_period

    out: list[tuple[date, date]] = []
    cursor = relative_period(unit, 0, start)
    while cursor[0] <= end and len(out) <= MAX_PERIODS:
        if cursor[0] >= start:
            out.append(cursor)
        cursor = relative_period(unit, 1, cursor[0])
    return out


def every_period(t: Any) -> None:
    """"in every quarter this year", "each month of 2025": one period per quarter / month / week that has
    begun by the data's last date, as a period list joined by "and" (each must hold)."""
    from memberinsight.segments.periods import describe_span
    from memberinsight.segments.tagger import Item

    ref: date | None = t.vocab.ref_date
    if ref is None:
        return
    for i in range(len(t.tokens)):
        if t.norm(i) not in ("every", "each") or t.norm(i + 1) not in EVERY_UNITS or not t.free(i, i + 2):
            continue
        k = i + 2 + (t.norm(i + 2) in ("of", "in", "during"))
        period = next((it for it in t.items if it.kind == "DATE" and it.i == k and not it.extra.get("list")), None)
        if period is None and (year := read_year(t.norm(k))) and t.free(k, k + 1):
            period = t.take("DATE", k, k + 1, value=(date(year, 1, 1), date(year, 12, 31)),
                            extra={"precision": "year"})  # "each quarter of 2025"
        if period is None:
            continue
        start, end = period.value
        units = _units(EVERY_UNITS[t.norm(i + 1)], start, min(end, ref))
        if not 2 <= len(units) <= MAX_PERIODS:
            continue
        extra: dict[str, Any] = {}
        if units[0][0] != start or units[-1][1] != min(end, ref):  # "every week this month": weeks overlap it
            unit = EVERY_UNITS[t.norm(i + 1)]
            extra["question"] = {"text": f"the {unit}s do not line up with '{period.text}' (or the last one is "
                                         f"not over by the data's last date); I used the {len(units)} {unit}s "
                                         "that begin in it. Is that right?", "kind": "approximation",
                                 "options": [(f"{len(units)} {unit}s", None)]}
        t.items.remove(period)
        for x in range(period.i, period.j):
            t.taken[x] = False
        parts = [Item("DATE", i, period.j, describe_span(*u), value=u, extra={"precision": "range"}) for u in units]
        t.take("DATE", i, period.j, value=(units[0][0], units[-1][1]),
               extra={"precision": "range", "parts": parts, "conj": "all", "list": True, **extra,
                      "label": f"each {EVERY_UNITS[t.norm(i + 1)]}: " + "; ".join(p.text for p in parts)})


VAGUE_RECENT = ("recently", "lately", "of late", "in recent times", "not long ago")


def vague_windows(t: Any) -> None:
    """"joined recently", "ordered lately": a window of 30 days, with a question (how recent is recent?)."""
    for i in range(len(t.tokens)):
        for size in (3, 2, 1):
            words = " ".join(t.norm(k) for k in range(i, i + size))
            if words in VAGUE_RECENT and t.free(i, i + size):
                text = t.sentence[t.tokens[i].start:t.tokens[i + size - 1].end]
                t.take("WINDOW", i, i + size, value=30, extra={"direction": "past", "question": {
                    "text": f"'{text}' has no length; I read it as the last 30 days. Is that right, or how many "
                            "days do you mean?", "kind": "approximation",
                    "options": [("the last 30 days", None), ("the last 90 days", "in the last 90 days")],
                    "span": (t.tokens[i].start, t.tokens[i + size - 1].end)}})
                break


SHIFT_WORDS = ("before that", "before then", "prior to that", "before those", "before it", "earlier than that",
               "previous to that", "before this", "prior to this")
RELATIVE_WORDS = ("previous", "prior", "preceding")


def shifted_windows(t: Any) -> None:
    """"the 3 months before that": a window that ends where the previous one starts (``extra["shift"]``);
    "the previous 90 days" after another window: relative to it or to the data's last date? (asked)."""
    seen_window = False
    for it in sorted((x for x in t.items if x.kind == "WINDOW"), key=lambda x: x.i):
        words = {t.norm(k) for k in range(it.i, it.j)}
        for size in (3, 2):
            phrase = " ".join(t.norm(k) for k in range(it.j, it.j + size))
            if phrase in SHIFT_WORDS and t.free(it.j, it.j + size):
                for k in range(it.j, it.j + size):
                    t.taken[k] = True
                it.j += size
                it.text = t.sentence[t.tokens[it.i].start:t.tokens[it.j - 1].end]
                it.extra["shift"] = True
                break
        else:
            if seen_window and words & set(RELATIVE_WORDS) and it.extra.get("direction") == "past":
                it.extra["question"] = {
                    "text": f"'{it.text}' comes after another window: I read it as counted back from the data's "
                            "last date, not from the start of that window. Is that right?",
                    "kind": "scope", "options": [("from the data's last date", None)]}
        seen_window = True


# RFM segment names that are also plain words when written in lower case ("customers at risk").
PLAIN_SEGMENTS = {"at risk": "at risk"}


def plain_segment_words(t: Any) -> None:
    """"customers at risk": the At Risk RFM segment or high churn risk? A lower-case segment name that is
    also a plain phrase is a word with two readings (asked), unless it stands in a list of segments or next
    to "segment" / "RFM"."""
    vals = sorted((it for it in t.items if it.kind == "VAL" and it.field == "rfm_segment"), key=lambda x: x.i)
    for it in vals:
        if it.text.lower() not in PLAIN_SEGMENTS or it.text != it.text.lower():
            continue
        near = {t.norm(k) for k in (it.i - 2, it.i - 1, it.j, it.j + 1)}
        listed = any(o is not it and (o.j in (it.i - 1, it.i - 2) or o.i in (it.j + 1, it.j + 2)) for o in vals)
        if near & {"segment", "segments", "rfm"} or listed:
            continue
        it.kind, it.field, it.value = "DESC", None, PLAIN_SEGMENTS[it.text.lower()]
