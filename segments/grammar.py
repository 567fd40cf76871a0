"""One reading of a sentence: tag it, merge value lists, split it into clauses and alternatives, and
interpret each clause (:mod:`segments.interpret`). :mod:`segments.parser` wraps this with the checks
around it (Unicode, refusals, descriptors, questions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from memberinsight.segments.canonical import canonicalize
from memberinsight.segments.conditions import Context
from memberinsight.segments.definition import SegmentDefinition, parse_definition
from memberinsight.segments.errors import SegmentDefinitionError, SegmentParseError
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.fuzzy import Fix
from memberinsight.segments.lexicon import SOFT_WORDS
from memberinsight.segments.lists import ALT_JOINERS, is_quiet, merge_lists
from memberinsight.segments.period_lists import interpret_periods
from memberinsight.segments.phrases import DESCRIPTORS, SIGNUP_CUES
from memberinsight.segments.rules import related
from memberinsight.segments.scope import (
    attach_relatives,
    carried_windows,
    exclusion_scope_questions,
    or_scope_questions,
    shared_object_questions,
    window_questions,
)
from memberinsight.segments.tagger import Item, tag
from memberinsight.segments.tokens import Token
from memberinsight.segments.vocabulary import Vocabulary


@dataclass
class Reading:
    """The result of one pass over a sentence."""

    text: str
    tokens: list[Token]
    items: list[Item]
    fixes: list[tuple[int, Fix]]
    ctx: Context
    definition: SegmentDefinition | None
    not_understood: list[str]
    or_question: str | None = None


def split(items: list[Item]) -> tuple[list[list[list[list[Item]]]], bool, list[tuple[list[Item], int]]]:
    """Clauses (split at separators), each a list of alternatives (split at "or"), each a list of parts
    that all hold (a second field cue starts a part: stacked adjectives are AND). A clause that starts
    with "or" ("..., or avg rating below 2") is an alternative of the clause before; "or" right before a
    separator ("in London or who spent...") joins the next clause as an alternative. The flag says an
    "or" followed two or more clauses (two readings). Last, per clause: its "or" items and how many
    alternatives it has (empty ones included), so the reader can check each "or" joined two readings."""
    clauses: list[list[list[Item]]] = [[[]]]
    ors: list[list[Item]] = [[]]
    ambiguous = False
    after_or = False
    for it in items:
        if it.kind == "SEP":
            if after_or and it.text.lower() not in (",", ";", "(", ")"):
                it.used = True  # "or who", "or with": the next words are the other alternative
                after_or = False
                continue
            clauses.append([[]])
            ors.append([])
        elif it.kind == "OR" and it.text == "/" and any(clauses[-1]):
            it.used = True  # "return rate above 30% / at least 2 returns": a list of conditions, all of them
            it.extra["slash_and"] = True
            clauses.append([[]])
            ors.append([])
        elif it.kind == "OR" and it.text.lower() == "either":
            it.used = True  # "either London or Leeds": the "or" says it
        elif it.kind == "OR" and it.text.lower() == "nor":
            pass  # "not social nor affiliate" is a list; any other "nor" is reported
        elif it.kind == "OR":
            if not any(clauses[-1]) and len(clauses) > 1 and it.text.lower() in ALT_JOINERS:
                clauses.pop()  # ", or": back to the previous clause, as a new alternative
                ors.pop()
                ambiguous = ambiguous or sum(1 for c in clauses if any(c)) > 1
            clauses[-1].append([])
            ors[-1].append(it)
            after_or = True
            continue
        else:
            clauses[-1][-1].append(it)
            if after_or and it.kind in ("PERSON", "FILL"):
                continue  # "or customers who ...": still right after the "or"
        after_or = False
    out = []
    accounts = []
    for clause, or_items in zip(clauses, ors, strict=True):
        alts = [split_by_cues(alt) for alt in clause if alt]
        if alts:
            out.append(alts)
            accounts.append((or_items, len(clause)))
        else:
            for it in or_items:
                it.used = False
    return out, ambiguous, accounts


def _cue_field(it: Item) -> str | None:
    if it.kind in ("CUE", "IMPLIED"):
        return it.field
    if it.kind == "NUM" and it.extra.get("unit_field") not in (None, "orders") and not it.extra.get("adverb"):
        return str(it.extra["unit_field"])  # "4+ categories"; "2 orders" counts what the cue names
    return None


def split_by_cues(items: list[Item]) -> list[list[Item]]:
    """A second field cue in one clause starts a new clause ("bought Outdoor twice spent over 200").

    Stacked adjectives are separate conditions: in "high CLV tier low churn band" the level right
    before the second cue belongs to it, when the first cue already had its own level before it."""
    parts: list[list[Item]] = [[]]
    strong: str | None = None
    weak: str | None = None
    strong_had_band = False
    for k, it in enumerate(items):
        fld = _cue_field(it)
        negated_again = (it.kind == "WEAK" and weak is not None and parts[-1] and parts[-1][-1].kind == "NEG"
                         and any(p.kind == "VAL" for p in parts[-1]))
        after_category = (it.kind == "IMPLIED" and weak is not None and not strong and fld != weak
                          and any(p.kind == "VAL" and p.field == "category" for p in parts[-1]))
        new_part = (fld is not None and strong and fld != strong and not related(fld, strong)) or negated_again \
            or (it.kind == "WEAK" and weak is not None and not strong and it.field != weak) or after_category \
            or _negation_starts_condition(it, parts[-1], strong, weak) \
            or _own_number_after_count(it, parts[-1], strong, weak, items[k + 1:k + 2])
        if new_part:
            moved: list[Item] = []
            band_field = fld is not None and fld in CATALOGUE and CATALOGUE[fld].type == "choice"
            if strong_had_band or negated_again:
                while parts[-1] and parts[-1][-1].kind in ("BAND", "NEG"):
                    moved.insert(0, parts[-1].pop())
            elif band_field and strong in CATALOGUE and CATALOGUE[strong].type != "choice":
                # "... never returned anything low churn": the level right before a band's cue is the band's
                while parts[-1] and parts[-1][-1].kind == "BAND":
                    moved.insert(0, parts[-1].pop())
            elif parts[-1] and parts[-1][-1].kind == "NEG":
                moved.insert(0, parts[-1].pop())  # "joined last year never ordered": the negation is the verb's
            if it.kind == "NUM" and parts[-1] and parts[-1][-1].kind == "WEAK":
                moved.insert(0, parts[-1].pop())  # "... low churn band members bought 4+ categories"
            parts.append(moved)
            strong = weak = None
        if fld is not None:
            strong = fld
            strong_had_band = it.kind == "IMPLIED" or any(p.kind == "BAND" for p in parts[-1])
        elif it.kind == "WEAK":
            weak = weak or it.field
        parts[-1].append(it)
    return [p for p in parts if p]


def _negation_starts_condition(it: Item, part: list[Item], strong: str | None, weak: str | None) -> bool:
    """Run-together conditions: "joined last year never ordered", "3+ orders this yr never returned anything".
    A negated verb of another field, right after a condition that is complete (its cue or its counted unit
    already has a date, number or value), starts a new condition."""
    if it.kind not in ("WEAK", "CUE") or not part or part[-1].kind != "NEG":
        return False
    before = part[:-1]
    head = strong or weak
    if head is not None:
        done = head != it.field and not related(head, it.field) and before and (
            before[-1].kind in ("DATE", "NUM", "VAL", "BAND", "IMPLIED")
            or (strong is not None and any(p.kind == "BAND" for p in before)))
        return bool(done)
    counted = [p for p in before if p.kind == "NUM" and p.extra.get("unit_field") == "orders"]
    return bool(counted) and it.field != "orders"


def _own_number_after_count(it: Item, part: list[Item], strong: str | None, weak: str | None,
                            after: list[Item]) -> bool:
    """"expected 2+ orders nxt 90d p alive > 0.8": a cue with its own comparison or number, after a count of
    orders that has no cue of its own, is a new condition ("2 orders returned" stays one: no number after)."""
    if it.kind != "CUE" or strong is not None or weak is not None or it.field in (None, "orders") \
            or not after or after[0].kind not in ("CMP", "NUM"):
        return False
    return any(p.kind == "NUM" and p.extra.get("unit_field") == "orders" for p in part)


def unused_phrases(sentence: str, tokens: list[Token], items: list[Item]) -> list[str]:
    spans: list[tuple[int, int]] = []
    for it in items:
        if it.used or is_quiet(it, items):
            continue
        spans.append((it.i, it.j))
    spans.sort()
    groups: list[list[int]] = []
    for i, j in spans:
        if groups and i == groups[-1][1]:
            groups[-1][1] = j
        else:
            groups.append([i, j])
    return [sentence[tokens[i].start:tokens[j - 1].end] for i, j in groups]


def defined_fields(definition: SegmentDefinition | None) -> set[str]:
    """Fields the definition tests, plus ``field@window`` for counts and sums within a time window."""
    out: set[str] = set()
    for c in definition.conditions() if definition else ():
        out.add(c.field)
        if c.days is not None or c.date_from or c.date_to or c.op in ("in_last_days", "more_than_days_ago"):
            out.add(f"{c.field}@window")
    return out


def _absorb_soft_words(items: list[Item], definition: SegmentDefinition | None) -> None:
    fields = defined_fields(definition)
    for k, it in enumerate(items):
        soft = set(SOFT_WORDS.get(it.text.lower(), ()))
        nxt = items[k + 1].kind if k + 1 < len(items) else ""
        if it.kind == "SOFT" and it.text.lower() == "total" and nxt not in ("CMP", "NUM", "RANGE"):
            soft |= {"orders", "returns", "reviews"}  # "3+ orders total" (but "orders total over 500" is asked)
        if it.kind == "SOFT" and fields & soft:
            it.used = True
        elif it.kind == "CUE" and not it.used and SIGNUP_CUES.get(it.text.lower()) in fields:
            it.used = True  # "new members that joined this year": "new members" restates the sign-up test
        elif it.kind == "DESC" and fields & set(DESCRIPTORS[it.value].defined_by) and not it.used:
            near = [x.kind for x in items[max(k - 1, 0):k + 2] if x is not it]
            if "OR" not in near:  # "VIPs or Champions": an alternative, not an explanation
                it.used = True
                it.extra["absorbed"] = True


SINGLE_VALUED = ("city", "country", "channel", "age_band", "rfm_segment", "cluster", "churn_band", "clv_tier")


def _merge_contradictions(conjuncts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """"Cork members, Dublin members": two values of a one-value attribute joined by "and" cannot both
    hold; read them as one list (and say so)."""
    seen: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    merged = None
    flat = [part for node in conjuncts for part in (node["all"] if set(node) == {"all"} else [node])]
    for node in flat:
        fld = node.get("field")
        if fld in SINGLE_VALUED and node.get("op") in ("=", "in"):
            values = node["value"] if isinstance(node["value"], list) else [node["value"]]
            if fld in seen:
                first = seen[fld]
                old = first["value"] if isinstance(first["value"], list) else [first["value"]]
                first["value"] = list(dict.fromkeys([*old, *values]))
                first["op"] = "in"
                merged = CATALOGUE[fld].label
                continue
            seen[fld] = node
        out.append(node)
    return out, merged


def _bare_list(items: list[Item], tokens: list[Token]) -> bool:
    """Values of one one-value field written one after the other, with nothing but commas between them
    ("leeds sheffield custs", "manchestr liverpool or newcastle"): a list, not an 'and'."""
    vals = sorted((it for it in items if it.kind == "VAL" and it.field in SINGLE_VALUED), key=lambda it: it.i)
    by_field: dict[str | None, list[Item]] = {}
    for it in vals:
        by_field.setdefault(it.field, []).append(it)
    repeated = [group for group in by_field.values() if len(group) > 1]
    return bool(repeated) and all(
        all(tok.norm in (",", "or", "/") for tok in tokens[a.j:b.i]) for group in repeated
        for a, b in zip(group, group[1:], strict=False))


AUXILIARIES = ("have", "has", "had", "are", "is", "was", "were", "do", "does", "did", "can", "will", "who", "whose",
               "that", "which")


def _negation_spreads(clause: list[list[list[Item]]]) -> bool:
    """"no reviews or returns", "haven't bought Outdoor this year or last year": a negation before the first
    alternative covers the others when they have no negation and no verb of their own."""
    flat = [[it for part in alt for it in part] for alt in clause]
    first = flat[0]
    content = [it for it in first if it.kind not in ("FILL", "PERSON")]
    if not content or content[0].kind != "NEG":
        return False
    for alt in flat[1:]:
        if any(it.kind == "NEG" for it in alt) or (alt and alt[0].text.lower() in AUXILIARIES):
            return False
    return True


def _negated(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` under "not", unless it already says "not"."""
    if "not" in node or node.get("op") in ("!=", "not in", "more_than_days_ago") \
            or (node.get("op") == "=" and node.get("value") == 0):
        return node
    return {"not": node}


