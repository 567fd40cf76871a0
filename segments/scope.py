"""Scope checks after a sentence is read (:mod:`segments.grammar`): words said once that may reach further
than the grammar took them. The parser never settles these silently; it asks, with both readings.

* a window said once after several conditions ("spent over £200 and ordered 3+ times in the last 90 days",
  "spent over 500 or ordered 10 times this year"): read for the last one only, and asked about the others;
* a verb with nothing of its own before another verb with an object ("bought or returned Outdoor this
  year", "reviewed and returned 2+ orders"): read as it stands, and asked whether the object is shared.
"""

from __future__ import annotations

from typing import Any

from memberinsight.segments.conditions import Context
from memberinsight.segments.fields import CATALOGUE
from memberinsight.segments.tagger import Item

_WINDOW_KEYS = ("days", "from", "to")
_OBJECTS = ("VAL", "NUM", "RANGE", "DATE", "WINDOW", "AGO", "BAND", "TREND", "RFM", "CLUSTER")
_CONTENT = (*_OBJECTS, "NEG", "IMPLIED", "CMP", "DESC", "PRED", "AGECUE")


def _window_of(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in _WINDOW_KEYS if k in node}


def _name(node: dict[str, Any]) -> str:
    """"orders (Garden)": a condition's field, and its categories when it has some."""
    cats = node.get("category")
    label = CATALOGUE[node["field"]].label
    return f"{label} ({', '.join(cats) if isinstance(cats, list) else cats})" if cats else label


def window_questions(ctx: Context) -> None:
    """Ask when a window in a later condition may also cover earlier ones (see the module docstring).
    Each question carries ``alternative``: the (node, window) pairs that give the other reading."""
    for k in range(1, len(ctx.measures)):
        later = ctx.measures[k]
        window = later["window"]
        if window is None or later.get("elliptic") or window.i <= later["first"] \
                or not _window_of(later["node"]):
            continue
        bare_later = {key: v for key, v in later["node"].items() if key not in _WINDOW_KEYS}
        earlier = [m for m in ctx.measures[:k] if not m["explicit"] and not m.get("elliptic")
                   and "days" in CATALOGUE[m["field"]].params and not _window_of(m["node"])
                   and m["node"] is not later["node"] and m["node"] != bare_later]  # same test: no difference
        if not earlier:
            continue
        names = " and ".join(f"'{_name(m['node'])}'" for m in earlier)
        ctx.questions.append({
            "about": window.text, "kind": "scope",
            "text": f"'{window.text}' is said once, after several conditions: I applied it only to "
                    f"'{_name(later['node'])}'. Does it also apply to {names}?",
            "options": [(f"only {_name(later['node'])}", None), ("every one of them", None)],
            "alternative": [(m["node"], _window_of(later["node"])) for m in earlier]})
        return


def carried_windows(ctx: Context) -> None:
    """"5+ reviews in the last 365 days averaging 4.5 stars": a condition that follows another in the same
    clause (no separator between them) and has no window of its own is read within the window said for the
    first, and asked about."""
    for a, b in zip(ctx.measures, ctx.measures[1:], strict=False):
        window = _window_of(a["node"])
        if a["window"] is None or not window or b["first"] != a["last"] or b["explicit"] or b.get("elliptic") \
                or _window_of(b["node"]) or "days" not in CATALOGUE[b["field"]].params \
                or b["node"].get("op") in ("in_last_days", "more_than_days_ago", "in_next_days"):
            continue
        b["node"].update(window)
        ctx.questions.append({
            "about": a["window"].text, "kind": "scope",
            "text": f"'{a['window'].text}' is said once, in the same breath as '{_name(b['node'])}': I applied it to "
                    "both. Did you mean it only for the first?",
            "options": [("both", None), (f"only {_name(a['node'])}", None)]})


def _flat(alt: list[list[Item]]) -> list[Item]:
    return [it for part in alt for it in part]


IRREGULAR_VERBS = ("spent", "bought", "paid", "got", "left", "sent back", "spend", "buy", "return", "review",
                   "order", "purchase", "shop", "rate", "cancel", "refund")


def _is_verb(it: Item) -> bool:
    last = it.text.lower().split()[-1] if it.text else ""
    return it.kind == "WEAK" or last.endswith("ed") or last in IRREGULAR_VERBS


def _bare_verb(items: list[Item]) -> Item | None:
    verbs = [it for it in items if it.kind in ("CUE", "WEAK") and not it.extra.get("fields")]
    if len(verbs) != 1 or not _is_verb(verbs[0]) or any(it.kind in _CONTENT for it in items):
        return None
    return verbs[0]


def _verb_with_object(items: list[Item]) -> Item | None:
    lead = [it for it in items if it.kind not in ("FILL", "PERSON", "SCOPE", "AGAIN")]
    if not lead or lead[0].kind not in ("CUE", "WEAK") or not any(it.kind in _OBJECTS for it in lead[1:]):
        return None
    return lead[0]


