"""What an ingest did (:class:`IngestReport`) and the rejects CSV of each batch."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from memberinsight.errors import DataValidationError
from memberinsight.workspace.ingest.parsing import Issues
from memberinsight.workspace.ingest.readers import RawTable


@dataclass
class IngestReport:
    """The outcome of loading one file.

    Invariant: ``rows_read == rows_loaded + rows_unchanged + rows_rejected``. ``rows_loaded``
    counts inserted rows plus updated members/products (``rows_updated`` of them). ``kind`` is the
    table the file's rows went to (``orders`` for the Online Retail layout) and ``format`` the layout
    (``canonical`` or ``online_retail``). ``auto_created`` counts rows created in other tables
    (Online Retail: new ``members`` and ``products``).
    """

    file: str
    kind: str
    format: str
    encoding: str
    batch_id: str
    rows_read: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    rejects_file: Path | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rows_updated: int = 0
    auto_created: dict[str, int] = field(default_factory=dict)
    sample_rejects: list[str] = field(default_factory=list)
    fields_changed: dict[str, int] = field(default_factory=dict)
    """Stored member/product values changed by this file, per column."""
    blanks_kept: dict[str, int] = field(default_factory=dict)
    """Blank cells that left a stored value as it was, per column."""

    def check(self) -> None:
        """Assert the counting invariant."""
        total = self.rows_loaded + self.rows_unchanged + self.rows_rejected
        assert self.rows_read == total, (
            f"{self.file}: rows_read {self.rows_read} != loaded {self.rows_loaded} + unchanged "
            f"{self.rows_unchanged} + rejected {self.rows_rejected}")
        assert sum(self.rejects_by_reason.values()) == self.rows_rejected


def reject_table(raw: RawTable, issues: Issues) -> pd.DataFrame:
    """Every rejected row with its original values, line, column, reason and message, by line."""
    bad = issues.bad.to_numpy()
    out = pd.DataFrame({
        "_line": raw.lines[bad],
        "_column": issues.column[bad].to_numpy(),
        "_reason": issues.reason[bad].to_numpy(),
        "_message": issues.message[bad].to_numpy(),
    })
    original = raw.frame.loc[bad].reset_index(drop=True)
    out = pd.concat([out, original], axis=1)
    if raw.malformed:
        width = len(raw.columns)
        extra = pd.DataFrame({
            "_line": [r.line for r in raw.malformed],
            "_column": [r.column for r in raw.malformed],
            "_reason": [r.reason for r in raw.malformed],
            "_message": [r.message for r in raw.malformed],
            **{c: [r.fields[j] if j < len(r.fields) else "" for r in raw.malformed]
               for j, c in enumerate(raw.columns)},
            "_extra_fields": [raw.delimiter.join(r.fields[width:]) for r in raw.malformed],
        })
        out = pd.concat([out, extra], ignore_index=True)
    return out.sort_values("_line", kind="stable").reset_index(drop=True)


def reject_counts(rejects: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in rejects["_reason"].value_counts().sort_index().items()}


def describe(row: pd.Series) -> str:
    """``line 12, column 'InvoiceDate': unparseable date '31/02/2011'``."""
    where = f"line {int(row['_line'])}" + (f", column '{row['_column']}'" if isinstance(row["_column"], str) else "")
    return f"{where}: {row['_message']}"


def first_error(rejects: pd.DataFrame, file: str) -> DataValidationError:
    """The strict-mode error for the first rejected row (rows sorted by line)."""
    row = rejects.iloc[0]
    column = row["_column"] if isinstance(row["_column"], str) else None
    return DataValidationError(
        f"{row['_reason']}: {row['_message']} ({len(rejects)} row(s) rejected; strict mode: nothing was loaded)",
        file=file, row=int(row["_line"]), column=column)


def write_rejects(rejects: pd.DataFrame, path: Path) -> None:
    """Write the rejects CSV (UTF-8, every value quoted as needed). Text cells a spreadsheet would run as
    a formula (``=HYPERLINK(...)``, ``+cmd|...``) get a leading ``'`` (:mod:`memberinsight.csvsafe`);
    that is the only change to the original values."""
    from memberinsight.csvsafe import write_frame

    path.parent.mkdir(parents=True, exist_ok=True)
    write_frame(rejects, path, quoting=csv.QUOTE_MINIMAL, encoding="utf-8")
