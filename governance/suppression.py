"""The suppression list: members who must not be contacted on a channel (or on any), and why.

Rows live in the operations database (``suppressions``). Reasons: ``unsubscribed``, ``bounced``,
``complained``, ``legal_hold``; channel ``email``, ``sms``, ``push`` or ``all``. Nothing is ever
deleted: :func:`remove_suppression` marks a row removed with who, when and why, so the history of
every member's suppressions stays readable. Every change writes an audit row. Adding a suppression
that is already in force changes nothing (and is reported as such), so imports can be re-run.

:func:`import_suppressions` reads a CSV (``member_id`` and ``reason`` columns, ``channel`` and
``note`` optional; the file-wide ``default_reason`` / ``default_channel`` fill missing ones). Bad
rows go to a rejects CSV in ``<workspace>/rejects/`` with their line, column and problem; the counts
add up: ``rows == added + already + rejected``. Ids not (yet) in the members table are kept, so an
unsubscribe stays in force when that member arrives later, and counted as ``unknown_members``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.governance.suppression_io import read_rows, write_rejects
from memberinsight.workspace.decisions import now_stamp

SUPPRESSION_REASONS: tuple[str, ...] = ("unsubscribed", "bounced", "complained", "legal_hold")
SUPPRESSION_CHANNELS: tuple[str, ...] = ("email", "sms", "push", "all")
MAX_ID, MAX_NOTE = 200, 500
PROBLEM = {"member_id": "bad_member_id", "reason": "bad_reason", "channel": "bad_channel", "note": "note_too_long",
           "": "wrong_field_count"}
"""Reject code per column a bad import row fails on (no column: the row's shape)."""
SUPPRESSIONS_DDL = (
    """CREATE TABLE IF NOT EXISTS suppressions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'all')),
        reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained', 'legal_hold')),
        note TEXT,
        source TEXT NOT NULL DEFAULT 'manual',
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL,
        removed_by TEXT,
        removed_at TEXT,
        removed_note TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS suppressions_member ON suppressions (member_id, channel)",
)


@dataclass(frozen=True)
class Suppression:
    """One suppression row (``removed_at`` set once it was lifted)."""

    id: int
    member_id: str
    channel: str
    reason: str
    note: str | None
    source: str
    added_by: str
    added_at: str
    removed_by: str | None = None
    removed_at: str | None = None
    removed_note: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class SuppressionImport:
    """What an import did: ``rows == added + already + rejected``."""

    file: str
    rows: int
    added: int
    already: int
    rejected: int
    rejects_file: Path
    unknown_members: int
    sha256: str
    by_reason: dict[str, int] = field(default_factory=dict)
    rejects_by_problem: dict[str, int] = field(default_factory=dict)


def ensure_suppressions(ws: Any) -> None:
    """Create the suppression table when missing."""
    ws.ensure_operational_tables(*SUPPRESSIONS_DDL)


def _row(r: Any) -> Suppression:
    return Suppression(int(r["id"]), r["member_id"], r["channel"], r["reason"], r["note"], r["source"],
                       r["added_by"], r["added_at"], r["removed_by"], r["removed_at"], r["removed_note"])


def normalise_reason(value: str | None) -> str:
    """``"Legal hold"`` -> ``legal_hold``; :class:`DataValidationError` unless a known reason."""
    text = "_".join((value or "").strip().lower().replace("-", " ").split())
    if text not in SUPPRESSION_REASONS:
        raise DataValidationError(f"reason must be one of {', '.join(SUPPRESSION_REASONS)}, got {value!r}",
                                  column="reason")
    return text

def _narrowed(where: list[str], args: list[Any], channel: str | None, reason: str | None) -> tuple[list[str], list[Any]]:
    """``where``/``args`` with the optional channel and reason filters added (checked and normalised)."""
    if channel:
        where, args = [*where, "channel = ?"], [*args, normalise_channel(channel)]
    if reason:
        where, args = [*where, "reason = ?"], [*args, normalise_reason(reason)]
    return where, args


def normalise_channel(value: str | None, default: str = "all") -> str:
    """A suppression channel (empty: ``default``); :class:`DataValidationError` unless a known one."""
    text = (value or "").strip().lower() or default
    if text not in SUPPRESSION_CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(SUPPRESSION_CHANNELS)}, got {value!r}",
                                  column="channel")
    return text


def _member(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise DataValidationError("member_id is empty", column="member_id")
    if len(text) > MAX_ID or any(ord(c) < 32 for c in text):
        raise DataValidationError("member_id is not a plausible id (too long or control characters)",
                                  column="member_id")
    return text


def _note(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > MAX_NOTE:
        raise DataValidationError(f"the note is {len(text)} characters; keep it under {MAX_NOTE}", column="note")
    return text or None


def _actor(actor: str) -> str:
    if not (actor or "").strip():
        raise DataValidationError("say who makes this change (it is recorded in the audit log)", column="actor")
    return actor.strip()


def _active(con: Any, member_id: str, channel: str, reason: str) -> Suppression | None:
    row = con.execute("SELECT * FROM suppressions WHERE member_id = ? AND channel = ? AND reason = ? "
                      "AND removed_at IS NULL ORDER BY id LIMIT 1", [member_id, channel, reason]).fetchone()
    return _row(row) if row else None


def add_suppression(ws: Any, member_id: str, reason: str, *, actor: str, channel: str = "all",
                    note: str | None = None) -> tuple[Suppression, bool]:
    """Suppress ``member_id`` on ``channel`` (default every channel) for ``reason``; ``(row, created)``.

    When the same member, channel and reason is already in force nothing changes and ``created`` is
    False. A new row writes an audit row ``suppression.add``.
    """
    who, mid, why = _actor(actor), _member(member_id), normalise_reason(reason)
    chan, text = normalise_channel(channel), _note(note)
    ensure_suppressions(ws)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            existing = _active(con, mid, chan, why)
            if existing is not None:
                con.execute("COMMIT")
                return existing, False
            cur = con.execute("INSERT INTO suppressions (member_id, channel, reason, note, added_by, added_at) "
                              "VALUES (?, ?, ?, ?, ?, ?)", [mid, chan, why, text, who, now_stamp()])
            new_id = int(cur.lastrowid or 0)
            ws.audit(who, "suppression.add", "member", mid, con=con, detail=json.dumps(
                {"id": new_id, "channel": chan, "reason": why, "note": text}))
            row = con.execute("SELECT * FROM suppressions WHERE id = ?", [new_id]).fetchone()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return _row(row), True


def remove_suppression(ws: Any, member_id: str, *, actor: str, channel: str | None = None,
                       reason: str | None = None, note: str | None = None) -> list[Suppression]:
    """Lift the member's suppressions in force (only ``channel`` / ``reason`` when given): each row is
    marked removed by ``actor`` with the time and ``note`` (kept, never deleted) and audited
    (``suppression.remove``). :class:`NotFoundError` when none in force matches."""
    who, mid, text = _actor(actor), _member(member_id), _note(note)
    where, args = _narrowed(["member_id = ?", "removed_at IS NULL"], [mid], channel, reason)
    ensure_suppressions(ws)
    stamp = now_stamp()
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            ids = [int(r[0]) for r in con.execute(f"SELECT id FROM suppressions WHERE {' AND '.join(where)}", args)]
            if not ids:
                raise NotFoundError(f"no suppression in force for member {mid!r}"
                                    + (f" on {channel}" if channel else "") + (f" for {reason}" if reason else ""))
            marks = ",".join("?" * len(ids))
            con.execute(f"UPDATE suppressions SET removed_by = ?, removed_at = ?, removed_note = ? WHERE id IN ({marks})",
                        [who, stamp, text, *ids])
            rows = [_row(r) for r in con.execute(f"SELECT * FROM suppressions WHERE id IN ({marks}) ORDER BY id", ids)]
            for row in rows:
                ws.audit(who, "suppression.remove", "member", mid, con=con, detail=json.dumps(
                    {"id": row.id, "channel": row.channel, "reason": row.reason, "note": text}))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return rows


def list_suppressions(ws: Any, *, member_id: str | None = None, channel: str | None = None,
                      reason: str | None = None, include_removed: bool = False,
                      limit: int | None = None) -> list[Suppression]:
    """Suppression rows, newest first (only those in force unless ``include_removed``)."""
    where, args = [], []
    if member_id:
        where.append("member_id = ?")
        args.append(member_id.strip())
    where, args = _narrowed(where, args, channel, reason)
    if not include_removed:
        where.append("removed_at IS NULL")
    if limit is not None and limit < 1:
        raise DataValidationError("limit must be at least 1", column="limit")
    ensure_suppressions(ws)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    tail = f" LIMIT {int(limit)}" if limit else ""
    with ws.operations() as con:
        return [_row(r) for r in con.execute(f"SELECT * FROM suppressions {clause} ORDER BY id DESC{tail}", args)]


def suppression_counts(ws: Any) -> dict[str, int]:
    """Suppressions in force per reason (every reason present, 0s included)."""
    ensure_suppressions(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT reason, count(*) FROM suppressions WHERE removed_at IS NULL GROUP BY reason")
        counts = {str(r[0]): int(r[1]) for r in rows}
    return {r: counts.get(r, 0) for r in SUPPRESSION_REASONS}


def active_suppressions(ws: Any, channel: str) -> dict[str, set[str]]:
    """Member id -> reasons in force for ``channel`` (rows for that channel and for ``all``)."""
    ensure_suppressions(ws)
    out: dict[str, set[str]] = {}
    with ws.operations() as con:
        for mid, why in con.execute("SELECT member_id, reason FROM suppressions WHERE removed_at IS NULL "
                                    "AND channel IN (?, 'all')", [channel]):
            out.setdefault(str(mid), set()).add(str(why))
    return out


def import_suppressions(ws: Any, path: str | Path, *, actor: str, default_reason: str | None = None,
                        default_channel: str = "all") -> SuppressionImport:
    """Add every good row of a suppression CSV in one transaction; bad rows to a rejects file.

    Columns (header names, any case): ``member_id`` (required), ``reason`` (required unless
    ``default_reason``), ``channel`` (empty: ``default_channel``), ``note``. One audit row
    ``suppression.import`` records the file, its sha256, the counts and the ids of the rows added.
    """
    who = _actor(actor)
    source = Path(path).expanduser()
    default_chan = normalise_channel(default_channel)
    fallback = normalise_reason(default_reason) if default_reason else None
    rows, digest = read_rows(source, fallback is not None)
    good: list[tuple[int, str, str, str, str | None]] = []
    rejects: list[dict[str, Any]] = []
    for line, values in rows:
        try:
            if values.get("_fields"):
                raise DataValidationError(values["_fields"])
            mid = _member(values.get("member_id"))
            given = (values.get("reason") or "").strip()
            why = normalise_reason(given) if given or fallback is None else fallback
            chan = normalise_channel(values.get("channel"), default_chan)
            good.append((line, mid, chan, why, _note(values.get("note"))))
        except DataValidationError as exc:
            rejects.append({"line": line, "column": exc.column or "", "problem": PROBLEM.get(exc.column or "", "bad_value"),
                            "message": exc.detail, **{k: v for k, v in values.items() if not k.startswith("_")}})
    ensure_suppressions(ws)
    known = _known_members(ws, {g[1] for g in good})
    added, already, stamp, label = [], 0, now_stamp(), f"import:{source.name}"[:200]
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            for _line, mid, chan, why, text in good:
                if _active(con, mid, chan, why) is not None:
                    already += 1
                    continue
                cur = con.execute("INSERT INTO suppressions (member_id, channel, reason, note, source, added_by, "
                                  "added_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [mid, chan, why, text, label, who, stamp])
                added.append((int(cur.lastrowid or 0), why))
            by_reason = {r: sum(1 for _, w in added if w == r) for r in SUPPRESSION_REASONS}
            rejects_file = write_rejects(ws, source.name, stamp, rejects)
            detail = {"file": source.name, "sha256": digest, "rows": len(rows), "added": len(added),
                      "already": already, "rejected": len(rejects), "by_reason": by_reason,
                      "ids": [i for i, _ in added], "rejects_file": str(rejects_file)}
            ws.audit(who, "suppression.import", "file", source.name[:200], con=con, detail=json.dumps(detail))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    problems = pd.Series([r["problem"] for r in rejects], dtype=object).value_counts()
    return SuppressionImport(source.name, len(rows), len(added), already, len(rejects), rejects_file,
                             len({g[1] for g in good} - known), digest, by_reason,
                             {str(k): int(v) for k, v in problems.items()})


def _known_members(ws: Any, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    with ws.analytics(read_only=True) as con:
        con.register("_ids", pd.DataFrame({"member_id": sorted(ids)}))
        return {str(r[0]) for r in con.execute("SELECT member_id FROM members JOIN _ids USING (member_id)").fetchall()}
