"""Smaller reading rules used by :mod:`segments.interpret`: prediction horizons, habits ("usually
reorders within 30 days"), "the same period", "already passed", "last Beauty order", and "N to M days
ago" on counts and dates. Each returns what it decided and marks the items it used."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from memberinsight.segments.conditions import Context, cond, free_items, of_kind
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.tagger import Item

# Prediction fields by family and horizon (days).
HORIZONS: dict[str, dict[int, str]] = {
    "spend": {90: "predicted_spend_90d", 365: "predicted_clv_365d"},
    "orders": {90: "expected_orders_90d", 365: "expected_orders_365d"},
}
FAMILY = {name: fam for fam, by_days in HORIZONS.items() for name in by_days.values()}
CHURN_FIELDS = ("churn_band", "churn_probability", "p_alive")
SHOPPER_WORDS = ("shoppers", "shopper", "buyers", "buyer", "purchasers", "customers", "people", "anyone")


def snap_horizon(days: int) -> int | None:
    """90 for about three months (84-93 days), 365 for about a year (360-366), else None."""
    if 84 <= days <= 93:
        return 90
    if 360 <= days <= 366:
        return 365
    return None


def horizon_field(fld: str, items: list[Item], ctx: Context) -> str:
    """The prediction field for the horizon the clause names ("in the next 90 days"); a question when the
    horizon does not exist (the field is kept, the parse asks)."""
    future = [w for w in of_kind(items, "WINDOW") if w.extra["direction"] in ("future", "any") and not w.used]
    if not future or (fld not in FAMILY and fld not in CHURN_FIELDS):
        return fld
    window = future[0]
    window.used = True
    days = int(window.value)
    if fld in CHURN_FIELDS:
        ctx.questions.append({"about": window.text, "kind": "horizon", "options": [],
                              "text": f"'{window.text}': churn predictions come with the churn model's own horizon, "
                                      f"not a {days}-day one; use churn risk as it is, or say what you need?"})
        return fld
    target = HORIZONS[FAMILY[fld]].get(snap_horizon(days) or 0)
    if target is not None:
        return target
    offered = sorted(HORIZONS[FAMILY[fld]])
    ctx.questions.append({
        "about": window.text, "kind": "horizon",
        "text": f"'{window.text}': predictions exist for the next {' and '.join(str(d) for d in offered)} days "
                f"only, not {days}; which one?",
        "options": [(f"as read: {CATALOGUE[fld].label}", None)]
        + [(f"the next {d} days ({CATALOGUE[HORIZONS[FAMILY[fld]][d]].label})", None) for d in offered]})
    return fld


def habit_field(fld: str, items: list[Item]) -> tuple[str, Item | None]:
    """"usually reorders within 30 days" -> average days between orders, with the window as its number."""
    habit = [h for h in of_kind(items, "HABIT") if not h.used]
    if not habit or fld not in ("orders", "expected_next_order_date"):
        return fld, None
    within = [w for w in of_kind(items, "WINDOW") if not w.used and w.extra["direction"] in ("any", "past")]
    if not within:
        return fld, None
    habit[0].used = within[0].used = True
    return "avg_days_between_orders", within[0]


def same_window(items: list[Item], ctx: Context) -> tuple[int | None, tuple[str | None, str | None] | None]:
    """"... in the same period": the previous measure's window (days or from/to), marking the words used."""
    marks = [m for m in of_kind(items, "SAMEWIN") if not m.used]
    if not marks or ctx.last_window is None or ctx.last_window == (None, None):
        return None, None  # no window said before: "that period" stays unused, so the parser asks
    marks[0].used = True
    return ctx.last_window


def passed_condition(fld: str, items: list[Item]) -> dict[str, Any] | None:
    """"expected next order date is already passed": the date is before the data's last date."""
    marks = [m for m in of_kind(items, "PASSED") if not m.used]
    if not marks or CATALOGUE[fld].type != "date" or of_kind(items, "DATE", "WINDOW", "AGO"):
        return None
    marks[0].used = True
    return cond(fld, "more_than_days_ago", 1)


