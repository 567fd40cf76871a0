"""Readings writers disagree on, and definitions that cannot mean what was said: asked, never taken silently.

* **"LTV"** without "predicted" (or a horizon): the predicted CLV over the next 365 days, or the spend so far?
  Writers use it for both; the parser reads the predicted CLV and asks, offering the spend so far.
* **"haven't bought Outdoor in six months"**: no Outdoor order in the last 180 days (members who never bought
  Outdoor included), or had bought Outdoor before and the last Outdoor order came more than 180 days ago?
  The two select other members and writers label both; the parser keeps the first and asks.
* **Contradictions**: a field required to be a value and not to be it ("TikTok only, not IG or FB": TikTok,
  Instagram and Facebook are all the 'social' channel), or two different values of a one-valued field in
  the same "all" group: no member can match, so the words were read wrong; asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from memberinsight.segments.definition import Condition, Group, SegmentDefinition
from memberinsight.segments.result import Option, Question

LTV_WORDS = ("ltv", "cltv", "lifetime value", "customer lifetime value")
_PREDICTED = re.compile(r"\b(predicted|expected|forecast\w*|projected|future|next|coming|tier|band|\d+\s*"
                        r"(?:month|mo|day|d|year|yr)s?\b)", re.I)
ONE_VALUED = ("city", "country", "channel", "age_band", "rfm_segment", "churn_band", "clv_tier")


def _clv_cue(items: list[Any], words: tuple[str, ...]) -> Any:
    """The first used cue of the predicted CLV written as one of ``words`` (None when there is none)."""
    return next((it for it in items if it.used and it.kind == "CUE" and it.field == "predicted_clv_365d"
                 and it.text.lower() in words), None)


def _reread_with(text: str, cue: Any, replacement: str,
                 reread: Callable[[str], SegmentDefinition | None]) -> SegmentDefinition | None:
    """The definition of ``text`` with the cue's words replaced (the other reading a question offers)."""
    start = text.lower().find(cue.text.lower())
    return reread(text[:start] + replacement + text[start + len(cue.text):]) if start >= 0 else None


def ltv_question(items: list[Any], text: str, reread: Callable[[str], SegmentDefinition | None],
                 definition: SegmentDefinition | None) -> Question | None:
    """The question for "LTV > 1k" (see the module docstring); None when the sentence says which."""
    tok = _clv_cue(items, LTV_WORDS)
    if tok is None or definition is None or _PREDICTED.search(text):
        return None
    spent = _reread_with(text, tok, "spend so far", reread)
    return Question(tok.text, f"'{tok.text}' can mean the predicted customer lifetime value (next 365 days) or "
                              "what the member has spent so far; I used the predicted value. Which one do you mean?",
                    "synonym", [Option("the predicted CLV over the next 365 days", definition),
                                Option("the spend so far", spent)])


SPEND_WORDS = ("predicted spend", "expected spend", "forecast spend", "projected spend", "predicted spending")
"""Cues of a predicted spend that name no horizon (the catalogue has 90 and 365 days)."""
_HORIZON = re.compile(r"\b(\d+[\s-]*(?:month|mo|day|d|year|yr|week|wk)s?|year|yr|twelve\s+months|quarter|clv|ltv|lifetime)\b",
                      re.I)


def spend_horizon_question(items: list[Any], text: str, reread: Callable[[str], SegmentDefinition | None],
                           definition: SegmentDefinition | None) -> Question | None:
    """"predicted spend over 150" without a horizon: the 365-day predicted value or the 90-day predicted spend?
    Both exist; the parser reads the 365-day one and asks, offering the 90-day one."""
    tok = _clv_cue(items, SPEND_WORDS)
    if tok is None or definition is None or all(c.field != "predicted_clv_365d" for c in definition.conditions()):
        return None
    start = text.lower().find(tok.text.lower())
    near = (" ".join(text[:start].split()[-2:]) + " " + text[start:start + len(tok.text) + 40]) if start >= 0 else text
    if _HORIZON.search(near):  # a horizon next to the cue ("predicted spend in the next 90 days over 200")
        return None
    shorter = _reread_with(text, tok, "predicted 90-day spend", reread)
    return Question(tok.text, f"'{tok.text}' has no horizon: predictions cover the next 90 days or the next 365 days; "
                              "I used the next 365 days. Which one do you mean?", "horizon",
                    [Option("predicted spend over the next 365 days", definition),
                     Option("predicted spend over the next 90 days", shorter)])


