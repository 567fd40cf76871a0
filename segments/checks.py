"""Checks of a reading that do not come from the grammar that built it: a parse is reported as understood
only when they agree with it.

* **Values the shop can hold**: each condition's value is compared with what the field can take (a
  probability is 0-1, a star rating 1-5, an RFM score 1-5, a spend trend -1 to +1, counts are not negative)
  and with the clusters the workspace has. "churn probability between 40 and
  70%" read as 0.7 to 40, or "cluster 8" in a shop with clusters 0-5, is asked about, never answered.
* **Money read as a count**: an amount ("£100", "100 pounds", "orders worth over 100") that ended up as a
  count of orders, returns, reviews or products is asked about (average order value or spend?), never
  answered: there is no per-order value field, and "orders > 100" is another segment.
* **Numbers said and numbers used**: every number of the sentence that a condition took must still be found
  in the definition (as a value, a bound, a window or a count), after the known conversions (percentages,
  weeks and months to days, "over 2" to "at least 3"). A number that went missing means the reading
  changed it: asked.

Each check returns :class:`~segments.result.Question` objects; the parser adds them to the result, so its
status becomes ``ask`` with the read-back and the other readings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from memberinsight.segments.definition import Condition, SegmentDefinition
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.result import Option, Question
from memberinsight.segments.vocabulary import Vocabulary

RANGES: dict[str, tuple[float, float]] = {
    "avg_rating": (1, 5), "r_score": (1, 5), "f_score": (1, 5), "m_score": (1, 5), "spend_trend": (-1, 1),
    "return_rate": (0, 1),
    **{f.name: (0, 1) for f in CATALOGUE.values() if f.unit == "probability"},
}
"""Closed ranges of the fields whose values are bounded by their meaning."""
MAX_CLUSTERS = 8
"""The behaviour clustering picks at most 8 clusters (numbered from 0), so a higher number never exists."""
NOT_NEGATIVE = frozenset(f.name for f in CATALOGUE.values() if f.type == "integer" and f.name != "order_trend")


def _numbers(value: Any) -> list[float]:
    values = value if isinstance(value, list | tuple) else [value]
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _label(c: Condition) -> str:
    return CATALOGUE[c.field].label if c.field in CATALOGUE else c.field


def value_questions(definition: SegmentDefinition | None, vocab: Vocabulary) -> list[Question]:
    """Questions about values no member can have (see the module docstring)."""
    if definition is None:
        return []
    out: list[Question] = []
    for c in definition.conditions():
        shown = c.value if not isinstance(c.value, list | tuple) else " to ".join(str(v) for v in c.value)
        if c.field == "cluster":
            known = vocab.clusters or tuple(range(-1, MAX_CLUSTERS))
            missing = [v for v in _numbers(c.value) if int(v) not in known]
            if missing:
                have = f"its clusters are {', '.join(str(k) for k in sorted(vocab.clusters))}" if vocab.clusters \
                    else f"clusters are numbered below {MAX_CLUSTERS}"
                out.append(Question(f"cluster {int(missing[0])}", f"this shop has no cluster {int(missing[0])} "
                                    f"({have}); which one do you mean?", "value",
                                    [Option(f"cluster {int(missing[0])} (no members)", definition)]))
            continue
        nums = _numbers(c.value)
        low, high = RANGES.get(c.field, (None, None))
        if c.op in ("in_last_days", "more_than_days_ago", "in_next_days"):
            continue
        outside = [v for v in nums if (low is not None and v < low) or (high is not None and v > high)]
        if c.field in NOT_NEGATIVE:
            outside += [v for v in nums if v < 0]
        if outside:
            bounds = f" (it runs from {low:g} to {high:g})" if low is not None and high is not None else ""
            out.append(Question(f"{outside[0]:g}", f"{_label(c)} cannot be {outside[0]:g}{bounds}, so "
                                                   f"'{_label(c)} {c.op} {shown}' is a misreading. What do you mean?",
                                "value", [Option(f"{_label(c)} {c.op} {shown}", definition)]))
    return out


def condition_numbers(definition: SegmentDefinition) -> set[float]:
    """Every number a definition holds, in the forms a sentence may have said it."""
    found: set[float] = set()
    for c in definition.conditions():
        share = RANGES.get(c.field, (0, 0))[1] == 1  # "churn probability over 70": read as 0.7
        for v in _numbers(c.value):
            found |= {round(v, 6), round(v - 1, 6), round(v + 1, 6)} | ({round(v * 100, 6)} if share else set())
        for horizon in (90, 365):  # "predicted 12-month value", "expected orders (next 90 days)"
            if c.field.endswith(f"_{horizon}d"):
                found |= {float(horizon), 12.0 if horizon == 365 else 3.0}
        if c.days is not None:
            found |= {float(c.days), c.days / 7, c.days / 30, c.days / 365, c.days / 90, round(c.days / 30.4, 0)}
        if c.op in ("in_last_days", "more_than_days_ago", "in_next_days"):
            v = float(c.value)
            found |= {v / 7, v / 30, v / 365, v / 90}
        for d in (c.date_from, c.date_to, *(c.value if isinstance(c.value, list) else [c.value])):
            if isinstance(d, str) and len(d) == 10 and d[4] == "-":
                year, month, day = (int(p) for p in d.split("-"))
                found |= {float(year), float(month), float(day)}
    return {round(v, 6) for v in found}


def lost_numbers(said: Iterable[tuple[str, float]], definition: SegmentDefinition | None) -> list[Question]:
    """Questions for numbers a rule took from the sentence that the definition no longer holds."""
    if definition is None:
        return []
    held = condition_numbers(definition)
    out = []
    for text, value in said:
        if round(float(value), 6) not in held:
            out.append(Question(text, f"'{text}' was read, but the definition no longer holds it; please check "
                                      "the read-back.", "value", [Option("as read", definition)]))
    return out


# Fields that one cue may rightly turn into ("spent ... per order" is the average order value, "predicted
# spend" the predicted CLV): a cue agrees with a definition that tests any field of its group.
FIELD_GROUPS: tuple[frozenset[str], ...] = (
    frozenset(("spend", "aov", "predicted_clv_365d", "predicted_spend_90d", "m_score", "spend_trend", "clv_tier")),
    frozenset(("churn_band", "churn_probability", "p_alive")),
    frozenset(("clv_tier", "predicted_clv_365d", "predicted_spend_90d")),
    frozenset(("expected_next_order_date", "days_overdue", "avg_days_between_orders", "expected_orders_90d",
               "expected_orders_365d", "last_order_date")),
    frozenset(("returns", "return_rate")),
    frozenset(("reviews", "low_ratings", "avg_rating")),
    frozenset(("signup_date", "tenure_days", "first_order_date", "rfm_segment", "channel")),
    frozenset(("last_order_date", "orders", "r_score", "first_order_date", "p_alive")),
    frozenset(("orders", "expected_orders_90d", "expected_orders_365d", "order_trend", "f_score",
               "distinct_categories", "distinct_products", "avg_days_between_orders")),
    frozenset(("r_score", "f_score", "m_score")),
)


def _agrees(cue_field: str, fields: set[str]) -> bool:
    return cue_field in fields or any(cue_field in g and fields & g for g in FIELD_GROUPS)


def cue_questions(items: Iterable[Any], definition: SegmentDefinition | None) -> list[Question]:
    """A second reading by words alone: every field a specific word names ("spent", "churn risk", "return
    rate") must be tested by the definition, or by a field of the same idea. A cue the grammar used for
    something else means the two readings disagree: asked."""
    if definition is None:
        return []
    fields = {c.field for c in definition.conditions()}
    out: list[Question] = []
    for it in items:
        if it.kind not in ("CUE", "IMPLIED") or not it.used or it.field is None or it.extra.get("fields"):
            continue
        if not _agrees(it.field, fields):
            label = CATALOGUE[it.field].label if it.field in CATALOGUE else it.field
            out.append(Question(it.text, f"'{it.text}' names {label}, but no condition on it was built from "
                                         "the sentence; please check the read-back.", "value",
                                [Option("as read", definition)]))
    return out


COUNT_FIELDS = frozenset(("orders", "returns", "reviews", "low_ratings", "distinct_categories", "distinct_products"))
MONEY_CUES = frozenset(("worth", "valued", "value", "totalling", "totaling", "costing", "pounds", "quid", "pound",
                        "gbp", "eur", "euros", "dollars", "usd", "bucks"))


def money_counts(items: Iterable[Any], tokens: list[Any], definition: SegmentDefinition | None,
                 currency: str = "") -> list[Question]:
    """Questions for amounts of money that a count field took (see the module docstring)."""
    if definition is None:
        return []
    counts = [c for c in definition.conditions() if c.field in COUNT_FIELDS]
    if not counts:
        return []
    out: list[Question] = []
    for it in items:
        if it.kind not in ("NUM", "RANGE") or not it.used:
            continue
        near = {t.norm for t in tokens[max(it.i - 3, 0):it.i]} | {t.norm for t in tokens[it.j:it.j + 1]}
        if not (it.extra.get("money") or near & MONEY_CUES):
            continue
        values = it.value if isinstance(it.value, tuple) else (it.value,)
        said = {round(float(v) + d, 6) for v in values if isinstance(v, int | float) for d in (-1, 0, 1)}
        hit = next((c for c in counts if said & set(_numbers(c.value))), None)
        if hit is None:
            continue
        amount = f"{currency}{float(values[0]):g}"
        out.append(Question(it.text, f"'{it.text}' is an amount of money, but it was read as a count of "
                                     f"{_label(hit)}. Do you mean an average order value over {amount}, or net "
                                     f"spend over {amount}? (There is no value per single order.)", "value",
                            [Option(f"{_label(hit)} {hit.op} {hit.value}", definition),
                             Option(f"average order value over {amount}"), Option(f"net spend over {amount}")]))
    return out


def _exists_only(c: Condition) -> bool:
    """True when a test on a category list means the same summed or per category ("bought Outdoor or Garden")."""
    nums = _numbers(c.value)
    if c.field not in ("orders", "spend") or len(nums) != 1:
        return True
    v = nums[0]
    return (c.op == ">=" and v == 1) or (c.op == ">" and v == 0) or (c.op in ("=", "<=") and v == 0) \
        or (c.op == "<" and v == 1)


def category_list_questions(definition: SegmentDefinition | None, together: bool = False) -> list[Question]:
    """"Spent over £100 on Outdoor or Garden": the amount over both categories together, or in either one?
    A count or amount over a list of categories has two readings (anything beyond "bought any of them");
    none when the sentence said so itself (``together``: "... Outdoor and Garden combined")."""
    if definition is None or together:
        return []
    out: list[Question] = []
    for c in definition.conditions():
        cats = c.category if isinstance(c.category, list | tuple) else []
        if len(cats) < 2 or _exists_only(c):
            continue
        names = " or ".join(str(x) for x in cats)
        out.append(Question(names, f"'{_label(c)} {c.op} {c.value}' on {names}: I counted the categories together. "
                                   "Did you mean in any one of them on its own?", "scope",
                            [Option(f"{_label(c)} over {names} together", definition),
                             Option(f"{_label(c)} in any one of {names}")]))
    return out
