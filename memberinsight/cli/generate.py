"""``memberinsight generate``: write the realistic, deterministic demo shop as CSV files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from memberinsight.cli.common import JsonOpt, emit


def register(app: typer.Typer) -> None:
    @app.command()
    def generate(
        members: Annotated[int, typer.Option(help="Number of members (accounts) to simulate.")] = 2000,
        seed: Annotated[int, typer.Option(help="Random seed: same seed, byte-identical files.")] = 7,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the CSV files.")] = Path("demo_data"),
        end_date: Annotated[str, typer.Option("--end-date", help="Last day of history (YYYY-MM-DD).")] = "2026-09-30",
        years: Annotated[float | None, typer.Option(
            help="Years of order history (default: 2 for the default shop, 1.5 for the cohort).")] = None,
        scenario: Annotated[str, typer.Option(
            help="default (a growing multi-category shop) or cohort (one acquisition wave whose buying "
                 "decays; members_truth.csv holds each member's true expected purchases).")] = "default",
        fraud: Annotated[bool, typer.Option("--fraud", help="Also plant order fraud (brushing rings, card testing, "
                                            "coupon abuse, account takeovers) with hidden labels in "
                                            "fraud_truth.csv (default shop only).")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Generate a demo shop: members, products, orders, reviews (+ ground-truth label files)."""
        from memberinsight.errors import ConfigError
        from memberinsight.workspace.demo import generate_demo

        try:
            end: date = datetime.strptime(end_date, "%Y-%m-%d").date()
        except ValueError as exc:
            raise ConfigError(f"--end-date must be YYYY-MM-DD (got {end_date!r})") from exc
        span = years if years is not None else (1.5 if scenario == "cohort" else 2.0)
        summary = generate_demo(out, members=members, seed=seed, end_date=end, years=span,
                                show_progress=not as_json, scenario=scenario)
        if fraud:
            if scenario != "default":
                raise ConfigError("--fraud plants into the default shop only")
            from memberinsight.workspace.demo.fraud import plant_fraud

            planted = plant_fraud(out, seed=seed)
            added = {"members": planted.new_accounts, "members_truth": planted.new_accounts,
                     "orders": planted.new_order_lines, "reviews": planted.new_reviews,
                     "review_labels": planted.new_reviews}
            summary.counts = {k: v + added.get(k, 0) for k, v in summary.counts.items()}
            summary.counts["fraud_truth"] = sum(planted.labelled.values())
            summary.files["fraud_truth"] = out / "fraud_truth.csv"
        lines = [f"Demo shop written to {summary.out_dir} in {summary.seconds:.1f} s "
                 f"({summary.start_date} to {summary.end_date}, seed {summary.seed}):"]
        lines += [f"  {name + '.csv':<20} {summary.counts[name]:>12,} rows" for name in summary.files]
        emit(summary, as_json, text="\n".join(lines))
