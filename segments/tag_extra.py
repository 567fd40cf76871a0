"""Tagging passes for star ratings and decades of age (:mod:`segments.tagger`).

* "one- or two-star reviews", "1 or 2 star", "1-2 star ratings", "one-star or two-star reviews" are one
  count over both ratings: a ``CUE`` for ``low_ratings`` (reviews with 1 or 2 stars). Only 1 *or* only 2
  stars is close to it but not the same: the cue carries a question. Ratings of 3 stars and more have
  no count field: a ``BADFIELD`` item, reported.
* "40s", "forties", "in their 30s": a ``RANGE`` of ages, read against the age bands later.
"""

from __future__ import annotations

from typing import Any

from memberinsight.segments.tokens import read_number

STAR_WORDS = ("star", "stars", "starred", "star-rated")
STAR_NOUNS = ("review", "reviews", "rating", "ratings")
JOINERS = ("or", "and", "to", "/", "&")
NUMBER_CONTEXT = ("above", "over", "below", "under", "than", "then", "least", "most", "of", "is", "rated", "rating",
                  "=", ">", "<", ">=", "<=", "average", "avg", "mean", "exactly", "around", "about")
AGE_COMPARATORS = ("over", "under", "above", "below", "than", "then", "beyond")
DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
                "eighties": 80}


def _stars_at(t: Any, i: int) -> tuple[set[int], int] | None:
    """Star counts written from token ``i`` ("1 or 2 star", "one star or two star", "1-2 stars")."""
    tok = t.tokens[i] if i < len(t.tokens) else None
    if tok is None:
        return None
    if tok.kind == "range":
        lo, hi = (read_number(p) for p in tok.norm.split("-", 1))
        if lo is None or hi is None:
            return None
        stars, k = set(range(int(lo.value), int(hi.value) + 1)), i + 1
    else:
        first = read_number(t.norm(i))
        if first is None or first.money or first.percent or not first.is_int:
            return None
        stars, k = {int(first.value)}, i + 1
        if t.norm(k) in STAR_WORDS and t.norm(k + 1) in JOINERS and (other := read_number(t.norm(k + 2))) \
                and other.is_int:
            stars.add(int(other.value))  # "one star or two star"
            k += 3
        elif t.norm(k) in JOINERS and (second := read_number(t.norm(k + 1))) is not None and second.is_int:
            stars.add(int(second.value))
            k += 2
    if t.norm(k) not in STAR_WORDS or not all(1 <= s <= 5 for s in stars):
        return None
    k += 1
    k += t.norm(k) in STAR_NOUNS
    return stars, k


def ratings(t: Any) -> None:
    """Tag star-rating phrases (see the module docstring)."""
    i = 0
    while i < len(t.tokens):
        found = _stars_at(t, i) if t.free(i, i + 1) else None
        if found is None or not t.free(i, found[1]):
            i += 1
            continue
        stars, j = found
        if len(stars) == 1 and (t.norm(i - 1) in NUMBER_CONTEXT or t.norm(j) in AVERAGE_WORDS
                                or (t.norm(j), t.norm(j + 1)) in (("on", "average"), ("on", "avg"))):
            i += 1  # "average rating above 4 stars": a number of stars, not a count of reviews
            continue
        words = t.sentence[t.tokens[i].start:t.tokens[j - 1].end]
        if stars <= {1, 2}:
            extra: dict[str, Any] = {"stars": tuple(sorted(stars))}
            if stars != {1, 2}:
                extra["question"] = {
                    "text": f"'{words}': reviews are counted as 1-2 star reviews together; use that count?",
                    "options": [("1-2 star reviews", None)], "kind": "approximation"}
            t.take("CUE", i, j, field="low_ratings", extra=extra)
        else:
            t.take("BADFIELD", i, j, extra={"why": f"'{words}': there is no count of {max(stars)}-star reviews; "
                                                   "the fields are 1-2 star reviews and the average rating"})
        i = j


def decades(t: Any) -> None:
    """"40s" / "forties" -> a RANGE of ages (40-49)."""
    for i, tok in enumerate(t.tokens):
        if not t.free(i, i + 1):
            continue
        lo = None
        size = 1
        if t.norm(i - 1) in AGE_COMPARATORS:
            continue  # "over 40s": people over 40, not people in their forties
        if tok.norm in DECADE_WORDS:
            lo = DECADE_WORDS[tok.norm]
        elif tok.kind == "num" and t.norm(i + 1) in ("s", "'s") and t.free(i + 1, i + 2) \
                and t.tokens[i + 1].start == tok.end:
            num = read_number(tok.norm)
            if num is not None and num.is_int and num.value % 10 == 0 and 10 <= num.value <= 90:
                lo, size = int(num.value), 2
        if lo is not None:
            t.take("RANGE", i, i + size, value=(lo, lo + 9), extra={"money": False, "percent": False,
                                                                     "decade": True})


