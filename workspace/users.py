"""Operator accounts for the app: usernames with salted scrypt password hashes.

Accounts live in the ``users`` table of the workspace's operational SQLite database (created by
:meth:`workspace.store.Workspace.create`; :func:`ensure_schema` adds the newer columns to older
workspaces). Passwords are never stored or logged; only ``scrypt$n$r$p$<salt>$<hash>`` strings are.
Every change and every failed login is appended to the audit log.

Each account has a role (``operator`` < ``admin``), a ``disabled`` flag and a ``session_epoch``
that grows with every password change, disable and enable: a web session remembers the epoch
(and the account's ``created_at``) it was issued under and ends when they no longer match.
Sign-ins are throttled per account and per client address (:mod:`workspace.login_throttle`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass

from memberinsight.errors import AuthError, ConflictError, DataValidationError, NotFoundError
from memberinsight.workspace import login_throttle
from memberinsight.workspace.store import OPERATIONS_DDL, Workspace

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB per hash, ~50 ms on one core.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32
MIN_PASSWORD_LENGTH = 8
ROLES: tuple[str, ...] = ("operator", "admin")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
NEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("disabled", "INTEGER NOT NULL DEFAULT 0"),
    ("session_epoch", "INTEGER NOT NULL DEFAULT 0"),
)
"""Columns added after the first release (added to existing workspaces by :func:`ensure_schema`)."""
_COLUMNS = "username, role, created_at, disabled, session_epoch"


@dataclass(frozen=True)
class User:
    """An operator account (never carries the password hash)."""

    username: str
    role: str
    created_at: str
    disabled: bool = False
    session_epoch: int = 0
    """Grows with every password change, disable and enable; sessions issued before are void."""

    def may(self, role: str) -> bool:
        """True when this account is enabled and its role includes ``role`` (an admin may do what an operator may)."""
        return not self.disabled and self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)


def _user(row: sqlite3.Row) -> User:
    return User(row["username"], row["role"], row["created_at"], bool(row["disabled"]), int(row["session_epoch"]))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``password`` as ``scrypt$n$r$p$salt$hash`` (base64 parts)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=SCRYPT_DKLEN)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except ValueError:  # malformed stored hash (wrong field count, bad base64, bad numbers)
        return False
    return hmac.compare_digest(digest, expected)


def generate_password(length: int = 16) -> str:
    """A random URL-safe password (for the demo user)."""
    return secrets.token_urlsafe(length)[:length]


def ensure_schema(ws: Workspace) -> None:
    """Create the ``users`` table, or add the columns this version needs to an older one (idempotent)."""
    ws.ensure_operational_tables(*OPERATIONS_DDL[:1])
    with ws.operations() as con:
        if {name for name, _ in NEW_COLUMNS} <= _columns(con):
            return
        con.execute("BEGIN IMMEDIATE")  # another process may be migrating too: decide under the write lock
        try:
            have = _columns(con)
            for name, decl in NEW_COLUMNS:
                if name not in have:
                    con.execute(f"ALTER TABLE users ADD COLUMN {name} {decl}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _columns(con: sqlite3.Connection) -> set[str]:
    return {row["name"] for row in con.execute("PRAGMA table_info(users)")}


_ensure = ensure_schema


def _check_username(username: str) -> str:
    name = username.strip()
    if not USERNAME_RE.match(name):
        raise DataValidationError(
            f"username {username!r} must be 2-64 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit", column="username")
    return name


def add_user(ws: Workspace, username: str, password: str, role: str = "operator", *,
             actor: str = "cli") -> User:
    """Create an account; raises :class:`ConflictError` if the username is taken."""
    name = _check_username(username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataValidationError(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                                  column="password")
    if role not in ROLES:
        raise DataValidationError(f"role {role!r} is not one of {', '.join(ROLES)}", column="role")
    _ensure(ws)
    password_hash = hash_password(password)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            if con.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise ConflictError(f"user {name!r} already exists")
            con.execute("INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)",
                        (name, password_hash, role))
            ws.audit(actor, "user.add", "user", name, detail=f"role={role}", con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return get_user(ws, name)


def set_password(ws: Workspace, username: str, password: str, *, actor: str = "cli") -> None:
    """Replace a user's password; the account's web sessions end at once (its session epoch grows)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataValidationError(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                                  column="password")
    _ensure(ws)
    with ws.operations() as con:
        cur = con.execute("UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 "
                          "WHERE username = ?", (hash_password(password), username))
        if cur.rowcount == 0:
            raise NotFoundError(f"no user {username!r}")
        ws.audit(actor, "user.password", "user", username, detail="sessions ended", con=con)


