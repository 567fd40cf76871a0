"""Operator accounts: salted scrypt hashes in the operational database, audited changes and logins."""

from __future__ import annotations

import sqlite3

import pytest

from memberinsight.errors import AuthError, ConflictError, DataValidationError, NotFoundError
from memberinsight.workspace import Workspace
from memberinsight.workspace.login_throttle import ACCOUNT_POLICY, ADDRESS_POLICY, LoginThrottledError
from memberinsight.workspace.users import (
    add_user,
    authenticate,
    check_login,
    ensure_schema,
    find_user,
    get_user,
    hash_password,
    list_users,
    remove_user,
    set_disabled,
    set_password,
    unlock_user,
    verify_password,
)


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    return Workspace.create(tmp_path / "ws")


def test_hashes_are_salted_and_verify() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$") and "correct horse" not in a
    assert verify_password("correct horse", a) and verify_password("correct horse", b)
    assert not verify_password("correct hors", a)
    assert not verify_password("x", "not$a$valid$hash") and not verify_password("x", "scrypt$1$2$3$@@$@@")


def test_add_authenticate_remove(ws: Workspace) -> None:
    user = add_user(ws, "ana", "s3cret-pass", actor="admin")
    assert (user.username, user.role) == ("ana", "operator")
    assert authenticate(ws, "ana", "s3cret-pass").username == "ana"
    assert check_login(ws, " ana ", "s3cret-pass")
    with pytest.raises(AuthError, match="incorrect username or password"):
        authenticate(ws, "ana", "wrong-pass")
    with pytest.raises(AuthError, match="incorrect username or password"):
        authenticate(ws, "nobody", "s3cret-pass")
    assert not check_login(ws, "ana", "")
    with sqlite3.connect(ws.operations_path) as con:
        stored = con.execute("SELECT password_hash FROM users WHERE username = 'ana'").fetchone()[0]
        audit = con.execute("SELECT actor, action, outcome FROM audit_log ORDER BY id").fetchall()
    assert "s3cret-pass" not in stored
    assert audit[0] == ("admin", "user.add", "ok")
    assert ("ana", "login", "denied") in audit and ("nobody", "login", "denied") in audit
    assert not any("s3cret" in str(row) for row in audit)
    remove_user(ws, "ana")
    assert list_users(ws) == [] and not check_login(ws, "ana", "s3cret-pass")
    with pytest.raises(NotFoundError):
        remove_user(ws, "ana")


def test_rules(ws: Workspace) -> None:
    add_user(ws, "ben", "long-enough")
    with pytest.raises(ConflictError, match="already exists"):
        add_user(ws, "ben", "another-one")
    with pytest.raises(DataValidationError, match="at least 8"):
        add_user(ws, "cleo", "short")
    with pytest.raises(DataValidationError, match="username"):
        add_user(ws, "bad name!", "long-enough")
    with pytest.raises(DataValidationError, match="role"):
        add_user(ws, "dan", "long-enough", role="root")
    set_password(ws, "ben", "brand-new-pass")
    assert check_login(ws, "ben", "brand-new-pass") and not check_login(ws, "ben", "long-enough")
    with pytest.raises(NotFoundError):
        set_password(ws, "zed", "brand-new-pass")
    assert [u.username for u in list_users(ws)] == ["ben"]


def _audit(ws: Workspace, *actions: str) -> list[tuple]:
    marks = ",".join("?" * len(actions))
    with sqlite3.connect(ws.operations_path) as con:
        return con.execute(f"SELECT actor, action, object_type, object_id, outcome, detail FROM audit_log "
                           f"WHERE action IN ({marks}) ORDER BY id", actions).fetchall()


def test_password_change_disable_and_enable_each_start_a_new_session_epoch(ws: Workspace) -> None:
    ana = add_user(ws, "ana", "s3cret-pass")
    assert (ana.session_epoch, ana.disabled) == (0, False)
    set_password(ws, "ana", "brand-new-pass")
    assert get_user(ws, "ana").session_epoch == 1
    disabled = set_disabled(ws, "ana", True, actor="ines")
    assert (disabled.session_epoch, disabled.disabled) == (2, True)
    with pytest.raises(AuthError, match="incorrect username or password"):  # same words as a wrong password
        authenticate(ws, "ana", "brand-new-pass")
    enabled = set_disabled(ws, "ana", False, actor="ines")
    assert (enabled.session_epoch, enabled.disabled) == (3, False)
    assert authenticate(ws, "ana", "brand-new-pass").session_epoch == 3
    with pytest.raises(NotFoundError):
        set_disabled(ws, "nobody", True)
    actions = [(r[0], r[1], r[4], r[5]) for r in _audit(ws, "user.password", "user.disable", "user.enable", "login")]
    assert actions == [("cli", "user.password", "ok", "sessions ended"), ("ines", "user.disable", "ok", None),
                       ("ana", "login", "denied", "account disabled"), ("ines", "user.enable", "ok", None),
                       ("ana", "login", "ok", None)]
    remove_user(ws, "ana")
    assert find_user(ws, "ana") is None


def test_roles_rank_operator_below_admin(ws: Workspace) -> None:
    operator, admin = add_user(ws, "ana", "s3cret-pass"), add_user(ws, "ines", "s3cret-pass", role="admin")
    assert operator.may("operator") and not operator.may("admin")
    assert admin.may("operator") and admin.may("admin")
    assert not set_disabled(ws, "ines", True).may("operator")  # a disabled account may nothing


