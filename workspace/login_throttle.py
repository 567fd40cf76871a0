"""Login throttling: failed sign-ins per account and per client address slow down, then lock.

State lives in the ``login_throttle`` table of the operational SQLite database, so a restarted
server remembers it. For each account (and, with wider limits, each client address) failures are
counted within a window: from ``delay_after`` failures on, each further try must wait a delay that
doubles from ``first_delay_s``; a try made sooner is refused unchecked and counts as a failure. At
``lock_after`` failures within the window the account (or address) is locked for ``lock_s``, and
while locked even the right password is refused (such refusals test no password and are not
counted, so hammering a locked account does not lock its address too). A successful sign-in clears the account's count
(not the address's: a valid account must not reset a password-spraying address). An admin can
unlock (``memberinsight user unlock NAME``). Callers audit; this module only keeps the counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from memberinsight.errors import AuthError
from memberinsight.workspace.store import Workspace

THROTTLE_DDL = """CREATE TABLE IF NOT EXISTS login_throttle (
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    window_start REAL NOT NULL,
    last_failure REAL NOT NULL,
    locked_until REAL,
    PRIMARY KEY (scope, key)
)"""


@dataclass(frozen=True)
class ThrottlePolicy:
    """Limits for one scope (an account or a client address)."""

    delay_after: int = 5
    """Failures after which each further try must wait."""
    first_delay_s: float = 1.0
    """The first wait; it doubles with each further failure, up to ``max_delay_s``."""
    max_delay_s: float = 60.0
    lock_after: int = 10
    """Failures within ``window_s`` that lock."""
    window_s: float = 15 * 60
    lock_s: float = 15 * 60

    def delay(self, failures: int) -> float:
        """Seconds a try must wait after the last of ``failures`` failures (0 below ``delay_after``)."""
        if failures < self.delay_after:
            return 0.0
        return min(self.first_delay_s * 2 ** (failures - self.delay_after), self.max_delay_s)


ACCOUNT_POLICY = ThrottlePolicy()
ADDRESS_POLICY = ThrottlePolicy(delay_after=10, lock_after=30)
"""An address may carry several people's typos (an office behind one router): wider limits."""
POLICIES = {"account": ACCOUNT_POLICY, "address": ADDRESS_POLICY}


class LoginThrottledError(AuthError):
    """A sign-in refused before the password was checked: too many recent failures."""

    def __init__(self, message: str, *, retry_after: float, locked: bool, scope: str) -> None:
        super().__init__(message)
        self.retry_after, self.locked, self.scope = retry_after, locked, scope


@dataclass(frozen=True)
class Lock:
    """A lock that began with a failure (to be audited as ``login.locked``)."""

    scope: str
    key: str
    failures: int
    seconds: float


def _ensure(ws: Workspace) -> None:
    ws.ensure_operational_tables(THROTTLE_DDL)


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", username)]
    if address:
        keys.append(("address", address))
    return keys


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} more minute{'s' if minutes != 1 else ''}"


def check(ws: Workspace, username: str, address: str | None = None, *,
          now: float | None = None) -> LoginThrottledError | None:
    """The refusal for a sign-in as ``username`` from ``address`` now, or None when it may be checked."""
    _ensure(ws)
    now = time.time() if now is None else now
    with ws.operations() as con:
        rows = {(r["scope"], r["key"]): r for r in con.execute(
            "SELECT * FROM login_throttle WHERE (scope = 'account' AND key = ?) OR (scope = 'address' AND key = ?)",
            (username, address or "")).fetchall()}
    for scope, key in _keys(username, address):
        row, policy = rows.get((scope, key)), POLICIES[scope]
        if row is None:
            continue
        whom = "this account" if scope == "account" else "your address"
        if row["locked_until"] is not None and row["locked_until"] > now:
            wait = row["locked_until"] - now
            return LoginThrottledError(
                f"Too many failed sign-ins: {whom} is locked for {_minutes(wait)}. Try again later, "
                "or ask an admin to unlock it (`memberinsight user unlock NAME`).",
                retry_after=wait, locked=True, scope=scope)
        if now - row["window_start"] > policy.window_s or row["locked_until"] is not None:
            continue  # the window (or an expired lock) is over: counting starts afresh
        wait = row["last_failure"] + policy.delay(row["failures"]) - now
        if wait > 0:
            return LoginThrottledError(
                f"Too many failed sign-ins: wait {max(1, round(wait))} s before trying again.",
                retry_after=wait, locked=False, scope=scope)
    return None


def record_failure(ws: Workspace, username: str, address: str | None = None, *,
                   now: float | None = None) -> list[Lock]:
    """Count a failed (or refused) sign-in; returns the locks it started."""
    _ensure(ws)
    now = time.time() if now is None else now
    started: list[Lock] = []
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            for scope, key in _keys(username, address):
                policy = POLICIES[scope]
                row = con.execute("SELECT * FROM login_throttle WHERE scope = ? AND key = ?", (scope, key)).fetchone()
                if row is not None and row["locked_until"] is not None and row["locked_until"] > now:
                    continue  # already locked: the lock is not extended
                fresh = (row is None or now - row["window_start"] > policy.window_s
                         or row["locked_until"] is not None)
                failures = 1 if fresh else row["failures"] + 1
                start = now if fresh else row["window_start"]
                locked_until = now + policy.lock_s if failures >= policy.lock_after else None
                con.execute(
                    "INSERT INTO login_throttle (scope, key, failures, window_start, last_failure, locked_until) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures, "
                    "window_start = excluded.window_start, last_failure = excluded.last_failure, "
                    "locked_until = excluded.locked_until", (scope, key, failures, start, now, locked_until))
                if locked_until is not None:
                    started.append(Lock(scope, key, failures, policy.lock_s))
            # forget counts nobody has touched for a day (random names must not grow the table)
            con.execute("DELETE FROM login_throttle WHERE last_failure < ? AND "
                        "(locked_until IS NULL OR locked_until < ?)", (now - 86400, now))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return started


def record_success(ws: Workspace, username: str) -> None:
    """A successful sign-in clears the account's failures."""
    _ensure(ws)
    with ws.operations() as con:
        con.execute("DELETE FROM login_throttle WHERE scope = 'account' AND key = ?", (username,))


def unlock(ws: Workspace, username: str | None = None, address: str | None = None) -> int:
    """Clear the failures and lock of an account and/or an address; returns how many were cleared."""
    _ensure(ws)
    cleared = 0
    with ws.operations() as con:
        for scope, key in (("account", username), ("address", address)):
            if key:
                cleared += con.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?",
                                       (scope, key)).rowcount
    return cleared
