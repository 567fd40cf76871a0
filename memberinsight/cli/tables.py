"""Plain-text tables for the command line: always a header line, numbers aligned right.

Every listing command prints its rows through :func:`text_table`, so each column is named once at
the top (``--json`` prints the raw rows instead). Cells are formatted by the caller with
:mod:`memberinsight.figures`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_NUMERIC = re.compile(r"^[-+]?[£$€]?[\d,]*\.?\d+\s*(%|×|s|ms| stars?)?$")


def _cell(value: Any, width: int | None) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    if width is not None and len(text) > width:
        return text[:max(1, width - 1)] + "…"
    return text


def _numeric(column: list[str]) -> bool:
    filled = [c for c in column if c and c != "-"]
    return bool(filled) and all(_NUMERIC.match(c) for c in filled)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_widths: Sequence[int | None] | None = None,
               gap: str = "  ") -> str:
    """``rows`` under a header line, columns padded to their widest cell; a column whose cells are all
    figures (``1,234``, ``£42.60``, ``59%``, ``0.873``) is aligned right. ``max_widths`` cuts long cells
    with an ellipsis (None: no limit). Trailing spaces are dropped."""
    limits = list(max_widths) if max_widths is not None else [None] * len(headers)
    cells = [[_cell(v, limits[i] if i < len(limits) else None) for i, v in enumerate(r)] for r in rows]
    for r in cells:
        if len(r) != len(headers):
            raise ValueError(f"a row has {len(r)} cells for {len(headers)} columns")
    columns = [[r[i] for r in cells] for i in range(len(headers))]
    widths = [max([len(h), *(len(c) for c in col)]) for h, col in zip(headers, columns, strict=True)]
    right = [_numeric(col) for col in columns]

    def line(values: Sequence[str]) -> str:
        return gap.join(v.rjust(w) if r else v.ljust(w)
                        for v, w, r in zip(values, widths, right, strict=True)).rstrip()

    return "\n".join([line(list(headers)), *(line(r) for r in cells)])