def test_an_older_users_table_gets_the_new_columns_and_keeps_its_accounts(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    with sqlite3.connect(ws.operations_path) as con:  # the first release's table, with one account
        con.execute("DROP TABLE users")
        con.execute("CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
                    "role TEXT NOT NULL DEFAULT 'operator', created_at TEXT NOT NULL DEFAULT 'then')")
        con.execute("INSERT INTO users (username, password_hash, role) VALUES ('old', ?, 'admin')",
                    (hash_password("old-password"),))
    assert find_user(ws, "old") == find_user(ws, "old")  # migrates on first use
    ensure_schema(ws)  # idempotent
    with sqlite3.connect(ws.operations_path) as con:
        columns = [r[1] for r in con.execute("PRAGMA table_info(users)")]
    assert columns == ["username", "password_hash", "role", "created_at", "disabled", "session_epoch"]
    user = authenticate(ws, "old", "old-password")
    assert (user.role, user.disabled, user.session_epoch) == ("admin", False, 0)


def test_failed_sign_ins_slow_down_then_lock_the_account_even_for_the_right_password(ws: Workspace) -> None:
    add_user(ws, "ana", "s3cret-pass")
    t = 1_000_000.0
    for i in range(ACCOUNT_POLICY.delay_after):  # five wrong passwords, checked
        with pytest.raises(AuthError, match="incorrect"):
            authenticate(ws, "ana", "wrong-pass", address="10.0.0.1", now=t + i * 0.1)
    last = t + 0.4
    with pytest.raises(LoginThrottledError, match="wait 1 s") as early:  # too soon: refused unchecked
        authenticate(ws, "ana", "s3cret-pass", address="10.0.0.1", now=last + 0.5)
    assert not early.value.locked and early.value.retry_after == pytest.approx(0.5)
    last += 0.5  # the refused try counted: six failures, the next wait is 2 s
    with pytest.raises(LoginThrottledError, match="wait 2 s"):
        authenticate(ws, "ana", "s3cret-pass", address="10.0.0.1", now=last + 0.1)
    last += 0.1  # seven
    assert authenticate(ws, "ana", "s3cret-pass", address="10.0.0.1", now=last + 4.1).username == "ana"
    # success clears the account's count: five more wrong ones before any delay, then a lock at ten
    now = last + 5
    for i in range(ACCOUNT_POLICY.lock_after):
        with pytest.raises(AuthError):
            authenticate(ws, "ana", "wrong-pass", address="10.0.0.2", now=now + i * 100)
    locked_at = now + 9 * 100
    with pytest.raises(LoginThrottledError, match="this account is locked for 15 more minutes") as refused:
        authenticate(ws, "ana", "s3cret-pass", address="10.0.0.3", now=locked_at + 1)
    assert refused.value.locked and refused.value.scope == "account"
    locks = _audit(ws, "login.locked")
    assert locks == [("ana", "login.locked", "user", "ana", "denied", "10 failed sign-ins; locked 15 min")]
    # the lock ends by itself after 15 minutes ...
    assert authenticate(ws, "ana", "s3cret-pass", now=locked_at + ACCOUNT_POLICY.lock_s + 1).username == "ana"
    # ... or when an admin unlocks it (now on the real clock: wrong passwords, then refusals during the delay)
    for _ in range(ACCOUNT_POLICY.lock_after):
        with pytest.raises(AuthError):
            authenticate(ws, "ana", "wrong-pass")
    assert not check_login(ws, "ana", "s3cret-pass")
    assert unlock_user(ws, "ana", actor="ines") == 1 and check_login(ws, "ana", "s3cret-pass")
    assert _audit(ws, "user.unlock") == [("ines", "user.unlock", "user", "ana", "ok", None)]
    denied = [r for r in _audit(ws, "login") if r[4] == "denied"]
    assert len(denied) == 2 * ACCOUNT_POLICY.lock_after + ACCOUNT_POLICY.delay_after + 4
    assert {r[5] for r in denied} >= {"from 10.0.0.1", "throttled; from 10.0.0.1", "locked; from 10.0.0.3", "locked"}


def test_one_address_trying_many_accounts_is_locked_but_other_addresses_are_not(ws: Workspace) -> None:
    add_user(ws, "ana", "s3cret-pass")
    t = 2_000_000.0
    for i in range(ADDRESS_POLICY.lock_after):  # password spraying: one try per name, 30 names
        with pytest.raises(AuthError):
            authenticate(ws, f"user{i}", "summer2024!", address="203.0.113.9", now=t + i * 20)
    with pytest.raises(LoginThrottledError, match="your address is locked"):
        authenticate(ws, "ana", "s3cret-pass", address="203.0.113.9", now=t + 600)
    assert authenticate(ws, "ana", "s3cret-pass", address="198.51.100.7", now=t + 600).username == "ana"
    assert [(r[2], r[3]) for r in _audit(ws, "login.locked")] == [("address", "203.0.113.9")]
    unlock_user(ws, "ana", address="203.0.113.9")
    assert authenticate(ws, "ana", "s3cret-pass", address="203.0.113.9", now=t + 601).username == "ana"


def test_failures_older_than_the_window_are_forgotten(ws: Workspace) -> None:
    add_user(ws, "ana", "s3cret-pass")
    t = 3_000_000.0
    for i in range(ACCOUNT_POLICY.lock_after - 1):  # nine failures, spread so no delay applies
        with pytest.raises(AuthError):
            authenticate(ws, "ana", "wrong-pass", now=t + i * 60)
    later = t + ACCOUNT_POLICY.window_s + 60  # the window of the first failure is over: counting restarts
    with pytest.raises(AuthError, match="incorrect"):
        authenticate(ws, "ana", "wrong-pass", now=later)
    assert authenticate(ws, "ana", "s3cret-pass", now=later + 1).username == "ana"
    assert _audit(ws, "login.locked") == []
