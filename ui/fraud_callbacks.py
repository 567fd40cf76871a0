"""The Fraud tab's callbacks as plain functions: Services in, display values out (testable without a browser).

The fraud queue (suspicious orders, accounts and bursts ranked by risk, with their pattern and evidence in
plain words; a burst is one item for a card-testing run or a brushing burst, and a decision on it applies to
all its orders), one item's evidence, decisions against the version the operator saw, and the adjusted product
ratings with their report card. Everything goes through the :mod:`fraud` package's public API (never
SQL); figures are formatted for people (percentages, £, dates in words). Text that comes from the shop's
data (product titles, coupon codes, notes) is escaped so it renders literally.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.tools.fraud import day_words, stamp_words
from memberinsight.errors import ConflictError, MemberInsightError, NotFoundError
from memberinsight.ui.callbacks import EMPTY, changed_since_opened, escape_markdown, problem

STATUS_CHOICES = ["pending", "escalated", "confirmed", "cleared", "all"]
KIND_CHOICES = ["orders and accounts", "orders", "accounts", "bursts", "coupon rings"]
ACTIONS = ("confirm", "clear", "escalate")
GRADES = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}
SOURCES = {"group": "burst", "rule": "rule", "burst": "brushing burst", "ring": "ring", "anomaly": "anomaly", "reviews": "reviews",
           "order": "riskiest order"}
CURRENCY = "£"


def money(value: Any) -> str:
    """``1234.5`` -> ``£1,234.50`` (empty for none)."""
    return "" if value is None or value != value else f"{CURRENCY}{float(value):,.2f}"


def moment(value: Any) -> str:
    """A time as ``28 July 2026 at 10:49`` (the day alone at midnight)."""
    if value is None:
        return ""
    when = pd.Timestamp(value)
    return day_words(when) + ("" if (when.hour, when.minute) == (0, 0) else f" at {when:%H:%M}")


def _title(item_id: str) -> str:
    kind, _, object_id = item_id.partition(":")
    return f"{kind.replace('_', ' ').capitalize()} {object_id}"


# ----- the queue ------------------------------------------------------------------------
def load_fraud_queue(services: Any, status: str, kind: str = "orders and accounts", limit: int = 100
                     ) -> tuple[str, pd.DataFrame, list[str]]:
    """(counts and patterns line, the queue riskiest first, item ids for the picker)."""
    from memberinsight.fraud import queue_overview

    kind_ = {"orders": "order", "accounts": "account", "bursts": "burst", "coupon rings": "coupon_ring"}.get(kind)
    try:
        overview = queue_overview(services.ws, status=None if status in (None, "", "all") else status, limit=limit,
                                  kind=kind_)
    except MemberInsightError as exc:
        return problem(exc), EMPTY, []
    counts = " · ".join(f"**{k}** {v:,}" for k, v in overview.counts.items())
    patterns = " · ".join(f"{p} {n:,}" for p, n in overview.by_pattern.items()) or "none"
    shown = f"the riskiest {len(overview.items):,} of {overview.matched:,}" if overview.matched > len(overview.items) \
        else f"{overview.matched:,}"
    line = (f"{counts}" + (f" — scores from {stamp_words(overview.last_scan)}" if overview.last_scan else "") + "\n\n"
            f"Patterns ({status or 'all'}): {patterns}. Showing {shown}.")
    table = pd.DataFrame([{"item": i.item_id, "kind": i.kind, "risk": f"{i.risk:.0%}", "pattern": i.pattern,
                           "evidence": i.why, "when": day_words(i.when), "status": i.status,
                           "decided by": i.decided_by or ""} for i in overview.items],
                         columns=["item", "kind", "risk", "pattern", "evidence", "when", "status", "decided by"])
    return line, table, table["item"].tolist()


def show_fraud_item(services: Any, item_id: str | None) -> tuple[str, int | None]:
    """(the item's evidence as Markdown, the version the operator is looking at)."""
    from memberinsight.fraud import PATTERNS, audit_trail, get_item, item_facts
    from memberinsight.fraud.overview import findings_by_id, item_patterns, rule_kinds

    if not item_id:
        return "Pick an order, account, burst or coupon ring from the fraud queue.", None
    try:
        item = get_item(services.ws, item_id)
        facts = item_facts(services.ws, item)
        found = findings_by_id(services.ws)
        patterns = item_patterns(item.reasons, rule_kinds(services.ws), found)
        trail = audit_trail(services.ws, item.item_id)
    except MemberInsightError as exc:
        return problem(exc), None
    lines = [f"### {_title(item.item_id)}",
             f"Status **{item.status}** · risk **{item.risk:.0%}** · version {item.version}"
             + (f" · decided by **{escape_markdown(item.decided_by)}** on {stamp_words(item.decided_at)}"
                if item.decided_by else "")
             + (f" · assigned to {escape_markdown(item.assignee)}" if item.assignee else "")
             + (f" · note: {escape_markdown(item.note)}" if item.note else "")]
    lines.append(_facts_line(item, facts))
    lines.append("**Pattern**: " + "; ".join(f"{p} ({PATTERNS[p]})" for p in patterns))
    if item.reasons:
        lines.append("**Why flagged**\n\n" + "\n".join(
            f"- _{_source(item, r)}"
            + (f" · {r['severity']}" if r.get("severity") else "") + f"_: {escape_markdown(str(r.get('text', '')))}"
            for r in item.reasons))
    parts = {k: v for k, v in item.parts.items() if v}
    if parts:
        lines.append("**Risk by source**: " + " · ".join(
            f"{k.replace('_', ' ')} {v:.0%}" if k != "removed_reviews" else f"reviews removed {int(v)}"
            for k, v in parts.items()))
    for key in ("burst", "ring"):
        finding = found.get(f"{key}:{item.evidence.get(key)}") if item.evidence.get(key) else None
        if finding:
            lines.append(_finding_line(key, finding))
    if trail:
        lines.append("**History**\n\n" + "\n".join(
            f"- {stamp_words(t['at'])}: {escape_markdown(str(t['actor']))} — {t['action'].removeprefix('fraud.')} "
            f"({t['outcome']})" for t in trail[-5:]))
    return "\n\n".join(line for line in lines if line), item.version


def _source(item: Any, reason: dict[str, Any]) -> str:
    """What a reason comes from, in words (a coupon ring's own sentence: "coupon ring")."""
    if item.kind == "coupon_ring" and reason.get("source") == "group":
        return "coupon ring"
    return str(SOURCES.get(str(reason.get("source")), reason.get("source")))


def _facts_line(item: Any, facts: dict[str, Any]) -> str:
    if not facts:
        return ""
    from memberinsight.fraud import GROUP_KINDS

    if item.kind in GROUP_KINDS:
        return _burst_line(item, facts)
    if item.kind == "order":
        parts = [f"Ordered {moment(facts.get('ordered_at'))}" + (f" by account {facts['member_id']}"
                                                                   if facts.get("member_id") else " (guest)"),
                 f"**{money(facts.get('amount'))}**" if facts.get("amount") is not None else "",
                 f"{int(facts.get('lines', 0)):,} line(s), {int(facts.get('units') or 0):,} unit(s)",
                 str(facts.get("status") or ""), f"{facts['shipping_method']} delivery" if facts.get("shipping_method")
                 else ""]
        text = " · ".join(p for p in parts if p)
        return text + (f"\n\nProducts: {escape_markdown(str(facts['products']))}" if facts.get("products") else "")
    parts = [f"Signed up {moment(facts['signup_date'])}" if facts.get("signup_date") else "",
             f"{int(facts.get('orders', 0)):,} order(s)", f"spent {money(facts.get('spend'))}" if facts.get("spend")
             else "", f"first order {moment(facts.get('first_order'))}" if facts.get("first_order") else "",
             f"last order {moment(facts.get('last_order'))}" if facts.get("last_order") else ""]
    return " · ".join(p for p in parts if p)


def _burst_line(item: Any, facts: dict[str, Any]) -> str:
    """A burst in words: its orders, accounts, total, when, and the first order ids (the decision covers all)."""
    n, accounts = int(facts.get("orders", 0)), int(facts.get("accounts", 0))
    ids = [str(o) for o in facts.get("order_ids", [])]
    who = f"account {escape_markdown(str(item.member_id))}" if item.member_id else f"{accounts:,} accounts"
    lines = [f"**{n:,} order(s)** from {who}, **{money(facts.get('amount'))}** in all, between "
             f"{moment(facts.get('first_order'))} and {moment(facts.get('last_order'))}. A decision here applies to "
             f"all {n:,} orders.",
             "Orders: " + ", ".join(escape_markdown(o) for o in ids) + (f" and {n - len(ids):,} more" if n > len(ids)
                                                                         else "")]
    own = item.evidence.get("own_items") or []
    if own:
        lines.append(f"Also queued on their own (another reason too): {', '.join(escape_markdown(str(o)) for o in own)}")
    if facts.get("products"):
        lines.append(f"Products: {escape_markdown(str(facts['products']))}")
    return "\n\n".join(lines)


def _finding_line(kind: str, f: dict[str, Any]) -> str:
    if kind == "burst":
        return (f"**Brushing burst** on product {escape_markdown(str(f.get('product_id')))}: "
                f"{int(f.get('orders', 0)):,} orders from {int(f.get('accounts', 0)):,} accounts between "
                f"{moment(f.get('start'))} and {moment(f.get('end'))} (about {float(f.get('expected_orders') or 0):.1f} "
                f"expected), {int(f.get('five_star_reviews') or 0):,} five-star reviews, "
                f"{int(f.get('near_duplicate_reviews') or 0):,} near-duplicates.")
    return f"**Ring** {escape_markdown(str(f.get('ring_id', '')))}: {escape_markdown(str(f.get('reason', '')))}."


def decide_fraud(services: Any, user: str, item_id: str | None, version: int | None, action: str,
                 note: str) -> str:
    """Confirm / clear / escalate ``item_id`` as ``user`` against the ``version`` they saw; the result message.

    A stale version changes nothing and says who changed the item, when, and what it is now.
    """
    from memberinsight.fraud import decide

    if not item_id or version is None:
        return "Pick an order or account first."
    try:
        services.require_role(user, "operator", "deciding fraud cases")
        item = decide(services.ws, item_id, action, user, int(version), (note or "").strip() or None)
    except ConflictError:
        return conflict_message(services, item_id, int(version))
    except MemberInsightError as exc:
        return problem(exc)
    extra = " Its reviews were sent to the Review queue." if item.status == "confirmed" and item.kind == "account" \
        else ""
    from memberinsight.fraud import GROUP_KINDS, item_orders

    if item.kind in GROUP_KINDS and item.status in ("confirmed", "cleared"):
        extra = f" All {len(item_orders(services.ws, item.item_id)):,} of its orders are {item.status}."
    return f"✅ {_title(item.item_id)} is now **{item.status}** (by {escape_markdown(user)}).{extra}"


def conflict_message(services: Any, item_id: str, seen: int) -> str:
    """Why a decision was refused: who changed the item since version ``seen``, when, and its state now."""
    from memberinsight.fraud import audit_trail, get_item

    try:
        item = get_item(services.ws, item_id)
        changes = [t for t in audit_trail(services.ws, item.item_id) if t["outcome"] == "ok"]
    except NotFoundError as exc:
        return problem(exc)
    last = changes[-1] if changes else None
    by = (str(last["actor"]), last["action"].removeprefix("fraud."), stamp_words(last["at"])) if last else None
    return changed_since_opened(_title(item.item_id), by, item.status, item.version, seen,
                                "Its current state is shown; decide again if you still want to.")


# ----- adjusted ratings -----------------------------------------------------------------
def load_rating_movers(services: Any, limit: int = 10) -> tuple[str, pd.DataFrame]:
    """(a line on what the table shows, products whose rating moves most once suspicious reviews are set aside)."""
    from memberinsight.fraud import rating_movers

    try:
        movers = rating_movers(services.ws, limit=limit)
    except MemberInsightError as exc:
        return problem(exc), EMPTY
    if not movers:
        return ("No product has reviews set aside yet (suspicious reviews, reviews removed in the Review queue, "
                "flagged accounts and brushing bursts are set aside)."), EMPTY
    table = pd.DataFrame([{"product": r.product_id, "title": r.title or "", "reviews": r.reviews,
                           "rating": _stars(r.rating), "adjusted": _stars(r.adjusted_rating),
                           "change": f"{r.change:+.2f}" if r.change is not None else "all set aside",
                           "set aside": f"{r.set_aside} of {r.reviews}",
                           "why": "; ".join(f"{n} {why}" for why, n in r.set_aside_by_reason.items())}
                          for r in movers])
    return (f"The {len(movers)} products whose rating moves most when suspicious reviews and reviews from flagged "
            "accounts are set aside. Look one up below for its report card."), table


def product_report(services: Any, product_id: str) -> str:
    """A product's rating, its adjusted rating, what was set aside and why, and the report card."""
    from memberinsight.fraud import product_rating

    product_id = (product_id or "").strip()
    if not product_id:
        return "Enter a product id (e.g. from the table above)."
    try:
        r = product_rating(services.ws, product_id)
    except MemberInsightError as exc:
        return problem(exc)
    head = [f"### {escape_markdown(r.product_id)} — {escape_markdown(r.title or '')}"]
    if r.rating is None:
        return "\n\n".join([*head, "No reviews yet."])
    head.append(f"Rating **{_stars(r.rating)}** from {r.reviews:,} reviews; " + (
        f"adjusted **{_stars(r.adjusted_rating)}** with {r.set_aside:,} set aside"
        + (f" ({r.change:+.2f} stars)." if r.change is not None else ".") if r.adjusted_rating is not None
        else f"all {r.set_aside:,} are set aside, so no adjusted rating is left."))
    if r.set_aside_by_reason:
        head.append("Set aside: " + "; ".join(f"{n} {why}" for why, n in r.set_aside_by_reason.items()) + ".")
    card = ["| check | grade | what we found |", "|---|---|---|"]
    card += [f"| {c['check'].replace('_', ' ')} | {GRADES.get(c['grade'], c['grade'])} | {c['text']} |"
             for c in r.report_card]
    head.append("**Report card**\n\n" + "\n".join(card))
    return "\n\n".join(head)


def _stars(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ★"
