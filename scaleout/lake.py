"""The lake layout: the canonical tables as Parquet folders under one URI, and how Spark reads them.

::

    URI/members/   URI/products/   URI/orders/   URI/reviews/        canonical tables (workspace.schema)
    URI/fraud_exclusions/  URI/fraud_excluded_returns/               optional: what operators confirmed as
                                                                     fraud (workspace.clean), left out as in
                                                                     the app's business figures
    URI/member_predictions/                                          optional: scores the Spark build does
                                                                     not make yet (segment fields on them)

Each folder holds one or more Parquet files with the columns of :mod:`workspace.schema` (typed as
there); personal-data columns (``pii``) are left out of an export unless asked for: no batch job
reads them. :func:`export_workspace` writes a workspace's tables in this layout with DuckDB (a local
folder or ``file://`` URI); :func:`register_lake` makes them Spark views, plus ``clean_orders`` and
``clean_members`` from the *same* view SQL the workspace uses (transpiled).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from memberinsight.errors import NotFoundError, WorkspaceError
from memberinsight.workspace.schema import TABLES

CANONICAL: tuple[str, ...] = tuple(TABLES)
"""members, products, orders, reviews."""
FRAUD_TABLES: tuple[str, ...] = ("fraud_exclusions", "fraud_excluded_returns")
DERIVED_INPUTS: tuple[str, ...] = ("member_predictions",)


def local_path(uri: str) -> Path:
    """The local folder of a ``file://`` URI or plain path; other schemes are refused (DuckDB writes locally)."""
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    if "://" in uri:
        raise WorkspaceError(f"{uri}: lake export writes local folders only (copy to object storage after)")
    return Path(uri).expanduser()


def table_uri(uri: str, table: str) -> str:
    """The folder of ``table`` in the lake at ``uri``."""
    return f"{uri.rstrip('/')}/{table}"


def _columns(table: str, present: set[str], include_pii: bool) -> list[str]:
    spec = TABLES[table]
    return [c.name for c in spec.all_columns if c.name in present and (include_pii or not c.pii)]


def export_workspace(ws: Any, uri: str, *, include_pii: bool = False) -> dict[str, int]:
    """Write the workspace's tables as Parquet folders under ``uri`` (replacing them); rows per table."""
    root = local_path(uri)
    root.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with ws.analytics(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for name in (*CANONICAL, *FRAUD_TABLES, *DERIVED_INPUTS):
            if name not in tables:
                continue
            present = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]).fetchall()}
            cols = _columns(name, present, include_pii) if name in TABLES else sorted(present)
            folder = root / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            select = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"COPY (SELECT {select} FROM {name}) TO '{folder / 'part-00000.parquet'}' "
                        "(FORMAT PARQUET, COMPRESSION ZSTD)")
            written[name] = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    return written


def path_exists(spark: Any, uri: str) -> bool:
    """Whether ``uri`` exists, asked through Spark's Hadoop file system (any scheme Spark can read)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return bool(path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(path))


def read_table(spark: Any, uri: str, table: str) -> Any:
    """The Parquet folder of ``table`` as a DataFrame; :class:`NotFoundError` when the lake lacks it."""
    where = table_uri(uri, table)
    if not path_exists(spark, where):
        raise NotFoundError(f"the lake at {uri} has no '{table}' table ({where})")
    return spark.read.parquet(where)


def register_lake(spark: Any, uri: str, cache: bool = False) -> list[str]:
    """Temporary views for the lake's tables and the clean relations; returns the views made.
    ``cache`` keeps the tables in executor memory (for many queries over a lake that fits, e.g. segment
    counts of every saved segment).

    ``clean_orders`` / ``clean_members`` come from :mod:`workspace.clean`'s own view SQL, transpiled:
    with confirmed fraud in the lake they leave it out exactly as the workspace does.
    """
    from memberinsight.workspace.clean import FILTERING_VIEWS, PASS_THROUGH_VIEWS

    made: list[str] = []
    for name in CANONICAL:
        frame = read_table(spark, uri, name)
        (frame.cache() if cache else frame).createOrReplaceTempView(name)
        made.append(name)
    for name in (*FRAUD_TABLES, *DERIVED_INPUTS):
        if path_exists(spark, table_uri(uri, name)):
            frame = spark.read.parquet(table_uri(uri, name))
            (frame.cache() if cache else frame).createOrReplaceTempView(name)
            made.append(name)
    active = "fraud_exclusions" in made and spark.sql(
        "SELECT count(*) FROM fraud_exclusions WHERE excluded").collect()[0][0] > 0
    if active and "fraud_excluded_returns" not in made:
        spark.sql("SELECT CAST(NULL AS STRING) AS order_id, CAST(NULL AS INT) AS line_no WHERE false") \
            .createOrReplaceTempView("fraud_excluded_returns")
    for name, select in view_selects(FILTERING_VIEWS if active else PASS_THROUGH_VIEWS).items():
        spark.sql(select).createOrReplaceTempView(name)
        made.append(name)
    return made


def view_selects(ddls: tuple[str, ...]) -> dict[str, str]:
    """``CREATE VIEW name AS SELECT ...`` statements (DuckDB) as ``{name: Spark SELECT}``."""
    import sqlglot

    out: dict[str, str] = {}
    for ddl in ddls:
        tree = sqlglot.parse_one(ddl, read="duckdb")
        out[tree.this.name] = tree.expression.sql(dialect="spark")
    return out
