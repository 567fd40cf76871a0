"""Pseudonymised member export for analysts: keyed hashes instead of ids, no direct identifiers, k-anonymous.

* Member ids become ``HMAC-SHA256(key, member_id)`` (first :data:`PSEUDONYM_HEX` hex digits). The key is
  32 random bytes kept in the workspace's operations SQLite (table ``privacy_keys``), created on first use,
  never printed, logged or exported; only a short fingerprint of it is shown, so two files can be told
  linkable (same fingerprint) or not. :func:`rotate_key` replaces it and deletes the old one: hashes made
  before no longer link to new exports, and nobody can recompute them.
* Direct identifiers (email, phone, first and last name, street, postcode, address) never leave: the file
  has only the columns of :data:`QUASI_IDENTIFIERS` and :data:`ANALYTICS_COLUMNS`.
* The quasi-identifiers (age band, city, country) are made k-anonymous by :func:`governance.kanon.enforce_k`.

Every export and every rotation is audited (who, why, k, counts, the file's sha256, the key fingerprint).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.csvsafe import SafeWriter
from memberinsight.errors import DataValidationError
from memberinsight.governance.export import EXPORTS_FOLDER, check_reason, export_slug, inside_folder
from memberinsight.governance.kanon import QUASI_IDENTIFIERS, check_k, enforce_k

KEYS_DDL = """CREATE TABLE IF NOT EXISTS privacy_keys (
    key_id INTEGER PRIMARY KEY AUTOINCREMENT,
    secret TEXT,
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    retired_at TEXT
)"""
PSEUDONYM_HEX = 20
"""Hex digits kept from the HMAC (80 bits: no collision in any realistic member base)."""
FINGERPRINT_HEX = 12
SPEND_ROUNDING = 10
"""Spend is rounded to the nearest multiple of this (exact amounts link rows to receipts)."""
ORDERS_TOP = 50
"""Order counts above this are shown as this value (top-coding: the heaviest buyer is easy to spot)."""
PSEUDONYM_COLUMN = "member_pseudonym"
ANALYTICS_COLUMNS: tuple[str, ...] = ("rfm_segment", "churn_band", "clv_tier", "orders", "spend")
"""Non-identifying columns added when the workspace has been built (left out when missing)."""
AUDIT_EXPORT = "privacy.pseudonymised_export"
AUDIT_ROTATE = "privacy.rotate_key"


@dataclass(frozen=True)
class KeyInfo:
    """The pseudonymisation key's public face: its id, fingerprint and when/by whom it was made."""

    key_id: int
    fingerprint: str
    created_at: str
    created_by: str


@dataclass(frozen=True)
class PseudonymisedExport:
    """What a pseudonymised export wrote (counts and checksum only, no personal data)."""

    path: Path
    k: int
    requested: int
    written: int
    generalised: dict[str, int]
    suppressed: int
    smallest_class: int
    columns: tuple[str, ...]
    key_fingerprint: str
    sha256: str

    def summary(self) -> str:
        """Plain words: rows written, per-step generalisations and suppressions, k reached."""
        steps = "; ".join(f"{name}: {n:,} rows" for name, n in self.generalised.items()) or "none"
        return (f"Wrote {self.written:,} of {self.requested:,} members to {self.path} (pseudonymised, "
                f"key {self.key_fingerprint}).\nk-anonymity k={self.k} on {', '.join(QUASI_IDENTIFIERS)}: "
                f"generalised {steps}; suppressed {self.suppressed:,} rows still rarer than k; every combination "
                f"now has at least {self.smallest_class:,} rows.\nDirect identifiers dropped: email, phone, names, "
                "address fields. Columns: " + ", ".join(self.columns) + ".")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fingerprint(secret_hex: str) -> str:
    return hashlib.sha256(b"fingerprint:" + bytes.fromhex(secret_hex)).hexdigest()[:FINGERPRINT_HEX]


def _active(con: Any) -> Any:
    return con.execute("SELECT key_id, secret, fingerprint, created_at, created_by FROM privacy_keys "
                       "WHERE retired_at IS NULL ORDER BY key_id DESC LIMIT 1").fetchone()


def _new_key(con: Any, actor: str) -> Any:
    secret = secrets.token_hex(32)
    con.execute("INSERT INTO privacy_keys (secret, fingerprint, created_at, created_by) VALUES (?, ?, ?, ?)",
                (secret, _fingerprint(secret), _now(), actor))
    return _active(con)


def _key(ws: Any, actor: str) -> tuple[bytes, KeyInfo]:
    """The active key (created, and audited, on first use)."""
    ws.ensure_operational_tables(KEYS_DDL)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = _active(con)
            if row is None:
                row = _new_key(con, actor)
                ws.audit(actor, AUDIT_ROTATE, "privacy_key", str(row["key_id"]),
                         detail=json.dumps({"fingerprint": row["fingerprint"], "reason": "first use"}), con=con)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return bytes.fromhex(row["secret"]), KeyInfo(row["key_id"], row["fingerprint"], row["created_at"],
                                                 row["created_by"])


def current_key(ws: Any) -> KeyInfo | None:
    """The active key's id and fingerprint (never the key), or ``None`` before the first export."""
    ws.ensure_operational_tables(KEYS_DDL)
    with ws.operations() as con:
        row = _active(con)
    return None if row is None else KeyInfo(row["key_id"], row["fingerprint"], row["created_at"], row["created_by"])


