"""Questions and read-back lines for a parse: what was guessed, what could not be decided, what was
left out. Each question lists the readings; the first is the one the definition uses, and where a
reading can be put in words the parser re-reads the sentence with them to build its definition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memberinsight.segments.definition import SegmentDefinition
from memberinsight.segments.fuzzy import Fix
from memberinsight.segments.grammar import Reading
from memberinsight.segments.lists import QUIET, is_quiet
from memberinsight.segments.result import Option, Question
from memberinsight.segments.vocabulary import Vocabulary

# Confidence lost per kind of guess (multiplied together; 1.0 = nothing guessed).
CONFIDENCE: dict[str, float] = {"typo": 0.8, "accent": 0.8, "unicode": 0.7, "synonym": 0.6, "holiday": 0.8, "date": 0.7,
              "approximation": 0.7, "horizon": 0.5, "age": 0.7, "currency": 0.6, "unknown": 0.5, "or": 0.7,
              "value": 0.4, "scope": 0.6, "region": 0.7}
PLACE_WORDS = ("in", "from", "at", "near", "around")


def _replace(text: str, span: tuple[int, int], phrase: str) -> str:
    return text[:span[0]] + phrase + text[span[1]:]


def _option(label: str, text: str, span: tuple[int, int] | None, phrase: str | None,
            reread: Callable[[str], SegmentDefinition | None]) -> Option:
    if span is None or phrase is None:
        return Option(label)
    return Option(label, reread(_replace(text, span, phrase)))


def collect(r: Reading, vocab: Vocabulary, changes: list[dict[str, str]],
            reread: Callable[[str], SegmentDefinition | None]) -> tuple[list[Question], list[str], float]:
    """Questions, read-back lines and the confidence for reading ``r`` (``changes``: Unicode fixes)."""
    questions: list[Question] = []
    readings: list[str] = list(r.ctx.readings)
    confidence = 1.0

    def ask(q: Question, factor: float) -> None:
        nonlocal confidence
        if not q.options:
            q.options.append(Option("as read", r.definition))
        elif q.options[0].definition is None:
            q.options[0].definition = r.definition  # the first reading is the one the definition uses
        questions.append(q)
        confidence *= factor

    for change in changes:
        readings.append(f"'{change['word']}' read as '{change['read_as']}' ({change['why']})")
        ask(Question(change["word"], f"'{change['word']}' contains {change['why']}; I read it as "
                                     f"'{change['read_as']}'. Is that what you typed?", "unicode",
                     [Option(f"'{change['read_as']}'", r.definition)]), CONFIDENCE["unicode"])
    by_token = {k: it for it in r.items for k in range(it.i, it.j)}
    for index, fix in r.fixes:
        it = by_token.get(index)
        tok = r.tokens[index]
        if fix.kind in ("abbreviation", "spelling"):
            readings.append(f"'{fix.word}' read as '{fix.read_as}'")
            continue
        if it is None or (not it.used and not is_quiet(it, r.items)):
            continue  # still not understood: reported as such
        shown = it.value if it.kind == "VAL" and isinstance(it.value, str) else fix.read_as
        readings.append(f"'{tok.text}' read as '{shown}' (a guess: {fix.kind}, confidence {fix.confidence:.0%})")
        if (it.kind in QUIET or is_quiet(it, r.items)) and not fix.alternatives:
            confidence *= max(fix.confidence, 0.8)
            continue
        if _slip(fix, vocab):
            confidence *= 0.9  # "orderd", "reveiws": a one-letter slip in a long field word, said and taken
            continue
        span = (tok.start, tok.end)
        options = [Option(f"'{shown}'", r.definition)] + [
            _option(f"'{alt}'", r.text, span, alt, reread) for alt in fix.alternatives]
        if (it.kind in QUIET or is_quiet(it, r.items)) and r.definition is not None and all(
                o.definition is not None and o.definition.to_dict() == r.definition.to_dict() for o in options[1:]):
            confidence *= max(fix.confidence, 0.8)  # "writen": writes / written, filler either way
            continue
        ask(Question(tok.text, f"'{tok.text}' is not a word I know; I read it as '{shown}'. "
                               + ("Is that right?" if not fix.alternatives else "Which one did you mean?"),
                     fix.kind, options), fix.confidence if fix.kind == "typo" else CONFIDENCE["accent"])
    for it in r.items:
        q = it.extra.get("question")
        if q and it.used:
            span = q.get("span")
            options = [_option(label, r.text, span, phrase, reread) for label, phrase in q["options"]]
            if options:
                options[0] = Option(options[0].label, r.definition)
            ask(Question(it.text, q["text"], q["kind"], options), CONFIDENCE.get(q["kind"], 0.7))
        if it.kind == "VAL" and it.used and it.extra.get("region"):
            shown = ", ".join(it.value)
            readings.append(f"'{it.text}' read as the shop's {it.field} values in {it.extra['region']}: {shown}")
            if it.extra.get("unplaced"):
                others = ", ".join(it.extra["unplaced"][:8])
                ask(Question(it.text, f"'{it.text}' read as {shown}; I cannot place these {it.field} values of the "
                                      f"shop: {others}. Are any of them in {it.extra['region']} too?", "region",
                             [Option(shown, r.definition)]), CONFIDENCE["region"])
        if it.kind in ("BADDATE", "BADFIELD") and not it.used:
            ask(Question(it.text, it.extra["why"] + ".", "unknown", []), CONFIDENCE["unknown"])
        if it.kind == "WINDOW" and it.used and it.extra.get("bare_days"):
            readings.append(f"'{it.text}' read as {it.value} days (no unit was given)")
        if it.kind == "DATE" and it.used and "label" in it.extra and "question" not in it.extra:
            readings.append(f"'{it.text}' read as {it.extra['label']}")
        if it.kind in ("NUM", "RANGE") and it.used and it.extra.get("currency") and vocab.currency \
                and it.extra["currency"] != vocab.currency:
            shown_amount = _amount(vocab.currency, it.value)
            ask(Question(it.text, f"amounts in this shop are in {vocab.currency}; '{it.text}' is in "
                                  f"{it.extra['currency']}. Compare it as {shown_amount}, or give the "
                                  f"amount in {vocab.currency}?", "currency",
                         [Option(shown_amount, r.definition)]), CONFIDENCE["currency"])
    for match in r.ctx.similar:
        ask(Question(match["words"], f"'{match['words']}' is not a phrase I know; by similarity it reads as the field "
                                     f"'{match['field']}' ({match['similarity']:.0%} similar). Is that right?",
                     "similarity", []), min(0.7, float(match["similarity"])))
    seen: set[tuple[str, str]] = set()
    for q in r.ctx.questions:
        if (q["about"], q["text"]) in seen:
            continue
        seen.add((q["about"], q["text"]))
        definitions = q.get("definitions") or []
        opts = [Option(label, definitions[k] if k < len(definitions) else None)
                for k, (label, _) in enumerate(q.get("options", []))]
        ask(Question(q["about"], q["text"], q["kind"], opts), CONFIDENCE.get(q["kind"], 0.6))
    if r.or_question:
        ask(Question("or", r.or_question, "or", []), CONFIDENCE["or"])
    unknown_items = [it for it in r.items if not it.used and not is_quiet(it, r.items)
                     and it.kind not in ("BADDATE", "BADFIELD") and not (it.kind == "CMP" and it.text.lower()
                                                                           in ("only", "just", "exactly"))]
    for words in r.not_understood:
        if any(it.text in words and it.kind in ("BADDATE", "BADFIELD") for it in r.items):
            continue
        place = any(it.kind == "WORD" and it.text in words and r.tokens[it.i - 1].norm in PLACE_WORDS
                    for it in unknown_items if it.i > 0)
        text = (f"'{words}' is not a city, country or product category this shop has "
                f"(cities: {', '.join(vocab.city[:8])}{'...' if len(vocab.city) > 8 else ''}); "
                "which one do you mean?") if place else \
            f"I did not understand '{words}', so it is left out; rephrase it, or remove it if it does not matter."
        ask(Question(words, text, "value" if place else "unknown", []),
            CONFIDENCE["value" if place else "unknown"])
    return questions, readings, round(confidence, 3)


SLIP_LENGTH = 6
"""A typo is taken without a question only in a lexicon word at least this long."""


def _slip(fix: Fix, vocab: Vocabulary) -> bool:
    """A one-letter slip (a letter dropped, added, changed or two swapped) in a long lexicon word with one
    candidate ("orderd", "catgories"): the word names a field, not a value, so the checks of the reading
    still apply; workspace values (cities, categories) and anything closer to two words are always asked."""
    from memberinsight.segments.fuzzy import distance
    from memberinsight.segments.lexicon import CUES, WEAK_CUES
    from memberinsight.segments.spelling import spell_index

    def field_of(word: str) -> str | None:
        return CUES.get(word) or WEAK_CUES.get(word)

    # Several candidates are one reading when they all name the same field ("orderd": order / ordered).
    same = not fix.alternatives or (field_of(fix.read_as) is not None
                                    and all(field_of(a) == field_of(fix.read_as) for a in fix.alternatives))
    index = spell_index(vocab)
    return (fix.kind == "typo" and same and len(fix.word) >= SLIP_LENGTH
            and not any(index.is_value(w) for w in (fix.read_as, *fix.alternatives))
            and distance(fix.word, fix.read_as, 1) == 1)


def descriptor_question(word: str, labels: list[str], options: list[Option], used: str) -> Question:
    """The question for a word with several readings ("VIPs", "lapsed")."""
    return Question(word, f"'{word}' can mean {' or '.join(labels)}; I used {used}. Which one do you mean?",
                    "synonym", options)


def _amount(currency: str, value: Any) -> str:
    """An amount or a range (``RANGE`` values are a (low, high) pair) in the shop's currency: "£200", "£50–£150"."""
    if isinstance(value, (tuple, list)):
        return "–".join(f"{currency}{v:g}" for v in value)
    return f"{currency}{value:g}"
