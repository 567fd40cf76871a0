"""Which capabilities this shop's last build could not make, and why, in plain words.

``memberinsight build`` skips a step that cannot run on a shop (no prices, too little history, no
orders...) and lists outputs a step could not make (``unavailable``); see
:mod:`memberinsight.pipeline`. :func:`record_build` keeps each step's latest outcome in the
workspace (``meta`` key :data:`META_KEY` of ``operations.sqlite``; a build with ``--only`` updates
only the steps it ran), so the app and the chat can say "CLV is not available on this shop: no
order has a price" instead of failing or showing an empty number.

Capabilities (keys of :data:`CAPABILITIES`) and the steps that make them:

* ``segments`` (features, segments), ``churn`` (features, churn), ``purchases`` (features, clv),
  ``clv`` (features, clv; also its ``spend`` output), ``demand`` (demand), ``search`` (indexes),
  ``recommendations`` (recommenders), ``screening`` (screening);
* ``rules``: bought-together rules, unavailable when the recommenders step reports that the rules
  fell back to popularity (no baskets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

META_KEY = "build_steps"

CAPABILITIES: dict[str, str] = {
    "segments": "Segments", "churn": "Churn risk", "purchases": "Purchase forecasts", "clv": "CLV",
    "demand": "Demand forecasts", "search": "Product search", "recommendations": "Recommendations",
    "rules": "Bought-together rules", "screening": "Review screening",
}
"""Capability key -> the name people read."""

STEP_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "features": ("segments", "churn", "purchases", "clv"), "segments": ("segments",), "churn": ("churn",),
    "clv": ("purchases", "clv"), "demand": ("demand",), "indexes": ("search",),
    "recommenders": ("recommendations", "rules"), "screening": ("screening",),
}
"""Build step -> the capabilities it makes (a skipped step makes none of them)."""

OUTPUT_CAPABILITIES: dict[tuple[str, str], str] = {("clv", "spend"): "clv"}
"""(step, output a step lists as unavailable) -> the capability it is."""


@dataclass(frozen=True)
class Unavailable:
    """A capability this shop's last build could not make."""

    key: str
    name: str
    reason: str
    step: str

    def sentence(self) -> str:
        """"CLV is not available on this shop: no order has a price"."""
        verb = "are" if self.name.endswith("s") else "is"
        return f"{self.name} {verb} not available on this shop: {self.reason}"


def _step_record(step: Any) -> dict[str, Any]:
    summary = getattr(step, "summary", {}) or {}
    fallbacks = summary.get("fallbacks") if isinstance(summary, dict) else None
    return {"status": step.status, "reason": step.reason, "unavailable": dict(step.unavailable),
            "fallbacks": {str(k): str(v) for k, v in (fallbacks or {}).items()},
            "at": datetime.now(UTC).isoformat(timespec="seconds")}


def record_build(ws: Any, report: Any) -> None:
    """Store each step's outcome from a :class:`memberinsight.pipeline.BuildReport` (merged with the
    steps an earlier build ran and this one did not)."""
    stored = load_build_steps(ws) or {}
    for step in report.steps:
        stored[step.name] = _step_record(step)
    ws.set_meta(META_KEY, json.dumps(stored, sort_keys=True))


def load_build_steps(ws: Any) -> dict[str, dict[str, Any]] | None:
    """The stored outcome of every build step (``None`` before the first recorded build)."""
    getter = getattr(ws, "get_meta", None)
    raw = getter(META_KEY) if getter is not None else None
    if not raw:
        return None
    data = json.loads(raw)
    return data if isinstance(data, dict) else None


def _from_manifests(ws: Any) -> dict[str, dict[str, Any]]:
    """What a workspace built before steps were recorded shows: the CLV manifest's spend note."""
    from memberinsight.errors import MemberInsightError
    from memberinsight.models import ModelStore

    steps: dict[str, dict[str, Any]] = {}
    try:
        note = ModelStore.for_workspace(ws).manifest("clv").metrics.get("spend_note")
    except (MemberInsightError, OSError, ValueError):
        return steps
    if note:
        steps["clv"] = {"status": "partial", "reason": None, "unavailable": {"spend": str(note)}, "fallbacks": {}}
    return steps


def unavailable_capabilities(ws: Any) -> dict[str, Unavailable]:
    """Capability key -> why the last build could not make it (absent keys are available or never built)."""
    steps = load_build_steps(ws)
    if steps is None:
        steps = _from_manifests(ws)
    out: dict[str, Unavailable] = {}
    for step, record in steps.items():
        caps = STEP_CAPABILITIES.get(step, ())
        if record.get("status") == "skipped":
            for key in caps:
                out.setdefault(key, Unavailable(key, CAPABILITIES[key], str(record.get("reason") or "skipped"), step))
            continue
        for output, reason in (record.get("unavailable") or {}).items():
            made = OUTPUT_CAPABILITIES.get((step, str(output)))
            if made is not None:
                out.setdefault(made, Unavailable(made, CAPABILITIES[made], str(reason), step))
        if step == "recommenders" and (why := (record.get("fallbacks") or {}).get("rules")):
            out.setdefault("rules", Unavailable("rules", CAPABILITIES["rules"], why, step))
    return out


def capability_note(ws: Any, key: str) -> str | None:
    """The plain sentence saying capability ``key`` is unavailable on this shop, or ``None`` when it is not."""
    if key not in CAPABILITIES:
        raise KeyError(f"unknown capability {key!r}; known: {', '.join(CAPABILITIES)}")
    missing = unavailable_capabilities(ws).get(key)
    return missing.sentence() if missing else None
