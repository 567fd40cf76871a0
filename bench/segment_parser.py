"""Segment parser benchmark: time per sentence over every labelled set (the parser's own and the blind
corpus), p50 / p95 / max in milliseconds, with and without a question to build.

Usage: ``.venv/bin/python bench/segment_parser.py [--rounds 5]``. Prints one JSON document. The target is
p50 under 5 ms per sentence (no workspace: counts are a separate, database-bound step).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/campaign_copy.py is not the stdlib's
sys.path.insert(0, str(_HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from memberinsight.segments import parse_sentence
    from memberinsight.segments.evaluation import (
        BLIND_FILES,
        SENTENCE_FILES,
        evaluation_vocabulary,
        load_sentences,
    )

    vocab = evaluation_vocabulary()
    rows = [row for path in {**SENTENCE_FILES, **BLIND_FILES}.values() if path.is_file()
            for row in load_sentences(path)]
    parse_sentence("warm up: members in London", vocab)
    timings: dict[str, list[float]] = {"understood": [], "ask": [], "refused": []}
    for _ in range(args.rounds):
        for row in rows:
            t0 = time.perf_counter()
            result = parse_sentence(row.sentence, vocab)
            timings[result.status].append((time.perf_counter() - t0) * 1000)
    every = sorted(t for ts in timings.values() for t in ts)

    def summary(ts: list[float]) -> dict[str, float | int]:
        ts = sorted(ts)
        return {"n": len(ts), "p50_ms": round(statistics.median(ts), 3) if ts else 0.0,
                "p95_ms": round(ts[int(0.95 * (len(ts) - 1))], 3) if ts else 0.0,
                "max_ms": round(ts[-1], 3) if ts else 0.0}

    print(json.dumps({"sentences": len(rows), "rounds": args.rounds, "all": summary(every),
                      **{status: summary(ts) for status, ts in timings.items()},
                      "target_p50_ms": 5.0, "meets_target": statistics.median(every) < 5.0}, indent=2))


if __name__ == "__main__":
    main()
