"""One SQL, two engines: DuckDB SQL (the project's own dialect) transpiled to Spark SQL with sqlglot.

The features, RFM and segment queries are written once, for DuckDB, with ``$name`` parameters.
:func:`to_spark_sql` parses that text with sqlglot, binds every parameter as a typed literal *in the
syntax tree* (values are never spliced into SQL text: sqlglot quotes them), and renders Spark SQL.
A few constructs need more than a dialect swap; each rewrite keeps DuckDB's meaning:

* ``hash(x)`` is a grouping key only: Spark's ``hash`` is 32-bit (collisions at a few thousand
  categories), so it becomes the 64-bit ``xxhash64`` like DuckDB's 64-bit hash;
* decimal literals (``365.0``, ``0.5``) become ``DOUBLE`` casts: DuckDB divides decimals as doubles,
  Spark keeps decimal precision with rounding at scale 6, which would differ in the 7th digit;
* a Python ``float`` parameter is bound as a ``DOUBLE``, an ``int`` as an integer literal, a date
  as ``CAST('YYYY-MM-DD' AS DATE)``, a list as ``array(...)``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from memberinsight.errors import ConfigError


def _sqlglot() -> Any:
    try:
        import sqlglot
    except ImportError as exc:  # pragma: no cover - sqlglot ships with the [spark] extra
        raise ConfigError("the Spark engine needs sqlglot: pip install 'member-insight[spark]'") from exc
    return sqlglot


def literal(value: Any) -> Any:
    """A sqlglot expression for one bound value (typed as DuckDB would bind it)."""
    exp = _sqlglot().exp
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(str(value))
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), "DOUBLE")
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"cannot bind a {type(value).__name__} as a SQL literal")


@lru_cache(maxsize=256)
def _parse(sql: str) -> Any:
    return _sqlglot().parse_one(sql, read="duckdb")


def _rewrite(node: Any, params: dict[str, Any]) -> Any:
    exp = _sqlglot().exp
    if isinstance(node, exp.Placeholder | exp.Parameter):
        name = node.name
        if name not in params:
            raise KeyError(f"SQL parameter ${name} has no value")
        return literal(params[name])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return exp.Anonymous(this="xxhash64", expressions=node.expressions)
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
        return exp.cast(exp.Literal.number(node.this), "DOUBLE")
    return node


def to_spark_sql(sql: str, params: dict[str, Any] | None = None, pretty: bool = False,
                 unordered: bool = False, ctes: dict[str, str] | None = None) -> str:
    """The Spark SQL text for DuckDB ``sql`` with its ``$name`` parameters bound from ``params``;
    ``unordered`` drops the outer ``ORDER BY`` (a sort Spark would range-partition for nothing when the
    query is a part of a larger one); ``ctes`` replaces named CTEs' bodies with the given (DuckDB) SELECTs,
    e.g. a value computed once for many queries."""
    tree = _parse(sql).copy()
    if unordered:
        tree.set("order", None)
    replace = ctes or {}
    for cte in tree.find_all(_sqlglot().exp.CTE) if replace else ():
        if cte.alias in replace:
            cte.set("this", _parse(replace[cte.alias]).copy())
    bound = tree.transform(lambda node: _rewrite(node, params or {}))
    return bound.sql(dialect="spark", pretty=pretty)


def bind_duckdb(sql: str, params: dict[str, Any] | None = None) -> str:
    """The same binding rendered back as DuckDB SQL (used by the parity tests to prove the round trip)."""
    tree = _parse(sql).copy()
    exp = _sqlglot().exp
    bound = tree.transform(lambda n: literal((params or {})[n.name])
                           if isinstance(n, exp.Placeholder | exp.Parameter) else n)
    return bound.sql(dialect="duckdb")
