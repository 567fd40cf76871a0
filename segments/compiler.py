"""Compile a :class:`~segments.definition.SegmentDefinition` to parameterised DuckDB SQL, and run it.

Safety rules, enforced here:

* SQL identifiers (tables, columns) come only from the field catalogue and the constant
  aggregate templates below, and are checked against ``[a-z_][a-z0-9_]*``;
* every value from a definition (numbers, texts, dates, categories, windows) is a bound
  parameter (``$p0``, ``$p1``...); no user or model text is ever spliced into the SQL string;
* nothing is evaluated or executed except the compiled ``SELECT``.

Each condition is wrapped in ``coalesce(..., false)`` so "unknown" is "no" (see
:mod:`segments.definition` for the semantics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from memberinsight.errors import ModelNotReadyError, WorkspaceError
from memberinsight.segments.definition import Condition, Group, Node, Not, SegmentDefinition, parse_definition
from memberinsight.segments.fields import CATALOGUE, FEATURES_TABLE, PREDICTIONS_TABLE, Field

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

RETURN = "(coalesce(o.is_return, false) OR o.quantity < 0)"
PURCHASE = f"(NOT {RETURN} AND o.quantity > 0)"
LINE_VALUE = f"CASE WHEN {PURCHASE} THEN o.quantity * o.unit_price WHEN {RETURN} THEN -abs(o.quantity * o.unit_price) END"
BEHAVIOUR_METRICS = {
    "orders": f"count(DISTINCT o.order_id) FILTER (WHERE {PURCHASE})",
    "spend": f"round(coalesce(sum({LINE_VALUE}), 0), 2)",  # money: cents, so "spent nothing" is exactly 0
    "aov": f"round(sum(o.quantity * o.unit_price) FILTER (WHERE {PURCHASE}) / "
           f"nullif(count(DISTINCT o.order_id) FILTER (WHERE {PURCHASE}), 0), 2)",
    "returns": f"count(DISTINCT o.order_id) FILTER (WHERE {RETURN})",
    "distinct_products": f"count(DISTINCT o.product_id) FILTER (WHERE {PURCHASE})",
    "last_order_date": f"CAST(max(o.ordered_at) FILTER (WHERE {PURCHASE}) AS DATE)",
    "first_order_date": f"CAST(min(o.ordered_at) FILTER (WHERE {PURCHASE}) AS DATE)",
}
REVIEW_METRICS = {
    "reviews": "count(*)",
    "avg_rating": "avg(r.rating)",
    "low_ratings": "count(*) FILTER (WHERE r.rating <= 2)",
}
REF_DATE = "(SELECT d FROM ref)"
# Fields computed from other columns of their table (constant SQL; ``{t}`` is the table alias).
DERIVED = {"days_overdue": "({t}.recency_days - {t}.ipt_mean)"}
DERIVED_COLUMNS = {"days_overdue": ("recency_days", "ipt_mean")}


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise WorkspaceError(f"refusing unsafe SQL identifier {name!r}")
    return name


@dataclass
class CompiledQuery:
    """Parameterised SQL plus its bound values; ``tables`` lists derived tables it needs."""

    sql: str
    params: dict[str, Any]
    tables: set[str] = field(default_factory=set)


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.ctes: dict[tuple[Any, ...], str] = {}
        self.cte_parts: dict[str, tuple[str, str, list[str], dict[str, str], set[str]]] = {}
        self.joins: dict[str, str] = {}
        self.tables: set[str] = set()

    def cte_sql(self) -> list[str]:
        out = []
        for alias, (member, frm, where, metrics, used) in self.cte_parts.items():
            cols = ", ".join(f"{metrics[name]} AS {_ident(name)}" for name in sorted(used))
            out.append(f"{alias} AS (SELECT {member} AS member_id, {cols} FROM {frm} "
                       f"WHERE {' AND '.join(where)} GROUP BY {member})")
        return out

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    # ---- value expressions -------------------------------------------------------------
    def column(self, fld: Field, cond: Condition) -> str:
        if fld.source == "members":
            return f"m.{_ident(fld.column)}"
        if fld.source in ("features", "predictions"):
            table = FEATURES_TABLE if fld.source == "features" else PREDICTIONS_TABLE
            alias = "feat" if fld.source == "features" else "pred"
            self.tables.add(table)
            self.joins.setdefault(alias, f"LEFT JOIN {_ident(table)} {alias} ON {alias}.member_id = m.member_id")
            if fld.column in DERIVED:
                return DERIVED[fld.column].format(t=alias)
            return f"{alias}.{_ident(fld.column)}"
        alias = self.aggregate(fld, cond)
        self.cte_parts[alias][4].add(fld.column)
        return f"{alias}.{_ident(fld.column)}"

    def aggregate(self, fld: Field, cond: Condition) -> str:
        key = (fld.source, tuple(c.casefold() for c in cond.category or ()), cond.days, cond.date_from,
               cond.date_to)
        if key in self.ctes:
            return self.ctes[key]
        alias = f"agg{len(self.ctes)}"
        self.ctes[key] = alias
        where = ["o.member_id IS NOT NULL"] if fld.source == "behaviour" else ["r.member_id IS NOT NULL"]
        if fld.source == "behaviour":
            metrics = BEHAVIOUR_METRICS
            # LEFT JOIN: a line whose product is missing from the catalogue still counts (as a
            # product line of unknown category), as in the member features.
            frm = "clean_orders o LEFT JOIN products pr ON pr.product_id = o.product_id"
            where.append("coalesce(pr.is_product, true)")
            if cond.category:
                where.append(f"list_contains({self.bind([c.casefold() for c in cond.category])}, lower(pr.category))")
            stamp = "o.ordered_at"
            member = "o.member_id"
        else:
            metrics = REVIEW_METRICS
            frm = "reviews r"
            stamp = "r.created_at"
            member = "r.member_id"
        if cond.days is not None:
            where.append(f"CAST({stamp} AS DATE) > {REF_DATE} - CAST({self.bind(cond.days)} AS INTEGER)")
        if cond.date_from is not None:
            where.append(f"CAST({stamp} AS DATE) >= CAST({self.bind(cond.date_from)} AS DATE)")
        if cond.date_to is not None:
            where.append(f"CAST({stamp} AS DATE) <= CAST({self.bind(cond.date_to)} AS DATE)")
        self.cte_parts[alias] = (member, frm, where, metrics, set())
        self.joins[alias] = f"LEFT JOIN {alias} ON {alias}.member_id = m.member_id"
        return alias

    # ---- boolean expressions -----------------------------------------------------------
    def node(self, node: Node) -> str:
        if isinstance(node, Condition):
            return f"coalesce({self.condition(node)}, false)"
        if isinstance(node, Not):
            return f"(NOT {self.node(node.item)})"
        assert isinstance(node, Group)
        joiner = " AND " if node.kind == "all" else " OR "
        return "(" + joiner.join(self.node(i) for i in node.items) + ")"

    def condition(self, c: Condition) -> str:
        fld = CATALOGUE[c.field]
        col = self.column(fld, c)
        if fld.never_null:
            col = f"coalesce({col}, 0)"
        if fld.type == "choice":
            return self.choice(fld, col, c)
        if fld.type == "date":
            return self.date(f"CAST({col} AS DATE)", c)
        if c.op == "between":
            return f"({col} BETWEEN {self.bind(c.value[0])} AND {self.bind(c.value[1])})"
        if c.op == "!=":
            return f"(NOT coalesce({col} = {self.bind(c.value)}, false))"
        return f"({col} {c.op} {self.bind(c.value)})"

    def choice(self, fld: Field, col: str, c: Condition) -> str:
        text = fld.value_type == "text"
        expr = f"lower(CAST({col} AS VARCHAR))" if text else col

        def norm(v: Any) -> Any:
            return v.casefold() if text else v

        if c.op in ("=", "!="):
            test = f"({expr} = {self.bind(norm(c.value))})"
        else:
            test = f"list_contains({self.bind([norm(v) for v in c.value])}, {expr})"
        return test if c.op in ("=", "in") else f"(NOT coalesce({test}, false))"

    def date(self, col: str, c: Condition) -> str:
        if c.op == "in_last_days":
            return f"({col} > {REF_DATE} - CAST({self.bind(c.value)} AS INTEGER))"
        if c.op == "more_than_days_ago":
            return f"({col} <= {REF_DATE} - CAST({self.bind(c.value)} AS INTEGER))"
        if c.op == "in_next_days":
            return (f"({col} > {REF_DATE} AND "
                    f"{col} <= {REF_DATE} + CAST({self.bind(c.value)} AS INTEGER))")
        if c.op == "between":
            return (f"({col} BETWEEN CAST({self.bind(c.value[0])} AS DATE) "
                    f"AND CAST({self.bind(c.value[1])} AS DATE))")
        return f"({col} {c.op} CAST({self.bind(c.value)} AS DATE))"


def compile_definition(definition: SegmentDefinition | dict[str, Any], *, count_only: bool = False,
                       with_values: bool = False, limit: int | None = None) -> CompiledQuery:
    """The ``SELECT`` returning the segment's member ids (sorted), or its size with ``count_only``;
    ``with_values`` adds each condition's value (columns ``v0``, ``v1``... in condition order), ``limit``
    keeps the first ids."""
    defn = parse_definition(definition)
    comp = _Compiler()
    where = comp.node(defn.where)
    values = [f", {comp.column(CATALOGUE[c.field], c)} AS v{k}" for k, c in enumerate(defn.conditions())] \
        if with_values and not count_only else []
    ctes = ["ref AS (SELECT CAST(max(ordered_at) AS DATE) AS d FROM clean_orders)", *comp.cte_sql()]
    joins = "\n".join(comp.joins.values())
    select = "count(*) AS size" if count_only else "m.member_id" + "".join(values)
    order = "" if count_only else "\nORDER BY m.member_id" + (f"\nLIMIT {int(limit)}" if limit is not None else "")
    cte_text = ",\n".join(ctes)
    sql = f"WITH {cte_text}\nSELECT {select}\nFROM clean_members m\n{joins}\nWHERE {where}{order}"
    return CompiledQuery(sql=sql, params=comp.params, tables=comp.tables)


def _check_tables(con: Any, query: CompiledQuery, definition: SegmentDefinition) -> None:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"clean_orders", "clean_members"} <= names:  # workspace.clean: made by ingest and by the build
        raise ModelNotReadyError("this workspace was made before confirmed fraud was left out of segment counts; "
                                 "run `memberinsight build` once")
    if not query.tables:
        return
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_name IN (SELECT unnest($t))", {"t": sorted(query.tables)}).fetchall()
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    for table in sorted(query.tables):
        if table not in present:
            raise ModelNotReadyError(f"this segment uses built data, but the workspace has no '{table}' "
                                     "table yet; run `memberinsight build` first")
    for cond in definition.conditions():
        fld = CATALOGUE[cond.field]
        needed = DERIVED_COLUMNS.get(fld.column, (fld.column,))
        if fld.source in ("features", "predictions") and not set(needed) <= present.get(fld.table, set()):
            raise ModelNotReadyError(f"field '{fld.name}' needs column {fld.table}.{fld.column}, which the "
                                     "last build did not write; re-run `memberinsight build`")


def run_query(con: Any, definition: SegmentDefinition | dict[str, Any], *, count_only: bool = False) -> Any:
    """Execute the compiled query on an open DuckDB connection (ids list, or size with ``count_only``)."""
    defn = parse_definition(definition)
    query = compile_definition(defn, count_only=count_only)
    _check_tables(con, query, defn)
    rows = con.execute(query.sql, query.params).fetchall()
    return int(rows[0][0]) if count_only else [str(r[0]) for r in rows]


def segment_members(ws: Any, definition: SegmentDefinition | dict[str, Any]) -> list[str]:
    """Member ids matching ``definition`` in workspace ``ws``, sorted."""
    with ws.analytics(read_only=True) as con:
        return run_query(con, definition)


def segment_size(ws: Any, definition: SegmentDefinition | dict[str, Any]) -> int:
    """How many members match ``definition`` in workspace ``ws``."""
    with ws.analytics(read_only=True) as con:
        return run_query(con, definition, count_only=True)
