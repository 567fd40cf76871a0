"""``memberinsight lake import`` of the Spark outputs beyond features and scores: review-screening risks,
ALS top-N lists and prediction-quality buckets, loaded so the app serves them as after its own build.

* ``OUT/review_screening`` (``lake screen``) -> the operational ``screening_scores`` and the review queue,
  through the single-box :func:`memberinsight.screening.queue.write_scores` (risk rounded to 4 places as the
  build stores it; reviews over the queue threshold are queued, decided items keep their status).
* ``OUT/member_als_recommendations`` (``lake screen``) -> the analytics table of the same name
  (``member_id, rank, product_id, score``), beside the item-kNN ``member_recommendations``.
* ``OUT/prediction_quality`` (``lake quality``) -> the analytics ``prediction_quality`` table the quality
  report reads (:func:`memberinsight.models.prediction_quality`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memberinsight.scaleout.quality import QUALITY_TABLE
from memberinsight.scaleout.screening import ALS_TABLE, SCREENING_TABLE

EXTRA_TABLES = (SCREENING_TABLE, ALS_TABLE, QUALITY_TABLE)
"""The outputs :func:`import_extras` loads when present."""


def _parquet(root: Path, table: str) -> str | None:
    folder = root / table
    return str(folder / "*.parquet") if folder.is_dir() and any(folder.glob("*.parquet")) else None


def import_screening(ws: Any, source: str, queue_min_risk: float | None = None) -> dict[str, int]:
    """Store a Spark screening output (``lake screen``'s Parquet) with the build's own storage code."""
    import duckdb

    from memberinsight.screening.queue import ScoreRow, write_scores
    from memberinsight.screening.screen import QUEUE_MIN_RISK

    frame = duckdb.connect().execute("SELECT * FROM read_parquet(?) ORDER BY review_id", [source]).df()
    if frame["signals"].isna().any():
        from memberinsight.errors import DataValidationError

        raise DataValidationError("this screening output has no signals and reasons (written before they were "
                                  "added); run `memberinsight lake screen` again", column="signals")
    rows = [ScoreRow(review_id=str(r.review_id), product_id=None if r.product_id is None else str(r.product_id),
                     member_id=None if r.member_id is None else str(r.member_id), risk=round(float(r.risk), 4),
                     method=str(r.method), signals=json.loads(r.signals), reasons=json.loads(r.reasons))
            for r in frame.itertuples(index=False)]
    return write_scores(ws, rows, QUEUE_MIN_RISK if queue_min_risk is None else queue_min_risk)


def import_extras(ws: Any, out: str) -> dict[str, Any]:
    """Load whichever of :data:`EXTRA_TABLES` the (local) output folder ``out`` holds; what was loaded, per table."""
    from memberinsight.scaleout.lake import local_path

    root = local_path(out)
    done: dict[str, Any] = {}
    source = _parquet(root, SCREENING_TABLE)
    if source:
        done[SCREENING_TABLE] = import_screening(ws, source)
    tables = [(t, s, o) for t, o in ((ALS_TABLE, "member_id, rank"), (QUALITY_TABLE, "kind, bucket"))
              if (s := _parquet(root, t))]
    if tables:
        with ws.analytics() as con:
            for table, src, order in tables:
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_parquet(?) ORDER BY {order}",
                            [src])
                done[table] = {"rows": int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])}
    return done
