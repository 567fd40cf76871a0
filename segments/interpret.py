"""Turn one clause of tagged items into conditions (the grammar's semantic rules).

A clause is what lies between separators ("," "and" "who" "with"...). It yields attribute
conditions (city, channel, RFM segment...) plus at most one *measure*: a field named by a cue
("spent", "churn risk", "last order"), completed by the clause's comparator, number, band, window,
date and product categories. Items that a rule consumes are marked ``used``; the parser reports
the rest as not understood.
"""

from __future__ import annotations

from typing import Any

from segments.conditions import (
    ATTRIBUTES,
    BAND_SIBLING,
    COUNT_FIELDS,
    NUMBER_SIBLING,
    Context,
    age_condition,
    comparator_for,
    cond,
    date_condition,
    date_prep,
    date_window,
    free_items,
    is_negated,
    negate,
    number_condition,
    of_kind,
    values_of,
)
from segments.fields import CATALOGUE
from segments.tagger import Item


def _pick_field(items: list[Item], ctx: Context) -> tuple[str | None, Item | None]:
    for kind in ("CUE", "WEAK"):
        cues = of_kind(items, kind)
        if cues:
            return cues[0].field, cues[0]
    for n in free_items(items, "NUM"):
        if n.extra.get("unit_field"):
            return n.extra["unit_field"], None
    if any(it.extra.get("money") for it in free_items(items, "NUM", "RANGE")):
        return "spend", None
    return None, None


def _phrase_after(items: list[Item], cue: Item) -> str:
    words = [w.text for w in items if w.kind == "WORD" and w.i >= cue.j]
    return " ".join(words)


def _similar_field(items: list[Item], ctx: Context, want_band: bool, extra: list[Item] | None = None,
                   unless: str | None = None) -> str | None:
    """The catalogue field closest to the clause's unknown words (MiniLM), or None below the threshold."""
    words = [w for w in items if w.kind == "WORD" and not w.used]
    if not words or ctx.matcher is None:
        return None
    phrase = " ".join(w.text for w in sorted(words + (extra or []), key=lambda w: w.i))
    kinds = ("choice",) if want_band else ("integer", "number", "date")
    match = ctx.matcher(phrase, kinds)
    if match is None:
        return None
    name, score = match
    for w in words:
        w.used = True
    if name == unless:
        return name
    ctx.similar.append({"words": phrase, "field": name, "similarity": round(score, 3)})
    ctx.notes.append(f"'{phrase}' read as field '{CATALOGUE[name].label}' by similarity ({score:.2f}); check it")
    return name


def interpret_clause(items: list[Item], ctx: Context) -> list[dict[str, Any]]:
    """Conditions (definition dicts) for one clause; marks the items it used."""
    nodes: list[dict[str, Any]] = []
    for it in of_kind(items, "VAL", "CLUSTER"):
        if it.field not in (*ATTRIBUTES, "cluster"):
            continue
        values = values_of(it)
        node = cond(it.field, "in" if len(values) > 1 else "=", values if len(values) > 1 else values[0])
        it.used = True
        if it.field == "age_band":
            for cue in of_kind(items, "AGECUE"):
                cue.used = True
        nodes.append(negate(node) if is_negated(items, it.i) else node)
    age = _age_after_person(items, ctx)
    if age is not None:
        nodes.append(age)
    cats = of_kind(items, "VAL")
    cats = [c for c in cats if c.field == "category"]
    category = tuple(v for c in cats for v in values_of(c)) or None
    windows = of_kind(items, "WINDOW")
    for imp in of_kind(items, "IMPLIED"):
        fld = imp.field
        assert fld is not None, "an IMPLIED item always names its field"
        op, value = imp.value
        spec = CATALOGUE[fld]
        days = None
        if "days" in spec.params and windows and windows[0].extra["direction"] != "future":
            days = windows[0].value
            windows[0].used = True
        cat = category if "category" in spec.params else None
        for c in cats if cat else ():
            c.used = True
        imp.used = True
        for other in of_kind(items, "CUE", "WEAK", "PRED"):
            if other.field in (fld, None) or other.kind == "WEAK":
                other.used = True
        neg = is_negated(items, imp.i)
        node = cond(fld, op, value, cat, days)
        nodes.append(negate(node) if neg else node)
        if cat:
            ctx.template = {"field": fld, "op": op, "value": value, "days": days, "negated": neg, "category": cat}
    if of_kind(items, "IMPLIED"):
        return nodes
    measure = _measure(items, ctx, category, cats)
    if measure is not None:
        nodes.append(measure)
    return nodes


