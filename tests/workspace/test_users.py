"""Operator accounts: salted scrypt hashes in the operational database, audited changes and logins."""

from __future__ import annotations

import sqlite3

import pytest

from memberinsight.errors import AuthError, ConflictError, DataValidationError, NotFoundError
from workspace import Workspace
from workspace.users import (
    add_user,
    authenticate,
    check_login,
    hash_password,
    list_users,
    remove_user,
    set_password,
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
