"""Guards against silent errors: words a reading can consume without representing them (issue 15, round 10).

A sentence is only *understood* when nothing in it was dropped, guessed or reinterpreted. Three mechanisms
let the grammar swallow meaning without a trace; each is guarded here by structure, not by phrase:

* **Union joiners between audiences** ("VIPs *and anyone who*'s spent over £500", "Champions *as well as*
  people in Leeds", "*plus* everyone who joined this year", "*together with* / *along with* those who ..."):
  the grammar stacks every condition into one "all" group, but the operator may mean two audiences added
  together. When such a joiner introduces a second audience and the definition is an intersection of two or
  more conditions, the parser asks (both at once, or either one).
* **Negated orders with a period** ("hasn't ordered a single thing since Christmas", "no orders since March"):
  read as "last order on or before the date", which leaves out members who never ordered; whether they
  belong is not said, so the parser asks, offering "no orders in that time, never-ordered included".
* **A period on a sign-up word** ("the referral *sign-ups from* March 2025", "*joiners from* Q1 2025"): the
  noun names the sign-up, so "from <month>" says which month's sign-ups (= in that month), not "since";
  :func:`signup_from_period` rewrites it before the grammar reads it, and says so in the read-back.
"""

from __future__ import annotations

import re
from datetime import date

from memberinsight.segments.definition import Condition, Group, SegmentDefinition
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
        elif isinstance(c, Condition) and c.field == "last_order_date" and c.op in ("<=", "<") \
                and not isinstance(c.value, int | float):
            out.append(c)
    return out


def never_ordered_question(text: str, definition: SegmentDefinition | None, ref: date | None) -> Question | None:
    """Ask whether members who never ordered belong to "hasn't ordered since X" (see the module docstring)."""
    if definition is None or not _NEGATED_SINCE.search(text) or _LAST_ORDER.search(text):
        return None
    if any(c.field == "orders" and c.op in (">=", ">") for c in definition.conditions()):
        return None  # "bought in Q4 but nothing since": buyers already, nobody who never ordered is in question
    found = _before_dates(definition.where) if isinstance(definition.where, Group) else []
    if not found:
        return None
    c = found[0]
    end = f" to {ref.isoformat()}" if ref else ""
    return Question("no orders since", f"'no orders since' read as: last order on or before {c.value}, so members "
                                       "who never ordered are left out. Should members who never ordered be "
                                       "included (no orders in that time at all)?", "reading",
                    [Option(f"ordered before, last order on or before {c.value}", definition),
                     Option(f"no orders from {c.value}{end}, never-ordered members included", None)])


def silent_guards(text: str, definition: SegmentDefinition | None, ref: date | None) -> list[Question]:
    """The questions of this module's guards for one reading."""
    return [q for q in (union_question(text, definition), never_ordered_question(text, definition, ref)) if q]
