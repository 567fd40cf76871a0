"""Benchmark campaign copy from the phrase bank (the default writer); prints JSON.

It builds a small fixed-seed demo workspace (or reuses ``--workspace``), warms up once, then times
whole campaigns (3 variants each) per channel across segments, offers and tones:

* ``campaign``: :func:`agent.campaigns.generate_campaign` end to end, as the CLI and the app run it
  (the fact sheet from the workspace, the composed variants, every check, the audit record);
* ``compose``: :func:`agent.campaigns.write_copy` alone on a fact sheet built beforehand.

Reports p50 / p95 / max seconds per channel, whether every campaign passed the checks, and the
machine's load average. Targets (issue 14): p50 under 2 s for a whole campaign, warm, composed only;
under 5 s with the packaged model ranking the phrasings (``ranked``: ``copy_ranker = "model"``).

Usage: ``python bench/campaign_copy.py [--members 500] [--runs 24] [--workspace DIR]``
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script's name shadows the standard library's ``copy`` module when bench/ is first on the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

SEGMENTS = ("Champions", "Loyal", "At Risk", "Hibernating", "New", "Potential Loyalist", "Need Attention", "Lost")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "")
TONES = ("friendly", "premium", "playful", "urgent")
TARGET_P50_S = 2.0
TARGET_RANKED_P50_S = 5.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50_s": round(statistics.median(values), 4), "p95_s": _pct(values, 0.95), "max_s": round(max(values), 4)}


def build_workspace(root: Path, members: int, seed: int, out: dict[str, Any]) -> Path:
    """A demo workspace after ``memberinsight build`` (as bench/ui.py builds one)."""
    from memberinsight.config import load_settings
    from memberinsight.pipeline import build
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo import generate_demo
    from memberinsight.workspace.ingest import ingest_directory

    t0 = time.perf_counter()
    generate_demo(root / "demo", members=members, seed=seed)
    ws = Workspace.create(root / "workspace")
    ingest_directory(ws, root / "demo")
    build(ws, load_settings(workspace=ws.path))
    out["build_workspace_seconds"] = round(time.perf_counter() - t0, 1)
    return ws.path


def _segments(ws: Any) -> list[str]:
    from memberinsight.errors import MemberInsightError
    from memberinsight.segments import segment_member_ids

    found = []
    for name in SEGMENTS:
        try:
            segment_member_ids(ws, name)
        except MemberInsightError:
            continue
        found.append(name)
    return found


def run(ws_path: Path, runs: int, out: dict[str, Any], ranked_runs: int = 0) -> None:
    from memberinsight.agent.campaigns import campaign_facts, choose_play, generate_campaign, write_copy
    from memberinsight.config import load_settings
    from memberinsight.workspace import Workspace

    ws = Workspace.open(ws_path)
    settings = load_settings(workspace=ws_path)
    segments = _segments(ws)
    out["segments"] = segments
    cases = list(itertools.islice(itertools.cycle(itertools.product(segments, OFFERS, TONES)), runs * 7))[::7][:runs]
    generate_campaign(ws, settings, segment=segments[0], channel="email", offer="15% off", use_llm=False,
                      user="bench")  # warm-up: imports, the phrase bank, the first DuckDB connection
    sheets = {(seg, offer): campaign_facts(ws, seg, offer=offer) for seg, offer, _ in cases}
    channels: dict[str, Any] = {}
    for channel in ("email", "sms", "push"):
        whole: list[float] = []
        composed: list[float] = []
        passed = True
        for seg, offer, tone in cases:
            t0 = time.perf_counter()
            result = generate_campaign(ws, settings, segment=seg, channel=channel, offer=offer, tone=tone,
                                       use_llm=False, user="bench")
            whole.append(time.perf_counter() - t0)
            passed &= result.passed and result.backend == "composed" and len(result.variants) == 3
            facts = sheets[seg, offer]
            t0 = time.perf_counter()
            again = write_copy(facts, channel, None, tone=tone, variants=3, play=choose_play(facts)[0].key)
            composed.append(time.perf_counter() - t0)
            passed &= again.passed
        channels[channel] = {"campaign": _summary(whole), "compose": _summary(composed), "runs": len(cases),
                             "all_passed": passed}
    out["channels"] = channels
    out["target_p50_s"] = TARGET_P50_S
    out["meets_target"] = all(c["campaign"]["p50_s"] < TARGET_P50_S and c["all_passed"] for c in channels.values())
    if ranked_runs:
        _ranked(ws, settings, segments, cases[:ranked_runs], channels, out)


def _ranked(ws: Any, settings: Any, segments: list[str], cases: list[tuple[str, str, str]],
            channels: dict[str, Any], out: dict[str, Any]) -> None:
    """Whole campaigns with the packaged model ranking the phrasings (``copy_ranker = "model"``), warm."""
    from memberinsight.agent.campaigns import generate_campaign
    from memberinsight.agent.llm import warmup

    ranked_settings = settings.replace(copy_ranker="model", llm_backend="gguf")
    t0 = time.perf_counter()
    warmup(ranked_settings)  # converts the packaged model once, then loads it
    out["ranker_warmup_seconds"] = round(time.perf_counter() - t0, 1)
    generate_campaign(ws, ranked_settings, segment=segments[0], channel="email", offer="15% off", use_llm=False,
                      user="bench")
    ranked: dict[str, Any] = {}
    for channel in ("email", "sms", "push"):
        times, passed = [], True
        for seg, offer, tone in cases:
            t0 = time.perf_counter()
            result = generate_campaign(ws, ranked_settings, segment=seg, channel=channel, offer=offer, tone=tone,
                                       use_llm=False, user="bench")
            times.append(time.perf_counter() - t0)
            passed &= result.passed and result.backend == "composed+model"
        summary = _summary(times)
        ranked[channel] = {"campaign": summary, "runs": len(cases), "all_passed": passed,
                           "p50_vs_composed": round(summary["p50_s"] / max(channels[channel]["campaign"]["p50_s"],
                                                                            1e-6), 1)}
    out["ranked"] = ranked
    out["ranked_target_p50_s"] = TARGET_RANKED_P50_S
    out["ranked_meets_target"] = all(c["campaign"]["p50_s"] < TARGET_RANKED_P50_S and c["all_passed"]
                                     for c in ranked.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=24, help="campaigns timed per channel")
    parser.add_argument("--workspace", type=Path, default=None, help="reuse a built workspace")
    parser.add_argument("--ranked-runs", type=int, default=6,
                        help="campaigns per channel timed with the packaged model ranking (0: skip)")
    args = parser.parse_args()
    out: dict[str, Any] = {"load_average_start": [round(x, 2) for x in os.getloadavg()], "members": args.members}
    with tempfile.TemporaryDirectory(prefix="bench_copy_") as tmp:
        os.environ.setdefault("MEMBERINSIGHT_HOME", str(Path(tmp) / "home"))
        ws_path = args.workspace or build_workspace(Path(tmp), args.members, args.seed, out)
        out["workspace"] = str(ws_path) if args.workspace else "temporary demo workspace"
        run(ws_path, args.runs, out, args.ranked_runs)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
