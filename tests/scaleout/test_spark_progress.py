"""Progress comes from Spark's status tracker: the jobs of a step, their stages and tasks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_watch_jobs_reports_the_steps_jobs_until_done(spark) -> None:
    from memberinsight.scaleout.progress import watch_jobs

    seen = []
    with watch_jobs(spark, "count", seen.append, interval_s=0.05):
        assert spark.range(0, 200_000, numPartitions=4).selectExpr("sum(id)").collect()[0][0] == 199_999 * 100_000
    final = seen[-1]
    assert final.step == "count" and final.jobs >= 1 and final.jobs_done == final.jobs
    assert final.tasks >= 4 and final.tasks_done == final.tasks
    assert final.text().startswith(f"count: jobs {final.jobs}/{final.jobs}")
    with watch_jobs(spark, "count", seen.append):  # a new group: earlier jobs are not counted again
        spark.range(10).count()
    assert seen[-1].jobs <= final.jobs
