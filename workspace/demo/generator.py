"""``generate_demo``: write the demo shop as CSV files, streaming member chunks to disk."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from memberinsight.errors import ConfigError
from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.catalogue import build_catalogue
from memberinsight.workspace.demo.consent import CONSENT_COLUMNS, consent_columns, consent_rng
from memberinsight.workspace.demo.fakes import add_fakes, plan_fakes
from memberinsight.workspace.demo.members import make_members
from memberinsight.workspace.demo.orders import simulate_orders
from memberinsight.workspace.demo.reviews import genuine_reviews
from memberinsight.workspace.demo.tables import (
    member_columns,
    order_columns,
    product_columns,
    product_truth_columns,
    review_columns,
    truth_columns,
)
from memberinsight.workspace.demo.writer import CsvAppender
from memberinsight.workspace.schema import MEMBERS, ORDERS, PRODUCTS, REVIEWS

CHUNK_MEMBERS = 50_000
MIN_MEMBERS = 100

FILE_COLUMNS: dict[str, list[str]] = {
    "members": MEMBERS.column_names + list(CONSENT_COLUMNS),  # consent: workspace.demo.consent
    "products": PRODUCTS.column_names,
    "orders": ORDERS.column_names,
    "reviews": REVIEWS.column_names,
    "review_labels": ["review_id", "is_fake", "pattern", "group_id"],
    "members_truth": ["member_id", "purchase_rate_per_year", "dropout_prob", "satisfaction", "gap_shape",
                      "churned_on", "never_buys", "spend_level", "favourite_category", "preferred_tier",
                      "is_fake_account"],
    "products_truth": ["product_id", "quality", "tier", "popularity", "complements"],
}


@dataclass
class DemoSummary:
    """What :func:`generate_demo` wrote: file paths and row counts per file."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seed: int = 7
    seconds: float = 0.0
    members: int = 0
    start_date: date | None = None
    end_date: date | None = None


def _chunk_sizes(members: int, chunk_members: int) -> list[int]:
    sizes = [chunk_members] * (members // chunk_members)
    rest = members - sum(sizes)
    if rest:
        if sizes and rest < MIN_MEMBERS:
            sizes[-1] += rest
        else:
            sizes.append(rest)
    return sizes


SCENARIOS: tuple[str, ...] = ("default", "cohort")
"""``default``: the growing multi-category shop; ``cohort``: one acquisition wave that decays
(:mod:`workspace.demo.cohort`)."""


def generate_demo(out_dir: Path, members: int = 2000, seed: int = 7, end_date: date = date(2026, 9, 30),
                  years: float = 2.0, show_progress: bool = False, chunk_members: int = CHUNK_MEMBERS,
                  scenario: str = "default") -> DemoSummary:
    """Generate the demo shop into ``out_dir`` (created if needed); same seed -> byte-identical files.

    Members are simulated in chunks of ``chunk_members`` (each chunk with its own seeded random
    stream) and appended to the CSV files, so memory stays bounded for millions of members.
    ``scenario="cohort"`` writes the decaying single-cohort shop instead (see :data:`SCENARIOS`).
    """
    if scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if members < MIN_MEMBERS:
        raise ConfigError(f"members must be at least {MIN_MEMBERS} (got {members})")
    if not 0.25 <= years <= 20:
        raise ConfigError(f"years must be between 0.25 and 20 (got {years})")
    if scenario == "cohort":
        from memberinsight.workspace.demo.cohort import generate_cohort

        return generate_cohort(out_dir, members=members, seed=seed, end_date=end_date, years=years)
    if chunk_members < MIN_MEMBERS:
        raise ConfigError(f"chunk_members must be at least {MIN_MEMBERS}")
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar.build(end_date, years)
    cat_rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    cat = build_catalogue(cat_rng, cal.days)
    summary = DemoSummary(out_dir=out, seed=seed, members=members, start_date=cal.start, end_date=cal.end)
    sizes = _chunk_sizes(members, chunk_members)
    from memberinsight.progress import progress_bar

    with ExitStack() as stack:
        w = {name: stack.enter_context(CsvAppender(out / f"{name}.csv", cols)) for name, cols in FILE_COLUMNS.items()}
        w["products"].write(product_columns(cat, cal, cat_rng))
        w["products_truth"].write(product_truth_columns(cat))
        next_member, next_order, next_review = 1, 1, 1
        bar = progress_bar(members, "Generating the demo shop", unit="member", enabled=show_progress)
        for chunk_no, n in enumerate(sizes):
            rng = np.random.default_rng(np.random.SeedSequence([seed, 1, chunk_no]))
            m = make_members(rng, next_member, n, cal.days, cat)
            plan = plan_fakes(rng, n)
            m.is_fake[n - plan.n_accounts:] = True
            book = simulate_orders(rng, m, cat, cal)
            reviews = genuine_reviews(rng, m, cat, cal, book)
            fake_reviews, fake_orders = add_fakes(rng, chunk_no, m, cat, cal, book, reviews, plan)
            reviews.extend(fake_reviews)
            book.extend(fake_orders)
            w["members"].write(member_columns(rng, m, cal) | consent_columns(consent_rng(seed, chunk_no), m, cal))
            w["members_truth"].write(truth_columns(m, book, cal))
            cols, n_orders = order_columns(book, m, cat, next_order)
            w["orders"].write(cols)
            rev_cols, label_cols = review_columns(reviews, m, cat, next_review)
            w["reviews"].write(rev_cols)
            w["review_labels"].write(label_cols)
            next_member += n
            next_order += n_orders
            next_review += len(reviews)
            bar.update(n)
        bar.close()
    summary.files = {name: out / f"{name}.csv" for name in FILE_COLUMNS}
    summary.counts = {name: appender.rows for name, appender in w.items()}
    summary.seconds = round(time.perf_counter() - t0, 3)
    return summary