def _place_questions(conjuncts: list[dict[str, Any]], ctx: Context) -> None:
    """"customers in Ireland and Northern Ireland": a city and a country that must both hold either repeat
    each other or match no one; asked (with "either" as the other reading)."""
    flat = [p for c in conjuncts for p in (c["all"] if set(c) == {"all"} else [c])]
    places = [c for c in flat if c.get("field") in ("city", "country") and c.get("op") in ("=", "in")]
    if {c["field"] for c in places} != {"city", "country"}:
        return
    city = next(c for c in places if c["field"] == "city")
    country = next(c for c in places if c["field"] == "country")
    ctx.questions.append({"about": f"{city['value']} / {country['value']}", "kind": "scope",
                          "options": [("both (the city, in that country)", None), ("either one", None)],
                          "text": "a city and a country are both asked for, so a member must match both. Did you "
                                  "mean members in either one?"})


def _alternatives(ctx: Context, conjuncts: list[dict[str, Any]], definition: SegmentDefinition) -> None:
    """The definition under each question's other reading (``alternative``: nodes and what to add to them)."""
    for q in ctx.questions:
        changes = q.get("alternative")
        if not changes:
            continue
        saved = [dict(node) for node, _ in changes]
        for node, extra in changes:
            node.update(extra)
        try:
            other = canonicalize(parse_definition({"version": 1, "where": {"all": conjuncts}}), sort=False)
        except SegmentDefinitionError:
            other = None
        for (node, _), before in zip(changes, saved, strict=True):
            node.clear()
            node.update(before)
        q["definitions"] = [definition, other]


