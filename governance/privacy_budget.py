"""The workspace's differential-privacy budget: how much epsilon has been spent, on what, by whom.

Every differentially private release (:mod:`governance.private_report`) spends its epsilon here, in the
same SQLite transaction as its audit row, and is refused with :class:`BudgetExceededError` when it
would take the total past ``[privacy] epsilon_budget`` (default 10.0). Epsilons add up (basic sequential
composition): the budget bounds what all releases together reveal about any one member. Nothing is
ever refunded: a release that was computed but refused is discarded before anyone sees it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from memberinsight.errors import DataValidationError, MemberInsightError

RELEASES_DDL = """CREATE TABLE IF NOT EXISTS privacy_releases (
    release_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    epsilon REAL NOT NULL CHECK (epsilon > 0),
    kind TEXT NOT NULL,
    query TEXT NOT NULL
)"""
AUDIT_ACTION = "privacy.release"
TOLERANCE = 1e-9
"""Floating-point slack when comparing spent + epsilon with the budget (0.1 + 0.2 must fit 0.3)."""


class BudgetExceededError(MemberInsightError):
    """A differentially private release would spend more epsilon than the workspace has left."""


@dataclass(frozen=True)
class Release:
    """One recorded release: when, by whom, its epsilon and what was asked (no released figures)."""

    release_id: int
    at: str
    actor: str
    epsilon: float
    kind: str
    query: dict[str, Any]


@dataclass(frozen=True)
class BudgetStatus:
    """The budget (``total``), what releases have ``spent`` and what is ``left``; ``releases`` oldest first."""

    total: float
    spent: float
    left: float
    releases: tuple[Release, ...]

    def summary(self) -> str:
        """Plain words: ``"Privacy budget: 2.5 of 10 spent, 7.5 left (3 releases)."``"""
        return (f"Privacy budget: epsilon {self.spent:g} of {self.total:g} spent, {self.left:g} left "
                f"({len(self.releases)} release{'s' if len(self.releases) != 1 else ''}).")


def _total(settings: Any) -> float:
    if settings is None:
        from memberinsight.config import load_settings

        settings = load_settings()
    total = float(settings.privacy_epsilon_budget)
    if not total >= 0:
        raise DataValidationError(f"[privacy] epsilon_budget must be 0 or more, got {total}",
                                  column="epsilon_budget")
    return total


def check_epsilon(epsilon: float) -> float:
    """``epsilon`` as a float, or :class:`DataValidationError` unless it is a finite number above 0."""
    value = float(epsilon)
    if not (value > 0 and value < float("inf")):
        raise DataValidationError(f"epsilon must be a number above 0, got {epsilon!r}", column="epsilon")
    return value


def ensure_tables(ws: Any) -> None:
    """Create the releases table if this workspace has none yet."""
    ws.ensure_operational_tables(RELEASES_DDL)


def _spent(con: sqlite3.Connection) -> float:
    return float(con.execute("SELECT COALESCE(SUM(epsilon), 0) FROM privacy_releases").fetchone()[0])


def budget_status(ws: Any, settings: Any = None) -> BudgetStatus:
    """The budget, what has been spent and every release so far."""
    total = _total(settings)
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT release_id, at, actor, epsilon, kind, query FROM privacy_releases "
                           "ORDER BY release_id").fetchall()
    releases = tuple(Release(r["release_id"], r["at"], r["actor"], float(r["epsilon"]), r["kind"],
                             json.loads(r["query"])) for r in rows)
    spent = sum(r.epsilon for r in releases)
    return BudgetStatus(total, round(spent, 12), round(max(total - spent, 0.0), 12), releases)


def _refusal(epsilon: float, spent: float, total: float) -> BudgetExceededError:
    left = max(total - spent, 0.0)
    return BudgetExceededError(
        f"refused: this release needs epsilon {epsilon:g} but only {left:g} of the workspace's privacy budget "
        f"({total:g}) is left ({spent:g} spent). Ask for a smaller epsilon, or have the data-protection officer "
        "raise [privacy] epsilon_budget (each release reveals a little more about every member).")


def check_budget(ws: Any, epsilon: float, settings: Any = None, *, actor: str | None = None,
                 kind: str = "report", query: dict[str, Any] | None = None) -> None:
    """Refuse early (:class:`BudgetExceededError`) when ``epsilon`` does not fit what is left; with
    ``actor`` the refusal is audited (outcome ``refused``)."""
    status = budget_status(ws, settings)
    eps = check_epsilon(epsilon)
    if status.spent + eps > status.total + TOLERANCE:
        if actor:
            ws.audit(actor, AUDIT_ACTION, "privacy_budget", kind, outcome="refused", detail=json.dumps(
                {"epsilon": eps, "kind": kind, "query": query or {}, "spent": status.spent, "budget": status.total},
                ensure_ascii=False))
        raise _refusal(eps, status.spent, status.total)


def spend(ws: Any, epsilon: float, *, actor: str, kind: str, query: dict[str, Any],
          audit_detail: dict[str, Any] | None = None, settings: Any = None) -> Release:
    """Record a release of ``epsilon`` and its audit row in one transaction, or raise
    :class:`BudgetExceededError` (audited as refused) when the budget cannot cover it."""
    eps = check_epsilon(epsilon)
    total = _total(settings)
    ensure_tables(ws)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    detail = {"epsilon": eps, "kind": kind, "query": query, **(audit_detail or {})}
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            spent = _spent(con)
            if spent + eps > total + TOLERANCE:
                con.execute("ROLLBACK")
                ws.audit(actor, AUDIT_ACTION, "privacy_budget", kind, outcome="refused",
                         detail=json.dumps({**detail, "spent": spent, "budget": total}, ensure_ascii=False))
                raise _refusal(eps, spent, total)
            cur = con.execute("INSERT INTO privacy_releases (at, actor, epsilon, kind, query) VALUES (?, ?, ?, ?, ?)",
                              (at, actor, eps, kind, json.dumps(query, ensure_ascii=False, sort_keys=True)))
            release_id = int(cur.lastrowid or 0)
            ws.audit(actor, AUDIT_ACTION, "privacy_budget", str(release_id),
                     detail=json.dumps({**detail, "spent_after": spent + eps, "budget": total},
                                       ensure_ascii=False), con=con)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return Release(release_id, at, actor, eps, kind, query)
