"""Reading rules for the shape of a clause, used by :mod:`segments.interpret`: RFM cells ("5-5-5"), one test on
several fields ("r, f and m scores of 5", "spend and order trends both up"), levels of a 1-5 score ("top r
score"), ages written as people ("over 55s", "the over-55 crowd", "under 25"), "only bought Outdoor", and a
window said once for every condition before it ("bought Electronics and Toys, both in the last 180 days").
Each marks the items it used."""

from __future__ import annotations

from typing import Any

from memberinsight.segments.conditions import (
    Context,
    age_condition,
    cond,
    is_negated,
    negate,
    of_kind,
    values_of,
)
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.tagger import Item

SCORE_FIELDS = ("r_score", "f_score", "m_score")
TOP_WORDS = ("top", "highest", "best", "max", "maximum", "top tier")
BOTTOM_WORDS = ("bottom", "lowest", "worst", "minimal", "least", "bottom tier")
# Words after an age that say "people of that age" ("the over-55 crowd").
AGE_PEOPLE = ("crowd", "lot", "bunch", "group", "set", "brigade")
_NOT_AGE = ("money", "percent", "days", "unit_field", "adverb", "currency")


def rfm_nodes(items: list[Item]) -> list[dict[str, Any]]:
    """"rfm 5-5-5", "the 555s", "R5 F5 M5": one test per score."""
    out = []
    for it in of_kind(items, "RFM"):
        if it.used:
            continue
        it.used = True
        tests = [cond(part[0], part[2] if len(part) > 2 else "=", part[1]) for part in it.value]
        node = tests[0] if len(tests) == 1 else {"all": tests}
        out.append(negate(node) if is_negated(items, it.i) else node)
    return out


def expand_shared(node: dict[str, Any] | None, items: list[Item]) -> dict[str, Any] | None:
    """The same test on every field of a shared-head cue ("r, f and m scores of 5")."""
    multi = [c for c in of_kind(items, "CUE") if c.used and c.extra.get("fields")]
    if node is None or not multi:
        return node
    fields = multi[0].extra["fields"]
    inner = node.get("not", node)
    if inner.get("field") not in fields:
        multi[0].used = False  # the test did not come out on those fields: reported, never half-applied
        return node
    group = {multi[0].extra["conj"]: [{**inner, "field": f} for f in fields]}
    for scope in of_kind(items, "SCOPE"):
        scope.used = True  # "both up", "all three"
    return {"not": group} if "not" in node else group


def score_level(fld: str, bands: list[Item], ctx: Context) -> dict[str, Any] | None:
    """"top r score" (5), "lowest f score" (1); "high r score" (4 or 5) is a guess, so it asks."""
    if fld not in SCORE_FIELDS or not bands:
        return None
    word = bands[0].text.lower()
    bands[0].used = True
    label = CATALOGUE[fld].label
    if word in TOP_WORDS:
        return cond(fld, "=", 5)
    if word in BOTTOM_WORDS:
        return cond(fld, "=", 1)
    level = bands[0].value if isinstance(bands[0].value, str) else str(bands[0].value[0])
    op, value = {"high": (">=", 4), "low": ("<=", 2)}.get(level, ("=", 3))
    ctx.questions.append({"about": bands[0].text, "kind": "approximation", "options": [],
                          "text": f"the {label} runs from 1 to 5; I read '{bands[0].text}' as {op} {value}. "
                                  "Is that right, or which scores do you mean?"})
    return cond(fld, op, value)


def _plain_age(n: Item) -> bool:
    return n.kind == "NUM" and not n.used and not any(n.extra.get(k) for k in _NOT_AGE) \
        and float(n.value).is_integer() and 16 <= n.value <= 100


def age_people(items: list[Item], ctx: Context, bare: bool) -> dict[str, Any] | None:
    """"over 55s", "the under-25s", "the over-55 crowd", "55+ customers"; with ``bare``, a clause that is
    only a comparison and an age ("Dublin or Cork, under 25": no other measure in the sentence)."""
    if not ctx.age_bands:
        return None
    for idx, n in enumerate(items):
        if not _plain_age(n):
            continue
        prev = items[idx - 1] if idx else None
        nxt = items[idx + 1] if idx + 1 < len(items) else None
        compared = prev is not None and prev.kind == "CMP" and bool(prev.extra.get("before"))
        after = nxt if nxt is not None and nxt.kind == "CMP" and nxt.extra.get("after") else None
        if after is not None:  # "55-plus shoppers", "55 and over customers"
            nxt = items[idx + 2] if idx + 2 < len(items) else None
        people = nxt is not None and (nxt.kind == "PERSON" or (nxt.kind == "FILL" and nxt.text.lower() in AGE_PEOPLE))
        alone = bare and compared and all(it.kind in ("CMP", "NUM", "FILL", "PERSON") for it in items) \
            and len(of_kind(items, "NUM")) == 1
        if n.extra.get("age_plural") or (people and (compared or after or n.extra.get("plus"))) or alone:
            scope = [prev, n] if compared and prev is not None else ([n, after] if after is not None else [n])
            node = age_condition(ctx, scope)
            if node is not None:
                for it in items:
                    if it.kind == "FILL" and it.text.lower() in AGE_PEOPLE:
                        it.used = True
                return node
    return None


