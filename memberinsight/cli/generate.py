"""``memberinsight generate``: write the realistic, deterministic demo shop as CSV files."""

from __future__ import annotations

import sys
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
        years: Annotated[float, typer.Option(help="Years of order history.")] = 2.0,
        as_json: JsonOpt = False,
    ) -> None:
        """Generate a demo shop: members, products, orders, reviews (+ ground-truth label files)."""
        from memberinsight.errors import ConfigError
        from workspace.demo import generate_demo

        try:
            end: date = datetime.strptime(end_date, "%Y-%m-%d").date()
        except ValueError as exc:
            raise ConfigError(f"--end-date must be YYYY-MM-DD (got {end_date!r})") from exc
        summary = generate_demo(out, members=members, seed=seed, end_date=end, years=years,
                                show_progress=not as_json and sys.stderr.isatty())
        lines = [f"Demo shop written to {summary.out_dir} in {summary.seconds:.1f} s "
                 f"({summary.start_date} to {summary.end_date}, seed {summary.seed}):"]
        lines += [f"  {name + '.csv':<20} {summary.counts[name]:>12,} rows" for name in summary.files]
        emit(summary, as_json, text="\n".join(lines))
