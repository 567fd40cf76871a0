"""Operator decisions on a queue row: optimistic versions and an audited attempt, shared by every queue.

A decision names the row's version the operator saw. Inside one write transaction the row is read,
updated only if its version is unchanged, and the attempt is audited with its outcome (``ok``,
``conflict`` or ``not_found``): a lost race is an error the operator sees and a line in the audit log,
never a silent overwrite. Used by the fake-review queue (:mod:`screening.queue`) and the fraud queue
(:mod:`fraud.decisions`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from memberinsight.errors import ConflictError, NotFoundError

AfterUpdate = Callable[[sqlite3.Connection, sqlite3.Row], None]


def now_stamp() -> str:
    """The time a queue row changes, as stored: ``2026-12-06T21:10:16.123456Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def versioned_update(ws: Any, *, table: str, key_column: str, key: str, user: str, version: int,
                     audit_action: str, object_type: str, changes: dict[str, Any], detail: dict[str, Any],
                     name: str, queue: str, columns: tuple[str, ...] = (),
                     after: AfterUpdate | None = None) -> None:
    """Apply ``changes`` to the row ``key`` of ``table`` if its version is still ``version``; audit the attempt.

    ``table``, ``key_column``, ``changes``' keys and ``columns`` are the caller's own identifiers, never
    user input. ``name`` is how messages name the row (``review R1``), ``queue`` the queue's name.
    ``columns``: extra columns read with the row for ``after(con, row)``, which runs in the same
    transaction after a successful update (the fraud queue flags a confirmed account's reviews there).
    Raises :class:`NotFoundError` or :class:`ConflictError`; both attempts are audited first.
    """
    sets = ", ".join(f"{k} = ?" for k in changes)
    read = ", ".join(("version", "status", *columns))
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(f"SELECT {read} FROM {table} WHERE {key_column} = ?", [key]).fetchone()
            if row is None:
                ws.audit(user, audit_action, object_type, key, outcome="not_found",
                         detail=json.dumps({**detail, "version": version}), con=con)
                con.execute("COMMIT")
                raise NotFoundError(f"{name.removesuffix(key)}{key!r} is not in the {queue}")
            cur = con.execute(f"UPDATE {table} SET {sets}, version = version + 1, updated_at = ? "
                              f"WHERE {key_column} = ? AND version = ?",
                              [*changes.values(), now_stamp(), key, int(version)])
            if cur.rowcount != 1:
                ws.audit(user, audit_action, object_type, key, outcome="conflict",
                         detail=json.dumps({**detail, "version": version, "current_version": row["version"],
                                            "current_status": row["status"]}), con=con)
                con.execute("COMMIT")
                raise ConflictError(
                    f"{name} was changed by someone else (you saw version {version}, it is now version "
                    f"{row['version']} with status '{row['status']}'); reload it and decide again")
            ws.audit(user, audit_action, object_type, key, outcome="ok",
                     detail=json.dumps({**detail, "version": version, "new_version": int(version) + 1}), con=con)
            if after is not None:
                after(con, row)
            con.execute("COMMIT")
        except sqlite3.Error:
            con.execute("ROLLBACK")
            raise