def shared_object_questions(clauses: list[list[list[list[Item]]]], ctx: Context) -> None:
    """Ask when a bare verb is followed by another verb with an object (see the module docstring)."""
    seq = [_flat(alt) for clause in clauses for alt in clause]
    for first, second in zip(seq, seq[1:], strict=False):
        verb = _bare_verb(first)
        other = _verb_with_object(second) if verb is not None else None
        if verb is None or other is None:
            continue
        rest = " ".join(it.text for it in second if it.i > other.i)
        ctx.questions.append({
            "about": verb.text, "kind": "scope", "options": [],
            "text": f"'{verb.text}' has nothing of its own; do '{rest}' go with it as with '{other.text}'? "
                    f"I read '{verb.text}' on its own."})
        return


def _content(items: list[Item]) -> list[Item]:
    return [it for it in items if it.kind not in ("FILL", "PERSON", "SCOPE", "SEP", "OR", "AGAIN")]


def or_scope_questions(clauses: list[list[list[list[Item]]]], ctx: Context) -> None:
    """"Champions or high CLV with 5+ orders": does the last condition go with both sides of the "or"?
    "London Champions or Leeds": does "Champions" go with Leeds too? Read as written (the "or" inside its
    clause, the rest for all), and asked. "either ... or ..." says the scope, so it is not asked."""
    flat = [[[it for part in alt for it in part] for alt in clause] for clause in clauses]
    for k, alts in enumerate(flat):
        later = [it for clause in flat[k + 1:] for alt in clause for it in _content(alt)]
        for it in (it for alt in alts for it in alt if it.extra.get("comma_or")):
            after = [x for alt in alts for x in _content(alt) if x.i > it.i] + later
            if after:  # "champions, or loyal custs who spent over 300": both, or only the second?
                said = " ".join(x.text for x in after)
                sides = " ".join(t.text for t in ctx.tokens[it.i:it.j]).replace(" ,", ",")
                ctx.questions.append({"about": said, "kind": "scope", "options": [],
                                      "text": f"'{said}' comes after '{sides}': I applied it to both. Did you "
                                              "mean it only with the last one?"})
                return
        periods = [it for alt in alts for it in alt if it.kind == "DATE" and it.extra.get("list")
                   and it.extra.get("conj") == "any"]
        if periods and later and not any(it.kind in ("DATE", "WINDOW", "AGO") for it in later):
            rest = " ".join(it.text for it in later)  # "spent over 200 last year or this year with 3+ orders"
            ctx.questions.append({"about": rest, "kind": "scope", "options": [],
                                  "text": f"'{rest}' comes after '{periods[0].text}': I did not count it in those "
                                          "periods. Should it be counted in each of them too?"})
            return
        earlier = {(it.kind, it.field) for clause in flat[:k] for alt in clause for it in _content(alt)
                   if it.kind in ("VAL", "CLUSTER")}
        clash = [it for alt in alts[1:] for it in _content(alt) if (it.kind, it.field) in earlier]
        if len(alts) > 1 and clash:  # "London Champions with 5+ orders or Leeds": Leeds instead of London?
            ctx.questions.append({"about": clash[0].text, "kind": "scope", "options": [],
                                  "text": f"'{clash[0].text}' after 'or' is the same kind of value as one said "
                                          "earlier: I kept the earlier one for every side. Did you mean "
                                          f"'{clash[0].text}' as an alternative to it?"})
            return
        if len(alts) < 2:
            continue
        first = min(it.i for it in alts[0])
        if any(t.norm == "either" for t in ctx.tokens[max(first - 3, 0):first + 1]) and not later:
            continue  # "either A or B" says the scope, unless more follows ("either A, or B who C")
        if all(not any(it.kind in ("CUE", "WEAK", "IMPLIED", "DESC", "VAL", "CLUSTER", "RFM") for it in alt)
               for alt in alts[1:]):
            if later and all(any(it.kind == "DATE" for it in alt) for alt in alts):  # "last year or this year
                rest = " ".join(it.text for it in later)  # with 3+ orders": do the years count the orders too?
                ctx.questions.append({"about": rest, "kind": "scope", "options": [],
                                      "text": f"'{rest}' comes after periods joined by 'or': I did not apply "
                                              "those periods to it. Should it be counted in each period too?"})
                return
            continue  # "R score 1 or 2": other values of the same test, not other conditions
        before = [it for clause in flat[:k] for alt in clause for it in _content(alt)]
        fields = [{it.field or it.extra.get("unit_field") for it in _content(alt)} - {None} for alt in alts]
        if before and len(set().union(*fields)) > 1:
            words = " ".join(it.text for it in before)  # "in Leeds with 3+ orders or high churn"
            ctx.questions.append({"about": words, "kind": "scope", "options": [],
                                  "text": f"'{words}' comes before an 'or': I applied it to every side of the 'or'. "
                                          "Did you mean it only with the first one?"})
            return
        stacked = [alt for alt in clauses[k] if sum(1 for part in alt if _content(part)) > 1]
        if stacked:  # "high churn risk spent over 200 or in leeds": (A and B) or C, or A and (B or C)?
            words = " ".join(it.text for it in _content(flat[k][clauses[k].index(stacked[0])]))
            ctx.questions.append({"about": words, "kind": "scope", "options": [],
                                  "text": f"'{words}' holds several conditions on one side of an 'or': I read them "
                                          "as all holding together on that side. Did you mean the 'or' to join "
                                          "only the nearest one?"})
            return
        if later:
            rest = " ".join(it.text for it in later)
            ctx.questions.append({"about": rest, "kind": "scope", "options": [],
                                  "text": f"'{rest}' comes after an 'or': I applied it to every side of the 'or'. "
                                          "Did you mean only the last one?"})
            return
        for a in alts:  # "high churn risk or low CLV in London", "London Champions or Leeds"
            content = _content(a)
            for val in (it for it in content if it.kind in ("VAL", "CLUSTER")):
                others = [b for b in alts if b is not a and not any(
                    it.kind in ("VAL", "CLUSTER") and it.field == val.field for it in _content(b))]
                if len(content) > 1 and others:
                    ctx.questions.append({
                        "about": val.text, "kind": "scope", "options": [],
                        "text": f"'{val.text}' is said on one side of an 'or' only: I kept it there. Does it go "
                                f"with '{' '.join(it.text for it in _content(others[0]))}' too?"})
                    return