AVERAGE_WORDS = ("averaging", "averages", "average", "avg", "mean", "averaged")


def average_stars(t: Any) -> None:
    """"averaging 4.5 stars", "an average of 4+ stars", "4.5 stars on average": the average star rating.
    Only with the word "stars", so "averaging £50 per order" stays another field."""
    n = len(t.tokens)
    for i in range(n):
        if not t.free(i, i + 1) or t.norm(i) not in AVERAGE_WORDS:
            continue
        for k in range(i + 1, min(i + 6, n)):
            if t.norm(k) in STAR_WORDS and read_number(t.norm(k - 1)) is not None:
                t.take("CUE", i, i + 1, field="avg_rating")
                break
    for i in range(1, n - 1):
        if t.norm(i - 1) in STAR_WORDS and (t.norm(i), t.norm(i + 1)) in (("on", "average"), ("on", "avg")) \
                and t.free(i, i + 2):
            t.take("CUE", i, i + 2, field="avg_rating")  # "4.5 stars on average"


SCORE_LETTERS = {"r": "r_score", "f": "f_score", "m": "m_score"}


def score_letters(t: Any) -> None:
    """"R score 2 or lower, F 4+, M = 5": once a sentence names an RFM score ("r score", "recency score",
    "rfm", "r_score"), a lone R, F or M before a number or comparator names the others. Without that, a
    letter written against "=" ("R=5", "m = 5") or a field name ("r_score 1 or 2") still names the score;
    a letter against a number before it ("12m", "6m") is a unit, never a score."""
    norms = [tok.norm for tok in t.tokens]
    named = any(a in SCORE_NAMES_ALL and b in ("score", "scores") for a, b in zip(norms, norms[1:], strict=False)) \
        or "rfm" in norms or any(n in FIELD_SCORES for n in norms)
    for i, tok in enumerate(t.tokens):
        if not t.free(i, i + 1):
            continue
        if tok.norm in FIELD_SCORES:
            t.take("CUE", i, i + 1, field=FIELD_SCORES[tok.norm])
            continue
        if named and tok.norm in SCORE_WORDS and t.norm(i + 1) not in ("score", "scores") \
                and (read_number(t.norm(i + 1)) is not None or t.norm(i + 1) in ("=", ":")):
            t.take("CUE", i, i + 1, field=SCORE_WORDS[tok.norm])  # "recency score 5 and frequency 4+"
            continue
        if tok.norm not in SCORE_LETTERS or t.norm(i + 1) in ("score", "scores"):
            continue
        if i > 0 and t.tokens[i - 1].end == tok.start and t.tokens[i - 1].kind == "num":
            continue  # "12m clv", "6m": months
        nxt = t.tokens[i + 1] if i + 1 < len(t.tokens) else None
        score = read_number(t.norm(i + 2))
        equals = nxt is not None and nxt.norm in ("=", ">=", "<=", "=>", "=<", ":") \
            and score is not None and 1 <= score.value <= 5
        letter = tok.text in ("R", "F", "M") or named
        if equals or (letter and named and nxt is not None
                      and (read_number(nxt.norm) is not None or nxt.norm in NUMBER_CONTEXT
                           or nxt.kind in ("num", "sym"))):
            t.take("CUE", i, i + 1, field=SCORE_LETTERS[tok.norm])


SCORE_NAMES_ALL = ("r", "f", "m", "recency", "frequency", "monetary", "rfm")
SCORE_WORDS = {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"}
FIELD_SCORES = {"r_score": "r_score", "f_score": "f_score", "m_score": "m_score"}


BUYER_WORDS = ("buyers", "buyer", "purchasers", "purchaser")
_OBJECT_KINDS = ("VAL", "DATE", "NUM", "RANGE", "WINDOW", "AGO", "CLUSTER", "BAND", "DESC", "RFM", "SOFT", "INTENS")


def bare_buyers(t: Any) -> None:
    """"Would you pull buyers whose spending is trending down": "buyers" heading the request with nothing of
    its own (no category, period, number or level next to it) only names the people, like "shoppers"; with
    one ("Kitchen buyers", "Q4 buyers", "buyers of Toys") it stays a cue for orders."""
    items = sorted(t.items, key=lambda x: x.i)
    for k, it in enumerate(items):
        if it.kind not in ("CUE", "WEAK") or it.text.lower() not in BUYER_WORDS:
            continue
        before = next((x for x in reversed(items[:k]) if x.kind not in ("FILL", "SEP")), None)
        after = items[k + 1] if k + 1 < len(items) else None
        if before is not None and before.kind != "PERSON":
            continue
        if after is not None and (after.kind in _OBJECT_KINDS or t.norm(it.j) in ("of", "from", "in", "on")):
            continue
        it.kind, it.field = "PERSON", None
