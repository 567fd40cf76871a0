"""The optional order fields fraud checks read: value checks, and keyed hashing of personal values.

An IP address, a shipping address (or postcode) and a payment id are personal data. They are
replaced at ingest by a keyed hash (HMAC-SHA256 with a random key kept in the workspace's
operational database), so equal values still match across orders and batches while the values
themselves are never stored, written to a rejects file or shown. A value that already has the hash
form (``h1:`` and 24 hex digits) is kept, so re-ingesting an exported file does not hash it twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING

import pandas as pd

from memberinsight.workspace.ingest.parsing import Issues

if TYPE_CHECKING:
    from memberinsight.workspace.ingest.validate import Prepared
    from memberinsight.workspace.store import Workspace

HASHED_COLUMNS: tuple[str, ...] = ("ip_hash", "shipping_address_hash", "payment_fingerprint")
ORDER_STATUSES: tuple[str, ...] = ("paid", "cancelled", "refunded", "chargeback")
_STATUS_WORDS = {
    "paid": "paid", "completed": "paid", "complete": "paid", "fulfilled": "paid", "shipped": "paid",
    "delivered": "paid", "cancelled": "cancelled", "canceled": "cancelled", "declined": "cancelled",
    "failed": "cancelled", "voided": "cancelled", "refunded": "refunded", "returned": "refunded",
    "chargeback": "chargeback", "charged_back": "chargeback", "disputed": "chargeback",
}
KEY_META = "personal_hash_key"
HASH_PREFIX = "h1:"
_HASHED = re.compile(r"^h1:[0-9a-f]{24}$")


def check_extras(frame: pd.DataFrame, sources: dict[str, str], issues: Issues) -> None:
    """Normalise ``status`` and ``shipping_method`` (lower case) and flag unknown statuses and negative discounts."""
    if "status" in frame:
        words = frame["status"].str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
        mapped = words.map(_STATUS_WORDS)
        issues.flag(words.notna() & mapped.isna(), "bad_status", sources.get("status", "status"),
                    f"status must be one of {', '.join(ORDER_STATUSES)}", values=frame["status"])
        frame["status"] = mapped.astype(object)
    if "shipping_method" in frame:
        frame["shipping_method"] = frame["shipping_method"].str.strip().str.lower()
    if "discount_amount" in frame:
        issues.flag(frame["discount_amount"].lt(0).fillna(False), "negative_discount",
                    sources.get("discount_amount", "discount_amount"), "discount must be 0 or more",
                    values=frame["discount_amount"].astype("string"))


def workspace_key(ws: Workspace) -> bytes:
    """The workspace's hashing key: made once (random, 32 bytes) and kept in its operational database."""
    with ws.operations() as con:
        con.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                    (KEY_META, secrets.token_hex(32)))
        row = con.execute("SELECT value FROM meta WHERE key = ?", (KEY_META,)).fetchone()
    return bytes.fromhex(row["value"])


def _normalise(column: str, value: str) -> str:
    text = " ".join(value.strip().lower().split())
    if column == "shipping_address_hash":  # "12 High St., SW1A 1AA" and "12 high st sw1a1aa" match
        text = re.sub(r"[^0-9a-z]", "", text)
    return text


def keyed_hash(key: bytes, column: str, values: pd.Series) -> pd.Series:
    """``h1:`` + the first 24 hex digits of HMAC-SHA256(key, column name + normalised value); blanks stay blank.

    Each distinct value is hashed once, so millions of lines with repeated values stay fast.
    """
    present = values.dropna()
    present = present[present.astype(str).str.strip() != ""]
    codes: dict[str, str] = {}
    for text in pd.unique(present.astype(str)):
        codes[text] = text if _HASHED.match(text) else HASH_PREFIX + hmac.new(
            key, f"{column}\x1f{_normalise(column, text)}".encode(), hashlib.sha256).hexdigest()[:24]
    out = pd.Series(None, index=values.index, dtype=object)
    out[present.index] = present.astype(str).map(codes).to_numpy(dtype=object)
    return out


def hash_personal(ws: Workspace, prep: Prepared) -> None:
    """Replace raw personal values of the staged orders, and of the file's own rows, by their keyed hashes.

    The file's rows are masked too, so a rejects file never carries a raw IP or address.
    """
    staged = [s for s in prep.staged if any(c in s.frame.columns for c in HASHED_COLUMNS)]
    if not staged:
        return
    key = workspace_key(ws)
    for s in staged:
        for column in HASHED_COLUMNS:
            if column in s.frame.columns:
                s.frame[column] = keyed_hash(key, column, s.frame[column])
    raw = prep.raw
    for column in HASHED_COLUMNS:
        source = prep.mapping.columns.get(column)
        if source is None:
            continue
        if source in raw.frame.columns:
            raw.frame[source] = keyed_hash(key, column, raw.frame[source])
        at = raw.columns.index(source) if source in raw.columns else -1
        for record in raw.malformed:
            if 0 <= at < len(record.fields) and record.fields[at].strip():
                record.fields[at] = str(keyed_hash(key, column, pd.Series([record.fields[at]])).iloc[0])
