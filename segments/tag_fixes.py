"""Small tagging passes over words whose reading depends on their neighbours.

* **Acquisition verbs**: "folks we picked up from Google ads", "customers we got via Instagram": a verb that
  could mean buying, whose object is an acquisition channel, says how the members were won, not that they
  ordered. With a period after the channel ("came to us via Google ads during Q2 2026"), the period dates
  the sign-up, as "joined via TikTok last year" does.
* **"home" before a place word**: "whose home city is Leeds" names the city; it is not the Home category.
* **"once" before a verb**: "who had once spent over £500" means at one time, not one order.
* **An exclusion before a relative clause**: "excluding anyone who lives in London": the "who" does not
  end the exclusion.
* **Counted orders with returns**: "more than four orders with returns" counts orders with a return.
* **Negative concord**: "never returned nothing", "didn't buy nothing": the second negative stresses the first.
"""

from __future__ import annotations

from typing import Any

ACQUIRE_VERBS = ("picked up", "got", "gained", "won", "brought in", "pulled in", "landed")
ACQUIRE_FILLERS = ("came to us via", "came to us through", "came in through", "came in via", "came through",
                   "came from", "came in from", "came in off", "came off", "found us through", "found us via",
                   "got by", "got through", "got via", "brought in by", "brought in through", "brought in via",
                   "signed up off", "acquired", "came")
_CHANNEL_LEADS = ("from", "via", "through", "thru", "off", "on", "the", "of", "by", "us", "to")
_PERIOD_LEADS = ("during", "in", "over", "across", "throughout", "within", "the", "back", "around")
PLACE_WORDS = ("city", "town", "country", "address", "location", "base", "region", "area", "county", "postcode",
               "nation", "market")
EXCLUDING = ("excluding", "exclude", "excludes", "except", "except for", "other than", "apart from", "leaving out",
             "leave out", "omitting", "not counting", "minus", "barring", "with the exception of", "but not", "excl",
             "exc", "excl.")
CONCORD = ("nothing", "none", "nowt", "no one", "nobody")
"""Negative words that, right after a negated verb, repeat the negation (negative concord), not undo it."""
_RELATIVE = ("who", "that", "whose", "who are", "who have", "who're", "who've", "who's", "that have", "that are",
             "which")


def _after(items: list[Any], k: int, skip: tuple[str, ...]) -> Any:
    return next((x for x in items[k + 1:] if not (x.kind == "FILL" and x.text.lower() in skip)), None)


def acquisition(t: Any) -> None:
    """See the module docstring (acquisition verbs)."""
    items = sorted(t.items, key=lambda x: x.i)
    for k, it in enumerate(items):
        verb = it.kind == "WEAK" and it.field == "orders" and it.text.lower() in ACQUIRE_VERBS
        filler = it.kind == "FILL" and it.text.lower() in ACQUIRE_FILLERS
        if not (verb or filler):
            continue
        nxt = _after(items, k, _CHANNEL_LEADS)
        lead = {t.norm(n) for n in range(it.j, nxt.i)} if nxt is not None else set()
        if nxt is None or nxt.kind != "VAL" or nxt.field != "channel" or not lead <= set(_CHANNEL_LEADS):
            continue
        when = _after(items, items.index(nxt), _PERIOD_LEADS)
        dated = when is not None and when.kind == "DATE" and not when.used and all(
            t.norm(n) in _PERIOD_LEADS for n in range(nxt.j, when.i))
        if dated:
            it.kind, it.field, it.used = "CUE", "signup_date", False
        elif verb:
            it.kind, it.field, it.used = "FILL", None, True


def neighbours(t: Any) -> None:
    """"home city", "once spent", "excluding anyone who ...", "orders with returns" (module docstring)."""
    items = sorted(t.items, key=lambda x: x.i)
    for k, it in enumerate(items):
        nxt = items[k + 1] if k + 1 < len(items) else None
        low = it.text.lower()
        if it.kind == "VAL" and it.field == "category" and low == "home" and t.norm(it.j) in PLACE_WORDS:
            it.kind, it.field, it.value, it.used = "FILL", None, None, True
        elif it.kind == "NUM" and low == "once" and nxt is not None and nxt.i == it.j \
                and nxt.kind in ("CUE", "WEAK") and t.norm(it.i - 1) in ("had", "have", "has", "who", "that"):
            it.kind, it.value, it.used = "FILL", None, True
        elif it.kind == "NEG" and low in CONCORD and k >= 2 and items[k - 1].kind in ("CUE", "WEAK") \
                and items[k - 1].j == it.i and items[k - 2].kind == "NEG":
            it.kind, it.used = "FILL", True  # "never returned nothing": the second negative stresses the first
        elif it.kind == "NEG" and low in EXCLUDING:
            rest = items[k + 1:k + 3]
            if len(rest) == 2 and rest[0].kind == "PERSON" and rest[1].kind == "SEP" \
                    and rest[1].text.lower() in _RELATIVE:
                rest[1].kind, rest[1].used = "FILL", True
        elif it.kind == "NUM" and it.extra.get("unit_field") == "orders" and nxt is not None \
                and nxt.kind == "SEP" and nxt.text.lower() == "with" and k + 2 < len(items):
            cue = items[k + 2]
            if cue.kind in ("CUE", "WEAK") and cue.field == "returns" and cue.text.lower() in (
                    "returns", "a return", "return", "returned items", "returned"):
                it.extra["unit_field"] = "returns"
                nxt.kind, nxt.used = "FILL", True
                cue.kind, cue.field, cue.used = "FILL", None, True
