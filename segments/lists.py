"""Lists in a tagged sentence, merged before it is split into clauses (:mod:`segments.grammar`).

* values, levels and clusters: "Paris, Berlin or Madrid", "medium or high" -> one item holding every value;
* periods: "in Q4 2025 and Q1 2026", "on Black Friday 2024 or 2025": one ``DATE`` item with its ``parts``
  and how they are joined (``conj``: ``all`` for "and", ``any`` for "or"); the interpreter reads the clause
  once per period;
* cues of one field: "cancelled or returned", "returned/refunded": one cue (the same count either way).

Joiners that a list takes in are marked used; any other "or" must split two alternatives that each say
something, else it is reported as not understood (the parser asks).
"""

from __future__ import annotations

from typing import Any

from memberinsight.segments.tagger import Item

LIST_JOINERS = {",", "or", "/", "and", "&", "either", "+", "nor"}
ALT_JOINERS = {"or", "/"}
COORDINATORS = ("and", ",", "or", "&", "nor", "+", "/", "as well as", "plus")
"""Words that join two values into one list (a negation before the first covers the next)."""
TOGETHER_WORDS = ("combined", "together", "altogether", "in total", "total", "between them", "put together",
                  "all together", "taken together")
"""After categories joined by "and", these make one count (or sum) over all of them."""
DATE_JOINERS = {",", "or", "/", "and", "&", "+"}
CUE_JOINERS = {"or", "/"}
QUIET = ("FILL", "PERSON", "SEP", "HABIT")
QUIET_CMP = {"only", "just", "exactly"}
_CUE_KINDS = ("CUE", "WEAK")


def _joined(items: list[Item], k: int, joiners: set[str]) -> int:
    """The index after the joiners starting at ``k`` (``k`` when there are none)."""
    m = k
    while m < len(items) and items[m].kind in ("SEP", "OR") and items[m].text.lower() in joiners:
        m += 1
    return m


def merge_lists(items: list[Item]) -> list[Item]:
    """Merge value, level, cluster and period lists and same-field cues (see the module docstring).

    Joiners may stack (``Leeds, Manchester, or Sheffield``). Categories joined only by "and" stay
    separate ("bought Kitchen and Home" means both)."""
    items = _score_runs(_family_cues(_restated_periods(_inline_brackets(_key_values(items)))))
    out: list[Item] = []
    i = 0
    while i < len(items):
        it = items[i]
        if it.kind in ("VAL", "BAND", "CLUSTER", "DATE") or (it.kind in _CUE_KINDS and not it.extra.get("fields")):
            joiners = DATE_JOINERS if it.kind == "DATE" else (CUE_JOINERS if it.kind in _CUE_KINDS else LIST_JOINERS)
            group, joins, join_items, k = [it], [], [], i + 1
            while True:
                m = _joined(items, k, joiners)
                if m == k or m >= len(items) or not _same_kind(it, items[m]):
                    break
                joins += [items[x].text.lower() for x in range(k, m)]
                join_items += items[k:m]
                group.append(items[m])
                k = m + 1
            together = len(group) > 1 and it.kind == "VAL" and it.field == "category" and k < len(items) \
                and items[k].text.lower() in TOGETHER_WORDS
            if len(group) > 1 and (_mergeable(it, joins) or together):
                for j in join_items:
                    j.used = True
                merged = _merged(it, group, joins)
                if it.kind == "VAL" and len(group) == 2 and joins[-2:] == [",", "or"]:
                    merged.extra["comma_or"] = True  # "Champions, or Loyal ...": maybe two sides, not one list
                out.append(merged)
                if together:  # "2+ orders across Electronics and Kitchen combined": one count over both
                    items[k].used = True
                    out.append(items[k])
                    k += 1
                i = k
                continue
        out.append(it)
        i += 1
    return out


SCORE_FIELDS = ("r_score", "f_score", "m_score")


