"""``memberinsight build``: run every derivation step over a loaded workspace, in data-flow order.

Each step is ``"module:function"``; the function takes ``(workspace, settings)`` and returns a
small JSON-friendly dict summarising what it did. Packages add their step to :data:`BUILD_STEPS`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memberinsight.config import Settings

# (name, "module:function") in data-flow order: features -> models -> indexes -> screening.
BUILD_STEPS: list[tuple[str, str]] = [
    ("features", "models.build:build_features"),
    ("segments", "models.build:build_segments"),
    ("churn", "models.build:build_churn"),
    ("clv", "models.build:build_clv"),
    ("demand", "models.build:build_demand"),
    ("indexes", "retrieval.build:build_indexes"),
    ("recommenders", "models.recommenders.build:build_recommenders"),
    ("screening", "screening.screen:build_step"),
    ("saved_segments", "segments.store:build_step"),
]


@dataclass
class StepResult:
    name: str
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class BuildReport:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


def _resolve(target: str) -> Callable[..., dict[str, Any]]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def build(ws: Any, settings: Settings, only: list[str] | None = None,
          on_step: Callable[[str], None] | None = None, actor: str = "system",
          on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Run the build steps (all, or those named in ``only``) and report timings and summaries.

    The build holds the workspace's write lock throughout (a second ingest or build waits, then
    fails with a plain sentence); readers keep reading the last published data meanwhile.
    """
    report = BuildReport()
    with ws.write_lock("build", actor, settings.write_wait_s, on_wait):
        for name, target in BUILD_STEPS:
            if only and name not in only:
                continue
            if on_step:
                on_step(name)
            start = time.perf_counter()
            with ws.writing(f"build ({name})", actor):  # each step publishes its tables when it ends
                summary = _resolve(target)(ws, settings) or {}
            report.steps.append(StepResult(name, round(time.perf_counter() - start, 3), summary))
    return report
