"""One SQL, two engines: on the built demo shop (the ``built_workspace`` fixture, 2,000 members),
Spark local[2] gives the same member features, RFM segments and members of every segment definition
of the evaluation sets as DuckDB (numbers within 1e-9, everything else identical)."""

from __future__ import annotations

import pytest

from tests.scaleout.parity import evaluation_definitions, frame_differences

pytestmark = [pytest.mark.slow,  # pyspark 4.0's toPandas under pandas 3 (not ours):
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def duck_features(built_workspace):
    from memberinsight.models.features import compute_features, latest_order_date, top_categories

    with built_workspace.analytics(read_only=True) as con:
        as_of = latest_order_date(con)
        return compute_features(con, as_of, top_categories(con, as_of))


@pytest.fixture(scope="module")
def spark_features(spark, demo_lake, duck_features):
    from memberinsight.scaleout import jobs

    as_of = jobs.latest_order_date(spark)
    cats = jobs.top_categories(spark, as_of)
    assert as_of.isoformat() == duck_features.attrs["as_of"]
    assert cats == duck_features.attrs["categories"]
    frame = jobs.features(spark, as_of, cats).localCheckpoint()  # computed once, not in every segment query
    frame.createOrReplaceTempView("member_features")  # the segment definitions' feature fields read these
    return frame.toPandas()


def test_features_identical_on_spark_and_duckdb(duck_features, spark_features) -> None:
    assert len(duck_features) == 2000
    assert frame_differences(duck_features, spark_features) == []
    # the comparison can fail: a changed figure is caught
    changed = spark_features.copy()
    changed.loc[changed.index[0], "monetary"] += 0.01
    assert [d.split(":")[0] for d in frame_differences(duck_features, changed)] == ["monetary"]


def test_rfm_segments_identical_on_spark_duckdb_and_the_build(built_workspace, spark, duck_features,
                                                              spark_features) -> None:
    import duckdb

    from memberinsight.models.segments import rfm_sql, rfm_table, rfm_table_reference
    from memberinsight.scaleout import jobs

    con = duckdb.connect()
    con.register("member_features", duck_features)
    duck_sql = con.execute(rfm_sql()).df()  # what `memberinsight build` runs (through rfm_table)
    on_spark = jobs.rfm(spark, "member_features").toPandas()
    assert frame_differences(rfm_table_reference(duck_features), duck_sql) == []  # the rules in pandas
    assert frame_differences(rfm_table(duck_features), duck_sql) == []
    assert frame_differences(duck_sql, on_spark) == []
    with built_workspace.analytics(read_only=True) as db:
        stored = db.execute("SELECT member_id, r_score, f_score, m_score, rfm_score, rfm_segment "
                            "FROM member_segments").df()
    assert frame_differences(stored, on_spark) == []
    counts = on_spark["rfm_segment"].value_counts()
    assert counts.sum() == 2000 and len(counts) >= 8  # a real spread of named segments, not one bucket


def test_every_evaluation_segment_definition_identical(built_workspace, spark, spark_features) -> None:
    from memberinsight.scaleout import jobs
    from memberinsight.segments import compile_definition

    definitions = evaluation_definitions()
    assert len(definitions) >= 500
    duck: dict[str, list[str]] = {}
    with built_workspace.analytics(read_only=True) as con:
        for name, definition in definitions.items():
            query = compile_definition(definition)
            duck[name] = sorted(str(r[0]) for r in con.execute(query.sql, query.params).fetchall())
    on_spark = jobs.segments_members(spark, definitions, chunk=80)
    differing = [name for name in definitions if duck[name] != on_spark[name]]
    assert differing == []
    sizes = [len(v) for v in duck.values()]
    assert sum(1 for s in sizes if 0 < s < 2000) >= len(sizes) // 2  # most definitions select a real subset