def _measure(items: list[Item], ctx: Context, category: Any, cats: list[Item]) -> dict[str, Any] | None:
    fld, cue = _pick_field(items, ctx)
    windows = of_kind(items, "WINDOW")
    bands = of_kind(items, "BAND")
    has_number = bool(free_items(items, "NUM", "RANGE"))
    pending = ctx.pending
    if pending is not None and cue is None and has_number and not cats and fld in (None, pending["field"]):
        ctx.pending = None  # "Electronics spend over the past year (over 800)": the number comes later
        return number_condition(pending["field"], items, ctx, pending["category"], pending["days"],
                                pending["negated"], pending.get("window"))
    if fld == "signup_date" and cue is not None and any(it.kind == "VAL" and it.field == "channel" for it in items) \
            and not (windows or of_kind(items, "DATE", "AGO")):
        cue.used = True  # "joined via paid search": the channel says it all
        return None
    if fld is None:
        if of_kind(items, "AGECUE") or (has_number and _person_before_number(items)):
            node = age_condition(ctx, items)
            if node is not None:
                return node
        elliptic = all(it.kind in ("VAL", "NEG", "FILL", "PERSON", "WINDOW") for it in items)
        if (cats or windows) and elliptic and ctx.template is not None:
            # "bought Kitchen and Home", "bought Pets but not Garden", "... but not in the last 2 weeks"
            t = ctx.template
            for it in cats + windows[:1]:
                it.used = True
            days = windows[0].value if windows else t["days"]
            node = cond(t["field"], t["op"], t["value"], category or t.get("category"), days,
                        None if windows else t.get("window"))
            anchor = (cats or windows)[0].i
            return negate(node) if is_negated(items, anchor + 1) != t.get("negated", False) else node
        if cats:
            fld = "orders"
        elif has_number or bands:
            fld = _similar_field(items, ctx, want_band=bool(bands) and not has_number)
        if fld is None:
            return None
    words = [w for w in of_kind(items, "WORD") if not w.used]
    if cue is not None and cue.kind == "WEAK" and words:
        if has_number:  # "interval between purchases under 20 days": the weak verb is part of a phrase
            better = _similar_field(items, ctx, want_band=False, extra=[cue], unless=fld)
            if better is not None and better != fld:
                fld, cue = better, None
        elif not cats and any(w.i == cue.j for w in words) and "category" in CATALOGUE[fld].params:
            ctx.notes.append(f"'{_phrase_after(items, cue)}' is not a known product category; "
                             "use a category name from the catalogue")
            return None  # "bought Camping gear": do not guess the category
    if cue is not None:
        cue.used = True
    for other in of_kind(items, "CUE", "WEAK"):
        if other.field == fld or other.kind == "WEAK":
            other.used = True
    preds = of_kind(items, "PRED")
    if preds and fld == "orders":
        future = [w for w in windows if w.extra["direction"] in ("future", "any")]
        if has_number:
            fld = "expected_orders_90d" if future and future[0].value <= 120 else "expected_orders_365d"
            for w in future[:1]:
                w.used = True
        else:
            fld = "expected_next_order_date"
    elif preds and fld == "spend":
        fld = "predicted_clv_365d"
    trends = [t for t in of_kind(items, "TREND") if not t.used]
    if trends and fld in ("spend", "orders") and not has_number:
        trends[0].used = True  # "spending is declining"
        node = cond("spend_trend" if fld == "spend" else "order_trend", trends[0].value, 0)
        return negate(node) if is_negated(items, trends[0].i) else node
    if fld in BAND_SIBLING and bands and not has_number:
        fld = BAND_SIBLING[fld]
    elif fld in NUMBER_SIBLING and has_number and not bands:
        fld = NUMBER_SIBLING[fld]
    dated = free_items(items, "DATE")
    since = fld == "orders" and bool(dated) and date_prep(ctx, dated[0]) in ("since", "after")
    if fld == "orders" and dated and since and not free_items(items, "NUM", "RANGE"):
        fld = "last_order_date"  # "bought Toys since March" / "haven't ordered since 1 May 2024"
        if is_negated(items, (cue.i if cue is not None else items[0].i) + 1):
            node = date_condition(fld, items, ctx, category)
            if node is not None and node["op"] in (">=", ">"):
                node["op"] = "<" if node["op"] == ">=" else "<="
                return node
            return negate(node) if node is not None else None
    spec = CATALOGUE[fld]
    if spec.source == "predictions":
        for p in preds:
            p.used = True
    anchor = cue.i if cue is not None else (cats[0].i if cats else items[0].i)
    negated = is_negated(items, anchor + 1)
    cat = category if "category" in spec.params else None
    for c in cats if cat else ():
        c.used = True
    if spec.type == "choice":
        values = tuple(dict.fromkeys(v for b in bands for v in _band_range(items, b, spec.choices)))
        if not values:
            ctx.notes.append(f"'{spec.label}' needs a level ({', '.join(spec.choices)})")
            return None
        for b in bands:
            b.used = True
        node = cond(fld, "in" if len(values) > 1 else "=", values if len(values) > 1 else values[0])
        return negate(node) if negated else node
    if spec.type == "date":
        node = date_condition(fld, items, ctx, cat)
        return negate(node) if (node is not None and negated) else node
    zero = [n for n in of_kind(items, "NEG") if n.text.lower() in ("nothing", "zero", "none")
            and cue is not None and n.i == cue.j]
    if zero and not has_number and spec.type == "number":
        zero[0].used = True  # "spent nothing on Fashion"
        negated = False
        items = [*items, Item("NUM", zero[0].i, zero[0].j, zero[0].text, value=0, extra={}, used=False)]
    if fld == "predicted_clv_365d" and cue is not None:
        horizon = [n for n in free_items(items, "NUM") if "days" in n.extra and n.j == cue.i]
        if horizon and horizon[0].extra["days"] in (90, 360, 365):
            horizon[0].used = True  # "predicted 12 month value", "predicted 90-day spend"
            if horizon[0].extra["days"] == 90:
                fld, spec = "predicted_spend_90d", CATALOGUE["predicted_spend_90d"]
    days = None
    window = None
    if "days" in spec.params and free_items(items, "DATE"):
        # "bought Outdoor in May 2026", "spent over 200 between March and May": an absolute window
        # on the count or sum (not the last order date, which would drop members who bought again later)
        window = date_window(ctx, free_items(items, "DATE")[0])
    elif "days" in spec.params:
        past = [w for w in windows if w.extra["direction"] != "future"]
        day_nums = [n for n in free_items(items, "NUM") if "days" in n.extra]
        if past:
            days = past[0].value
            past[0].used = True
        elif day_nums and negated and fld in COUNT_FIELDS:
            days = day_nums[0].extra["days"]  # "no order for over 90 days"
            day_nums[0].used = True
            comparator_for(items, day_nums[0])
    if negated and fld == "orders" and not cat and days is not None and not free_items(items, "RANGE") \
            and not [n for n in free_items(items, "NUM") if not n.used]:
        return cond("last_order_date", "more_than_days_ago", days)
    node = number_condition(fld, items, ctx, cat, days, negated, window)
    if node is None:
        ctx.pending = {"field": fld, "category": cat, "days": days, "negated": negated, "window": window,
                       "items": [it for it in items if it.used]}
        return None
    if cat:
        inner = node.get("not", node)
        ctx.template = {"field": fld, "op": inner["op"], "value": inner["value"], "days": days, "negated": negated,
                        "category": cat, "window": window}
    return node