RELATIVE_WORDS = ("with", "who", "whose", "that", "which", "having", "who have", "who are", "that have")


def attach_relatives(clauses: list[list[list[list[Item]]]], accounts: list[tuple[list[Item], int]],
                     ctx: Context) -> None:
    """"Champions in London, or Loyal members with lifetime spend over £500": after ", or", a relative clause
    right after the last side's person word ("members with ...", "customers who ...") belongs to that side
    only. Joined to it in place (``clauses`` and ``accounts`` change), and asked."""
    k = 0
    while k + 1 < len(clauses):
        alts, (or_items, _) = clauses[k], accounts[k]
        nxt = clauses[k + 1]
        last = [it for part in alts[-1] for it in part] if len(alts) > 1 else []
        first_next = min((it.i for part in nxt[0] for it in part), default=-1) if len(nxt) == 1 else -1
        comma_or = bool(or_items) and or_items[-1].i > 0 and ctx.tokens[or_items[-1].i - 1].norm == ","
        relative = first_next > 0 and ctx.tokens[first_next - 1].norm in {w.split()[-1] for w in RELATIVE_WORDS}
        if comma_or and last and last[-1].kind == "PERSON" and relative and first_next - 1 == last[-1].j:
            alts[-1] = alts[-1] + nxt[0]
            words = " ".join(it.text for part in nxt[0] for it in part)
            del clauses[k + 1]
            del accounts[k + 1]
            ctx.questions.append({"about": words, "kind": "scope", "options": [],
                                  "text": f"'{words}' follows '{last[-1].text}' after ', or': I applied it to that side "
                                          "only. Did you mean every side of the 'or'?"})
            continue
        k += 1


def exclusion_scope_questions(clauses: list[list[list[list[Item]]]], ctx: Context) -> None:
    """"excluding Champions and anyone in London": does the exclusion cover London too? A negated value
    followed by "and" and a bare value of another field (no verb, no negation of its own): read as written
    (London kept), and asked."""
    flat = [[it for alt in clause for part in alt for it in part] for clause in clauses]
    for first, second in zip(flat, flat[1:], strict=False):
        negs = [it for it in first if it.kind == "NEG"]
        if not negs or not second or any(it.kind in ("CUE", "WEAK", "IMPLIED", "NUM") for it in first + second):
            continue
        negated = [it for it in first if it.kind in ("VAL", "CLUSTER") and it.i > negs[0].i]
        bare = [it for it in second if it.kind in ("VAL", "CLUSTER")]
        if not negated or not bare or any(it.kind not in ("VAL", "CLUSTER", "PERSON", "FILL") for it in second):
            continue
        between = {t.norm for t in ctx.tokens[max(it.j for it in first):min(it.i for it in second)]}
        if between & {"and", "&", "+", "plus"}:
            ctx.questions.append({"about": bare[0].text, "kind": "scope", "options": [],
                                  "text": f"'{negs[0].text} {negated[0].text} and {bare[0].text}': I left "
                                          f"'{bare[0].text}' out of the '{negs[0].text}'. Should it be left out "
                                          "too?"})
            return