def _score_runs(items: list[Item]) -> list[Item]:
    """"m score 4 or 5", "r score 1, 2 or 3": a run of whole scores after a score cue is one range (the same
    members as "4-5"), not an "or" between two conditions."""
    out: list[Item] = []
    k = 0
    while k < len(items):
        it = items[k]
        out.append(it)
        k += 1
        if it.kind != "CUE" or it.field not in SCORE_FIELDS:
            continue
        m = k + (k < len(items) and items[k].kind == "FILL" and items[k].text.lower() in ("of", "="))
        nums: list[Item] = []
        while m < len(items) and _bare_score(items[m]) and (not nums or items[m].value == nums[-1].value + 1):
            nums.append(items[m])
            joined = m + 1 < len(items) and items[m + 1].kind in ("OR", "SEP") \
                and items[m + 1].text.lower() in ("or", ",", "/") and m + 2 < len(items) \
                and _bare_score(items[m + 2]) and items[m + 2].value == items[m].value + 1
            if not joined:
                break
            items[m + 1].used = True
            m += 2
        if len(nums) > 1:
            out.extend(items[k:items.index(nums[0])])
            out.append(Item("RANGE", nums[0].i, nums[-1].j, " or ".join(n.text for n in nums),
                            value=(int(nums[0].value), int(nums[-1].value)), extra={"parts": nums}, used=False))
            k = items.index(nums[-1]) + 1
    return out


def _bare_score(it: Item) -> bool:
    return it.kind == "NUM" and isinstance(it.value, int | float) and it.value in (1, 2, 3, 4, 5) and not any(
        it.extra.get(key) for key in ("money", "percent", "days", "unit_field", "plus", "adverb"))


def _key_values(items: list[Item]) -> list[Item]:
    """"orders: 3+", "churn: high", "city: London": a colon between a field and its value is no separator."""
    out: list[Item] = []
    for k, it in enumerate(items):
        nxt = items[k + 1] if k + 1 < len(items) else None
        if it.kind == "SEP" and it.text == ":" and out and nxt is not None \
                and out[-1].kind in ("CUE", "WEAK", "AGECUE", "FILL") \
                and nxt.kind in ("NUM", "RANGE", "BAND", "CMP", "VAL", "DATE", "WINDOW", "NEG", "TREND"):
            it.used = True
            continue
        out.append(it)
    return out


def _inline_brackets(items: list[Item]) -> list[Item]:
    """"predicted CLV (365 days)", "expected orders (next 90 days)": brackets around a horizon right after
    a cue are not separators; the horizon stays with its cue."""
    out: list[Item] = []
    k = 0
    while k < len(items):
        it = items[k]
        if it.kind == "SEP" and it.text == "(" and k + 2 < len(items) and items[k + 2].text == ")" \
                and out and out[-1].kind in ("CUE", "WEAK", "PRED") \
                and (items[k + 1].kind == "WINDOW" or (items[k + 1].kind == "NUM" and "days" in items[k + 1].extra)):
            it.used = items[k + 2].used = True
            out.append(items[k + 1])
            k += 3
            continue
        out.append(it)
        k += 1
    return out


def _spans(it: Item) -> list[tuple[Any, Any]]:
    return [p.value for p in it.extra.get("parts", ())] or [it.value]


def _restated_periods(items: list[Item]) -> list[Item]:
    """"Prime Day 2025 shoppers (July 8-11)", "every quarter this year (Q1, Q2 and Q3)": dates in brackets
    that only repeat a period said before (a year left out is taken from it) are a restatement, not a second
    condition. Brackets holding other dates are left alone (the parser asks about them)."""
    for k, it in enumerate(items):
        if it.kind != "SEP" or it.text != "(":
            continue
        end = next((m for m in range(k + 1, len(items)) if items[m].text == ")"), None)
        inside = items[k + 1:end] if end is not None else []
        dates = [x for x in inside if x.kind == "DATE"]
        if end is None or not dates or any(x.kind not in ("DATE", "SEP", "OR", "FILL") for x in inside):
            continue
        said = [span for x in items[:k] if x.kind == "DATE" for span in _spans(x)]
        years = {span[0].year for span in said}
        if all(_restates(x, said, years) for x in dates):
            for x in (it, *inside, items[end]):
                x.used = True
            return items[:k] + items[end + 1:]
    return items


def _restates(it: Item, said: list[tuple[Any, Any]], years: set[int]) -> bool:
    if it.value in said:
        return True
    if "assumed_year" not in it.extra:
        return False
    start, stop = it.value
    for year in years:
        try:
            moved = (start.replace(year=year), stop.replace(year=year + stop.year - start.year))
        except ValueError:
            continue
        if moved in said:
            return True
    return False


FAMILIES = (frozenset(("spend_trend", "order_trend")), frozenset(("r_score", "f_score", "m_score")))
FAMILY_JOINERS = {",", "and", "&", "or", "/", "+"}


def _family(it: Item) -> frozenset[str] | None:
    if it.kind != "CUE" or it.extra.get("fields"):
        return None
    return next((f for f in FAMILIES if it.field in f), None)