def read(text: str, vocab: Vocabulary, matcher: Any = None) -> Reading:
    """One pass over ``text`` (already cleaned): the definition and what was left over."""
    tokens, items, fixes = tag(text, vocab)
    ctx = Context(matcher=matcher, age_bands=vocab.age_band, tokens=tokens, all_items=items, ref_date=vocab.ref_date)
    conjuncts: list[dict[str, Any]] = []
    merged = merge_lists(items)
    clauses, ambiguous, accounts = split(merged)
    attach_relatives(clauses, accounts, ctx)
    for clause, (or_items, n_alternatives) in zip(clauses, accounts, strict=True):
        alternatives = []
        for alt in clause:
            nodes = [node for part in alt for node in interpret_periods(part, ctx)]
            if nodes:
                alternatives.append(nodes[0] if len(nodes) == 1 else {"all": nodes})
        for it in or_items:  # an "or" is understood only when each side said something
            it.used = len(alternatives) == n_alternatives
        if len(alternatives) == 1:
            conjuncts.append(alternatives[0])
        elif alternatives and len(alternatives) == len(clause) and _negation_spreads(clause):
            conjuncts.append({"all": [alternatives[0], *(_negated(a) for a in alternatives[1:])]})
            ctx.questions.append({"about": " or ".join(it.text for it in or_items), "kind": "scope", "options": [],
                                  "text": "the 'not' before the first of several things joined by 'or' is read as "
                                          "covering all of them (none of them). Did you mean only the first?"})
        elif alternatives:
            conjuncts.append({"any": alternatives})
    if any(it.extra.get("slash_and") for it in merged):
        ctx.readings.append("'/' between two conditions read as 'and' (both must hold)")
    conjuncts = list({json.dumps(c, sort_keys=True): c for c in conjuncts}.values())
    _place_questions(conjuncts, ctx)
    window_questions(ctx)
    carried_windows(ctx)
    shared_object_questions(clauses, ctx)
    or_scope_questions(clauses, ctx)
    exclusion_scope_questions(clauses, ctx)
    if ctx.pending is not None:  # a measure never got its number: report it, do not drop it silently
        ctx.notes.append(f"'{CATALOGUE[ctx.pending['field']].label}' needs a number (e.g. 'over 100')")
        for it in ctx.pending["items"]:
            it.used = False
    for it in merged:
        for part in it.extra.get("parts", ()):
            part.used = part.used or it.used
    or_question = None
    conjuncts, merged_values = _merge_contradictions(conjuncts)
    if merged_values and _bare_list(items, ctx.tokens):  # "leeds sheffield custs": no 'and' was written
        ctx.readings.append(f"values of {merged_values} written one after the other read as a list (any of them)")
    elif merged_values:
        or_question = (f"a member has one {merged_values}, so 'and' between two of them would match no one; "
                       "I read it as 'or'. Is that right?")
    definition = None
    if conjuncts:
        try:
            definition = canonicalize(parse_definition({"version": 1, "where": {"all": conjuncts}}), sort=False)
        except SegmentDefinitionError as exc:
            raise SegmentParseError(f"the sentence asks for something a segment cannot hold ({exc})",
                                    not_understood=[text]) from exc
    if definition is not None:
        _alternatives(ctx, conjuncts, definition)
    _absorb_soft_words(items, definition)
    for it in items:
        if it.kind == "DATE" and it.used and "assumed_year" in it.extra:
            start, end = it.value
            ctx.notes.append(f"'{it.text}' read as {start:%B %Y}" + (f" to {end:%B %Y}" if (start.year, start.month)
                                                                      != (end.year, end.month) else "")
                             + f" (the latest up to the data's last date, {vocab.ref_date})")
        if it.kind == "VAL" and it.i == 0 and it.used and it.extra.get("needs_caps"):
            ctx.notes.append(f"'{it.text}' at the start of the sentence read as the RFM segment {it.value}")
    if ambiguous and definition is not None and or_question is None:
        or_question = ("'or' after several conditions can join just the last one or all of them; I joined only "
                       "the last two. Add 'either ... or ...' or brackets if you meant otherwise.")
    return Reading(text, tokens, items, fixes, ctx, definition, unused_phrases(text, tokens, items), or_question)
