"""One fraud queue item explained, for chat follow-ups ("why is the first one flagged?", "show me the burst",
"tell me more about #2", "who else shares that device?").

The fraud overview numbers the items it lists and remembers their ids in the conversation
(:mod:`agent.fraud_followups` reads a follow-up's reference back to one of them); this answers for that item:
why it is flagged (its reasons in plain words), its orders (a burst's or coupon ring's, the order itself, or
the account's), and the accounts linked to it by a device, card, IP address or shipping address. Identifiers
appear as a kind and a short fingerprint ("device #3f9a1c2b"), never as values; accounts by their member id,
as the queue shows them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.tools._common import backend
from memberinsight.agent.tools.fraud import decide_hint
from memberinsight.agent.types import ToolResult
from memberinsight.errors import DataValidationError
from memberinsight.figures import money

ABOUT = ("why", "orders", "accounts")
SHOWN = 10
KIND_WORDS = {"order": "Order", "account": "Account", "burst": "Burst", "coupon_ring": "Coupon ring"}


def _moment(value: Any) -> str:
    from memberinsight.agent.tools.fraud import day_words

    if value is None:
        return ""
    when = pd.Timestamp(value)
    return day_words(when) + ("" if (when.hour, when.minute) == (0, 0) else f" at {when:%H:%M}")


def _ids(ids: list[str], total: int) -> str:
    shown = ", ".join(ids[:SHOWN])
    return shown + (f" and {total - min(len(ids), SHOWN):,} more" if total > min(len(ids), SHOWN) else "")


def _why(item: Any) -> str:
    texts = list(dict.fromkeys(str(r["text"]) for r in item.reasons if r.get("text")))
    if not texts:
        return f"**Why it is flagged**: risk {item.risk:.0%} (no reasons stored)."
    return "**Why it is flagged**\n\n" + "\n".join(f"- {t}" for t in texts[:8])


def _orders(ws: Any, item: Any, facts: dict[str, Any]) -> str:
    item_orders = backend("memberinsight.fraud", "item_orders", "The fraud queue")
    if item.kind in backend("memberinsight.fraud", "GROUP_KINDS", "The fraud queue"):
        orders = item_orders(ws, item.item_id)
        n = len(orders) or int(facts.get("orders") or 0)
        text = (f"**Orders** ({n:,}; one decision covers all): {_ids(orders, n)} — "
                f"{money(facts.get('amount'))} in all, from {int(facts.get('accounts') or 0):,} account(s), between "
                f"{_moment(facts.get('first_order'))} and {_moment(facts.get('last_order'))}.")
        coupons = item.evidence.get("coupons")
        if coupons:
            text += " Coupons: " + ", ".join(f"{c} ({n} order{'s' if n != 1 else ''})" for c, n in coupons.items())
            text += (f", {money(item.evidence['discount'])} off in all." if item.evidence.get("discount") else ".")
        own = item.evidence.get("own_items") or []
        if own:
            text += f" Also queued on their own (another reason too): {', '.join(map(str, own))}."
        return text
    if item.kind == "order":
        who = f"account {facts['member_id']}" if facts.get("member_id") else "a guest checkout"
        parts = [f"**Order** {item.object_id} by {who}, {_moment(facts.get('ordered_at'))}",
                 money(facts.get("amount")) if facts.get("amount") is not None else "",
                 f"{int(facts.get('lines') or 0):,} line(s)", str(facts.get("status") or ""),
                 f"{facts['shipping_method']} delivery" if facts.get("shipping_method") else ""]
        text = ", ".join(p for p in parts if p) + "."
        return text + (f" Products: {facts['products']}." if facts.get("products") else "")
    parts = [f"**Account** {item.object_id}", f"signed up {_moment(facts['signup_date'])}"
             if facts.get("signup_date") else "", f"{int(facts.get('orders') or 0):,} order(s)",
             f"{money(facts.get('spend'))} spent" if facts.get("spend") else "",
             f"last order {_moment(facts.get('last_order'))}" if facts.get("last_order") else ""]
    return ", ".join(p for p in parts if p) + "."


def _linked(linked: Any) -> str:
    if not linked.shared:
        return "**Linked accounts**: its orders carry no device, card, IP address or shipping address."
    lines = []
    for s in [s for s in linked.shared if s.others][:6]:
        queued = f" ({len(s.queued)} in the fraud queue: {', '.join(s.queued)})" if s.queued else ""
        more = s.other_accounts - len(s.others)
        names = ", ".join(f"{m} ({s.other_orders.get(m, 0)} order{'s' if s.other_orders.get(m, 0) != 1 else ''})"
                          for m in s.others)
        lines.append(f"- {s.kind} {s.fingerprint}: also used by {names}" + (f" and {more:,} more" if more > 0 else "")
                     + queued)
    alone: dict[str, int] = {}
    for s in linked.shared:
        if not s.others:
            alone[s.kind] = alone.get(s.kind, 0) + 1
    if alone:
        kinds = [f"{n} {k}{'es' if k.endswith('address') else 's'}" if n > 1 else f"its {k}"
                 for k, n in alone.items()]
        lines.append(f"- used by no other account: {', '.join(kinds)}")
    own = ", ".join(linked.own) if linked.own else "none (guest checkouts)"
    head = (f"**Linked accounts**: {linked.other_total:,} other account(s) share an identifier with it" if linked.others
            else "**Linked accounts**: no other account shares its identifiers")
    return f"{head} (its own: {own}; identifiers shown by fingerprint, never their values).\n\n" + "\n".join(lines)


def fraud_item_answer(ctx: Any, item_id: str, about: str | None = None, position: int | None = None
                      ) -> ToolResult:
    """One fraud queue item: why it is flagged, its orders and the accounts linked to it (``about``: ``why``,
    ``orders`` or ``accounts``, the part to put first; ``position``: its number in the list the operator saw).

    Raises :class:`DataValidationError` for another ``about``, :class:`NotFoundError` for an item not queued.
    """
    if about is not None and about not in ABOUT:
        raise DataValidationError(f"about must be one of {', '.join(ABOUT)}", column="about")
    get_item = backend("memberinsight.fraud", "get_item", "The fraud queue")
    item = get_item(ctx.ws, item_id)
    pattern = backend("memberinsight.fraud", "main_pattern", "The fraud queue")(ctx.ws, item)
    facts = backend("memberinsight.fraud", "item_facts", "The fraud queue")(ctx.ws, item)
    linked = backend("memberinsight.fraud", "linked_accounts", "The fraud queue")(ctx.ws, item.item_id)
    number = f"#{position} — " if position else ""
    head = (f"**{number}{KIND_WORDS.get(item.kind, item.kind)} {item.object_id}** ({item.item_id}): {pattern}, "
            f"risk {item.risk:.0%}, {item.status}" + (f" by {item.decided_by}" if item.decided_by else "")
            + f" (version {item.version}).")
    parts = {"why": _why(item), "orders": _orders(ctx.ws, item, facts), "accounts": _linked(linked)}
    order = [about] if about else []
    order += [k for k in ("why", "orders", "accounts") if k not in order]
    text = "\n\n".join([head, *(parts[k] for k in order),
                        "Decide it " + decide_hint(ctx.surface, f"{item.item_id} --action confirm|clear|escalate "
                                                                f"--version {item.version}") + "."])
    rows = [{"identifier": f"{s.kind} {s.fingerprint}", "accounts": s.accounts, "other accounts": ", ".join(s.others),
             "in fraud queue": ", ".join(s.queued)} for s in linked.shared]
    table = pd.DataFrame(rows, columns=["identifier", "accounts", "other accounts", "in fraud queue"])
    return ToolResult(text, table=table, subject={"fraud_item": item.item_id})
