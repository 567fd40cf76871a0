"""SQL side of a load, run inside the caller's DuckDB transaction.

A table's typed rows are staged into a temp table, checked against stored data (unknown
references, attribute JSON) and compared with stored rows by key: new rows are inserted with an
anti-join, identical rows are counted as unchanged, and rows whose key is stored with different
content either update the stored row (members, products) or are rejected (orders, reviews).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from memberinsight.workspace.ingest.parsing import Issues
from memberinsight.workspace.ingest.validate import Staged
from memberinsight.workspace.schema import TABLES

_REASON_FOR_REF = {"members": "unknown_member", "products": "unknown_product"}


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    fields_changed: dict[str, int] = field(default_factory=dict)
    """Stored values changed, per column (updates of members/products)."""
    blanks_kept: dict[str, int] = field(default_factory=dict)
    """Blank cells that left a stored value as it was, per column (without ``blank_clears``)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage(con: duckdb.DuckDBPyConnection, staged: Staged, rows: pd.DataFrame) -> str:
    """Create the temp table ``_stage_<table>`` holding ``rows`` cast to the table's column types."""
    name = f"_stage_{staged.table.name}"
    cols = staged.columns
    con.register("_incoming", rows[["_row", *cols]])
    try:
        casts = ", ".join(f"CAST({_q(c)} AS {staged.table.column(c).type}) AS {_q(c)}" for c in cols)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT _row, {casts} FROM _incoming")
    finally:
        con.unregister("_incoming")
    return name


def check_stored(con: duckdb.DuckDBPyConnection, staged: Staged, name: str, issues: Issues) -> None:
    """Reject staged rows that reference unknown members/products or carry invalid JSON, and unstage them."""
    for col, ref in staged.refs:
        key = TABLES[ref].key[0]
        cond = (f"s.{_q(col)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {ref} r WHERE r.{_q(key)} = s.{_q(col)})")
        bad = con.execute(f"SELECT s._row, s.{_q(col)} AS v FROM {name} s WHERE {cond} ORDER BY s._row").df()
        if bad.empty:
            continue
        messages = (f"unknown {col} '" + bad["v"].astype(str).str.slice(0, 40)
                    + f"' (not in stored {ref} nor in this batch)").tolist()
        issues.flag_rows(bad["_row"].to_numpy(), _REASON_FOR_REF[ref], staged.sources.get(col, col), messages)
        con.execute(f"DELETE FROM {name} s WHERE {cond}")
    for col in staged.json_columns:
        cond = f"{_q(col)} IS NOT NULL AND coalesce(TRY(json_type(TRY_CAST({_q(col)} AS JSON))), '') <> 'OBJECT'"
        bad = con.execute(f"SELECT _row FROM {name} WHERE {cond} ORDER BY _row").df()
        if bad.empty:
            continue
        issues.flag_rows(bad["_row"].to_numpy(), "bad_json", staged.sources.get(col, col),
                         "attributes must be a JSON object")
        con.execute(f"DELETE FROM {name} WHERE {cond}")


