"""``memberinsight build``: run every derivation step over a loaded workspace, in data-flow order.

Each step is ``"module:function"``; the function takes ``(workspace, settings)`` and returns a
small JSON-friendly dict summarising what it did. Packages add their step to :data:`BUILD_STEPS`.

A step that cannot run on this shop returns ``{"skipped": reason}`` or raises one of the
project's data errors; it is then reported as skipped with that reason and every other step still
runs. A step that runs but cannot make some of its outputs lists them in ``"unavailable"``
(output -> reason).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memberinsight.config import Settings
from memberinsight.errors import ConfigError, DataValidationError, ModelNotReadyError, NotFoundError

# (name, "module:function") in data-flow order: features -> models -> indexes -> screening -> fraud scan.
BUILD_STEPS: list[tuple[str, str]] = [
    ("features", "memberinsight.models.build:build_features"),
    ("segments", "memberinsight.models.build:build_segments"),
    ("churn", "memberinsight.models.build_predictions:build_churn"),
    ("clv", "memberinsight.models.build_predictions:build_clv"),
    ("demand", "memberinsight.models.build:build_demand"),
    ("indexes", "memberinsight.retrieval.build:build_indexes"),
    ("recommenders", "memberinsight.models.recommenders.build:build_recommenders"),
    ("screening", "memberinsight.screening.screen:build_step"),
    ("fraud", "memberinsight.fraud.build:build_step"),  # after screening: a scan reads the reviews removed in the review queue
    ("saved_segments", "memberinsight.segments.store:build_step"),
]


DEPENDS: dict[str, tuple[str, ...]] = {
    "segments": ("features",), "churn": ("features",), "clv": ("features",),
}
"""Steps that need another step's tables: skipped with that step's reason when it was skipped."""


@dataclass
class StepResult:
    """One build step: how long it took, what it did, and whether it ran.

    ``status`` is ``ok``, ``partial`` (it ran, but some of its outputs could not be made on this
    shop: ``unavailable`` names each with the reason) or ``skipped`` (``reason`` says why in plain
    words; the rest of the build still runs).
    """

    name: str
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    reason: str | None = None
    unavailable: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """One line for people: name, time and what happened."""
        if self.status == "skipped":
            return f"{self.name:<14} skipped: {self.reason}"
        text = f"{self.name:<14} {self.seconds:7.1f}s  {self.summary}"
        return text + "".join(f"\n{'':<14} not available - {k}: {v}" for k, v in self.unavailable.items())


@dataclass
class BuildReport:
    """Every step's result, after the data-validation report (:func:`models.validate_data`)."""

    steps: list[StepResult] = field(default_factory=list)
    data: Any = None
    """The data-validation report of the shop as loaded (``None`` when it could not be made)."""

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    @property
    def skipped(self) -> dict[str, str]:
        """Skipped steps and why."""
        return {s.name: s.reason or "" for s in self.steps if s.status == "skipped"}

    def text(self) -> str:
        """The data report, then the per-step summary, for people."""
        head = [self.data.text(), ""] if self.data is not None else []
        return "\n".join([*head, *(s.line() for s in self.steps)])


def _resolve(target: str) -> Callable[..., dict[str, Any]]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def _result(name: str, seconds: float, summary: dict[str, Any]) -> StepResult:
    if isinstance(summary.get("skipped"), str):
        return StepResult(name, seconds, summary, "skipped", summary["skipped"])
    unavailable = {str(k): str(v) for k, v in (summary.get("unavailable") or {}).items()}
    return StepResult(name, seconds, summary, "partial" if unavailable else "ok", None, unavailable)


def run_step(ws: Any, settings: Settings, name: str, target: str, actor: str = "system",
             skipped: dict[str, str] | None = None) -> StepResult:
    """Run one build step in its own write session.

    A step that cannot run on this shop (its function raises :class:`DataValidationError`,
    :class:`ModelNotReadyError`, :class:`NotFoundError` or :class:`ConfigError`: too little
    history, no prices, too few repeat buyers, no reviews, a missing model file) writes nothing
    and is reported as skipped with that plain reason; so is a step whose input step was skipped.
    """
    skipped = skipped or {}
    for need in DEPENDS.get(name, ()):
        if need in skipped:
            return StepResult(name, 0.0, {"skipped": f"needs the {need} step: {skipped[need]}"}, "skipped",
                              f"needs the {need} step: {skipped[need]}")
    start = time.perf_counter()
    try:
        with ws.writing(f"build ({name})", actor):  # each step publishes its tables when it ends
            summary = _resolve(target)(ws, settings) or {}
    except (DataValidationError, ModelNotReadyError, NotFoundError, ConfigError) as exc:
        summary = {"skipped": str(exc)}
    return _result(name, round(time.perf_counter() - start, 3), summary)


def build(ws: Any, settings: Settings, only: list[str] | None = None,
          on_step: Callable[[str], None] | None = None, actor: str = "system",
          on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Run the build steps (all, or those named in ``only``) and report timings and summaries.

    Every step that can run on this shop runs; one that cannot is skipped with a plain reason
    (see :func:`run_step`). The build holds the workspace's write lock throughout (a second
    ingest or build waits, then fails with a plain sentence); readers keep reading the last
    published data meanwhile.
    """
    report = BuildReport()
    with ws.write_lock("build", actor, settings.write_wait_s, on_wait):
        if not only or "features" in only:
            from memberinsight.models.validation import validate_data

            try:
                report.data = validate_data(ws, settings.horizon_days)
            except (DataValidationError, ModelNotReadyError) as exc:
                report.data = None
                report.steps.append(StepResult("validate", 0.0, {"skipped": str(exc)}, "skipped", str(exc)))
        for name, target in BUILD_STEPS:
            if only and name not in only:
                continue
            if on_step:
                on_step(name)
            report.steps.append(run_step(ws, settings, name, target, actor, report.skipped))
        from memberinsight.capabilities import record_build

        record_build(ws, report)  # what the app and the chat say is unavailable on this shop, and why
    return report
