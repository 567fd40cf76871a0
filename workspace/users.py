"""Operator accounts for the app: usernames with salted scrypt password hashes.

Accounts live in the ``users`` table of the workspace's operational SQLite database (created by
:meth:`workspace.store.Workspace.create`). Passwords are never stored or logged; only
``scrypt$n$r$p$<salt>$<hash>`` strings are. Every change and every failed login is appended to
the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from memberinsight.errors import AuthError, ConflictError, DataValidationError, NotFoundError
from workspace.store import OPERATIONS_DDL, Workspace

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB per hash, ~50 ms on one core.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32
MIN_PASSWORD_LENGTH = 8
ROLES: tuple[str, ...] = ("operator", "admin")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


@dataclass(frozen=True)
class User:
    """An operator account (never carries the password hash)."""

    username: str
    role: str
    created_at: str


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


def _ensure(ws: Workspace) -> None:
    ws.ensure_operational_tables(*OPERATIONS_DDL[:1])


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
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataValidationError(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                                  column="password")
    _ensure(ws)
    with ws.operations() as con:
        cur = con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                          (hash_password(password), username))
        if cur.rowcount == 0:
            raise NotFoundError(f"no user {username!r}")
        ws.audit(actor, "user.password", "user", username, con=con)


def remove_user(ws: Workspace, username: str, *, actor: str = "cli") -> None:
    """Delete an account; raises :class:`NotFoundError` if there is none."""
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
        row = con.execute("SELECT username, role, created_at FROM users WHERE username = ?",
                          (username,)).fetchone()
    if row is None:
        raise NotFoundError(f"no user {username!r}")
    return User(row["username"], row["role"], row["created_at"])


def list_users(ws: Workspace) -> list[User]:
    """All accounts, by username."""
    _ensure(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT username, role, created_at FROM users ORDER BY username").fetchall()
    return [User(r["username"], r["role"], r["created_at"]) for r in rows]


def authenticate(ws: Workspace, username: str, password: str) -> User:
    """The account when the password is right; raises :class:`AuthError` otherwise (audited).

    The error message is the same for an unknown user and a wrong password.
    """
    _ensure(ws)
    name = username.strip()
    with ws.operations() as con:
        row = con.execute("SELECT username, role, created_at, password_hash FROM users WHERE username = ?",
                          (name,)).fetchone()
    # Hash even for unknown users so timing does not reveal which usernames exist.
    stored = row["password_hash"] if row else hash_password("", salt=b"\0" * 16)
    if row is None or not verify_password(password, stored):
        ws.audit(name or "?", "login", "user", name or None, outcome="denied")
        raise AuthError("incorrect username or password")
    ws.audit(name, "login", "user", name)
    return User(row["username"], row["role"], row["created_at"])


def check_login(ws: Workspace, username: str, password: str) -> bool:
    """``authenticate`` as a yes/no answer (the shape Gradio's ``launch(auth=...)`` wants)."""
    try:
        authenticate(ws, username, password)
    except AuthError:
        return False
    return True
