"""Turn one clause of tagged items into conditions (the grammar's semantic rules).

A clause is what lies between separators ("," "and" "who" "with"...). It yields attribute
conditions (city, channel, RFM segment...) plus at most one *measure*: a field named by a cue
("spent", "churn risk", "last order"), completed by the clause's comparator, number, band, window,
date and product categories. Items that a rule consumes are marked ``used``; the parser reports
the rest as not understood.
"""

from __future__ import annotations

from typing import Any

from memberinsight.segments import anaphora, clause_rules, rules
from memberinsight.segments.conditions import (
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
from memberinsight.segments.doubts import category_gap_question
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.lists import COORDINATORS
from memberinsight.segments.memory import record as _record
from memberinsight.segments.memory import share_window as _share_window
from memberinsight.segments.tagger import Item


def _pick_field(items: list[Item], ctx: Context) -> tuple[str | None, Item | None]:
    cues = of_kind(items, "CUE")
    if cues:
        return cues[0].field, cues[0]
    weak = of_kind(items, "WEAK") + [d for d in of_kind(items, "DESC") if d.field and not d.used]
    units = [n.extra["unit_field"] for n in free_items(items, "NUM") if n.extra.get("unit_field")]
    if weak and units and units[0] not in (weak[0].field, "orders"):
        weak[0].used = True  # "bought from 5+ categories": the counted unit names the field
        return units[0], None
    if weak:
        return weak[0].field, weak[0]
    if units:
        return units[0], None
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
    if clause_rules.share_window(items, ctx):  # "..., both in the last 180 days"
        return nodes
    nodes += clause_rules.rfm_nodes(items)
    nodes += clause_rules.age_range_after_cue(items, ctx)  # "Electronics buyers aged 25-44"
    for it in of_kind(items, "VAL", "CLUSTER"):
        if it.field not in (*ATTRIBUTES, "cluster"):
            continue
        values = values_of(it)
        node = cond(it.field, "in" if len(values) > 1 else "=", values if len(values) > 1 else values[0])
        it.used = True
        if it.field == "age_band":
            for cue in of_kind(items, "AGECUE"):
                cue.used = True
            for word in of_kind(items, "WORD"):  # "45-54 or 55-64 years"
                if word.i == it.j and word.text.lower() in ("years", "yrs", "year", "yo", "y/o"):
                    word.used = True
        nodes.append(negate(node) if _attribute_negated(items, it) else node)
    age = clause_rules.age_after_person(items, ctx) or clause_rules.age_after_are(items, ctx) or clause_rules.age_people(
        items, ctx, bare=ctx.last_field is None and ctx.pending is None)
    if age is not None:
        nodes.append(age)
    cats = of_kind(items, "VAL")
    cats = [c for c in cats if c.field == "category"]
    category = tuple(v for c in cats for v in values_of(c)) or None
    for scope in of_kind(items, "SCOPE"):  # "bought both Kitchen and Home", "in each of Q1 and Q2"
        nxt = [it for it in items if it.i >= scope.j and it.kind != "FILL"]
        if nxt and nxt[0].kind in ("VAL", "DATE") and (nxt[0].kind == "DATE" or nxt[0].field == "category"):
            scope.used = True
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
            if other.field in (fld, None) or other.kind == "WEAK" or rules.related(other.field, fld):
                other.used = True
        if fld in rules.CHURN_FIELDS:
            rules.horizon_field(fld, items, ctx)  # "likely to churn in the next 30 days": no such horizon
        neg = is_negated(items, imp.i)
        by = [n for n in free_items(items, "NUM") if (n.i > imp.i or n.j == imp.i) and spec.unit == "days"
              and "days" in n.extra]  # "overdue by more than 30 days", "two weeks overdue"
        if by:  # "overdue by more than 30 days": the number refines the implied test
            by[0].used = True
            op, value = comparator_for(items, by[0]) or ">=", by[0].extra["days"]
        node = cond(fld, op, value, cat, days)
        nodes.append(negate(node) if neg else node)
        if cat:
            ctx.template = {"field": fld, "op": op, "value": value, "days": days, "negated": neg, "category": cat}
        anaphora.remember(ctx, cat, days, None)
    if of_kind(items, "IMPLIED"):
        rest = [it for it in items if not it.used]
        if not any(it.kind in ("CUE", "BAND", "NUM", "RANGE") for it in rest):
            return nodes
        items = rest  # "likely to churn with a CLV over 500": the rest is another condition
        cats = [c for c in of_kind(items, "VAL") if c.field == "category"]
        category = tuple(v for c in cats for v in values_of(c)) or None
    measure = clause_rules.expand_shared(_measure(items, ctx, category, cats), items)
    if measure is not None:
        nodes.append(measure)
        named = [c for c in cats if not c.used and any(
            p.i == c.j and (p.kind == "PERSON" or (p.kind == "WEAK" and p.field == "orders")) for p in items)]
        if named and "category" not in CATALOGUE[measure.get("field", "orders")].params:
            # "Kitchen customers in the high churn band": the category says who they are (bought it); the
            # measure cannot take it, so it is a condition of its own, as "Kitchen customers" alone is
            for c in named:
                c.used = True
                for p in items:
                    if p.i == c.j and p.kind == "WEAK":
                        p.used = True
            nodes.append(cond("orders", ">=", 1, tuple(v for c in named for v in values_of(c))))
        if measure.get("field") == "orders" and measure.get("category"):
            dated = bool(of_kind(items, "WINDOW", "DATE", "AGO"))
            only = clause_rules.only_category(items, cats, dated)
            if only is not None:  # "only bought Outdoor"
                nodes.append(only)
    return nodes


def _measure(items: list[Item], ctx: Context, category: Any, cats: list[Item]) -> dict[str, Any] | None:
    if not cats and anaphora.refine_count(items, ctx):
        return None  # "..., at least twice in that stretch": the previous count, restated
    fld, cue = _pick_field(items, ctx)
    fld = rules.last_category_order(items, ctx, cue) or fld
    windows = of_kind(items, "WINDOW")
    bands = of_kind(items, "BAND")
    has_number = bool(free_items(items, "NUM", "RANGE"))
    pending = ctx.pending
    if pending is not None and cue is None and has_number and not cats and fld in (None, pending["field"]):
        ctx.pending = None  # "Electronics spend over the past year (over 800)": the number comes later
        days, window = pending["days"], pending.get("window")
        past = [w for w in windows if w.extra["direction"] != "future" and not w.used]
        if days is None and window is None and past and "days" in CATALOGUE[pending["field"]].params:
            days = past[0].value  # "big spenders - over £750 net in the last 12 months"
            past[0].used = True
        return number_condition(pending["field"], items, ctx, pending["category"], days, pending["negated"], window)
    if fld == "signup_date" and cue is not None and any(it.kind == "VAL" and it.field == "channel" for it in items) \
            and not (windows or of_kind(items, "DATE", "AGO")):
        cue.used = True  # "joined via paid search": the channel says it all
        return None
    if fld is None and rules.shoppers_on(items):
        fld = "orders"  # "Boxing Day shoppers"
    if fld is None:
        decade = any(r.extra.get("decade") for r in free_items(items, "RANGE"))
        if of_kind(items, "AGECUE") or decade or (has_number and clause_rules.person_before_number(items)):
            node = age_condition(ctx, items)
            if node is not None:
                return node
        windows = [w for w in windows if w.extra["direction"] != "future"]  # "but not in the next 2 weeks": no
        elliptic = all(it.kind in ("VAL", "NEG", "FILL", "PERSON", "WINDOW", "DATE", "AGAIN") for it in items)
        again = of_kind(items, "AGAIN")
        t = ctx.template
        windowed = t is not None and (t.get("days") is not None or t.get("window") is not None)
        # "but not in Q2 2026", "and again in Q1 2026", "in Q4 2025 and in Q1 2026"
        bracketed = items[0].i > 0 and ctx.tokens[items[0].i - 1].norm == "("
        dated = free_items(items, "DATE") if (cats or of_kind(items, "NEG") or again or windowed) \
            and not bracketed else []  # "(July 8-11)" after a period is not a second period: asked
        if (cats or windows or dated) and elliptic and t is not None:
            # "bought Kitchen and Home", "bought Pets but not Garden", "... but not in the last 2 weeks",
            # "bought Kitchen in Q2 2025 but not in Q2 2026"
            for it in cats + windows[:1] + again:
                it.used = True
            days = windows[0].value if windows else (None if dated else t["days"])
            window = date_window(ctx, dated[0]) if dated and not windows else (None if windows else t.get("window"))
            anchor = (cats or windows or dated)[0].i
            flipped = is_negated(items, anchor + 1) != t.get("negated", False)
            op, value = rules.contrast_test(t, flipped, items, ctx)
            node = cond(t["field"], op, value, category or t.get("category"), days, window)
            _share_window(items, ctx, t, days, window)
            rules.each_or_together(items, ctx, t, cats)
            _record(ctx, node, t["field"], items, elliptic=not cats)
            return negate(node) if flipped else node
        unitless = [n for n in free_items(items, "NUM", "RANGE") if not n.extra.get("unit_field")]
        if cats and unitless and ctx.last_field is not None:
            fld = ctx.last_field  # "spent over 100 on Outdoor and over 50 on Garden"
        elif cats:
            fld = "orders"
        elif has_number and ctx.last_field is not None and not bands:
            fld = ctx.last_field  # "spent over 300 last year or over 150 this year"
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
        # a generic verb goes with the measure, unless it follows a cue of another field ("last order ... left
        # a review": a second condition the clause did not build, so it is reported)
        if other.field == fld or (other.kind == "WEAK" and (cue is None or other.i < cue.i or cue.kind == "WEAK"
                                                            or (fld == "returns" and other.field == "orders"))):
            other.used = True  # "3+ cancelled Fashion orders": the orders are what was cancelled
    per = [p for p in of_kind(items, "PER") if not p.used]
    if per and fld == "spend":
        per[0].used = True  # "spent over 100 per order"
        fld = "aov"
    fld, habit = rules.habit_field(fld, items)
    if habit is not None:  # "usually reorders within 30 days"
        return cond(fld, "<=", habit.value)
    preds = of_kind(items, "PRED")
    if preds and fld == "orders":
        fld = "expected_orders_365d" if has_number else "expected_next_order_date"
    elif preds and fld == "spend":
        fld = "predicted_clv_365d"
    fld = rules.horizon_field(fld, items, ctx)
    trends = [t for t in of_kind(items, "TREND") if not t.used]
    if trends and fld in ("spend", "orders", "spend_trend", "order_trend") and not has_number:
        trends[0].used = True  # "spending is declining", "order trend is negative"
        node = cond("order_trend" if fld in ("orders", "order_trend") else "spend_trend", trends[0].value, 0)
        return negate(node) if is_negated(items, trends[0].i) else node
    if fld in BAND_SIBLING and bands and not has_number:
        fld = BAND_SIBLING[fld]
    elif fld in NUMBER_SIBLING and has_number and not bands:
        fld = NUMBER_SIBLING[fld]
        if cue is not None and cue.text.lower() in ("value", "worth") and not preds:  # "a value over 500"?
            ctx.questions.append({"about": cue.text, "kind": "synonym", "options": [],
                                  "text": f"'{cue.text}' with an amount read as {CATALOGUE[fld].label}; did you mean "
                                          "net spend so far?"})
    dated = free_items(items, "DATE")
    since = fld == "orders" and bool(dated) and date_prep(ctx, dated[0]) in ("since", "after")
    if fld == "orders" and dated and since and not free_items(items, "NUM", "RANGE"):
        fld = "last_order_date"  # "bought Toys since March" / "haven't ordered since 1 May 2024"
        if is_negated(items, (cue.i if cue is not None else items[0].i) + 1):
            node = date_condition(fld, items, ctx, category)
            if node is not None and node["op"] in (">=", ">"):
                node["op"] = "<" if node["op"] == ">=" else "<="
                if dated[0].extra.get("precision") == "holiday" and node["op"] == "<":
                    # "hasn't ordered since Black Friday": that day's order may be the last one
                    node["op"], node["value"] = "<=", dated[0].value[1].isoformat()
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
    if fld in clause_rules.SCORE_FIELDS and bands and not has_number:
        return _record(ctx, clause_rules.score_level(fld, bands, ctx), fld, items)
    if spec.type == "choice":
        values = tuple(dict.fromkeys(v for b in bands for v in clause_rules.band_range(items, b, spec.choices)))
        if not values:
            ctx.notes.append(f"'{spec.label}' needs a level ({', '.join(spec.choices)})")
            _unuse(items, cue, fld)  # "customers with a churn risk": reported, never dropped
            return None
        for b in bands:
            b.used = True
        if bands and not negated:  # "churn band not low": the negation stands between the field and its level
            negated = is_negated(items, max(b.i for b in bands))
        node = cond(fld, "in" if len(values) > 1 else "=", values if len(values) > 1 else values[0])
        return negate(node) if negated else node
    if spec.type == "date":
        ago = [a for a in free_items(items, "AGO") if "range" in a.extra]
        node = (rules.ago_range(fld, ago[0], ctx, cat) if ago else rules.passed_condition(fld, items)) or \
            date_condition(fld, items, ctx, cat)
        if node is None:
            _unuse(items, cue, fld)  # "new members in Madrid": a date field with no date is reported
        elif since and not negated and node["op"] == ">=":  # "Beauty buyers since Christmas ... there"
            anaphora.remember(ctx, cat, None, (node["value"], None))
            ctx.last_window = (None, (node["value"], None))
        return negate(node) if (node is not None and negated) else node
    zero = [n for n in of_kind(items, "NEG") if n.text.lower() in ("nothing", "zero", "none")
            and cue is not None and n.i == cue.j]
    if zero and not has_number and spec.type == "number":
        zero[0].used = True  # "spent nothing on Fashion"
        negated = False
        items = [*items, Item("NUM", zero[0].i, zero[0].j, zero[0].text, value=0, extra={}, used=False)]
    if fld in rules.FAMILY and cue is not None:
        fld = rules.written_horizon(fld, items, cue, ctx)  # "predicted 90-day spend", "predicted CLV (365 days)"
        spec = CATALOGUE[fld]
    days = None
    window = None
    ago_ranges = [a for a in free_items(items, "AGO") if "range" in a.extra]
    if "days" in spec.params and free_items(items, "DATE"):
        # "bought Outdoor in May 2026", "spent over 200 between March and May": an absolute window
        # on the count or sum (not the last order date, which would drop members who bought again later)
        window = date_window(ctx, free_items(items, "DATE")[0])
    elif "days" in spec.params and ago_ranges:
        window = rules.ago_window(ago_ranges[0], ctx)
    elif "days" in spec.params and (after := anaphora.since_then(items, ctx)) is not None:
        window = after  # "... who haven't bought Electronics since"
    elif "days" in spec.params and of_kind(items, "SAMEWIN"):
        days, window = rules.same_window(items, ctx)
    elif "days" in spec.params:
        past = [w for w in windows if w.extra["direction"] != "future"]
        day_nums = [n for n in free_items(items, "NUM") if "days" in n.extra]
        if past and past[0].extra.get("shift"):  # "the 3 months before that": right before the last window
            window = rules.shifted(past[0], ctx)
        elif past:
            days = past[0].value
            past[0].used = True
        elif day_nums and negated and fld in COUNT_FIELDS:
            days = day_nums[0].extra["days"]  # "no order for over 90 days", "no order since 180+ days"
            day_nums[0].used = True
            for prep in of_kind(items, "DATEPREP"):
                if prep.j == day_nums[0].i:
                    prep.used = True
            comparator_for(items, day_nums[0])
    cat, days, window = anaphora.refer(items, ctx, fld, cat, days, window)
    if negated and fld == "orders" and not cat and not free_items(items, "RANGE") \
            and not [n for n in free_items(items, "NUM") if not n.used]:
        rules.no_order_question(window, ctx)  # "hasn't ordered at all this quarter": two readings
    if negated and fld == "orders" and cat and days is not None and window is None \
            and not [n for n in free_items(items, "NUM") if not n.used]:
        category_gap_question(cat if isinstance(cat, str) else " or ".join(cat), days, ctx)  # two readings
    if negated and fld == "orders" and not cat and days is not None and not free_items(items, "RANGE") \
            and not [n for n in free_items(items, "NUM") if not n.used]:
        ctx.last_window = (days, None)
        return cond("last_order_date", "more_than_days_ago", days)
    node = number_condition(fld, items, ctx, cat, days, negated, window)
    if node is not None and "days" in spec.params:
        ctx.last_window = (days, window)
    if node is not None:
        ctx.last_field = fld
    if node is None:
        ctx.pending = {"field": fld, "category": cat, "days": days, "negated": negated, "window": window,
                       "items": [it for it in items if it.used and not (it.kind in ("VAL", "CLUSTER", "RFM")
                                                                         and it.field != "category")]}
        return None
    _record(ctx, node, fld, items)
    if cat or fld in COUNT_FIELDS or days is not None or window is not None:  # "... but not in the last 3 days"
        inner = node.get("not", node)
        ctx.template = {"field": fld, "op": inner["op"], "value": inner["value"], "days": days, "negated": negated,
                        "category": cat, "window": window, "node": inner}
    anaphora.remember(ctx, cat, days, window)
    return node


def _attribute_negated(items: list[Item], val: Item) -> bool:
    """"not in London": negated; "never reviewed anything in the 25-34 band": the "never" is the verb's,
    so the attribute is not negated (and the "never" stays for the verb). A negation's scope ends at the
    list it negates: "not hibernating or lost in London" negates the segments, not the city; joined to the
    negated list ("excluding Champions and anyone in London") it is negated too."""
    def ends_scope(x: Item) -> bool:
        return x.kind in ("VAL", "CLUSTER") and x is not val and not any(
            y.kind in ("SEP", "OR") and y.text.lower() in COORDINATORS and x.i < y.i < val.i for y in items)

    negs = [n for n in of_kind(items, "NEG") if n.i < val.i and not any(
        (x.kind in ("WEAK", "CUE", "IMPLIED") or ends_scope(x)) and n.i < x.i < val.i for x in items)]
    for n in negs:
        n.used = True
    return len(negs) % 2 == 1


def _unuse(items: list[Item], cue: Item | None, fld: str) -> None:
    """A measure that came to nothing: its cue (and the generic verbs taken with it) are reported."""
    for it in items:
        if it is cue or (it.kind in ("CUE", "WEAK") and it.field == fld):
            it.used = False
