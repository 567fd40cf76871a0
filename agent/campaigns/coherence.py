"""Whether a composed piece reads as one voice saying each thing once.

Blind raters marked down copy that repeats itself ("saved £10 off your next order for your next
visit", thanks said twice, a preview that restates the subject's deadline) or stacks questions
("Wondering what you've missed? Guess what?"). These checks find such families, not sentences:

* :func:`piece_problems`: within one piece (a subject, preview, SMS, push, or an email body's running
  text): a content word twice in one sentence, a pair of content words said twice, more than one
  question, or thanks / welcome said more than once;
* :func:`preview_problems`: an email preview that shares the subject's key content (when the offer
  ends, the offer itself, or any content word) or asks a question after a subject that asks one;
* :func:`follows_problems`: a line (the body's opening line) that shares a content word with the one
  above it (the preview);
* :func:`pair_problems`: a line that says a pair of content words of the line above again (the body's
  first line after the subject);
* :func:`variant_problems`: all of these for a whole variant (what the composer ships, and what the
  tests assert).

"Content words" are words of four letters or more outside :data:`PLAIN`, the brand's and the
personalisation token's words, compared by a light stem (``thanks`` = ``thank-you`` = ``thank``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from memberinsight.agent.campaigns.facts import FactSheet

PLAIN = frozenset("""with your this that have just from what we've we'd we'll you're you'll it's there they
them then than when were will would could should about into here more some over only also been like make
made take until ends today before days left ever each every other very much many such well that's here's
there's what's you've you'd we're they're does done doing being their these those which while where who's
dear hello hiya first_name team last lasts lasting good might shall""".split())
"""Function words and greetings: repeating them is not repetition."""
THEMES = {"thank": "thanks", "welcom": "a welcome"}
"""Things said once per piece: a second thank-you or welcome reads as a template."""
_WORD = re.compile(r"[a-z][a-z'-]+")
_DEADLINE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|tomorrow|weekend|midnight"
    r"|\d{1,2}\s+(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"|\d+\s+days?|today\s+only|(?:this|next)\s+week)\b", re.I)
_LIST_LINE = re.compile(r"^\s*-\s")


def stem(word: str) -> str:
    """A light stem: ``thanks``/``thank-you`` -> ``thank``, ``welcoming`` -> ``welcom``, ``picks`` -> ``pick``."""
    word = word.lower().strip("'-").split("-")[0].removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


_CALENDAR = frozenset(stem(w) for w in """monday tuesday wednesday thursday friday saturday sunday january february
march april may june july august september october november december tonight tomorrow weekend""".split())
"""Words of the calendar: the body restates the subject's deadline as a matter of course."""


def content(text: str, skip: Iterable[str] = ()) -> list[str]:
    """The content-word stems of ``text`` in order (``skip``: stems not to count, e.g. the brand's)."""
    skipped = set(skip)
    text = re.sub(r"\{[^{}]*\}", " ", text.lower())
    text = re.sub(r"\ba\s+(?:little\s+)?while\b", " awhile ", text)  # "it's been a while", not "while it lasts"
    out = []
    for raw in _WORD.findall(text):
        if len(raw.strip("'-")) < 4 or raw in PLAIN:
            continue
        s = stem(raw)
        if s not in skipped and s not in PLAIN:
            out.append(s)
    return out