def last_category_order(items: list[Item], ctx: Context, cue: Item | None) -> str | None:
    """"last Beauty order" / "most recent Toys purchase": the last order date in that category."""
    if cue is None or cue.field != "orders":
        return None
    idx = items.index(cue)
    if idx < 2 or items[idx - 1].kind != "VAL" or items[idx - 1].field != "category":
        return None
    before = items[idx - 2]
    words = ctx.tokens[before.i].norm if before.kind == "WORD" else ""
    if words in ("last", "latest", "recent"):
        before.used = True
        return "last_order_date"
    return None


def shoppers_on(items: list[Item]) -> bool:
    """"Boxing Day shoppers", "Easter Sunday shoppers": people who ordered in the dated span."""
    return bool(free_items(items, "DATE")) and any(
        it.kind == "PERSON" and it.text.lower() in ("shoppers", "shopper", "buyers", "buyer", "purchasers")
        for it in items)


def ago_range(fld: str, item: Item, ctx: Context, category: Any) -> dict[str, Any] | None:
    """"last order between 60 and 120 days ago": both ends inclusive, kept relative to the data's last date."""
    lo, hi = item.extra["range"]
    item.used = True
    if CATALOGUE[fld].type == "date":
        first = cond(fld, "more_than_days_ago", lo, category)
        second = cond(fld, "in_last_days", hi + 1, category)
        if ctx.ref_date is not None:  # said in dates, so "within the last 121 days" is never a surprise
            start, end = ctx.ref_date - timedelta(days=hi), ctx.ref_date - timedelta(days=lo)
            ctx.readings.append(f"'{item.text}' read as {CATALOGUE[fld].label} from {start:%d %b %Y} to "
                                f"{end:%d %b %Y}, both days included")
        return {"all": [first, second]}
    return None


def ago_window(item: Item, ctx: Context) -> tuple[str | None, str | None] | None:
    """"bought between 60 and 120 days ago": an absolute from/to window (counts and sums)."""
    if ctx.ref_date is None or "range" not in item.extra:
        return None
    lo, hi = item.extra["range"]
    item.used = True
    return ((ctx.ref_date - timedelta(days=hi)).isoformat(), (ctx.ref_date - timedelta(days=lo)).isoformat())


# Fields that name one idea from two sides: a cue of one does not start a second condition next to the other
# ("overdue for a reorder": days overdue, not also the expected next order date).
RELATED = (frozenset(("days_overdue", "expected_next_order_date")),)


def related(a: str | None, b: str | None) -> bool:
    """True when ``a`` and ``b`` are two names of one idea (see ``RELATED``)."""
    return a is not None and b is not None and any({a, b} <= pair for pair in RELATED)


def each_or_together(items: list[Item], ctx: Context, t: dict[str, Any], cats: list[Item]) -> None:
    """"spent over 100 on Outdoor and Garden": over 100 in each, or in both together? Asked, unless the test
    only says "bought it" (at least once) or "never" (none), where each is the only reading."""
    if not cats or t.get("category") is None:
        return
    first = items[0].i
    before = ctx.tokens[first - 1].norm if first > 0 else ""
    if before not in ("and", "&", "+", ","):
        return
    if t.get("negated"):  # "did not buy Kitchen and Home": neither, or not both?
        if not any(it.kind == "NEG" for it in items):
            named = " and ".join([*t["category"], *(v for c in cats for v in (c.value if isinstance(c.value, tuple)
                                                                              else (c.value,)))])
            ctx.questions.append({"about": named, "kind": "scope", "options": [],
                                  "text": f"'not ... {named}': I read it as none of them. Did you mean not all of "
                                          "them (some is fine)?"})
        return
    if (t["op"], t["value"]) in ((">=", 1), (">", 0), ("=", 0)):
        return
    together = [*t["category"], *(v for c in cats for v in (c.value if isinstance(c.value, tuple) else (c.value,)))]
    ctx.questions.append({"about": " and ".join(together), "kind": "or", "options": [],
                          "text": f"'{CATALOGUE[t['field']].label} {t['op']} {t['value']}' in each of "
                                  f"{' and '.join(together)}, or in them together? I used each."})


