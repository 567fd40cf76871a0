"""Progress of Spark work from Spark's own job status (``SparkContext.statusTracker``).

:func:`watch_jobs` polls the tracker in a background thread while a block runs actions, and calls
``on_progress`` with a :class:`JobProgress` whenever the figures change: stages and tasks done out of
those Spark has planned so far (Spark plans stages as a query unfolds, so totals can grow).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobProgress:
    """One reading of the tracker for the jobs of the current job group."""

    step: str
    jobs: int
    jobs_done: int
    stages_done: int
    stages: int
    tasks_done: int
    tasks: int

    def text(self) -> str:
        """A one-line summary for people (``features: jobs 2/3, stages 5 done of 7 planned, tasks 41/52``);
        stages whose output Spark reuses are planned but skipped, so 'done' can stay below 'planned'."""
        return (f"{self.step}: jobs {self.jobs_done}/{self.jobs}, stages {self.stages_done} done of {self.stages} "
                f"planned, tasks {self.tasks_done}/{self.tasks}")


def read_progress(spark: Any, group: str, step: str, seen: dict[int, tuple[int, int]]) -> JobProgress:
    """Stages and tasks of job group ``group`` now; ``seen`` keeps finished stages' figures between reads."""
    tracker = spark.sparkContext.statusTracker()
    job_ids = list(tracker.getJobIdsForGroup(group))
    stage_ids: set[int] = set()
    jobs_done = 0
    for job_id in job_ids:
        info = tracker.getJobInfo(job_id)
        if info is not None:
            stage_ids.update(info.stageIds)
            jobs_done += str(info.status) == "SUCCEEDED"
    for stage_id in stage_ids:
        stage = tracker.getStageInfo(stage_id)
        if stage is not None:
            seen[stage_id] = (stage.numCompletedTasks, stage.numTasks)
    done_stages = sum(1 for done, total in seen.values() if total and done >= total)
    return JobProgress(step, len(job_ids), jobs_done, done_stages, len(seen),
                       sum(d for d, _ in seen.values()), sum(t for _, t in seen.values()))


@contextmanager
def watch_jobs(spark: Any, step: str, on_progress: Callable[[JobProgress], None] | None,
               interval_s: float = 0.5) -> Iterator[None]:
    """Run the block's Spark actions in a job group named for ``step``, reporting progress as it changes."""
    group = f"memberinsight-{step}-{uuid.uuid4().hex[:8]}"  # a fresh group: only this block's jobs
    spark.sparkContext.setJobGroup(group, step, interruptOnCancel=False)
    if on_progress is None:
        try:
            yield
        finally:
            spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
        return
    stop = threading.Event()
    seen: dict[int, tuple[int, int]] = {}
    last: list[JobProgress | None] = [None]

    def poll() -> None:
        while not stop.wait(interval_s):
            now = read_progress(spark, group, step, seen)
            if now != last[0] and now.jobs:
                last[0] = now
                on_progress(now)

    thread = threading.Thread(target=poll, name=f"spark-progress-{step}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        final = read_progress(spark, group, step, seen)
        if final != last[0] and final.jobs:
            on_progress(final)
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