def category_gap_question(cat: str, days: int, ctx: Any) -> None:
    """"haven't bought Outdoor in six months": the two readings (see the module docstring)."""
    ctx.questions.append({
        "about": f"no {cat} order in {days} days", "kind": "reading",
        "text": f"'no {cat} order in the last {days} days' read as: members with no {cat} order in that time, "
                f"members who never bought {cat} included. Or do you mean members who bought {cat} before, last "
                f"{cat} order more than {days} days ago?",
        "options": [(f"no {cat} order in the last {days} days, never-bought included", None),
                    (f"bought {cat} before, last {cat} order more than {days} days ago", None)]})


def _conditions(group: Group) -> list[Condition]:
    return [c for c in group.items if isinstance(c, Condition)]


def contradictions(definition: SegmentDefinition | None, items: list[Any]) -> list[Question]:
    """Questions for "all" groups that no member can match (see the module docstring)."""
    if definition is None or not isinstance(definition.where, Group):
        return []
    out: list[Question] = []
    groups = [definition.where]
    while groups:
        group = groups.pop()
        groups += [g for g in group.items if isinstance(g, Group)]
        if group.kind != "all":
            continue
        plain = [c for c in _conditions(group) if c.field in ONE_VALUED]
        for c in plain:
            wanted = {c.value} if c.op == "=" else set(c.value) if c.op == "in" else None
            if wanted is None:
                continue
            for d in plain:
                if d is c or d.field != c.field:
                    continue
                other = {d.value} if d.op == "=" else set(d.value) if d.op == "in" else None
                excluded = {d.value} if d.op == "!=" else set(d.value) if d.op == "not in" else set()
                if other is not None and not wanted & other:
                    out.append(Question(c.field, f"a member has one {c.field}: {sorted(wanted)} and "
                                                 f"{sorted(other)} cannot both hold, so no member can match. Did "
                                                 "you mean either of them ('or')?", "value", []))
                    break
                if excluded and wanted <= excluded:
                    out.append(_contradiction(c, items))
                    break
            if out:
                return out
    return out


def _contradiction(c: Condition, items: list[Any]) -> Question:
    words = [it.text for it in items if it.used and it.kind == "VAL" and it.field == c.field]
    named = ", ".join(f"'{w}'" for w in dict.fromkeys(words))
    return Question(c.field, f"{c.field} is asked to be and not to be the same value ({named} are all recorded "
                             f"as {c.field} values the shop cannot tell apart), so no member can match. Which "
                             "do you mean?", "value", [])


def value_no_value(items: list[Any], tokens: list[Any]) -> list[Question]:
    """"in London no Leeds": a bare "no" between two values of one field is a spoken correction (Leeds) or an
    exclusion (London, not Leeds); the two select other members, so it is asked."""
    vals = sorted((it for it in items if it.kind == "VAL" and it.field in ONE_VALUED), key=lambda it: it.i)
    for a, b in zip(vals, vals[1:], strict=False):
        if a.field == b.field and b.i == a.j + 1 and tokens[a.j].norm in ("no", "nope"):
            return [Question(f"{a.text} no {b.text}", f"'{a.text} no {b.text}': is {b.text} a correction of {a.text}, "
                                                      f"or do you mean {a.text} but not {b.text}?", "reading", [])]
    return []