def rotate_key(ws: Any, *, actor: str, reason: str) -> KeyInfo:
    """Replace the pseudonymisation key with a new random one and destroy the old one (audited).

    Pseudonyms in earlier exports no longer match new ones and cannot be recomputed by anyone."""
    why = check_reason(reason)
    ws.ensure_operational_tables(KEYS_DDL)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            old = _active(con)
            con.execute("UPDATE privacy_keys SET secret = NULL, retired_at = ? WHERE retired_at IS NULL", (_now(),))
            row = _new_key(con, actor)
            ws.audit(actor, AUDIT_ROTATE, "privacy_key", str(row["key_id"]), con=con, detail=json.dumps(
                {"fingerprint": row["fingerprint"], "retired": old["fingerprint"] if old else None, "reason": why}))
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return KeyInfo(row["key_id"], row["fingerprint"], row["created_at"], row["created_by"])


def pseudonym(key: bytes, member_id: str) -> str:
    """The keyed hash shown instead of ``member_id``."""
    return hmac.new(key, str(member_id).encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def _tables(con: Any) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def member_frame(ws: Any, member_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """``member_id``, the quasi-identifiers and whichever :data:`ANALYTICS_COLUMNS` the workspace has
    (never a direct identifier)."""
    with ws.analytics(read_only=True) as con:
        tables = _tables(con)
        select = ["m.member_id", *(f"m.{c}" for c in QUASI_IDENTIFIERS)]
        joins = []
        if "member_predictions" in tables:
            select += ["p.rfm_segment", "p.churn_band", "p.clv_tier"]
            joins.append("LEFT JOIN member_predictions p USING (member_id)")
        if "member_features" in tables:
            select += ["f.frequency AS orders", "f.monetary AS spend"]
            joins.append("LEFT JOIN member_features f USING (member_id)")
        sql = f"SELECT {', '.join(select)} FROM members m {' '.join(joins)}"
        if member_ids is not None:
            con.register("_wanted", pd.DataFrame({"member_id": [str(m) for m in member_ids]}))
            sql += " JOIN _wanted w USING (member_id)"
        return con.execute(sql + " ORDER BY m.member_id").df()


def _coarsen(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "spend" in out:
        out["spend"] = (pd.to_numeric(out["spend"], errors="coerce") / SPEND_ROUNDING).round() * SPEND_ROUNDING
        out["spend"] = out["spend"].clip(lower=0).astype("Int64")
    if "orders" in out:
        out["orders"] = pd.to_numeric(out["orders"], errors="coerce").clip(upper=ORDERS_TOP).astype("Int64")
    return out


def _default_path(ws: Any, segment: str | None) -> Path:
    folder = Path(ws.path) / EXPORTS_FOLDER
    folder.mkdir(exist_ok=True)
    stem = "members" if not segment else ("custom_segment" if segment.lstrip().startswith("{")
                                          else export_slug(segment))
    base = f"{stem}_pseudonymised_{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    path, n = folder / f"{base}.csv", 2
    while os.path.lexists(path):
        path, n = folder / f"{base}-{n}.csv", n + 1
    return inside_folder(path, folder)


def _write(frame: pd.DataFrame, out: Path) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = SafeWriter(fh)
            writer.writerow(list(frame.columns))
            writer.writerows([["" if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)])
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest


def export_pseudonymised(ws: Any, *, actor: str, reason: str, segment: str | None = None, k: int = 5,
                         out: str | Path | None = None) -> PseudonymisedExport:
    """Write the pseudonymised, k-anonymous member CSV (all members, or those of ``segment``) and audit it.

    The file goes directly inside ``<workspace>/exports/`` unless ``out`` is given (the local CLI only).
    Rows are sorted by pseudonym (member id order would leak the ids' order)."""
    why = check_reason(reason)
    k = check_k(k)
    name = (segment or "").strip()
    ids: list[str] | None = None
    if name:
        from memberinsight.segments import segment_member_ids

        ids = list(segment_member_ids(ws, name))
    frame = member_frame(ws, ids)
    if frame.empty:
        raise DataValidationError("no members to export" + (f" in segment {name!r}" if name else ""),
                                  column="segment")
    secret, info = _key(ws, actor)
    frame.insert(0, PSEUDONYM_COLUMN, [pseudonym(secret, m) for m in frame["member_id"]])
    frame = _coarsen(frame.drop(columns=["member_id"]))
    result = enforce_k(frame, k)
    table = result.frame.sort_values(PSEUDONYM_COLUMN).reset_index(drop=True)
    path = _default_path(ws, name or None) if out is None else Path(out).expanduser().resolve()
    if path.is_dir():
        raise DataValidationError(f"{path} is a directory; give a file name", file=str(path))
    digest = _write(table, path)
    report = PseudonymisedExport(path, k, len(frame), len(table), result.generalised, result.suppressed,
                                 result.smallest_class, tuple(table.columns), info.fingerprint, digest)
    detail = {"segment": name or None, "reason": why, "k": k, "quasi_identifiers": list(QUASI_IDENTIFIERS),
              "requested": report.requested, "rows": report.written, "generalised": report.generalised,
              "suppressed": report.suppressed, "smallest_class": report.smallest_class,
              "columns": list(report.columns), "key_fingerprint": info.fingerprint, "file": str(path),
              "sha256": digest}
    ws.audit(actor, AUDIT_EXPORT, "segment" if name else "members", name[:200] or None,
             detail=json.dumps(detail, ensure_ascii=False))
    return report
