"""Blind rating of campaign copy (protocol: docs/copy_rating.md).

    .venv/bin/python scripts/copy_rating.py draw --workspace WS --out rating/ [--campaigns 42] [--llm 0]
    .venv/bin/python scripts/copy_rating.py score --out rating/ rating/ratings_*.jsonl

``draw`` generates campaigns across segments, channels, offers and tones on a built workspace,
shuffles them, and writes ``packet.md`` (only the copy, under neutral ids: what raters see) and
``key.json`` (what produced each campaign: never shown to raters). ``score`` joins the raters'
JSON Lines with the key and prints the distribution, the means per path, channel and segment,
the share of campaigns with a variant rated 4 or more, and the worst pieces verbatim.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
CHANNELS = ("email", "sms", "push")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "20% off", "free gift with orders over £50")
TONES = ("friendly", "premium", "playful", "urgent")


def draw(workspace: Path, out: Path, campaigns: int, llm: int, seed: int, ranked: int = 0) -> None:
    """Generate ``campaigns`` composed campaigns (+ ``llm`` written by the packaged model, + the first
    ``ranked`` campaigns again with the packaged model ranking the phrasings) and the blind packet."""
    from memberinsight.agent.campaigns import generate_campaign
    from memberinsight.config import load_settings
    from memberinsight.workspace import Workspace

    ws = Workspace.open(workspace)
    settings = load_settings(workspace=workspace)
    rng = random.Random(seed)
    plan = [(SEGMENTS[i % len(SEGMENTS)], CHANNELS[i % len(CHANNELS)], OFFERS[rng.randrange(len(OFFERS))],
             TONES[rng.randrange(len(TONES))], "composed") for i in range(campaigns)]
    plan += [(rng.choice(SEGMENTS), CHANNELS[i % len(CHANNELS)], rng.choice(OFFERS), rng.choice(TONES), "llm")
             for i in range(llm)]
    plan += [(segment, channel, offer, tone, "ranked") for segment, channel, offer, tone, _ in plan[:ranked]]
    rng.shuffle(plan)
    key: dict[str, Any] = {}
    blocks: list[str] = []
    for n, (segment, channel, offer, tone, path) in enumerate(plan, start=1):
        cid = f"C{n:02d}"
        writer_settings = settings.replace(copy_writer="llm" if path == "llm" else "composed",
                                           copy_ranker="model" if path == "ranked" else "none",
                                           llm_backend="gguf" if path == "ranked" else settings.llm_backend)
        result = generate_campaign(ws, writer_settings, segment=segment, channel=channel, offer=offer,
                                   n_variants=3, tone=tone, use_llm=path == "llm", user="rating")
        key[cid] = {"segment": segment, "channel": channel, "offer": offer, "tone": tone, "path": path,
                    "backend": result.backend, "passed": result.passed, "seconds": result.seconds,
                    "variants": [v.text for v in result.variants]}
        blocks.append(f"## {cid} — {channel}, audience: {_audience(segment)}, offer: {offer}\n")
        for v in result.variants:
            blocks.append(f"### {cid}.{v.index}\n\n```\n{v.text}\n```\n")
        print(f"{cid} {path:8} {channel:5} {segment:18} {offer:34} {result.seconds:5.2f}s", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "packet.md").write_text("# Campaigns to rate\n\n" + "\n".join(blocks), encoding="utf-8")
    (out / "key.json").write_text(json.dumps(key, indent=2, ensure_ascii=False), encoding="utf-8")


def _audience(segment: str) -> str:
    """The audience as a brief describes it to a rater (plain words, as an operator would say it)."""
    return {"Champions": "best and most frequent recent customers", "Loyal": "regular repeat customers",
            "Potential Loyalist": "recent customers who bought a few times", "New": "first-time customers",
            "At Risk": "once-valuable customers who have not bought for a while",
            "Can't Lose Them": "big spenders who have gone quiet", "Hibernating": "customers inactive for a long time",
            "Need Attention": "average customers whose buying is slowing"}.get(segment, segment)


def score(out: Path, files: list[Path]) -> dict[str, Any]:
    """Join ratings with the key; print and return the summary."""
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    ratings: dict[tuple[str, int], list[int]] = defaultdict(list)
    comments: dict[tuple[str, int], list[str]] = defaultdict(list)
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            k = (row["campaign"], int(row["variant"]))
            ratings[k].append(int(row["overall"]))
            if row.get("comment"):
                comments[k].append(row["comment"])
    per_piece = {k: statistics.mean(v) for k, v in ratings.items()}
    by_path: dict[str, list[float]] = defaultdict(list)
    by_channel: dict[str, list[float]] = defaultdict(list)
    by_channel_path: dict[tuple[str, str], list[float]] = defaultdict(list)
    best_by_campaign: dict[str, float] = {}
    for (cid, _), mean in per_piece.items():
        info = key[cid]
        by_path[info["path"]].append(mean)
        if info["path"] == "composed":
            by_channel[info["channel"]].append(mean)
        by_channel_path[(info["path"], info["channel"])].append(mean)
        best_by_campaign[cid] = max(best_by_campaign.get(cid, 0.0), mean)
    every = [r for v in ratings.values() for r in v]
    composed = [cid for cid in best_by_campaign if key[cid]["path"] == "composed"]
    worst = sorted(per_piece.items(), key=lambda kv: kv[1])[:5]
    summary = {
        "raters": len(files), "pieces": len(per_piece), "ratings": len(every),
        "distribution": {str(s): every.count(s) for s in range(1, 6)},
        "mean_by_path": {p: round(statistics.mean(v), 2) for p, v in by_path.items()},
        "mean_by_channel_composed": {c: round(statistics.mean(v), 2) for c, v in by_channel.items()},
        "mean_by_path_and_channel": {f"{p}/{c}": round(statistics.mean(v), 2) for (p, c), v in by_channel_path.items()},
        "paired_ranked_minus_composed": _paired(key, per_piece),
        "composed_campaigns_with_a_variant_4_or_more": f"{sum(best_by_campaign[c] >= 4 for c in composed)}/{len(composed)}",
        "pieces_rated_1": sum(1 for v in ratings.values() if 1 in v),
        "worst": [{"piece": f"{cid}.{n}", "mean": round(m, 2), "path": key[cid]["path"],
                   "text": key[cid]["variants"][n - 1], "comments": comments[(cid, n)]} for (cid, n), m in worst],
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


def _paired(key: dict[str, Any], per_piece: dict[tuple[str, int], float]) -> dict[str, Any] | None:
    """Mean rating of each ranked campaign minus its composed twin (same audience, channel, offer, tone)."""
    spec = {(k["segment"], k["channel"], k["offer"], k["tone"], k["path"]): cid for cid, k in key.items()}
    diffs = []
    for (segment, channel, offer, tone, path), cid in spec.items():
        twin = spec.get((segment, channel, offer, tone, "composed"))
        if path != "ranked" or twin is None:
            continue
        mine = [m for (c, _), m in per_piece.items() if c == cid]
        theirs = [m for (c, _), m in per_piece.items() if c == twin]
        if mine and theirs:
            diffs.append(statistics.mean(mine) - statistics.mean(theirs))
    if not diffs:
        return None
    return {"pairs": len(diffs), "mean_difference": round(statistics.mean(diffs), 2),
            "better": sum(d > 0 for d in diffs), "worse": sum(d < 0 for d in diffs), "same": sum(d == 0 for d in diffs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--workspace", type=Path, required=True)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--campaigns", type=int, default=42)
    d.add_argument("--llm", type=int, default=0, help="extra campaigns written by the packaged model (comparison)")
    d.add_argument("--seed", type=int, default=2026)
    d.add_argument("--ranked", type=int, default=0,
                   help="draw the first N campaigns again with the packaged model ranking the phrasings (comparison)")
    s = sub.add_parser("score")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "draw":
        draw(args.workspace, args.out, args.campaigns, args.llm, args.seed, args.ranked)
    else:
        score(args.out, args.files)


if __name__ == "__main__":
    main()