def only_category(items: list[Item], cats: list[Item], windows: bool) -> dict[str, Any] | None:
    """"only bought Outdoor", "bought only from Outdoor": one category and no other (lifetime), so the
    number of categories bought is 1. With a window or several categories it cannot be said exactly:
    "only" stays unused and the parser asks."""
    only = [it for it in of_kind(items, "CMP") if it.text.lower() == "only" and not it.used]
    if not only or len(cats) != 1 or windows or len(cats[0].value if isinstance(cats[0].value, tuple) else [1]) != 1:
        return None
    if not any(it.i > only[0].i for it in cats + of_kind(items, "WEAK")):
        return None
    only[0].used = True
    return cond("distinct_categories", "=", 1)


def share_window(items: list[Item], ctx: Context) -> bool:
    """"..., both in the last 180 days" / "all of them since March": a clause that is only a scope word and a
    window gives that window to every earlier condition that counts or sums without one."""
    scope = [s for s in of_kind(items, "SCOPE") if not s.used]
    windows = [w for w in of_kind(items, "WINDOW") if w.extra["direction"] != "future" and not w.used]
    if not scope or not windows or any(it.kind not in ("SCOPE", "WINDOW", "FILL", "PERSON") for it in items):
        return False
    targets = [m for m in ctx.measures if "days" in CATALOGUE[m["field"]].params
               and not any(k in m["node"] for k in ("days", "from", "to"))]
    if len(targets) < 2 and len(ctx.measures) < 2:
        return False
    for m in targets:
        m["node"]["days"] = int(windows[0].value)
    scope[0].used = windows[0].used = True
    return True


def age_after_are(items: list[Item], ctx: Context) -> dict[str, Any] | None:
    """"Champions who are over 50", "customers who are 55+": a bare age after "who are"."""
    first = items[0].i
    if first == 0 or ctx.tokens[first - 1].norm not in ("are", "is", "who're", "aged") or not ctx.age_bands:
        return None
    if any(it.kind not in ("CMP", "NUM", "FILL", "AGECUE") for it in items):
        return None
    nums = [n for n in of_kind(items, "NUM") if not any(n.extra.get(k) for k in ("money", "percent", "days",
                                                                                   "unit_field", "adverb"))]
    if len(nums) != 1 or not (16 <= nums[0].value <= 100):
        return None
    return age_condition(ctx, items)


def person_before_number(items: list[Item]) -> bool:
    """A person word right before the clause's first number or comparison ("members over 60")."""
    for idx, it in enumerate(items):
        if it.kind in ("NUM", "CMP"):
            prev = [p for p in items[:idx] if p.kind not in ("FILL",)]
            return bool(prev) and prev[-1].kind == "PERSON"
    return False


def age_after_person(items: list[Item], ctx: Context) -> dict[str, Any] | None:
    """"Garden buyers over 55", "members under 25": a bare age right after a person word."""
    for idx, it in enumerate(items):
        if it.kind != "CMP" or not it.extra.get("before") or idx == 0 or idx + 1 >= len(items):
            continue
        prev, num = items[idx - 1], items[idx + 1]
        person = prev.kind == "PERSON" or (prev.kind == "WEAK" and prev.text.lower().endswith(("ers", "ers'")))
        plain = num.kind == "NUM" and not any(num.extra.get(k) for k in ("money", "percent", "adverb", "unit_field",
                                                                           "days"))
        measured = idx + 2 < len(items) and items[idx + 2].kind in ("CUE", "WEAK") and items[idx + 2].field
        if person and plain and not measured and 16 <= num.value <= 100 and float(num.value).is_integer() \
                and ctx.age_bands:  # ("members more than 30 days overdue": the number is the measure's)
            return age_condition(ctx, [it, num])
    for idx, it in enumerate(items[1:], start=1):  # "65 and older", "25 or younger": the comparator names ages
        num = items[idx - 1]
        if it.kind == "CMP" and it.text.lower().endswith(("older", "younger")) and num.kind == "NUM" \
                and not num.used and 16 <= num.value <= 100 and ctx.age_bands:
            for cue in of_kind(items, "AGECUE"):
                cue.used = True  # "aged 65 and older"
            return age_condition(ctx, [num, it])
    return None


def band_range(items: list[Item], band: Item, order: tuple[str, ...]) -> tuple[str, ...]:
    """"medium or higher" -> medium, high (levels are ordered low to high in the catalogue)."""
    values = values_of(band)
    idx = items.index(band)
    nxt = items[idx + 1] if idx + 1 < len(items) else None
    if nxt is None or nxt.kind != "CMP" or not nxt.extra.get("after") or len(values) != 1 or values[0] not in order:
        return values
    nxt.used = True
    pos = order.index(values[0])
    return order[pos:] if nxt.extra["after"] in (">=", ">") else order[:pos + 1]


def age_range_after_cue(items: list[Item], ctx: Context) -> list[dict[str, Any]]:
    """"Electronics buyers aged 25-44", "Cyber Monday buyers aged 25-44": the range right after "aged" is the
    age, not a count of the orders the clause is also about."""
    for cue in of_kind(items, "AGECUE"):
        after = [it for it in items if it.kind == "RANGE" and not it.used and it.i == cue.j]
        if after and any(it.kind in ("VAL", "DATE") for it in items):
            node = age_condition(ctx, [cue, after[0]])
            if node is not None:
                cue.used = True
                return [node]
    return []
