"""Helpers of the parity tests: compare a DuckDB frame with a Spark one, gather the evaluation definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEGMENT_SETS = sorted((Path(__file__).resolve().parents[1] / "segments").glob("*.jsonl"))
TOLERANCE = 1e-9


def frame_differences(duck: pd.DataFrame, spark: pd.DataFrame, key: str = "member_id") -> list[str]:
    """Columns that differ (numbers beyond 1e-9 relative/absolute, anything else exactly); empty: identical."""
    problems: list[str] = []
    if list(duck.columns) != list(spark.columns):
        return [f"columns differ: {list(duck.columns)} vs {list(spark.columns)}"]
    a = duck.sort_values(key).reset_index(drop=True)
    b = spark.sort_values(key).reset_index(drop=True)
    if len(a) != len(b):
        return [f"rows differ: {len(a)} vs {len(b)}"]
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_numeric_dtype(y):
            xf = pd.to_numeric(x, errors="coerce").astype(float).to_numpy()
            yf = pd.to_numeric(y, errors="coerce").astype(float).to_numpy()
            same_null = np.array_equal(np.isnan(xf), np.isnan(yf))
            close = np.allclose(np.nan_to_num(xf), np.nan_to_num(yf), rtol=TOLERANCE, atol=TOLERANCE)
            if not (same_null and close):
                problems.append(f"{col}: max difference {np.nanmax(np.abs(xf - yf))}")
        elif _values(x) != _values(y):
            problems.append(f"{col}: values differ")
    return problems


def _values(s: pd.Series) -> list[Any]:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)
            for v in s.astype(object)]


def evaluation_definitions() -> dict[str, dict[str, Any]]:
    """Every distinct expected definition of the segment evaluation sets (refusals have none), by first id."""
    out: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for path in SEGMENT_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            expected = row.get("expected")
            if not isinstance(expected, dict):
                continue
            text = json.dumps(expected, sort_keys=True)
            if text not in seen:
                seen.add(text)
                out[f"{path.stem}:{row.get('id')}"] = expected
    return out
