"""Row validation and typing for the canonical layouts (members, products, orders, reviews).

Everything is vectorised over the whole file. The result is a :class:`Prepared` plan: typed
frames ready for staging in DuckDB, the per-row :class:`~workspace.ingest.parsing.Issues`, and
the data-quality figures that go into the report. Checks that need stored data (unknown
references, conflicts with stored rows) happen later, inside the load transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from memberinsight.workspace.ingest.categories import UNCATEGORISED, categorise
from memberinsight.workspace.ingest.dates import DateRules, decide_order, parse_timestamp
from memberinsight.workspace.ingest.formats import Mapping
from memberinsight.workspace.ingest.order_extras import check_extras
from memberinsight.workspace.ingest.parsing import (
    Issues,
    clean_text,
    future_mask,
    normalise_member_id,
    parse_bool,
    parse_float,
    parse_int,
)
from memberinsight.workspace.ingest.readers import RawTable
from memberinsight.workspace.schema import TABLES, Column, Table

# How each target table is merged with stored rows.
MODES = {"members": "upsert", "products": "upsert", "orders": "immutable", "reviews": "immutable"}
REFERENCES = {
    "orders": (("member_id", "members"), ("product_id", "products")),
    "reviews": (("product_id", "products"), ("member_id", "members")),
}
_PRICE_COLUMNS = {"price", "unit_price"}


@dataclass
class Staged:
    """Typed rows for one table. ``frame``'s index is the row position in the file's frame."""

    table: Table
    frame: pd.DataFrame
    mode: str  # "immutable" (conflicts rejected) | "upsert" (changes update) | "insert_only"
    sources: dict[str, str] = field(default_factory=dict)
    refs: tuple[tuple[str, str], ...] = ()
    json_columns: tuple[str, ...] = ()
    counted: bool = True  # rows of this table are the file's rows (False for derived tables)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.all_column_names if c in self.frame.columns]


@dataclass
class Prepared:
    """A file read, mapped and row-validated; ready for the transactional load."""

    raw: RawTable
    mapping: Mapping
    issues: Issues
    staged: list[Staged]
    warnings: list[str]
    quality: dict[str, int] = field(default_factory=dict)

    @property
    def main(self) -> Staged:
        return next(s for s in self.staged if s.counted)


def common_row_checks(raw: RawTable, issues: Issues, columns: list[str]) -> None:
    """Rows with too few fields, and (in mixed-encoding files) undecodable bytes."""
    width = len(raw.columns)
    issues.flag(raw.short, "wrong_field_count", None, f"row has fewer fields than the header ({width})")
    if raw.mixed_encoding:
        for col in columns:
            issues.flag(raw.frame[col].str.contains("\ufffd", regex=False).fillna(False),
                        "bad_encoding", col, "value has bytes that are not valid UTF-8")


@dataclass
class DateReading:
    """The file-wide way dates are read (see :mod:`workspace.ingest.dates`) and the notes it produced."""

    order: str | None = None
    timezone: str = "UTC"
    notes: list[str] = field(default_factory=list)


def date_reading(raw: RawTable, columns: dict[str, pd.Series], rules: DateRules) -> DateReading:
    """Decide the day/month order once for the file's date columns (``columns``: file column -> cleaned values)."""
    order, notes = decide_order(columns, raw.lines, rules, raw.file)
    return DateReading(order, rules.timezone, notes)


def parse_dates(s: pd.Series, src: str, issues: Issues, now: datetime, dates: DateReading) -> pd.Series:
    """Timestamps of one column read the file's way; bad and future ones flagged, zones noted."""
    values, bad, zoned = parse_timestamp(s, dates.order, dates.timezone)
    issues.flag(bad, "bad_date", src, "unparseable date", values=s)
    issues.flag(future_mask(values, now), "future_date", src, "date in the future", values=s)
    if zoned:
        dates.notes.append(f"{src}: {zoned} value(s) with a time zone converted to shop time ({dates.timezone}); "
                           "values without one are taken as shop time")
    return values


def convert(col: Column, s: pd.Series, src: str, issues: Issues, now: datetime,
            dates: DateReading | None = None) -> pd.Series:
    """Type one column, recording the first problem of each row (missing, unparseable, out of range)."""
    if col.required:
        issues.flag(s.isna(), "missing_value", src, "required value is empty")
    if col.type == "VARCHAR":
        return normalise_member_id(s) if col.name == "member_id" else s
    if col.type == "INTEGER":
        values, bad = parse_int(s)
        issues.flag(bad, "bad_integer", src, "not a whole number", values=s)
        if col.name == "line_no":
            issues.flag(values.lt(1).fillna(False), "bad_line_no", src, "line_no must be 1 or more")
        elif col.name == "rating":
            issues.flag((~values.between(1, 5)).fillna(False) & values.notna(), "bad_rating", src,
                        "rating must be 1-5", values=s)
        return values
    if col.type == "DOUBLE":
        values, bad = parse_float(s)
        issues.flag(bad, "bad_number", src, "not a number", values=s)
        if col.name in _PRICE_COLUMNS:
            issues.flag(values.lt(0).fillna(False), "negative_price", src, "negative price", values=s)
        return values
    if col.type in ("TIMESTAMP", "DATE"):
        values = parse_dates(s, src, issues, now, dates or DateReading())
        return values.dt.normalize() if col.type == "DATE" else values
    if col.type == "BOOLEAN":
        values, bad = parse_bool(s)
        issues.flag(bad, "bad_boolean", src, "not true/false", values=s)
        return values
    raise AssertionError(f"unhandled column type {col.type}")  # pragma: no cover


