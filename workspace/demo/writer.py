"""Streaming CSV writers: one header, then chunks appended as they are generated (pyarrow)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed", batch_size=65536)


def _needs_quotes(name: str) -> bool:
    return any(ch in name for ch in ',"\n\r')


def to_arrow_column(values: object) -> pa.Array:
    """numpy/list column -> arrow array (object -> string; datetime64 kept; bool stays bool)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return pa.array(values, type=pa.string(), from_pandas=True)
    return pa.array(values)


class CsvAppender:
    """A UTF-8 CSV file with a fixed header; :meth:`write` appends a batch of columns."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = list(columns)
        self.rows = 0
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        header = ",".join(f'"{c}"' if _needs_quotes(c) else c for c in self.columns)
        self._fh.write((header + "\n").encode("utf-8"))

    def write(self, data: dict[str, object]) -> None:
        """Append rows; ``data`` must hold exactly the file's columns (same lengths)."""
        missing = set(self.columns) ^ set(data)
        if missing:
            raise KeyError(f"{self.path.name}: column mismatch {sorted(missing)}")
        table = pa.table({c: to_arrow_column(data[c]) for c in self.columns})
        if table.num_rows:
            pacsv.write_csv(table, self._fh, _OPTIONS)
        self.rows += table.num_rows

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> CsvAppender:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