def set_disabled(ws: Workspace, username: str, disabled: bool, *, actor: str = "cli") -> User:
    """Disable (sign-ins refused, sessions ended at once) or enable an account."""
    _ensure(ws)
    with ws.operations() as con:
        cur = con.execute("UPDATE users SET disabled = ?, session_epoch = session_epoch + 1 WHERE username = ?",
                          (int(disabled), username))
        if cur.rowcount == 0:
            raise NotFoundError(f"no user {username!r}")
        ws.audit(actor, "user.disable" if disabled else "user.enable", "user", username, con=con)
    return get_user(ws, username)


def unlock_user(ws: Workspace, username: str, *, address: str | None = None, actor: str = "cli") -> int:
    """Clear the failed sign-ins and lock of ``username`` (and of ``address``); returns how many were cleared."""
    cleared = login_throttle.unlock(ws, username, address)
    ws.audit(actor, "user.unlock", "user", username, detail=f"address={address}" if address else None)
    return cleared


def remove_user(ws: Workspace, username: str, *, actor: str = "cli") -> None:
    """Delete an account (its web sessions end at once); raises :class:`NotFoundError` if there is none."""
    _ensure(ws)
    with ws.operations() as con:
        cur = con.execute("DELETE FROM users WHERE username = ?", (username,))
        if cur.rowcount == 0:
            raise NotFoundError(f"no user {username!r}")
        ws.audit(actor, "user.remove", "user", username, con=con)


def get_user(ws: Workspace, username: str) -> User:
    """The account ``username``; raises :class:`NotFoundError`."""
    _ensure(ws)
    with ws.operations() as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise NotFoundError(f"no user {username!r}")
    return _user(row)


def find_user(ws: Workspace, username: str) -> User | None:
    """The account ``username``, or None; one quick query (checked on every web request)."""
    for attempt in (1, 2):
        try:
            with ws.operations() as con:
                row = con.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone()
            break
        except sqlite3.OperationalError:  # an older workspace without the new columns (or no users table)
            if attempt == 2:
                raise
            _ensure(ws)
    return _user(row) if row is not None else None


def list_users(ws: Workspace) -> list[User]:
    """All accounts, by username."""
    _ensure(ws)
    with ws.operations() as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username").fetchall()
    return [_user(r) for r in rows]


def authenticate(ws: Workspace, username: str, password: str, *, address: str | None = None,
                 now: float | None = None) -> User:
    """The account when the password is right and it is enabled; raises :class:`AuthError` otherwise.

    Throttled: after repeated failures for the account or from ``address`` (the client's address)
    a try is refused unchecked with :class:`~workspace.login_throttle.LoginThrottledError` (a
    plain message saying how long to wait). Every outcome is audited (``login``; ``login.locked``
    when a lock starts). The error message is the same for an unknown user, a disabled account and
    a wrong password.
    """
    _ensure(ws)
    name = username.strip()
    source = f"from {address}" if address else None
    refusal = login_throttle.check(ws, name, address, now=now)
    if refusal is not None:
        detail = "; ".join(p for p in ("locked" if refusal.locked else "throttled", source) if p)
        # a try during the delay counts toward the lock; one refused by a lock tests no password: not counted
        _failed(ws, name, address, now, detail, count=not refusal.locked)
        raise refusal
    with ws.operations() as con:
        row = con.execute(f"SELECT {_COLUMNS}, password_hash FROM users WHERE username = ?", (name,)).fetchone()
    # Hash even for unknown users so timing does not reveal which usernames exist.
    stored = row["password_hash"] if row else hash_password("", salt=b"\0" * 16)
    right = verify_password(password, stored)
    if row is None or not right or row["disabled"]:
        reason = "account disabled" if row is not None and row["disabled"] else None
        _failed(ws, name, address, now, "; ".join(p for p in (reason, source) if p) or None)
        raise AuthError("incorrect username or password")
    login_throttle.record_success(ws, name)
    ws.audit(name, "login", "user", name, detail=source)
    return _user(row)


def _failed(ws: Workspace, name: str, address: str | None, now: float | None, detail: str | None, *,
            count: bool = True) -> None:
    """Audit a refused sign-in and count it; a lock that starts is audited as ``login.locked``."""
    ws.audit(name or "?", "login", "user", name or None, outcome="denied", detail=detail)
    for lock in login_throttle.record_failure(ws, name, address, now=now) if count else []:
        ws.audit(name or "?", "login.locked", "user" if lock.scope == "account" else "address", lock.key,
                 outcome="denied", detail=f"{lock.failures} failed sign-ins; locked {lock.seconds / 60:.0f} min")


def check_login(ws: Workspace, username: str, password: str) -> bool:
    """``authenticate`` as a yes/no answer (the shape Gradio's ``launch(auth=...)`` wants)."""
    try:
        authenticate(ws, username, password)
    except AuthError:
        return False
    return True
