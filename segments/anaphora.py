"""Words that point back to an earlier condition: "beauty buyers since Christmas who spent under £20 *there*",
"bought Toys in Q4 2025 and spent over 50 *on it*", "... at least twice *in that stretch*".

A reference word takes the product categories and the period of the last measure that had them
(:attr:`segments.conditions.Context.frame`); the read-back says what it was read as. With nothing to point
back to, the word stays unused and the parser asks: a reference is never dropped silently.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from memberinsight.segments.conditions import COUNT_FIELDS, Context, comparator_for, of_kind
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.tagger import Item

Window = tuple[str | None, str | None]


def remember(ctx: Context, category: Any, days: int | None, window: Window | None) -> None:
    """Record the categories and period of the measure just built (only when it has any)."""
    if category or days is not None or window is not None:
        ctx.frame = {"category": category, "days": days, "window": window}


def _period_words(days: int | None, window: Window | None) -> str:
    if days is not None:
        return f"the last {days} days"
    if window is None:
        return ""
    start, end = window
    def fmt(text: str) -> str:
        day = date.fromisoformat(text)
        return f"{day.day} {day:%b %Y}"

    if start and end:
        return f"{fmt(start)} to {fmt(end)}" if start != end else fmt(start)
    return f"since {fmt(start)}" if start else f"up to {fmt(end)}"  # type: ignore[arg-type]


def refer(items: list[Item], ctx: Context, fld: str, category: Any, days: int | None,
          window: Window | None) -> tuple[Any, int | None, Window | None]:
    """Fill a measure's missing categories and period from the previous measure when the clause says
    "there" / "on it"; the reference word is marked used only when it took something."""
    refs = [r for r in of_kind(items, "REF") if not r.used]
    frame = ctx.frame
    if not refs or frame is None:
        return category, days, window
    spec = CATALOGUE[fld]
    took: list[str] = []
    if not category and "category" in spec.params and frame["category"]:
        category = frame["category"]
        took.append(" or ".join(category))
    if days is None and window is None and "days" in spec.params and (frame["days"] is not None
                                                                     or frame["window"] is not None):
        days, window = frame["days"], frame["window"]
        took.append(_period_words(days, window))
    if took:
        refs[0].used = True
        ctx.readings.append(f"'{refs[0].text}' read as the earlier condition's {', '.join(took)}")
    return category, days, window


def refine_count(items: list[Item], ctx: Context) -> bool:
    """"bought Toys between Black Friday and Christmas, at least twice in that stretch": a clause holding only
    a count and a word for the same period restates the previous count (its number changes), it is no
    second condition. True when the previous condition was changed."""
    t = ctx.template
    marks = [m for m in of_kind(items, "SAMEWIN", "REF") if not m.used]
    nums = [n for n in of_kind(items, "NUM") if not n.used and n.extra.get("unit_field") in (None, "orders")]
    content = [it for it in items if it.kind not in ("FILL", "PERSON", "CMP", "SEP")]
    counted = bool(nums) and (nums[0].extra.get("adverb") or nums[0].extra.get("unit_field") == "orders"
                              or any(it.text.lower() in ("times", "time") for it in items if it.i > nums[0].i))
    if t is None or not marks or len(nums) != 1 or t["field"] not in COUNT_FIELDS or t.get("negated") \
            or any(it not in (*marks, nums[0]) for it in content) or not counted:
        return False
    if t.get("days") is None and t.get("window") is None or t["op"] != ">=" or t["value"] != 1:
        return False
    op = comparator_for(items, nums[0]) or ">="
    node = t.get("node")
    if node is None:
        return False
    node["op"], node["value"] = op, int(nums[0].value)
    t["op"], t["value"] = op, int(nums[0].value)
    nums[0].used = marks[0].used = True
    ctx.readings.append(f"'{marks[0].text}' read as the same period as the earlier condition, whose count it sets")
    return True



def since_then(items: list[Item], ctx: Context) -> Window | None:
    """"Q4 2025 buyers of Electronics who haven't bought any Electronics since": "since" with no date of its own
    means since the end of the previous condition's period (from the day after it, open-ended)."""
    from datetime import timedelta

    marks = [m for m in of_kind(items, "DATEPREP") if not m.used and m.text.lower() in ("since", "since then")]
    frame = ctx.frame
    if not marks or frame is None or frame["window"] is None or frame["window"][1] is None:
        return None
    if any(it.kind in ("DATE", "WINDOW", "AGO") or "days" in it.extra for it in items if it.i > marks[0].i):
        return None
    end = date.fromisoformat(frame["window"][1])
    marks[0].used = True
    ctx.readings.append(f"'{marks[0].text}' read as after {_period_words(None, frame['window'])}")
    return (end + timedelta(days=1)).isoformat(), None
