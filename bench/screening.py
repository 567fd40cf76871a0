"""Benchmark: screen ~100k reviews of a generated demo shop end to end (target: <= 10 minutes).

Generates the demo shop (``--members`` accounts; about 0.59 reviews per member), ingests it into a
fresh workspace, measures the embedding baseline (texts per second of the retrieval embedder on a
sample of the reviews, in this run), then times ``screen_reviews(retrain=True)``: index sync
(embedding), near-duplicate pairs, mismatch, behaviour, training (capped at 20k labels), scoring,
reasons and storage. Prints one JSON object. Run with ``nice -n 10``; it takes several minutes.

    nice -n 10 .venv/bin/python bench/screening.py --members 170000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts named like the packages (screening.py, retrieval.py): never import from here
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=170_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: a temp dir).")
    parser.add_argument("--sample", type=int, default=2000, help="Texts for the embedding baseline.")
    parser.add_argument("--reuse", action="store_true", help="Reuse the workspace in --workdir if there is one.")
    args = parser.parse_args()

    import psutil

    from memberinsight.config import load_settings
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo import generate_demo
    from memberinsight.workspace.ingest import ingest_directory

    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench_screening_"))
    os.environ.setdefault("MEMBERINSIGHT_HOME", str(root / "home"))
    out: dict[str, object] = {"members": args.members, "seed": args.seed, "cpu_count": os.cpu_count()}
    if args.reuse and (root / "workspace" / "analytics.duckdb").is_file():
        ws = Workspace.open(root / "workspace")
    else:
        t0 = time.perf_counter()
        generate_demo(root / "demo", members=args.members, seed=args.seed)
        out["generate_seconds"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        ws = Workspace.create(root / "workspace")
        ingest_directory(ws, root / "demo")
        out["ingest_seconds"] = round(time.perf_counter() - t0, 1)
    with ws.analytics(read_only=True) as con:
        n_reviews = int(con.execute("SELECT count(*) FROM reviews").fetchone()[0])
    out["reviews"] = n_reviews
    settings = load_settings(workspace=ws.path)

    from memberinsight import retrieval

    with ws.analytics(read_only=True) as con:
        sample = [r[0] for r in con.execute(f"SELECT text FROM reviews USING SAMPLE {int(args.sample)} ROWS").fetchall()]
    embedder = retrieval.get_embedder(settings)
    embedder.encode(sample[:64])  # warm up (ONNX export / session start)
    t0 = time.perf_counter()
    embedder.encode(sample)
    per_text = (time.perf_counter() - t0) / len(sample)
    out["embedding_backend"] = embedder.backend
    out["baseline_embed_texts_per_second"] = round(1 / per_text, 1)
    out["baseline_embed_all_seconds"] = round(per_text * n_reviews, 1)

    from memberinsight.screening import list_queue, screen_reviews

    print(f"screening {n_reviews:,} reviews...", file=sys.stderr)
    t0 = time.perf_counter()
    run = screen_reviews(ws, settings, retrain=True)
    total = time.perf_counter() - t0
    out["screen_seconds"] = round(total, 1)
    out["stage_seconds"] = run.timings
    out["method"] = run.method
    out["labels"] = {"fake": run.labels_fake, "genuine": run.labels_genuine}
    out["queued"] = run.queued
    out["reviews_per_second"] = round(run.scored / total, 1)
    out["ratio_screen_to_embedding_baseline"] = round(total / max(out["baseline_embed_all_seconds"], 1e-9), 2)
    out["peak_rss_mb"] = round(psutil.Process().memory_info().rss / 2**20)
    import pandas as pd

    labels = pd.read_csv(ws.path / "labels" / "review_labels.csv", dtype={"review_id": str})
    fake = dict(zip(labels["review_id"], labels["is_fake"].astype(int), strict=True))
    top = list_queue(ws, limit=100)
    out["queue_precision_at_100"] = round(sum(fake[i.review_id] for i in top) / max(len(top), 1), 3)
    t0 = time.perf_counter()
    again = screen_reviews(ws, settings, new_only=True)
    out["incremental_nothing_new_seconds"] = round(time.perf_counter() - t0, 2)
    out["incremental_scored"] = again.scored
    out["target_seconds"] = 600
    out["meets_target"] = total <= 600
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
