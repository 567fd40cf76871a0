"""``memberinsight lake validate``: a Spark job applying ingest's rules to the lake's tables.

The rules come from the ingest definitions, not a copy: columns, types, required flags and keys from
:data:`workspace.schema.TABLES`, references from :data:`workspace.ingest.validate.REFERENCES`, the
reason codes and value ranges of :func:`workspace.ingest.validate.convert` (line_no >= 1, rating
1-5, prices >= 0, no future dates). As at ingest, each row gets its *first* problem, checked in the
order: missing required value, wrong type, out of range, duplicate key (later rows of a key), unknown
reference (checked against the referenced table's *valid* rows). Rejected rows are written beside
the lake (``<URI>/_rejects/<table>/`` unless told otherwise) with ``reason`` and ``column``; for
every table ``rows == valid + rejected`` and the reasons add up to ``rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from memberinsight.errors import DataValidationError
from memberinsight.scaleout.lake import read_table, table_uri
from memberinsight.workspace.ingest.validate import REFERENCES
from memberinsight.workspace.schema import TABLES, Table

SPARK_TYPES = {"VARCHAR": "string", "INTEGER": "int", "DOUBLE": "double", "TIMESTAMP": "timestamp",
               "DATE": "date", "BOOLEAN": "boolean"}
BAD_TYPE = {"INTEGER": "bad_integer", "DOUBLE": "bad_number", "TIMESTAMP": "bad_date", "DATE": "bad_date",
            "BOOLEAN": "bad_boolean"}
REF_REASON = {"members": "unknown_member", "products": "unknown_product"}
PRICE_COLUMNS = ("price", "unit_price")
_ORDER = ("members", "products", "orders", "reviews")  # referenced tables first


@dataclass
class TableCheck:
    """What validation found in one table."""

    table: str
    rows: int
    valid: int
    rejected: int
    reasons: dict[str, int] = field(default_factory=dict)
    rejects_uri: str = ""


@dataclass
class LakeReport:
    """The validation of a whole lake."""

    uri: str
    tables: dict[str, TableCheck]

    @property
    def ok(self) -> bool:
        return all(t.rejected == 0 for t in self.tables.values())

    def text(self) -> str:
        """A readable summary (one line per table)."""
        lines = [f"Lake {self.uri}: " + ("all rows valid" if self.ok else "some rows rejected")]
        for t in self.tables.values():
            why = ", ".join(f"{k} {v:,}" for k, v in sorted(t.reasons.items()))
            lines.append(f"  {t.table}: {t.rows:,} rows, {t.valid:,} valid, {t.rejected:,} rejected"
                         + (f" ({why}) -> {t.rejects_uri}" if t.rejected else ""))
        return "\n".join(lines)


def _checks(table: Table, present: list[str], now: datetime) -> list[tuple[str, str, Any]]:
    """(reason, column, condition) in the order ingest applies them; a condition true means rejected."""
    from pyspark.sql import functions as F

    cols = [c for c in table.all_columns if c.name in present]
    out: list[tuple[str, str, Any]] = []
    for c in cols:
        if c.required:
            empty = F.col(c.name).isNull()
            if c.type == "VARCHAR":
                empty = empty | (F.trim(F.col(c.name)) == "")
            out.append(("missing_value", c.name, empty))
    for c in cols:
        if c.type in BAD_TYPE:
            typed = F.col(c.name).cast(SPARK_TYPES[c.type])
            out.append((BAD_TYPE[c.type], c.name, F.col(c.name).isNotNull() & typed.isNull()))
    for c in cols:
        typed = F.col(c.name).cast(SPARK_TYPES[c.type])
        if c.name == "line_no":
            out.append(("bad_line_no", c.name, typed < 1))
        elif c.name == "rating":
            out.append(("bad_rating", c.name, ~typed.between(1, 5)))
        elif c.name in PRICE_COLUMNS:
            out.append(("negative_price", c.name, typed < 0))
        elif c.type in ("TIMESTAMP", "DATE"):
            out.append(("future_date", c.name, typed.cast("timestamp") > F.lit(now)))
    return out


def _first_reason(checks: list[tuple[str, str, Any]]) -> tuple[Any, Any]:
    from pyspark.sql import functions as F

    reason, column = F.lit(None).cast("string"), F.lit(None).cast("string")
    for name, col, cond in reversed(checks):  # built inside out: the first check wins
        hit = F.coalesce(cond, F.lit(False))
        reason = F.when(hit, F.lit(name)).otherwise(reason)
        column = F.when(hit, F.lit(col)).otherwise(column)
    return reason, column


def check_table(spark: Any, df: Any, table: Table, valid_keys: dict[str, Any], now: datetime) -> Any:
    """``df`` with ``_reason`` and ``_column`` (null when the row is valid)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    missing = [c for c in table.required if c not in df.columns]
    if missing:
        raise DataValidationError(f"lake table '{table.name}' lacks required column(s): {', '.join(missing)}")
    reason, column = _first_reason(_checks(table, df.columns, now))
    out = df.withColumn("_pos", F.monotonically_increasing_id()) \
        .withColumn("_reason", reason).withColumn("_column", column)
    key_ok = F.col("_reason").isNull()
    window = Window.partitionBy(*[F.col(k) for k in table.key], key_ok).orderBy("_pos")
    dup = key_ok & (F.row_number().over(window) > 1)
    out = out.withColumn("_column", F.when(dup, F.lit(table.key[0])).otherwise(F.col("_column"))) \
        .withColumn("_reason", F.when(dup, F.lit("duplicate_key")).otherwise(F.col("_reason")))
    for col, ref in REFERENCES.get(table.name, ()):
        if col not in df.columns or ref not in valid_keys:
            continue
        keys = valid_keys[ref].select(F.col(TABLES[ref].key[0]).alias("_ref"), F.lit(True).alias("_found"))
        out = out.join(keys, out[col] == keys["_ref"], "left")
        unknown = F.col("_reason").isNull() & F.col(col).isNotNull() & F.col("_found").isNull()
        out = out.withColumn("_column", F.when(unknown, F.lit(col)).otherwise(F.col("_column"))) \
            .withColumn("_reason", F.when(unknown, F.lit(REF_REASON[ref])).otherwise(F.col("_reason"))) \
            .drop("_ref", "_found")
    return out.drop("_pos")