def _skip(facts: FactSheet | None) -> set[str]:
    if facts is None:
        return set()
    return {stem(w) for w in _WORD.findall(facts.brand.lower())}


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split at ``.``, ``!``, ``?``, ``:`` and line ends)."""
    return [s.strip() for s in re.split(r"(?<=[.!?:])\s+|\n+", text) if s.strip()]


def piece_problems(text: str, facts: FactSheet | None = None) -> list[str]:
    """Repetition and stacked questions inside one piece of running text (see the module docstring)."""
    skip = _skip(facts)
    problems: list[str] = []
    pairs: set[tuple[str, str]] = set()
    themes: dict[str, int] = {}
    questions = 0
    for sentence in sentences(text):
        words = content(sentence, skip)
        twice = sorted({w for w in words if words.count(w) > 1})
        if twice:
            problems.append(f"says {twice[0]!r} twice in one sentence: {sentence!r}")
        for pair in zip(words, words[1:], strict=False):
            if pair in pairs:
                problems.append(f"repeats the words {' '.join(pair)!r}")
            pairs.add(pair)
        for key in THEMES:
            themes[key] = themes.get(key, 0) + sum(w.startswith(key) for w in set(words))
        questions += sentence.endswith("?")
    problems += [f"says {THEMES[key]} more than once" for key, n in themes.items() if n > 1]
    if questions > 1:
        problems.append("asks more than one question")
    return problems + shared_phrases(text, "", facts)


def _phrases(text: str, skip: set[str], said: set[str]) -> list[tuple[str, ...]]:
    """The three-word runs of ``text`` (placeholders and the brand's words left out) with a content word in them
    other than the offer's own words and the calendar's (``said``: the offer and its deadline are restated)."""
    out: list[tuple[str, ...]] = []
    for sentence in re.split(r"[.!?:;\n]+", re.sub(r"\{[^{}]*\}", ".", text.lower())):  # runs stay in a sentence
        words = [w.strip("'-") for w in _WORD.findall(sentence)]
        words = [w for w in words if w and stem(w) not in skip]
        runs = zip(words, words[1:], words[2:], strict=False)
        out += [r for r in runs if any(len(w) >= 4 and w not in PLAIN and stem(w) not in said for w in r)]
    return out


def shared_phrases(text: str, other: str = "", facts: FactSheet | None = None) -> list[str]:
    """A run of three words said twice: within ``text`` (``other`` empty) or in both ``text`` and ``other``
    (set 9: "we think you'll like" twice in one email; a phrase may appear once per email)."""
    skip = _skip(facts)
    said = set(_CALENDAR) | (set(content(facts.offer_phrase())) if facts is not None and facts.offer.strip() else set())
    mine = _phrases(text, skip, said)
    if other:
        theirs = set(_phrases(other, skip, said))
        again = next((r for r in mine if r in theirs), None)
    else:
        seen: set[tuple[str, ...]] = set()
        again = None
        for run in mine:
            if run in seen:
                again = run
                break
            seen.add(run)
    return [f"says the phrase {' '.join(again)!r} twice"] if again else []


def same_opening(subject: str, preview: str) -> list[str]:
    """A preview that opens with the subject's first word ("Shall we ..." over "Shall we ..."; set 9)."""
    first = [re.findall(r"[a-z][a-z']*", re.sub(r"\{[^{}]*\}", " ", t.lower()))[:1] for t in (subject, preview)]
    if first[0] and first[0] == first[1]:
        return [f"the preview opens like the subject ({first[0][0]!r})"]
    return []


def offer_echo(text: str, facts: FactSheet, allowed: Iterable[str] = ()) -> list[str]:
    """The offer's own content words said again outside the offer in ``text`` ("Shop early: early access to the
    winter sale"): a line states the offer once and adds something else (``allowed``: set sentences left out)."""
    phrase = facts.offer_phrase() if facts.offer.strip() else ""
    if not phrase:
        return []
    skip = _skip(facts)
    rest = text
    for said in (*allowed, facts.offer_phrase(start=True), phrase):
        rest = re.sub(re.escape(said), " ", rest, flags=re.I) if said else rest
    echoed = sorted(set(content(phrase, skip)) & set(content(rest, skip)))
    return [f"repeats the offer's own words outside it: {', '.join(echoed)}"] if echoed else []


def brand_twice(text: str, facts: FactSheet) -> list[str]:
    """A short piece that names the brand more than once ("Fernhill Market: ... from Fernhill Market")."""
    brand = facts.brand.strip()
    return ["names the brand twice"] if brand and text.lower().count(brand.lower()) > 1 else []


def said_when(text: str) -> bool:
    """True when ``text`` says when the offer ends (a day, a date, ``tonight``, ``this weekend``, a day count)."""
    return bool(_DEADLINE.search(text))


def _states_offer(text: str, facts: FactSheet) -> bool:
    low = text.lower()
    if facts.offer_terms is not None:
        return any(m.lower() in low for m in facts.offer_terms.markers()) or facts.offer_phrase().lower() in low
    return bool(facts.offer.strip()) and facts.offer.strip().lower() in low


def preview_problems(subject: str, preview: str, facts: FactSheet) -> list[str]:
    """What ``preview`` repeats of ``subject``: when the offer ends, the offer, a content word; or a second question."""
    problems = []
    if said_when(subject) and said_when(preview):
        problems.append("the preview repeats when the offer ends")
    if facts.offer.strip() and _states_offer(subject, facts) and _states_offer(preview, facts):
        problems.append("the preview repeats the offer")
    problems += follows_problems(subject, preview, facts, what="the preview repeats the subject's")
    if subject.rstrip().endswith("?") and "?" in preview:
        problems.append("the subject and the preview both ask a question")
    return problems + same_opening(subject, preview) + shared_phrases(preview, subject, facts)


def follows_problems(above: str, line: str, facts: FactSheet | None = None,
                     what: str = "repeats the line above's") -> list[str]:
    """Content words ``line`` shares with ``above`` (the offer's own words and the brand's excepted)."""
    skip = _skip(facts)
    if facts is not None:
        skip |= set(content(facts.offer_phrase()))
    shared = sorted(set(content(above, skip)) & set(content(line, skip)))
    return [f"{what} words: {', '.join(shared)}"] if shared else []


def pair_problems(above: str, line: str, facts: FactSheet | None = None,
                  what: str = "repeats the words") -> list[str]:
    """Pairs of content words ``line`` says again after ``above`` (the subject's "tempt you back" in the body's
    first line): a pair repeated reads as a template, a single shared word need not."""
    skip = _skip(facts) | _CALENDAR  # the body restates the subject's offer and deadline as a matter of course
    if facts is not None:
        skip |= set(content(facts.offer_phrase()))
    before = set(_pairs(content(above, skip)))
    shared = sorted({" ".join(p) for p in _pairs(content(line, skip)) if p in before})
    return [f"{what} {shared[0]!r}"] if shared else []


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    return list(zip(words, words[1:], strict=False))


def body_text(body: str) -> str:
    """An email body's running text: without its product list, sign-off block, link and small print."""
    lines = body.split("\n")
    keep = []
    for line in lines:
        if _LIST_LINE.match(line) or line.startswith(("Offer ends", "Offer valid", "http")):
            continue
        keep.append(line)
    text = "\n".join(keep).rstrip()
    parts = text.rsplit("\n\n", 1)  # the sign-off and the signature are the last block
    return parts[0] if len(parts) == 2 else text


def variant_problems(pieces: Mapping[str, str], facts: FactSheet) -> list[str]:
    """Every coherence problem of one variant (``pieces``: part -> text; an email has subject, preview, body)."""
    problems: list[str] = []
    for part, text in pieces.items():
        running = body_text(text) if part == "body" else text.replace("Reply STOP to opt out.", "")
        problems += [f"{part}: {p}" for p in piece_problems(running, facts)]
    if {"subject", "preview"} <= set(pieces):
        problems += [f"preview: {p}" for p in preview_problems(pieces["subject"], pieces["preview"], facts)]
    if {"preview", "body"} <= set(pieces):
        first = first_line(pieces["body"], facts)
        problems += [f"body: {p}" for p in follows_problems(pieces["preview"], first, facts,
                                                            what="the first line repeats the preview's")]
        problems += [f"body: {p}" for p in pair_problems(pieces.get("subject", ""), first, facts,
                                                         what="the first line repeats the subject's words")]
        running = body_text(pieces["body"])
        problems += [f"body: {p}" for part in ("subject", "preview") if part in pieces
                     for p in shared_phrases(running, pieces[part], facts)]
    return problems


def first_line(body: str, facts: FactSheet | None = None) -> str:
    """The body's opening line after the greeting: the sentences of its first paragraph before the one
    that states the offer (the line naming the customer's situation), which the preview must not echo."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    text = (paragraphs[1] if len(paragraphs) > 1 else (paragraphs[0] if paragraphs else "")).strip()
    found = [t.strip() for t in re.split(r"(?<=[.!?])\s+", text) if t.strip()]  # whole sentences (":" stays)
    if facts is not None and facts.offer.strip():
        opening = []
        for sentence in found:
            if _states_offer(sentence, facts):
                break
            opening.append(sentence)
        found = opening or found[:1]
    return " ".join(found[:2])