def flag_duplicates(frame: pd.DataFrame, key: list[str], lines: np.ndarray, issues: Issues,
                    source: str) -> None:
    """Later rows repeating an earlier row's key (among rows still valid) are rejected."""
    ok = issues.ok.to_numpy()
    sub = frame.loc[ok, key].copy()
    if sub.empty:
        return
    sub["_line"] = lines[ok]
    dup = sub.duplicated(subset=key, keep="first")
    if not dup.any():
        return
    first = sub.groupby(key, dropna=False, sort=False)["_line"].transform("first")
    mask = pd.Series(False, index=frame.index)
    mask[sub.index[dup.to_numpy()]] = True
    msg = pd.Series("", index=frame.index, dtype=object)
    msg[sub.index] = (f"duplicate key ({', '.join(key)}) in the file; first on line "
                      + first.astype("int64").astype(str)).to_numpy()
    issues.flag(mask, "duplicate_key", source, msg)


def prepare_canonical(raw: RawTable, mapping: Mapping, now: datetime | None = None,
                      rules: DateRules | None = None) -> Prepared:
    """Validate and type a canonical members/products/orders/reviews file.

    Raises :class:`DataValidationError` when the file's dates contradict each other or leave the
    day/month order undecided (see :mod:`workspace.ingest.dates`).
    """
    now = now or datetime.now()
    table = TABLES[mapping.kind]
    issues = Issues(len(raw.frame))
    common_row_checks(raw, issues, list(mapping.columns.values()))
    mapped = [c for c in table.all_columns if c.name in mapping.columns]
    cleaned = {c.name: clean_text(raw.frame[mapping.columns[c.name]]) for c in mapped}
    dates = date_reading(raw, {mapping.columns[c.name]: cleaned[c.name] for c in mapped
                               if c.type in ("TIMESTAMP", "DATE")}, rules or DateRules())
    typed = {c.name: convert(c, cleaned[c.name], mapping.columns[c.name], issues, now, dates) for c in mapped}
    frame = pd.DataFrame(typed, index=raw.frame.index)
    warnings = [*raw.warnings, *dates.notes]
    if mapping.ignored:
        warnings.append(f"columns not used: {', '.join(mapping.ignored)}")
    json_columns: tuple[str, ...] = ()
    if mapping.kind == "orders":
        if "line_no" not in frame:
            frame["line_no"] = frame.groupby(frame["order_id"].fillna(""), sort=False).cumcount() + 1
            warnings.append("no line_no column: line numbers derived from the order of lines in the file")
        not_positive = frame["quantity"].le(0).fillna(False)  # returns, cancellations, zero-quantity lines
        given = frame["is_return"].fillna(False) if "is_return" in frame else False
        frame["is_return"] = (not_positive | given).astype("boolean").where(frame["quantity"].notna())
        check_extras(frame, mapping.columns, issues)
    elif mapping.kind == "products":
        if "is_product" not in frame:
            frame["is_product"] = pd.Series(True, index=frame.index, dtype="boolean")
        category = frame["category"] if "category" in frame else pd.Series(pd.NA, index=frame.index, dtype="str")
        if category.isna().any():
            missing = category.isna()
            guessed = categorise(frame["title"])
            frame["category"] = category.where(~missing, guessed)
            n_guess = int((missing & (guessed != UNCATEGORISED) & issues.ok).sum())
            if n_guess:
                warnings.append(f"{n_guess} product categories derived from titles (keyword rules)")
        json_columns = ("attributes",) if "attributes" in frame else ()
    flag_duplicates(frame, list(table.key), raw.lines, issues, mapping.source(table.key[0]))
    frame.insert(0, "_row", np.arange(len(frame), dtype=np.int64))
    staged = Staged(table, frame, MODES[mapping.kind], dict(mapping.columns),
                    tuple(r for r in REFERENCES.get(mapping.kind, ()) if r[0] in frame), json_columns)
    quality = order_quality(frame, issues) if mapping.kind == "orders" else {}
    warnings.extend(quality_warnings(quality))
    return Prepared(raw, mapping, issues, [staged], warnings, quality)


def order_quality(frame: pd.DataFrame, issues: Issues) -> dict[str, int]:
    """Counts of kept order lines that deserve a note: guests, returns, zero quantities, zero prices."""
    ok = issues.ok.to_numpy()
    sub = frame.loc[ok]
    out = {
        "guest_lines": int(sub["member_id"].isna().sum()) if "member_id" in sub else len(sub),
        "return_lines": int(sub["is_return"].fillna(False).sum()),
        "zero_quantity_lines": int(sub["quantity"].eq(0).fillna(False).sum()),
        "zero_price_lines": int(sub["unit_price"].eq(0).fillna(False).sum()),
    }
    return out


def quality_warnings(quality: dict[str, int]) -> list[str]:
    """Human notes for the data-quality counts (kept rows, not rejects)."""
    notes = {
        "guest_lines": "{n} guest line(s) without a member id kept (member_id empty)",
        "return_lines": "{n} return/cancellation line(s) kept and flagged is_return",
        "zero_quantity_lines": "{n} line(s) with quantity 0 kept and flagged is_return",
        "zero_price_lines": "{n} line(s) with unit price 0 kept",
        "non_product_lines": "{n} line(s) for non-product codes (postage, fees, adjustments) kept",
    }
    return [notes[k].format(n=v) for k, v in quality.items() if v and k in notes]