def _family_cues(items: list[Item]) -> list[Item]:
    """"spend trend and order trend both negative", "r score and f score of 5": cues of one family joined
    with nothing of their own in between share the test that follows (as "spend and order trends" do)."""
    out: list[Item] = []
    k = 0
    while k < len(items):
        it = items[k]
        family = _family(it)
        group, joins, m = [it], [], k + 1
        while family is not None:
            nxt = _joined(items, m, FAMILY_JOINERS)
            if nxt == m or nxt >= len(items) or _family(items[nxt]) != family \
                    or items[nxt].field in {g.field for g in group}:
                break
            joins += items[m:nxt]
            group.append(items[nxt])
            m = nxt + 1
        if len(group) > 1:
            for j in joins:
                j.used = True
            conj = "any" if any(j.text.lower() in ALT_JOINERS for j in joins) else "all"
            out.append(Item("CUE", it.i, group[-1].j, " ".join(g.text for g in group), field=it.field,
                            extra={"fields": tuple(g.field for g in group), "conj": conj, "parts": group}))
            k = m
            continue
        out.append(it)
        k += 1
    return out


def _same_kind(first: Item, other: Item) -> bool:
    if first.kind in _CUE_KINDS:
        return other.kind in _CUE_KINDS and other.field == first.field and not other.extra.get("fields")
    return other.kind == first.kind and other.field == first.field


def _mergeable(first: Item, joins: list[str]) -> bool:
    if first.kind == "VAL" and first.field == "category":
        return bool(ALT_JOINERS & set(joins))
    return True


def _merged(first: Item, group: list[Item], joins: list[str]) -> Item:
    text = " ".join(g.text for g in group)
    if first.kind == "DATE":
        _one_year(group)
        conj = "any" if ALT_JOINERS & set(joins) else "all"
        text = f" {'or' if conj == 'any' else 'and'} ".join(g.text for g in group)
        return Item("DATE", first.i, group[-1].j, text, value=first.value,
                    extra={**first.extra, "parts": group, "conj": conj, "list": True})
    if first.kind in _CUE_KINDS:
        kind = "CUE" if any(g.kind == "CUE" for g in group) else first.kind
        return Item(kind, first.i, group[-1].j, text, field=first.field, value=first.value,
                    extra={**first.extra, "parts": group})
    values = tuple(dict.fromkeys(v for g in group for v in (g.value if isinstance(g.value, tuple) else (g.value,))))
    return Item(first.kind, first.i, group[-1].j, text, field=first.field, value=values, extra={"parts": group})


def _one_year(group: list[Item]) -> None:
    """"Jan, Feb and Mar 2025", "Q1 and Q3 2025": a year written once, at the end, is the list's year."""
    said = [g for g in group if "assumed_year" not in g.extra]
    if not said or len(said) == len(group):
        return
    year = said[-1].value[0].year
    for g in group:
        if "assumed_year" in g.extra:
            start, end = g.value
            try:
                g.value = (start.replace(year=year), end.replace(year=year + end.year - start.year))
            except ValueError:
                continue
            g.extra.pop("assumed_year")


def is_quiet(it: Item, items: list[Item]) -> bool:
    """Whether an unused item may be left out without a word: fillers, person words, separators, and
    "only" / "just" / "exactly" unless they qualify a verb or a category ("only bought Outdoor",
    "just bought": exclusively? recently?)."""
    if it.kind in QUIET or (it.kind == "OR" and it.text.lower() == "either"):
        return True
    if it.kind == "EMPH":  # "never returned anything, not a single thing": stress on a negation said before
        return any(x.kind == "NEG" and x.used and x.i < it.i for x in items)
    if it.kind == "SCOPE":  # "every member", "each single customer": a person word follows
        after = [x for x in items if x.i >= it.j and x.kind != "FILL"]
        return bool(after) and after[0].kind == "PERSON"
    if it.kind == "DATEPREP" and it.text.lower() in ("before", "previously"):
        after = [x for x in items if x.i >= it.j]  # "bought Beauty before but not lately": ever
        return not after or after[0].kind in ("SEP", "OR", "NEG")
    if it.kind == "CMP" and it.text.lower() in QUIET_CMP:
        after = [x for x in items if x.i >= it.j and not (x.kind == "FILL" and x.text.lower() in ("ever", "have", "has"))]
        return not (after and after[0].kind in ("WEAK", "CUE", "IMPLIED")
                    or (after and after[0].kind == "VAL" and after[0].field == "category"))
    return False