def written_horizon(fld: str, items: list[Item], cue: Item, ctx: Context) -> str:
    """A horizon written as a number of days next to a prediction cue ("predicted 90-day spend", "predicted
    CLV (365 days)", "expected orders 90d"): the prediction for that horizon, or a question when there is none."""
    after = cue.j + (ctx.tokens[cue.j].norm == "(" if cue.j < len(ctx.tokens) else 0)
    horizon = [n for n in free_items(items, "NUM") if "days" in n.extra and (n.j == cue.i or n.i == after)]
    if not horizon:
        return fld
    n = horizon[0]
    n.used = True
    days = int(n.extra["days"])
    target = HORIZONS[FAMILY[fld]].get(snap_horizon(days) or 0)
    if target is not None:
        return target
    offered = sorted(HORIZONS[FAMILY[fld]])
    ctx.questions.append({
        "about": n.text, "kind": "horizon", "options": [(f"as read: {CATALOGUE[fld].label}", None)],
        "text": f"'{n.text}': predictions exist for the next {' and '.join(str(d) for d in offered)} days "
                f"only, not {days}; which one?"})
    return fld


def shifted(item: Item, ctx: Context) -> tuple[str | None, str | None] | None:
    """"the 3 months before that": the window of ``item``'s length that ends the day before the previous
    condition's trailing window starts; None (the words stay unused, so the parser asks) without one."""
    if ctx.last_window is None or ctx.ref_date is None or ctx.last_window[0] is None:
        return None
    before = int(ctx.last_window[0])
    item.used = True
    # a trailing window of d days is (ref - d, ref]; the one before it, of n days, is (ref - d - n, ref - d]
    return ((ctx.ref_date - timedelta(days=before + int(item.value) - 1)).isoformat(),
            (ctx.ref_date - timedelta(days=before)).isoformat())


def contrast_test(t: dict[str, Any], flipped: bool, items: list[Item], ctx: Context) -> tuple[str, Any]:
    """The test a repeated condition takes. Repeated as it was ("bought Kitchen and Home") it keeps the test;
    turned round by "not" / "none" ("5+ orders but none in the last 6 months", "bought Outdoor 3 times but
    not Garden") a count means "not at all", whatever the count was; a sum turned round is asked."""
    op, value = t["op"], t["value"]
    if not flipped or (op, value) in ((">=", 1), (">", 0)):
        return op, value
    if t["field"] in ("orders", "returns", "reviews", "low_ratings", "distinct_categories", "distinct_products"):
        return ">=", 1
    ctx.questions.append({"about": " ".join(it.text for it in items), "kind": "scope", "options": [],
                          "text": f"'{' '.join(it.text for it in items)}': I read it as not "
                                  f"{CATALOGUE[t['field']].label} {op} {value} there. Did you mean nothing at all?"})
    return op, value


def no_order_question(window: tuple[str | None, str | None] | None, ctx: Context) -> None:
    """"hasn't ordered at all this quarter" (a calendar window that reaches the data's last date): writers
    disagree. No order in the window (members who never ordered included, read), or had ordered before and
    the last order came before the window (as "no order in the last 90 days" and "since Easter" are read)?
    The two select other members, so the question offers the second."""
    ref = ctx.ref_date
    if window is None or not window[0] or ref is None or (window[1] is not None and window[1] < ref.isoformat()):
        return
    start = window[0]
    before = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
    ctx.questions.append({
        "about": f"no order since {start}", "kind": "reading",
        "text": f"'no order this period' read as: no order from {start} on, members who never ordered included. "
                f"Or do you mean members who had ordered before, last order on or before {before}?",
        "options": [(f"no order from {start} on, never-ordered included", None),
                    (f"ordered before, last order on or before {before}", None)]})
