"""Guards against silent errors: words a reading can consume without representing them (issue 15, round 10).

A sentence is only *understood* when nothing in it was dropped, guessed or reinterpreted. Three mechanisms
let the grammar swallow meaning without a trace; each is guarded here by structure, not by phrase:

* **Union joiners between audiences** ("VIPs *and anyone who*'s spent over £500", "Champions *as well as*
  people in Leeds", "*plus* everyone who joined this year", "*together with* / *along with* those who ..."):
  the grammar stacks every condition into one "all" group, but the operator may mean two audiences added
  together. When such a joiner introduces a second audience and the definition is an intersection of two or
  more conditions, the parser asks (both at once, or either one).
* **Negated orders with a period** ("hasn't ordered a single thing since Christmas", "no orders since March",
  "no orders in the last 90 days" unless the sentence says they ordered before):
  read as "last order on or before the date", which leaves out members who never ordered; whether they
  belong is not said, so the parser asks, offering "no orders in that time, never-ordered included".
* **A period on a sign-up word** ("the referral *sign-ups from* March 2025", "*joiners from* Q1 2025"): the
  noun names the sign-up, so "from <month>" says which month's sign-ups (= in that month), not "since";
  :func:`signup_from_period` rewrites it before the grammar reads it, and says so in the read-back.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from memberinsight.segments.definition import Condition, Group, SegmentDefinition
from memberinsight.segments.describe import scope_words
from memberinsight.segments.result import Option, Question

_AUDIENCE = (r"(?:any\s*one|any\s*body|every\s*one|every\s*body|all\s+(?:those|the\s+ones|people|customers|members)"
             r"|those|the\s+ones|people|folks|customers|members|clients|shoppers|buyers|users|subscribers)")
_UNION = re.compile(
    rf"(?:\band\s+(?:also\s+)?{_AUDIENCE}\s+(?:who|that|whose|which|with|in|from|living|based|who'?s|who've)\b"
    rf"|\b(?:and\s+(?:also\s+)?)?(?:as\s+well\s+as|together\s+with|along\s+with|alongside|plus|in\s+addition\s+to)"
    rf"\s+(?:also\s+)?{_AUDIENCE}\b)", re.I)
_NUMBER_BEFORE = re.compile(r"(?:\d|£|\$|€)\s*$")
_NEGATED_SINCE = re.compile(r"(?:n['’]?t|\b(?:not|never|no|nothing|none|zero))\b[^.;]{0,60}?\bsince\b", re.I)
_LAST_ORDER = re.compile(r"\blast\s+(?:order|purchase|bought|buy)", re.I)
_NONE_IN_WINDOW = re.compile(r"\b(?:(?:no|zero|0)\s+(?:orders?|purchases?)|(?:bought|ordered|purchased)\s+nothing"
                             r"(?:\s+at\s+all)?)\s+(?:in|over|during|within)\s+(?:the\s+)?(?:last|past|previous)\b", re.I)
_ORDERED_BEFORE = re.compile(r"\b(?:did\s+(?:order|buy|purchase)|(?:ordered|bought|purchased)\s+(?:before|previously|"
                             r"earlier|at\s+some\s+point)|previously\s+(?:ordered|bought)|used\s+to\s+(?:order|buy|shop)|"
                             r"before\s+that)\b", re.I)
_SIGNUP_FROM = re.compile(
    r"\b(sign[\s-]?ups|signups|joiners|registrations|new\s+(?:members|customers|joiners|sign[\s-]?ups))\s+"
    r"(from)\s+(?=(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|q[1-4]|\d{4}|last|this)\b)"
    r"(?![^.;,]{0,30}\b(?:to|until|till|through|thru|onwards?|on)\b)", re.I)


def signup_from_period(text: str) -> tuple[str, list[str]]:
    """"sign-ups from March 2025" -> "sign-ups in March 2025" (see the module docstring), with the reading said."""
    said: list[str] = []

    def swap(m: re.Match[str]) -> str:
        said.append(f"'{m.group(1)} from' read as the sign-ups in that period")
        return f"{m.group(1)} in "

    return _SIGNUP_FROM.sub(swap, text), said


def union_question(text: str, definition: SegmentDefinition | None) -> Question | None:
    """Ask "both, or either?" when a union joiner introduces a second audience of an intersection."""
    if definition is None:
        return None
    top = definition.where
    if not isinstance(top, Group) or top.kind != "all" or len(definition.conditions()) < 2:
        return None
    for m in _UNION.finditer(text):
        joiner = m.group(0).split()[0].lower()
        if joiner == "plus" and _NUMBER_BEFORE.search(text[:m.start()]):
            continue  # "5 plus orders", "£100 plus": a number, not a joiner
        words = " ".join(m.group(0).split()[:4])
        return Question(words, f"'{words}' can add a second audience (members in either group) or narrow the "
                               "first (members in both); I read it as members who match every condition. Do you "
                               "mean members in both groups, or in either one?", "reading",
                        [Option("members in both groups (every condition)", definition),
                         Option("members in either group (one of the audiences)", None)])
    return None


def _before_dates(group: Group) -> list[Condition]:
    out: list[Condition] = []
    for c in group.items:
        if isinstance(c, Group):
            out += _before_dates(c) if c.kind == "all" else []
        elif isinstance(c, Condition) and c.field == "last_order_date" and ((c.op in ("<=", "<") and not isinstance(
                c.value, int | float)) or c.op == "more_than_days_ago") and c.category is None:
            out.append(c)
    return out


def never_ordered_question(text: str, definition: SegmentDefinition | None, ref: date | None) -> Question | None:
    """Ask whether members who never ordered belong to "hasn't ordered since X" (see the module docstring)."""
    window = _NONE_IN_WINDOW.search(text) is not None and not _ORDERED_BEFORE.search(text)
    if definition is None or not (_NEGATED_SINCE.search(text) or window) or _LAST_ORDER.search(text):
        return None  # ("no orders in the last 90 days": writers split on never-ordered members too)
    if any(c.field == "orders" and c.op in (">=", ">") for c in definition.conditions()):
        return None  # "bought in Q4 but nothing since": buyers already, nobody who never ordered is in question
    found = _before_dates(definition.where) if isinstance(definition.where, Group) else []
    if not found:
        return None
    c = found[0]
    if c.op == "more_than_days_ago":  # "no orders in the last 90 days"
        about, said = "no orders in the last days", f"no orders in the last {c.value} days"
        read_as, other = f"last order more than {c.value} days ago", f"{said}, never-ordered members included"
    else:  # "no orders since March"
        end = f" to {ref.isoformat()}" if ref else ""
        about = said = "no orders since"
        read_as, other = f"last order on or before {c.value}", f"no orders from {c.value}{end}, never-ordered " \
                                                                 "members included"
    return Question(about, f"'{said}' read as: {read_as}, so members who never ordered are left out. Should members "
                           "who never ordered be included (no orders in that time at all)?", "reading",
                    [Option(f"ordered before, {read_as}", definition), Option(other, None)])


_RETURNED_ITEMS = re.compile(r"\b(?:return(?:ed|s|ing)?|sent\s+back|send\s+back)\b[^.;,]{0,25}?\b(?:items?|products?|things|"
                             r"units?|pieces|articles)\b", re.I)


def returned_items_question(text: str, definition: SegmentDefinition | None) -> Question | None:
    """"returned 3+ items": the returns count counts orders with a returned line, not items; asked."""
    if definition is None or not _RETURNED_ITEMS.search(text):
        return None
    if not any(c.field == "returns" and isinstance(c.value, int | float) and c.value > 1
               for c in definition.conditions()):
        return None
    return Question("returned items", "returns are counted as orders with at least one returned item, not as items; "
                                      "I counted orders. Is that what you mean (or a return rate, the share of units "
                                      "returned)?", "reading", [Option("orders with a return", definition)])


_BEFORE_THAT = re.compile(r"\b(?:before|prior\s+to)\s+(?:that|then|this)\b", re.I)


def before_that_question(text: str, definition: SegmentDefinition | None) -> Question | None:
    """"2+ orders before that": which date "that" is, the grammar cannot tell; counted over all time and asked."""
    if definition is None or not _BEFORE_THAT.search(text):
        return None
    return Question("before that", "'before that': I could not tell which date it means, so that count is over all "
                                   "time. Give the date (for example 'before 1 September 2026').", "reading",
                    [Option("as read (all time)", definition)])


_EXPECTED_TO_ORDER = re.compile(r"\bexpect(?:ed|s)?\s+to\s+(?:order|buy|purchase|shop|come\s+back)\b", re.I)


def expected_order_question(text: str, definition: SegmentDefinition | None) -> Question | None:
    """"expected to order in the next 6 months": read as the predicted next-order date falling in that time; the
    expected number of orders exists only for 90 and 365 days, so writers split; asked."""
    if definition is None or not _EXPECTED_TO_ORDER.search(text):
        return None
    found = [c for c in definition.conditions() if c.field == "expected_next_order_date" and c.op == "in_next_days"]
    if not found:
        return None
    return Question("expected to order", f"'expected to order' read as: the predicted date of the next order falls in "
                                         f"the next {found[0].value} days. The expected number of orders exists only "
                                         "for the next 90 or 365 days. Is the next-order date what you mean?",
                    "reading", [Option(f"next order expected within {found[0].value} days", definition)])


_COUNTS = ("orders", "returns", "reviews", "low_ratings", "distinct_products", "spend")


_BRACKETED_NUMBER = re.compile(r"\([^)]*\d[^)]*\)")


def restated_count_question(text: str, definition: SegmentDefinition | None) -> Question | None:
    """Two lower bounds on one count, one scoped (a category or a period) and one not, the number in brackets
    ("H1 2026 Fashion returners (2+ orders with a return)"): the bracket usually restates the first with its
    number, yet read as written it counts over all time. Asked, offering the scoped count with that number."""
    if definition is None or not isinstance(definition.where, Group) or definition.where.kind != "all" \
            or not _BRACKETED_NUMBER.search(text):
        return None
    conds = [c for c in definition.where.items if isinstance(c, Condition) and c.field in _COUNTS
             and c.op in (">=", ">") and isinstance(c.value, int | float)]
    for scoped in conds:
        if scoped.category is None and scoped.days is None and scoped.date_from is None and scoped.date_to is None:
            continue
        for bare in conds:
            if bare.field != scoped.field or bare is scoped or bare.category is not None or bare.days is not None \
                    or bare.date_from is not None or bare.date_to is not None or bare.value <= scoped.value:
                continue
            merged = dataclasses.replace(scoped, op=bare.op, value=bare.value)
            items = tuple(c for c in definition.where.items if c is not bare and c is not scoped) + (merged,)
            alternative = dataclasses.replace(definition, where=Group("all", items))
            return Question(bare.field, f"two conditions count {bare.field.replace('_', ' ')}: one over all time "
                                        f"({bare.op} {bare.value:g}) and one only{scope_words(scoped)}. Does the second "
                                        "number belong to the first (one condition)?", "reading",
                            [Option("both, as written", definition),
                             Option(f"one condition: {bare.op} {bare.value:g}{scope_words(scoped)}", alternative)])
    return None


def silent_guards(text: str, definition: SegmentDefinition | None, ref: date | None) -> list[Question]:
    """The questions of this module's guards for one reading."""
    return [q for q in (union_question(text, definition), never_ordered_question(text, definition, ref),
                        restated_count_question(text, definition), returned_items_question(text, definition),
                        before_that_question(text, definition), expected_order_question(text, definition)) if q]
