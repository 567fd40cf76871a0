"""Spoken and terse forms rewritten into the forms the grammar reads, before anything is tagged.

A voice typist and a spec-style writer say the same conditions in other words:

* **numbers in words**: "twenty five", "a hundred and eighty", "one fifty" (after a comparison word),
  "twenty twenty five" (a year), "point three", "a couple of", "a dozen" become digits;
* **homophones where a number is expected**: "to" / "too" (two), "for" (four), "won" (one), only next to a
  number's neighbours ("over to hundred", "for or more times", "one or to star", "won star reviews");
* **self-corrections**: "google ads no sorry affiliate links", "sixty percent no actually make it seventy",
  "under too stars no under three stars": the later phrase wins. A correction matched by a repeated lead
  word or a number is said in the read-back; one placed by guess (no lead word to match) is asked;
* then :mod:`segments.shorthand`: two-digit years ("Q4 25", "Easter 26"), spec shorthand ("L90", "p(churn)",
  "exp orders", "365d"), bare age ranges ("18-34", asked), hesitation sounds ("um", "erm").

Each rewrite is reported (:class:`Spoken`): ``readings`` for the read-back, ``guesses`` for the questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from memberinsight.segments.date_ranges import day_ranges
from memberinsight.segments.exclusions import exclusion_clauses
from memberinsight.segments.operator_words import operator_phrases
from memberinsight.segments.paraphrase import paraphrase, vague_gaps
from memberinsight.segments.shorthand import bare_ages, shorthand, trends, two_digit_years

UNITS = {"zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}
_NUMBER_WORD = {**UNITS, **TEENS, **TENS}
COMPARISON_LEADS = frozenset(("over", "under", "above", "below", "than", "least", "most", "exactly", "spent",
                              "spend", "spending", "by", "of", "about", "around", "beyond", "past"))
UNIT_NEXT = frozenset(("star", "stars", "times", "orders", "returns", "reviews", "purchases", "categories",
                       "products", "items", "plus"))
SCALE_NEXT = frozenset(("hundred", "thousand", "grand"))
MORE_WORDS = frozenset(("more", "fewer", "less", "above", "over", "under", "below"))
STRONG_MARKERS = ("no sorry", "sorry no", "no wait", "wait no", "no actually", "actually no", "scratch that",
                  "or actually", "well actually", "i meant to say", "sorry i meant",
                  "or rather", "correction", "no no", "sorry i mean", "no i mean", "oops", "i meant")
SOFT_MARKERS = ("i mean", "sorry", "actually", "no")
"""Markers that are often not corrections ("I mean", a bare "no"): a correction only when the later phrase
repeats a lead word or a number of the earlier one."""
_SKIP_AFTER_MARKER = ("make it", "make that", "make this", "change that to", "change it to", "it's", "its", "i mean",
                      "sorry", "actually", "wait", "i meant", "no", "rather", "let's say", "lets say", "say")
LEADS = frozenset(("through", "thru", "via", "from", "in", "under", "over", "above", "below", "at", "with", "on",
                   "more", "less", "fewer", "aged", "between", "who", "whose", "since", "before", "after", "off",
                   "than", "least", "most", "spent", "bought", "ordered", "living", "based", "signed", "joined"))
PREP_LEADS = frozenset(("through", "thru", "via", "from", "in", "under", "over", "above", "below", "at", "with", "on",
                        "aged", "between", "since", "before", "after", "off"))
"""Lead words a soft marker ("I mean", "sorry", a bare "no") may repeat to make a correction."""
PLACE_LEADS = ("in", "from", "through", "thru", "via", "at", "on", "with", "for", "of")


@dataclass
class Spoken:
    """The rewritten sentence, the read-back lines for certain rewrites and the guesses to ask about."""

    text: str
    readings: list[str] = field(default_factory=list)
    guesses: list[tuple[str, str]] = field(default_factory=list)
    """(words, question) pairs."""


_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:\.\d+)?[a-zA-Z%+]*|[^\sA-Za-z\d]")


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _is_number(word: str) -> bool:
    return word in _NUMBER_WORD or word in SCALES or bool(re.fullmatch(r"\d+(?:\.\d+)?[a-z%+]*", word))


def homophones(text: str) -> tuple[str, list[str]]:
    """"to"/"too" -> two, "for" -> four, "won" -> one where a number is expected (see the module docstring)."""
    words = _words(text)
    edits: list[tuple[int, int, str]] = []
    said: list[str] = []
    for k, (w, a, b) in enumerate(words):
        if w not in ("to", "too", "for", "won"):
            continue
        prev = words[k - 1][0] if k else ""
        nxt = words[k + 1][0] if k + 1 < len(words) else ""
        nxt2 = words[k + 2][0] if k + 2 < len(words) else ""
        or_more = nxt == "or" and nxt2 in MORE_WORDS or nxt in ("+", "plus")
        if w in ("to", "too"):
            if _is_number(prev) or prev in ("up", "from", "down", "due", "able", "going", "want", "like", "used"):
                continue
            listed = nxt in ("and", "or", ",") and (_is_number(nxt2) or nxt2 in ("to", "too")) and (
                prev.startswith("cluster") or prev.startswith("persona") or _is_number(prev))
            hit = nxt in SCALE_NEXT or or_more or nxt in UNIT_NEXT or listed or (
                prev in COMPARISON_LEADS and nxt in ("", ",", "and", "or") and w == "too")
            new = "two"
        elif w == "for":
            hit = nxt in SCALE_NEXT or or_more or nxt in ("star", "stars", "times") or (
                prev in COMPARISON_LEADS and nxt in UNIT_NEXT)
            new = "four"
        else:
            hit = nxt in ("star", "order", "review", "return", "purchase", "category") or or_more or (
                prev in ("of", "score", "than", "least", "most", "exactly", "is", "=") and not nxt.isalpha()
                or prev == "of" and nxt in ("so", "or", "and", "only", "i", "the"))
            new = "one"
        if hit:
            edits.append((a, b, new))
            said.append(f"'{words[k][0]}' read as '{new}' (a number was expected)")
    for a, b, new in reversed(edits):
        text = text[:a] + new + text[b:]
    return text, said


def _number_run(words: list[tuple[str, int, int]], k: int) -> tuple[int, int] | None:
    """(value, number of words) of the spoken number starting at ``k``; None when none starts there."""
    w = words[k][0]
    nxt = words[k + 1][0] if k + 1 < len(words) else ""
    if w in ("a", "an") and nxt in ("hundred", "thousand", "dozen"):
        value, used = _number_run(words, k + 1) or (0, 0)
        return (value, used + 1) if used else None
    if w == "dozen":
        return 12, 1
    if w == "twenty" and nxt in TENS | TEENS:  # "twenty twenty five": a year
        year = 2000 + (TENS | TEENS)[nxt]
        used = 2
        if nxt in TENS and k + 2 < len(words) and words[k + 2][0] in UNITS and words[k + 2][0] != "zero":
            year += UNITS[words[k + 2][0]]
            used = 3
        return year, used
    total, current, used = 0, 0, 0
    j = k
    last = ""
    while j < len(words):
        t = words[j][0]
        if t in UNITS and last in ("", "tens", "scale", "and"):
            if last == "tens":
                current += UNITS[t]
            else:
                current += UNITS[t]
            last = "unit"
        elif t in TEENS and last in ("", "scale", "and"):
            current += TEENS[t]
            last = "teen"
        elif t in TENS and last in ("", "scale", "and", "unit"):
            if last == "unit" and current < 10 and used == 1:  # "one fifty": 150
                current = current * 100 + TENS[t]
            else:
                current += TENS[t]
            last = "tens"
        elif t in ("hundred",) and last in ("", "unit", "teen", "tens") and current < 100:
            current = (current or 1) * 100
            last = "scale"
        elif t in ("thousand", "grand") and last in ("", "unit", "teen", "tens", "scale"):
            total += (current or 1) * 1000
            current = 0
            last = "scale"
        elif t == "and" and last == "scale" and j + 1 < len(words) and words[j + 1][0] in _NUMBER_WORD \
                and not (j + 2 < len(words) and words[j + 2][0] in SCALES):  # "one hundred and three hundred"
            last = "and"
        else:
            break
        used += 1
        j += 1
    if last == "and":
        used -= 1
    if not used:
        return None
    return total + current, used


_HYPHENATED = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|"
                         r"eight|nine)\b", re.I)


def spoken_numbers(text: str) -> tuple[str, list[str]]:
    """Compound numbers in words -> digits; single number words are left to the grammar."""
    text = _HYPHENATED.sub(r"\1 \2", text)  # "twenty-five"
    words = _words(text)
    edits: list[tuple[int, int, str]] = []
    said: list[str] = []
    k = 0
    while k < len(words):
        w = words[k][0]
        if w == "half" and [x for x, _, _ in words[k + 1:k + 3]] == ["a", "dozen"]:
            edits.append((words[k][1], words[k + 2][2], "6"))
            said.append("'half a dozen' read as 6")
            k += 3
            continue
        if w in ("couple",) or (w == "a" and k + 1 < len(words) and words[k + 1][0] == "couple"):
            j = k + (1 if w == "a" else 0)
            end = j + 1
            if end < len(words) and words[end][0] == "of":
                end += 1
            edits.append((words[k][1], words[end - 1][2], "2"))
            said.append("'a couple' read as 2")
            k = end
            continue
        if w == "point" or (w in ("zero", "nought", "oh") and k + 1 < len(words) and words[k + 1][0] == "point"):
            start = k
            j = k + (0 if w == "point" else 1)
            digits = ""
            m = j + 1
            while m < len(words) and words[m][0] in UNITS and len(digits) < 3:
                digits += str(UNITS[words[m][0]])
                m += 1
            if digits:
                whole = "0"
                if w == "point" and k > 0 and words[k - 1][0] in UNITS:
                    start, whole = k - 1, str(UNITS[words[k - 1][0]])
                edits.append((words[start][1], words[m - 1][2], f"{whole}.{digits}"))
                k = m
                continue
        run = _number_run(words, k)
        if run is not None:
            value, used = run
            phrase = text[words[k][1]:words[k + used - 1][2]]
            compound = used >= 2 or words[k][0] in ("hundred", "thousand", "dozen")
            one_fifty = used == 2 and words[k][0] in UNITS and words[k + 1][0] in TENS
            lead = words[k - 1][0] if k else ""
            if compound and not (one_fifty and lead not in COMPARISON_LEADS | {"£", "$", "€"}):
                edits.append((words[k][1], words[k + used - 1][2], str(value)))
                said.append(f"'{phrase}' read as {value}")
                k += used
                continue
        k += 1
    converted = {a for a, _, _ in edits}
    for k, (w, a, b) in enumerate(words):  # "eighteen to twenty four": both ends of a range as digits
        if w not in TEENS and w not in TENS or any(x <= a < y for x, y, _ in edits):
            continue
        near = [words[n] for n in (k - 2, k + 2) if 0 <= n < len(words)
                and words[(n + k) // 2][0] in ("to", "and", "or", "-")]
        if any(x[1] in converted for x in near):
            edits.append((a, b, str(_NUMBER_WORD[w])))
    for a, b, new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text, said


def _marker_at(words: list[tuple[str, int, int]], k: int) -> tuple[str, int] | None:
    for marker in (*STRONG_MARKERS, *SOFT_MARKERS):
        parts = marker.split()
        if [w for w, _, _ in words[k:k + len(parts)]] == parts:
            return marker, len(parts)
    return None


def corrections(text: str) -> tuple[str, list[str], list[str]]:
    """"X no sorry Y": Y replaces the earlier phrase of its kind (see the module docstring)."""
    said: list[str] = []
    guessed: list[str] = []
    for _ in range(3):
        words = [(w, a, b) for w, a, b in _words(text) if w not in (",", ";", "-")]
        done = False
        for k in range(len(words)):
            found = _marker_at(words, k)
            if found is None:
                continue
            marker, size = found
            after = text[words[k][2]:].lstrip()
            if marker == "sorry" and (k == 0 or not after or after[0] in ",.;" or after.split()[0].lower() in (
                    "and", "but", "so", "can", "could", "would", "i", "just")):
                text = re.sub(r"\s{2,}", " ", text[:words[k][1]] + text[words[k][2]:]).strip()  # an apology
                done = True
                break
            if k == 0:
                continue
            strong = marker in STRONG_MARKERS or marker == "sorry"  # "leeds sorry bristol": asked
            y = k + size
            while y < len(words):
                skip = next((s for s in _SKIP_AFTER_MARKER
                             if [w for w, _, _ in words[y:y + len(s.split())]] == s.split()), None)
                if skip is None:
                    break
                y += len(skip.split())
            if y >= len(words):
                break
            first = words[y][0]
            before = words[:k]
            m_start, y_start = words[k][1], words[y][1]
            new: str | None = None
            restated = any(w in ("make", "change") for w, _, _ in words[k + size:y])
            nums_before = [n for n in range(k) if _is_number(words[n][0])]
            if nums_before and nums_before[-1] + 1 < k and y + 1 < len(words) \
                    and words[nums_before[-1] + 1][0] == words[y + 1][0]:
                restated = True  # "four times no five times": the same unit after both numbers
            if marker not in STRONG_MARKERS and first in ("more", "less", "fewer", "than", "least", "most"):
                continue  # "and no more than 2 returns": a condition, not a correction
            if _is_number(first) and (strong or restated):
                nums = [n for n in range(len(before)) if _is_number(before[n][0])]
                if nums:
                    n = nums[-1]
                    new = (text[:before[n][1]] + text[y_start:words[y][2]] + text[before[n][2]:m_start].rstrip(" ,")
                           + text[words[y][2]:])
                    said.append(f"'{text[m_start:words[y][2]]}' read as a correction: {words[y][0]} replaces "
                                f"{before[n][0]}")
            elif first in LEADS and (strong or first in PREP_LEADS) and not (
                    marker == "no" and before[-1][0] in ("but", "and", "or", "with", "have", "has", "had")):
                same = [n for n in range(len(before)) if before[n][0] == first]
                if same:
                    n = same[-1]
                    new = text[:before[n][1]] + text[y_start:]
                    said.append(f"'{text[before[n][1]:y_start].strip()}' read as corrected by what follows")
            if new is None and strong:
                leads = [n for n in range(len(before)) if before[n][0] in PLACE_LEADS]
                if leads:
                    n = leads[-1]
                    new = text[:before[n][2]] + " " + text[y_start:]
                else:
                    new = text[:m_start] + text[y_start:]
                guessed.append(f"'{text[m_start:words[y][2]]}' read as a correction of "
                               f"'{text[before[leads[-1]][2] if leads else m_start:m_start].strip()}'")
            if new is not None:
                text = re.sub(r"\s{2,}", " ", new)
                done = True
                break
        if not done:
            break
    return text, said, guessed


def respeak(text: str, ref: date | None = None) -> Spoken:
    """Every rewrite of this module, in order (homophones before numbers, numbers before corrections)."""
    out = Spoken(text)
    out.text, said = shorthand(out.text)
    out.readings += said
    out.text = exclusion_clauses(out.text)
    out.text, said = homophones(out.text)
    out.readings += said
    out.text, said = spoken_numbers(out.text)
    out.readings += said
    out.text, said, guessed_words = operator_phrases(out.text)  # segments.operator_words: round-9 families
    out.readings += said
    out.guesses += guessed_words
    out.text, said = paraphrase(out.text, ref)  # segments.paraphrase: round-8 families, once numbers are digits
    out.readings += said
    out.text, guessed_gaps = vague_gaps(out.text)
    out.guesses += guessed_gaps
    out.text, said, guessed = corrections(out.text)
    out.readings += said
    out.guesses += [(g.split("'")[1], f"{g}; is that the correction you meant?") for g in guessed]
    out.text, ages = bare_ages(out.text)
    out.guesses += ages
    out.text, said = two_digit_years(out.text, ref)
    out.readings += said
    out.text, said = day_ranges(out.text, ref)  # segments.date_ranges: after the years are whole
    out.readings += said
    out.text = trends(out.text)  # "trend down by to or more": again, after the homophones
    return out
