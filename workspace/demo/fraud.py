"""Planted order fraud for the demo shop, with hidden labels for evaluations.

:func:`plant_fraud` takes an already generated demo folder and adds, deterministically for a seed:

* the optional order fields on every genuine order (:mod:`workspace.demo.fraud_fields`: devices,
  IPs, addresses, cards, coupons, statuses, with households, mobile gateways and public coupons as
  confounders) plus a few genuine flash-sale bursts (many established members buying one product
  in a few days, then reviewing it);
* ``brushing`` rings: fresh accounts, partly sharing devices, IPs, cards or a drop address, buy one
  small product within a few days and post near-identical verified 5-star reviews (some orders are
  refunded after the review);
* ``card_testing`` bursts: one device and IP, a fresh account or two, many cheap orders within
  minutes, each with a new card, most declined (cancelled);
* ``coupon_abuse`` rings: fresh accounts linked by a device, address or IP each redeem the
  first-order coupon;
* ``account_takeover``: established members suddenly order expensive items, express, from a new
  device, IP and address (some end in a chargeback).

The labels go to ``fraud_truth.csv`` (``kind`` order/account, ``object_id``, ``pattern``, ``group_id``),
which ingest ignores; the generator's own fake-review accounts (and their orders) are labelled
``review_fraud`` there too; planted reviews are added to ``review_labels.csv`` as fakes. The default demo
(:func:`workspace.demo.generate_demo`) is unchanged: planting happens only when asked
(``memberinsight generate --fraud``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ConfigError
from memberinsight.workspace.demo.fraud_fields import EXTRA_FILE_COLUMNS, WELCOME_CODE, order_fields
from memberinsight.workspace.demo.fraud_plant import Planter
from memberinsight.workspace.schema import ORDERS

PATTERNS: tuple[str, ...] = ("brushing", "card_testing", "coupon_abuse", "account_takeover")
TRUTH_FILE = "fraud_truth.csv"
PLANT_VERSION = 1
"""Bumped whenever planting changes, so cached evaluation shops are made again."""
GROUPS_PER_PATTERN = 10
FLASH_SALES = 3


@dataclass
class FraudPlantSummary:
    """What :func:`plant_fraud` added: groups per pattern, new accounts, order lines and reviews (planted and
    genuine flash-sale ones), labelled objects per kind, the truth file."""

    out_dir: Path
    groups: dict[str, int] = field(default_factory=dict)
    new_accounts: int = 0
    new_order_lines: int = 0
    new_reviews: int = 0
    planted_orders: int = 0
    labelled: dict[str, int] = field(default_factory=dict)
    truth_file: Path | None = None


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: plant fraud into a folder written by `memberinsight generate`")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def plant_fraud(out_dir: Path, seed: int = 7, groups_per_pattern: int = GROUPS_PER_PATTERN) -> FraudPlantSummary:
    """Add the optional order fields and planted fraud (with ``fraud_truth.csv``) to a generated demo folder.

    Same folder and seed, same result. Raises :class:`ConfigError` when the folder already has them.
    """
    if groups_per_pattern < 1:
        raise ConfigError("groups_per_pattern must be at least 1")
    folder = Path(out_dir)
    orders = _read(folder, "orders")
    if "device_id" in orders.columns:
        raise ConfigError(f"{folder} already has planted fraud (orders.csv has device_id)")
    members, products = _read(folder, "members"), _read(folder, "products")
    reviews = _read(folder, "reviews")
    labels_path = folder / "review_labels.csv"
    labels = _read(folder, "review_labels") if labels_path.is_file() else None
    truth_path = folder / "members_truth.csv"
    members_truth = _read(folder, "members_truth") if truth_path.is_file() else None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 18]))

    orders["_value"] = pd.to_numeric(orders["quantity"]) * pd.to_numeric(orders["unit_price"])
    fields = order_fields(rng, orders, members)
    lines = _with_fields(orders, fields)
    planter = Planter(rng, members, products, lines)
    planter.set_review_start(reviews)
    summary = FraudPlantSummary(out_dir=folder)
    for pattern in PATTERNS:
        plant = getattr(planter, pattern)
        for i in range(groups_per_pattern):
            plant(f"{pattern[:2].upper()}{i + 1:02d}")
        summary.groups[pattern] = groups_per_pattern
    for i in range(FLASH_SALES):
        planter.flash_sale(i)

    new_lines = pd.DataFrame(planter.lines, columns=lines.columns)
    all_lines = pd.concat([lines, new_lines], ignore_index=True)
    pd.concat([members, pd.DataFrame(planter.members, columns=members.columns)], ignore_index=True).to_csv(
        folder / "members.csv", index=False)
    all_lines.to_csv(folder / "orders.csv", index=False)
    pd.concat([reviews, pd.DataFrame(planter.reviews, columns=reviews.columns)], ignore_index=True).to_csv(
        folder / "reviews.csv", index=False)
    if labels is not None:
        pd.concat([labels, pd.DataFrame(planter.review_labels, columns=labels.columns)], ignore_index=True).to_csv(
            labels_path, index=False)
    if members_truth is not None:
        extra = pd.DataFrame([_truth_row(members_truth.columns, str(m[0])) for m in planter.members],
                             columns=members_truth.columns)
        pd.concat([members_truth, extra], ignore_index=True).to_csv(truth_path, index=False)
    truth = pd.DataFrame(planter.truth + _review_fraud_truth(members_truth, reviews, labels, orders),
                         columns=["kind", "object_id", "pattern", "group_id"])
    truth.to_csv(folder / TRUTH_FILE, index=False)
    summary.new_accounts = len(planter.members)
    summary.planted_orders = int((truth["kind"] == "order").sum())
    summary.new_order_lines = len(new_lines)
    summary.new_reviews = len(planter.reviews)
    summary.labelled = {str(k): int(v) for k, v in truth.groupby("kind").size().items()}
    summary.truth_file = folder / TRUTH_FILE
    return summary


def _with_fields(orders: pd.DataFrame, fields: pd.DataFrame) -> pd.DataFrame:
    """The order lines with the per-order fields attached (discount per line from the order's rate)."""
    per_line = fields.reindex(orders["order_id"]).reset_index(drop=True)
    out = orders[ORDERS.column_names].copy()
    for column in EXTRA_FILE_COLUMNS:
        if column == "discount_amount":
            amount = (orders["_value"].clip(lower=0) * per_line["discount_rate"].to_numpy()).round(2)
            out[column] = np.where(amount > 0, amount.map(lambda v: f"{v:.2f}"), "")
        else:
            out[column] = per_line[column].fillna("").to_numpy(object)
    return out


def _review_fraud_truth(members_truth: pd.DataFrame | None, reviews: pd.DataFrame, labels: pd.DataFrame | None,
                        orders: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """The generator's own fake-review accounts (rings and bursts, some with purchases) as ``review_fraud``:
    genuinely fraudulent, so they count for precision; evaluations report their recall apart."""
    if members_truth is None or labels is None or "is_fake_account" not in members_truth:
        return []
    fake = members_truth.loc[members_truth["is_fake_account"].str.lower() == "true", "member_id"]
    groups = reviews[["review_id", "member_id"]].merge(labels[["review_id", "group_id"]], on="review_id")
    group_of = groups[groups["group_id"] != ""].groupby("member_id")["group_id"].agg(lambda g: g.mode().iloc[0])
    rows = [("account", m, "review_fraud", f"RV-{group_of.get(m, m)}") for m in fake]
    bought = orders[orders["member_id"].isin(set(fake)) & orders["order_id"].str.startswith("O")]
    rows += [("order", o, "review_fraud", f"RV-{group_of.get(m, m)}")
             for o, m in bought.drop_duplicates("order_id")[["order_id", "member_id"]].itertuples(index=False)]
    return rows


def _truth_row(columns: Any, member_id: str) -> list[object]:
    defaults = {"member_id": member_id, "never_buys": "false", "is_fake_account": "true"}
    return [defaults.get(c, "0") if c in defaults or c in ("purchase_rate_per_year", "dropout_prob") else ""
            for c in columns]


def generate_fraud_demo(out_dir: Path, members: int = 2000, seed: int = 7, fraud: bool = True,
                        end_date: date = date(2026, 9, 30), years: float = 2.0,
                        show_progress: bool = False) -> tuple[Any, FraudPlantSummary | None]:
    """The default demo shop, then (``fraud=True``) planted fraud: ``(DemoSummary, FraudPlantSummary | None)``."""
    from memberinsight.workspace.demo.generator import generate_demo

    summary = generate_demo(out_dir, members=members, seed=seed, end_date=end_date, years=years,
                            show_progress=show_progress)
    planted = plant_fraud(out_dir, seed=seed) if fraud else None
    return summary, planted


__all__ = ["GROUPS_PER_PATTERN", "PATTERNS", "PLANT_VERSION", "TRUTH_FILE", "WELCOME_CODE", "FraudPlantSummary",
           "generate_fraud_demo", "plant_fraud"]
