"""Clean business figures: orders and accounts confirmed as fraud are left out of them (setting
``fraud.exclude_confirmed``, on by default), and every report says how many.

The rule itself is two DuckDB views, ``clean_orders`` and ``clean_members`` (:mod:`workspace.clean`),
over the small table ``fraud_exclusions``. This module fills that table from the fraud queue and
counts what it leaves out:

* :func:`refresh_exclusions` copies the items with status ``confirmed`` (orders and accounts) from the
  operational database into ``fraud_exclusions``, marked with the setting (and notes the return lines
  of a confirmed order's goods, so its cancellation or refund leaves with it). The ``features`` build step
  runs it first, so the features and everything built from them (segments, churn, CLV, demand,
  recommendations) use one snapshot; decisions made after a build apply at the next build.
* :func:`exclusion_status` is the one count every report shows (``memberinsight build``, ``status``,
  ``analytics-models``, ``prediction-quality``, ``segments``, the data-status tool): what the last
  build left out, and how many decisions are still to apply. :attr:`ExclusionStatus.note` says it
  in one sentence.

Nothing is deleted: raw ``orders`` and ``members`` keep every row, and fraud scans, ingest status
and the review and fraud queues read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memberinsight.config import Settings, load_settings
from memberinsight.workspace.clean import AppliedExclusions, applied_exclusions, write_exclusions

SETTING = "fraud.exclude_confirmed"


@dataclass(frozen=True)
class ExclusionStatus:
    """What business figures leave out as fraud: the last build's snapshot and decisions still to apply."""

    orders: int
    """Orders confirmed as fraud when the figures were built."""
    accounts: int
    """Accounts confirmed as fraud when the figures were built."""
    excluded: bool
    """Whether they are left out (the setting when the figures were built)."""
    orders_left_out: int
    """Distinct orders missing from business figures: the confirmed ones and every order of a confirmed account."""
    lines_left_out: int
    members_left_out: int
    pending: int = 0
    """Confirmations (or reversals) made since the figures were built: they apply at the next build."""
    setting_now: bool = True
    """The setting as configured now (a change applies at the next build)."""

    @property
    def note(self) -> str:
        """One sentence for people, e.g. "12 orders and 3 accounts confirmed as fraud are left out ..."."""
        named = [_count(n, noun) for n, noun in ((self.orders, "order"), (self.accounts, "account")) if n]
        what = f"{' and '.join(named)} confirmed as fraud {'is' if self.orders + self.accounts == 1 else 'are'}"
        if not named:
            text = f"No orders or accounts are confirmed as fraud: business figures use every order (setting {SETTING})."
        elif self.excluded:
            text = (f"{what} left out of business figures ({_count(self.orders_left_out, 'order')}, "
                    f"{_count(self.lines_left_out, 'order line')} and {_count(self.members_left_out, 'member')} "
                    f"in all; setting {SETTING}).")
        else:
            text = f"{what} kept in business figures: the setting {SETTING} is off."
        if self.setting_now != self.excluded and (self.orders or self.accounts or self.pending):
            text += f" The setting {SETTING} changed since the last build: run `memberinsight build` to apply it."
        if self.pending:
            text += (f" {_count(self.pending, 'fraud decision')} made since the last build take"
                     f"{'s' if self.pending == 1 else ''} effect at the next `memberinsight build`.")
        return text

    def as_dict(self) -> dict[str, Any]:
        """Raw numbers and the sentence (for ``--json``)."""
        return {"orders": self.orders, "accounts": self.accounts, "excluded": self.excluded,
                "orders_left_out": self.orders_left_out, "lines_left_out": self.lines_left_out,
                "members_left_out": self.members_left_out, "pending": self.pending, "setting": SETTING,
                "setting_now": self.setting_now, "note": self.note}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def confirmed_items(ws: Any) -> list[tuple[str, str, str | None]]:
    """``(kind, object_id, decided_at)`` of every order and account confirmed as fraud in the fraud queue; a
    confirmed burst or coupon ring counts as each of its orders confirmed (kind ``order``, the burst's decision time)."""
    from memberinsight.fraud.combine import GROUP_KINDS

    groups = ", ".join(f"'{k}'" for k in GROUP_KINDS)
    with ws.operations() as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "fraud_queue" not in tables:
            return []
        rows = con.execute("SELECT kind, object_id, decided_at FROM fraud_queue WHERE status = 'confirmed' "
                           "AND kind IN ('order', 'account')").fetchall()
        burst_rows = con.execute(
            "SELECT 'order', m.order_id, min(q.decided_at) FROM fraud_item_orders m JOIN fraud_queue q USING (item_id) "
            f"WHERE q.status = 'confirmed' AND q.kind IN ({groups}) GROUP BY m.order_id").fetchall() \
            if "fraud_item_orders" in tables else []
    items = {(str(r[0]), str(r[1])): r[2] for r in burst_rows}
    items.update({(str(r[0]), str(r[1])): r[2] for r in rows})
    return [(kind, object_id, items[(kind, object_id)]) for kind, object_id in sorted(items)]


def _status(applied: AppliedExclusions, current: set[tuple[str, str]], setting_now: bool) -> ExclusionStatus:
    excluded = setting_now if applied.excluded is None else applied.excluded
    return ExclusionStatus(
        orders=applied.orders, accounts=applied.accounts, excluded=excluded,
        orders_left_out=applied.orders_left_out, lines_left_out=applied.lines_left_out,
        members_left_out=applied.members_left_out, pending=len(current ^ set(applied.pairs)),
        setting_now=setting_now)


def refresh_exclusions(ws: Any, settings: Settings | None = None, con: Any = None) -> ExclusionStatus:
    """Copy the confirmed orders and accounts into ``fraud_exclusions`` with the setting; return the counts.

    ``con`` is a writable analytics connection (a build step's); without one a write session of its own
    is opened. Creates the clean views when a workspace made before them lacks them.
    """
    settings = settings or load_settings(workspace=ws.path)
    if con is None:
        with ws.analytics() as own:
            return refresh_exclusions(ws, settings, own)
    items = confirmed_items(ws)
    excluded = bool(settings.fraud_exclude_confirmed)
    write_exclusions(con, items, excluded)
    return _status(applied_exclusions(con), {(k, o) for k, o, _ in items}, excluded)


def exclusion_status(ws: Any, settings: Settings | None = None) -> ExclusionStatus:
    """What business figures leave out now (read-only): the last build's snapshot plus decisions to apply."""
    settings = settings or load_settings(workspace=ws.path)
    with ws.analytics(read_only=True) as con:
        applied = applied_exclusions(con)
    current = {(k, o) for k, o, _ in confirmed_items(ws)}
    return _status(applied, current, bool(settings.fraud_exclude_confirmed))

