"""Clauses with several periods ("bought Home in Q4 2025 and Q1 2026", "signed up in May or June"): the
clause is read once per period, and the readings are joined as the words join them ("and": each period;
"or": any of them). What does not depend on the period (a city, a segment) is kept once."""

from __future__ import annotations

import json
from typing import Any

from memberinsight.segments.conditions import Context
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.interpret import interpret_clause
from memberinsight.segments.tagger import Item


def _key(node: dict[str, Any]) -> str:
    return json.dumps(node, sort_keys=True)


def _one_date(nodes: list[dict[str, Any]]) -> bool:
    """Only tests of one member date ("signed up in ..."): two periods cannot both hold."""
    return all(CATALOGUE.get(n.get("field", ""), None) is not None and CATALOGUE[n["field"]].type == "date"
               for n in nodes)


def interpret_periods(part: list[Item], ctx: Context) -> list[dict[str, Any]]:
    """:func:`segments.interpret.interpret_clause`, once per period of a period list in ``part``."""
    lists = [it for it in part if it.kind == "DATE" and it.extra.get("list") and not it.used]
    if not lists:
        return interpret_clause(part, ctx)
    period_list = lists[0]
    before = {id(x): x.used for x in part}
    used: set[int] = set()
    readings: list[list[dict[str, Any]]] = []
    periods: list[Item] = period_list.extra["parts"]
    for period in periods:
        for x in part:
            x.used = before[id(x)]
        clause = [period if x is period_list else x for x in part]
        readings.append(interpret_clause(clause, ctx))
        used |= {id(x) for x in clause if x.used}
    for x in part:
        x.used = id(x) in used
    keys = [[_key(n) for n in r] for r in readings]
    common = [n for n, k in zip(readings[0], keys[0], strict=True) if all(k in ks for ks in keys[1:])]
    shared = {_key(n) for n in common}
    varying = [[n for n in r if _key(n) not in shared] for r in readings]
    if not all(p.used for p in periods) or any(not v for v in varying):
        for p in periods:  # a period that changed nothing: reported, never dropped
            p.used = False
        return common
    period_list.used = True
    conj = period_list.extra.get("conj", "all")
    if any(it.kind == "NEG" and it.i < period_list.i for it in part):
        # "haven't bought Outdoor this year or last year": not in any of them; asked (not in both?)
        conj = "all"
        ctx.questions.append({"about": period_list.text, "kind": "scope", "options": [],
                              "text": f"'not ... {period_list.text}': I read it as in none of them. Did you mean "
                                      "not in all of them (some is fine)?"})
    if conj == "all" and all(_one_date(v) for v in varying):
        conj = "any"
        ctx.questions.append({"about": period_list.text, "kind": "or", "options": [],
                              "text": f"a member has one such date, so 'and' between '{period_list.text}' would "
                                      "match no one; I read it as 'or'. Is that right?"})
    alternatives = [v[0] if len(v) == 1 else {"all": v} for v in varying]
    tests = {(n.get("not", n).get("op"), json.dumps(n.get("not", n).get("value"))) for v in varying for n in v}
    if conj == "all" and not tests <= {(">=", "1"), (">", "0"), ("=", "0")}:
        ctx.questions.append({"about": period_list.text, "kind": "scope", "options": [],
                              "text": f"'{period_list.text}': I read the test as holding in each of them. Did you "
                                      "mean over them together?"})  # "spent over 50 in Jan, Feb and Mar"
    return [*common, {conj: alternatives}]