def _person_before_number(items: list[Item]) -> bool:
    for idx, it in enumerate(items):
        if it.kind in ("NUM", "CMP"):
            prev = [p for p in items[:idx] if p.kind not in ("FILL",)]
            return bool(prev) and prev[-1].kind == "PERSON"
    return False


def _age_after_person(items: list[Item], ctx: Context) -> dict[str, Any] | None:
    """"Garden buyers over 55", "members under 25": a bare age right after a person word."""
    for idx, it in enumerate(items):
        if it.kind != "CMP" or not it.extra.get("before") or idx == 0 or idx + 1 >= len(items):
            continue
        prev, num = items[idx - 1], items[idx + 1]
        person = prev.kind == "PERSON" or (prev.kind == "WEAK" and prev.text.lower().endswith(("ers", "ers'")))
        plain = num.kind == "NUM" and not any(num.extra.get(k) for k in ("money", "percent", "adverb", "unit_field",
                                                                           "days"))
        if person and plain and 16 <= num.value <= 100 and float(num.value).is_integer() and ctx.age_bands:
            return age_condition(ctx, [it, num])
    return None


def _band_range(items: list[Item], band: Item, order: tuple[str, ...]) -> tuple[str, ...]:
    """"medium or higher" -> medium, high (levels are ordered low to high in the catalogue)."""
    values = values_of(band)
    idx = items.index(band)
    nxt = items[idx + 1] if idx + 1 < len(items) else None
    if nxt is None or nxt.kind != "CMP" or not nxt.extra.get("after") or len(values) != 1 or values[0] not in order:
        return values
    nxt.used = True
    pos = order.index(values[0])
    return order[pos:] if nxt.extra["after"] in (">=", ">") else order[:pos + 1]