def merge(con: duckdb.DuckDBPyConnection, staged: Staged, name: str, issues: Issues | None,
          blank_clears: bool = False) -> MergeCounts:
    """Insert new keys, update (upsert mode) or reject (immutable mode) changed ones; count each.

    A blank cell of a stored row means "no new value": the stored value stays, and the row counts
    as unchanged when nothing else differs. With ``blank_clears`` a blank cell erases the stored
    value (upsert) or conflicts with it (immutable tables).
    """
    table = staged.table
    key = list(table.key)
    compare = [] if staged.mode == "insert_only" else [c for c in staged.columns if c not in key]
    on = " AND ".join(f"s.{_q(k)} = t.{_q(k)}" for k in key)

    def differs(c: str) -> str:
        changed = f"s.{_q(c)} IS DISTINCT FROM t.{_q(c)}"
        return changed if blank_clears else f"(s.{_q(c)} IS NOT NULL AND {changed})"

    same = " AND ".join(f"NOT {differs(c)}" for c in compare) or "TRUE"
    if compare:
        detail = "CASE " + " ".join(
            f"WHEN {differs(c)} THEN '{c}|stored ' || "
            f"coalesce(left(CAST(t.{_q(c)} AS VARCHAR), 40), 'empty') || ', file ' || "
            f"coalesce(left(CAST(s.{_q(c)} AS VARCHAR), 40), 'empty')" for c in compare) + " END"
    else:
        detail = "NULL"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cmp AS SELECT s._row, "
        f"CASE WHEN t.{_q(key[0])} IS NULL THEN 'new' WHEN {same} THEN 'same' ELSE 'diff' END AS status, "
        f"{detail} AS detail FROM {name} s LEFT JOIN {table.name} t ON {on}")
    counts = dict(con.execute("SELECT status, count(*) FROM _cmp GROUP BY status").fetchall())
    changed: dict[str, int] = {}
    blanks: dict[str, int] = {}
    if staged.mode == "upsert" and compare and counts.keys() - {"new"}:
        changed, blanks = _per_column(con, staged, name, on, compare, differs)
    cols = ", ".join(_q(c) for c in staged.columns)
    scols = ", ".join(f"s.{_q(c)}" for c in staged.columns)
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {scols} FROM {name} s JOIN _cmp c USING (_row) "
                f"WHERE c.status = 'new' ORDER BY s._row")
    result = MergeCounts(inserted=counts.get("new", 0), unchanged=counts.get("same", 0),
                         fields_changed=changed, blanks_kept={} if blank_clears else blanks)
    if staged.mode == "upsert" and counts.get("diff"):
        sets = ", ".join(f"{_q(c)} = u.{_q(c)}" if blank_clears else f"{_q(c)} = coalesce(u.{_q(c)}, t.{_q(c)})"
                         for c in compare)
        match = " AND ".join(f"t.{_q(k)} = u.{_q(k)}" for k in key)
        con.execute(f"UPDATE {table.name} AS t SET {sets} FROM (SELECT s.* FROM {name} s JOIN _cmp c "
                    f"USING (_row) WHERE c.status = 'diff') AS u WHERE {match}")
        result.updated = counts["diff"]
    elif staged.mode == "immutable" and counts.get("diff"):
        bad = con.execute("SELECT _row, detail FROM _cmp WHERE status = 'diff' ORDER BY _row").df()
        parts = bad["detail"].str.split("|", n=1, expand=True)
        column = parts[0].map(lambda c: staged.sources.get(c, c))
        messages = ("conflicts with stored row (same " + ", ".join(key) + "; " + parts[0] + ": " + parts[1]
                    + "); stored rows are never overwritten").to_numpy(dtype=object)
        assert issues is not None
        for col in column.unique():
            sel = (column == col).to_numpy()
            issues.flag_rows(bad["_row"].to_numpy()[sel], "conflicts_with_stored", col, list(messages[sel]))
    con.execute("DROP TABLE _cmp")
    con.execute(f"DROP TABLE {name}")
    return result


def _per_column(con: duckdb.DuckDBPyConnection, staged: Staged, name: str, on: str, compare: list[str],
                differs: Callable[[str], str]) -> tuple[dict[str, int], dict[str, int]]:
    """(changed values per column, blank cells that kept a stored value per column) over stored keys."""
    exprs = []
    for c in compare:
        exprs.append(f"count(*) FILTER (WHERE {differs(c)})")
        exprs.append(f"count(*) FILTER (WHERE s.{_q(c)} IS NULL AND t.{_q(c)} IS NOT NULL)")
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {name} s JOIN {staged.table.name} t ON {on}").fetchone()
    assert row is not None
    changed = {c: int(row[2 * i]) for i, c in enumerate(compare) if row[2 * i]}
    blanks = {c: int(row[2 * i + 1]) for i, c in enumerate(compare) if row[2 * i + 1]}
    return changed, blanks
