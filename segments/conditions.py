"""Building single conditions from a clause's tagged items: numbers with comparators, dates and
windows, ages from bands. Used by :mod:`segments.interpret`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.tagger import Item

ATTRIBUTES = ("city", "country", "channel", "age_band", "rfm_segment")
COUNT_FIELDS = ("orders", "returns", "reviews", "low_ratings", "distinct_categories", "distinct_products")
PROBABILITY_FIELDS = tuple(f.name for f in CATALOGUE.values() if f.unit == "probability")
BAND_SIBLING = {"predicted_clv_365d": "clv_tier", "churn_probability": "churn_band"}
NUMBER_SIBLING = {"clv_tier": "predicted_clv_365d", "churn_band": "churn_probability"}
DATE_PREP_WORDS = {
    ("before",): "before", ("prior", "to"): "before", ("earlier", "than"): "before", ("until",): "until",
    ("till",): "until", ("by",): "until", ("after",): "after", ("later", "than"): "after",
    ("since",): "since", ("from",): "since", ("on",): "on", ("in",): "on", ("during",): "on",
}


@dataclass
class Context:
    """State carried across clauses: the last measure, for "bought Kitchen and Home"."""

    template: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    similar: list[dict[str, Any]] = field(default_factory=list)
    matcher: Any = None
    age_bands: tuple[str, ...] = ()
    tokens: list[Any] = field(default_factory=list)
    all_items: list[Item] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    """A measure still waiting for its number ("Electronics spend over the past year (over 800)")."""
    questions: list[dict[str, Any]] = field(default_factory=list)
    """What to ask the operator: ``about`` (words), ``text``, ``options`` ((label, phrase or None) pairs), ``kind``."""
    last_window: tuple[int | None, tuple[str | None, str | None] | None] | None = None
    """The time window of the last measure (for "in the same period")."""
    last_field: str | None = None
    """The field of the last measure (for "over 300 last year or over 150 this year")."""
    ref_date: Any = None
    frame: dict[str, Any] | None = None
    """The product categories and period of the last measure that had any (``category``, ``days``,
    ``window``), for "spent under 20 there" / "on it" (:mod:`segments.anaphora`)."""
    readings: list[str] = field(default_factory=list)
    """How words were read by a rule, for the read-back ("'there' read as ...")."""
    measures: list[dict[str, Any]] = field(default_factory=list)
    """Every count, sum or score built so far, in sentence order: ``node`` (the condition, mutable),
    ``field``, ``first`` / ``last`` (token span of its clause), ``window`` (the window or period item it
    took, if any) and ``explicit`` (the clause says "lifetime", "in total"...)."""


def cond(fld: str, op: str, value: Any, category: Any = None, days: int | None = None,
         window: tuple[str | None, str | None] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": fld}
    if category:
        out["category"] = list(category) if len(category) > 1 else category[0]
    if days is not None:
        out["days"] = int(days)
    if window is not None:
        if window[0] is not None:
            out["from"] = window[0]
        if window[1] is not None:
            out["to"] = window[1]
    out["op"] = op
    out["value"] = list(value) if isinstance(value, tuple) else value
    return out


def negate(node: dict[str, Any]) -> dict[str, Any]:
    return {"not": node}


def of_kind(items: list[Item], *kinds: str) -> list[Item]:
    return [it for it in items if it.kind in kinds]


def free_items(items: list[Item], *kinds: str) -> list[Item]:
    return [it for it in items if it.kind in kinds and not it.used]


def values_of(it: Item) -> tuple[Any, ...]:
    return it.value if isinstance(it.value, tuple) else (it.value,)


def is_negated(items: list[Item], pos: int) -> bool:
    negs = [n for n in of_kind(items, "NEG") if n.i < pos]
    for n in negs:
        n.used = True
    return len(negs) % 2 == 1


def comparator_for(items: list[Item], num: Item) -> str | None:
    """The comparator attached to ``num``: just before it (fillers allowed between) or just after."""
    idx = items.index(num)
    for it in reversed(items[:idx]):
        if it.kind == "CMP" and it.extra.get("before"):
            it.used = True
            return it.extra["before"]
        if it.kind not in ("FILL", "PERSON", "NEG"):
            break
    for it in items[idx + 1:]:
        if it.kind == "CMP" and it.extra.get("after"):
            it.used = True
            return it.extra["after"]
        if it.kind not in ("FILL",):
            break
    for it in reversed(items[:idx]):  # "only ordered once", "exactly bought 3 times"
        if it.kind == "CMP" and it.text.lower() in ("only", "exactly") and not it.used:
            it.used = True
            return "="
        if it.kind not in ("FILL", "PERSON", "WEAK", "CUE"):
            break
    return None


def band_bounds(band: str) -> tuple[int, int] | None:
    text = band.strip()
    if text.endswith("+") and text[:-1].isdigit():
        return int(text[:-1]), 200
    parts = text.split("-")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def age_condition(ctx: Context, items: list[Item]) -> dict[str, Any] | None:
    bands = [(b, lh) for b in ctx.age_bands if (lh := band_bounds(b))]
    rng = free_items(items, "RANGE")
    nums = [n for n in free_items(items, "NUM") if not any(n.extra.get(k) for k in (
        "money", "percent", "days", "unit_field", "adverb"))]  # "members for more than two years" is no age
    chosen: list[str] = []
    if rng:
        lo, hi = rng[0].value
        inside = [b for b, (bl, bh) in bands if bl >= lo and bh <= hi]
        overlap = [b for b, (bl, bh) in bands if bl <= hi and bh >= lo]
        chosen = overlap
        if inside != overlap:  # "30-40", "in their 40s": the bands do not line up with the ages asked for
            ctx.questions.append({
                "about": rng[0].text, "kind": "age",
                "text": f"ages are known only in bands ({', '.join(b for b, _ in bands)}); '{rng[0].text}' does not "
                        f"line up with them. I used {' and '.join(overlap)}; which bands do you mean?",
                "options": [(" and ".join(overlap), None)] + ([(" and ".join(inside), None)] if inside else [])})
        rng[0].used = True
    elif nums:
        n = nums[0]
        age = n.value
        op = comparator_for(items, n) or (">=" if n.extra.get("plus") else "=")
        if op in (">", ">="):
            chosen = [b for b, (bl, _) in bands if bl >= age]
        elif op == "<":
            chosen = [b for b, (_, bh) in bands if bh < age]
        elif op == "<=":
            chosen = [b for b, (_, bh) in bands if bh <= age]
        else:
            chosen = [b for b, (bl, bh) in bands if bl <= age <= bh]
            if chosen and band_bounds(chosen[0]) != (age, age):
                ctx.questions.append({"about": n.text, "kind": "age", "options": [(f"the {chosen[0]} band", None)],
                                      "text": f"ages are known only in bands; {age:g} is in the {chosen[0]} band, "
                                              "which also holds other ages. Use that band?"})
        straddle = [b for b, (bl, bh) in bands if bl < age < bh and b not in chosen]
        if straddle and op != "=":
            ctx.notes.append(f"ages are known only in bands; band {straddle[0]} straddles {age:g} and is left out")
            ctx.questions.append({
                "about": n.text, "kind": "age",
                "text": f"ages are known only in bands; band {straddle[0]} straddles {age:g}. I left it out; "
                        "include it?", "options": [(f"without {straddle[0]}", None), (f"with {straddle[0]}", None)]})
        n.used = True
    if not chosen:
        return None
    for it in of_kind(items, "AGECUE"):
        it.used = True
    return cond("age_band", "in" if len(chosen) > 1 else "=", tuple(chosen) if len(chosen) > 1 else chosen[0])


def number_condition(fld: str, items: list[Item], ctx: Context, category: Any, days: int | None,
                      negated: bool, window: tuple[str | None, str | None] | None = None) -> dict[str, Any] | None:
    spec = CATALOGUE[fld]
    money_ok = spec.unit == "currency"  # "returns over £100": an amount is no count (left unused, so asked)
    rng = [r for r in free_items(items, "RANGE") if money_ok or not r.extra.get("money")]
    nums = [n for n in free_items(items, "NUM") if ("days" not in n.extra or spec.unit == "days")
            and (money_ok or not n.extra.get("money"))]

    def scale(v: float, percent: bool) -> float:
        if percent and fld not in PROBABILITY_FIELDS:  # "more than 50% of spend on Fashion": no share field
            ctx.questions.append({"about": f"{v:.0%}", "kind": "unknown", "options": [],
                                  "text": f"'{spec.label}' is not a share, so a percentage ({v:.0%}) cannot be "
                                          "compared with it; shares of spend or orders are not recorded. Give an "
                                          "amount or count instead?"})
        if fld in PROBABILITY_FIELDS and not percent and v > 1:
            ctx.notes.append(f"{v:g} read as {v:g}% for {spec.label}")
            return v / 100
        return v

    if rng:
        lo, hi = (scale(v, bool(rng[0].extra.get("percent"))) for v in rng[0].value)
        rng[0].used = True
        node = cond(fld, "between", (_num(lo, spec.type), _num(hi, spec.type)), category, days, window)
    elif nums:
        n = nums[0]
        n.used = True
        op = comparator_for(items, n)
        if op is None and fld in COUNT_FIELDS and float(n.value).is_integer() and 1990 <= n.value <= 2035:
            ctx.questions.append({"about": n.text, "kind": "date", "options": [],  # "customers with 2025 orders"
                                  "text": f"'{n.text}' reads like a year; I read it as a count of {n.text}. Did you "
                                          f"mean {spec.label} in {n.text}?"})
        if op is None and fld in COUNT_FIELDS and (n.extra.get("singular") or n.value == 0):
            op = "="  # "with 1 order": exactly one; "with 0 orders": none
        if op is None and spec.type == "number" and not n.extra.get("plus") and n.value != 0:
            op = ">="  # "spent £500": at least, most likely; but it is a guess, so ask
            ctx.questions.append({"about": n.text, "kind": "comparison", "options": [
                (f"{spec.label} at least {n.text}", None), (f"{spec.label} exactly {n.text}", None)],
                "text": f"'{n.text}' has no 'over', 'under' or 'exactly'; I read {spec.label} as at least "
                        f"{n.text}. Is that right?"})
        if op is None:
            op = ">=" if (n.extra.get("plus") or fld in COUNT_FIELDS) else "="
        op = _worse_means(fld, op, items, n)
        value = n.extra["days"] if spec.unit == "days" and "days" in n.extra else n.value
        node = cond(fld, op, _num(scale(value, bool(n.extra.get("percent"))), spec.type), category, days, window)
    elif fld in COUNT_FIELDS:
        node = cond(fld, ">=", 1, category, days, window)
    else:
        return None  # the caller keeps it pending: a later clause may give the number
    return negate(node) if negated else node


def _worse_means(fld: str, op: str, items: list[Item], n: Item) -> str:
    """"order trend -2 or worse" is at most -2; "churn probability 0.7 or worse" is at least 0.7."""
    from memberinsight.segments.lexicon import HIGHER_IS_WORSE

    said = [c for c in items if c.kind == "CMP" and c.used and c.i == n.j
            and c.text.lower().split()[-1] in ("worse", "better")]
    if said and fld in HIGHER_IS_WORSE and op in (">=", "<="):
        return "<=" if op == ">=" else ">="
    return op


def _num(v: float, kind: str) -> Any:
    if kind == "integer" or float(v).is_integer():
        return int(v)
    return round(float(v), 6)


def date_prep(ctx: Context, item: Item) -> str | None:
    """The date preposition before a DATE item (before, after, since, until, on), marking it used.
    "from" before a whole period ("signups from Q4 2025", "from Black Friday") means during it."""
    for size in (2, 1):
        key = tuple(ctx.tokens[k].norm for k in range(item.i - size, item.i) if k >= 0)
        if len(key) == size and key in DATE_PREP_WORDS:
            for w in ctx.all_items:
                if item.i - size <= w.i < item.i:
                    w.used = True
            if key == ("from",) and item.extra.get("precision") in ("quarter", "week", "holiday"):
                return "on"
            return DATE_PREP_WORDS[key]
    return item.extra.get("prep")


def date_window(ctx: Context, item: Item) -> tuple[str | None, str | None]:
    """A DATE item as an absolute ``(from, to)`` window for counts and sums (inclusive; None = open).

    "in/during May 2026" and "between March and May" cover the whole span; "since" / "after" open
    it at the start / the day after; "before" / "until" close it the day before / at the end."""
    from datetime import timedelta

    item.used = True
    start, end = item.value
    prep = date_prep(ctx, item)
    if prep == "before":
        return None, (start - timedelta(days=1)).isoformat()
    if prep == "after":
        return (end + timedelta(days=1)).isoformat(), None
    if prep == "since":
        return start.isoformat(), None
    if prep == "until":
        return None, end.isoformat()
    return start.isoformat(), end.isoformat()


def date_condition(fld: str, items: list[Item], ctx: Context, category: Any) -> dict[str, Any] | None:
    windows, agos, dates = of_kind(items, "WINDOW"), of_kind(items, "AGO"), of_kind(items, "DATE")
    day_nums = [n for n in free_items(items, "NUM") if "days" in n.extra]
    if windows:
        w = windows[0]
        w.used = True
        future = w.extra["direction"] == "future" or (fld == "expected_next_order_date" and w.extra["direction"] == "any")
        return cond(fld, "in_next_days" if future else "in_last_days", w.value, category)
    if agos or day_nums:
        a = agos[0] if agos else day_nums[0]
        a.used = True
        op = comparator_for(items, a) if a.kind == "NUM" else _cmp_before(items, a)
        days = a.value if a.kind == "AGO" else a.extra["days"]
        if op in ("<", "<="):
            return cond(fld, "in_last_days", days, category)
        if op is None:  # "signed up 2 years ago": about then, or longer ago? asked
            ctx.questions.append({"about": a.text, "kind": "comparison", "options": [
                (f"more than {days} days ago", None), (f"within the last {days} days", None)],
                "text": f"'{a.text}' has no 'more than' or 'less than'; I read it as more than {days} days ago. "
                        "Is that right, or do you mean a period (e.g. 'in 2024')?"})
        return cond(fld, "more_than_days_ago", days, category)
    if dates:
        d = dates[0]
        d.used = True
        start, end = d.value
        prep = date_prep(ctx, d)
        if prep == "before":
            return cond(fld, "<", start.isoformat(), category)
        if prep == "after":
            return cond(fld, ">", end.isoformat(), category)
        if prep == "since":
            return cond(fld, ">=", start.isoformat(), category)
        if prep == "until":
            return cond(fld, "<=", end.isoformat(), category)
        if start == end:
            return cond(fld, "=", start.isoformat(), category)
        return cond(fld, "between", (start.isoformat(), end.isoformat()), category)
    ctx.notes.append(f"'{CATALOGUE[fld].label}' needs a date or a time window (e.g. 'in the last 30 days')")
    return None


def _cmp_before(items: list[Item], item: Item) -> str | None:
    idx = items.index(item)
    for it in reversed(items[:idx]):
        if it.kind == "CMP" and it.extra.get("before"):
            it.used = True
            return it.extra["before"]
        if it.kind not in ("FILL", "NEG"):
            return None
    return None