def validate_lake(spark: Any, uri: str, rejects_uri: str | None = None, now: datetime | None = None) -> LakeReport:
    """Check every canonical table of the lake at ``uri``; write rejects beside it; return the counts."""
    from pyspark.sql import functions as F

    now = now or datetime.now()
    rejects_root = rejects_uri or table_uri(uri, "_rejects")
    valid_keys: dict[str, Any] = {}
    report: dict[str, TableCheck] = {}
    for name in _ORDER:
        table = TABLES[name]
        checked = check_table(spark, read_table(spark, uri, name), table, valid_keys, now).cache()
        good = checked.where(F.col("_reason").isNull())
        valid_keys[name] = good.select(table.key[0]).distinct().cache() if len(table.key) == 1 else good
        counts = {r["_reason"]: int(r["n"]) for r in
                  checked.groupBy("_reason").agg(F.count(F.lit(1)).alias("n")).collect()}
        valid = counts.pop(None, 0)
        rejected = sum(counts.values())
        where = table_uri(rejects_root, name)
        if rejected:
            checked.where(F.col("_reason").isNotNull()) \
                .withColumnRenamed("_reason", "reason").withColumnRenamed("_column", "column") \
                .write.mode("overwrite").parquet(where)
        report[name] = TableCheck(name, valid + rejected, valid, rejected, counts, where if rejected else "")
    return LakeReport(uri, report)
