"""The realistic, deterministic demo shop generator (members, products, orders, reviews + ground truth).

``generate_demo(out_dir, members=2000, seed=7)`` writes ``members.csv``, ``products.csv``,
``orders.csv`` and ``reviews.csv`` (canonical columns from :mod:`workspace.schema`), plus ground
truth for tests and evaluations: ``review_labels.csv`` (planted fake-review patterns),
``members_truth.csv`` (latent purchase rate, dropout propensity, satisfaction, purchase regularity,
the date each member left, spend level, favourite category) and
``products_truth.csv`` (latent quality, tier, planted complements).

``generate_demo(..., scenario="cohort")`` writes a different shop: one acquisition wave whose buying
decays as it ages, with the true expected purchases of every member in ``members_truth.csv``
(:mod:`workspace.demo.cohort`).
"""

from __future__ import annotations

from memberinsight.workspace.demo.generator import FILE_COLUMNS, SCENARIOS, DemoSummary, generate_demo

__all__ = ["FILE_COLUMNS", "SCENARIOS", "DemoSummary", "generate_demo"]
