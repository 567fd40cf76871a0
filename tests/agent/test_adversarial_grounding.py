"""The adversarial grounding suite: drafts written blind against fixed scenarios.

``tests/agent/adversarial_drafts/scenarios.json`` holds six campaign scenarios (brand, segment,
offer, dates, products, the surnames of real members); ``dev.jsonl`` and ``heldout.jsonl`` hold
drafts written from those scenarios by someone who never saw the checker's code. Each draft is
``honest`` (states only the scenario's facts, in any honest wording) or ``invented`` (exactly one
invented fact: a price, a discount, a date, a claim about the member, stock, rankings, a guarantee,
delivery, a link, a code, a phone number, internal vocabulary, a surname used as a name...).

The checker was developed on ``dev.jsonl``; each later batch was written blind, measured once untouched,
then (with its misses fixed by general rules) joined the asserted sets: ``heldout.jsonl``,
``heldout2.jsonl`` (first measured: 2/35 invented passed, 4/35 honest rejected) and ``heldout3.jsonl``
(first measured: 3/40 invented passed, 4/40 honest rejected). Two labels were corrected where the
scenario's audience supports the claim (each marked with a ``note``).
Targets (issue 14): no invented draft passes; at most 5% of honest drafts are rejected.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact, check_copy

DRAFTS = Path(__file__).parent / "adversarial_drafts"
HONEST_REJECTION_LIMIT = 0.05


def scenario_sheet(s: dict[str, Any]) -> FactSheet:
    """The fact sheet a campaign for scenario ``s`` would be checked against.

    ``member_surnames`` are the names of real members in the audience (``forbidden_names``, as
    :func:`agent.campaigns.source.build_fact_sheet` sets them); the sheet parses the offer into its
    structured terms (``offer_terms``) as the service does.
    """
    products = tuple(ProductFact(p["name"], p.get("price"), p.get("category")) for p in s["products"])
    return FactSheet(
        segment=s["segment"], audience_size=s["audience_size"], offer=s["offer"], as_of=date.fromisoformat(s["as_of"]),
        deadline=date.fromisoformat(s["deadline"]), brand=s["brand"], currency=s.get("currency", "£"),
        products=products, forbidden_names=frozenset(s.get("member_surnames", ())),
        catalogue_names=frozenset(p.name for p in products))


@dataclass(frozen=True)
class Outcome:
    """One draft checked: its label, kind and what the checker said."""

    id: str
    label: str
    kind: str
    passed: bool
    problems: tuple[str, ...]
    text: str

    @property
    def wrong(self) -> bool:
        """True when the checker got this draft wrong (an invented draft passed, an honest one failed)."""
        return self.passed == (self.label == "invented")


def run_suite(name: str) -> list[Outcome]:
    """Check every draft of ``<name>.jsonl`` against its scenario's sheet."""
    scenarios = {s["id"]: s for s in json.loads((DRAFTS / "scenarios.json").read_text())["scenarios"]}
    sheets = {key: scenario_sheet(s) for key, s in scenarios.items()}
    out: list[Outcome] = []
    for line in (DRAFTS / f"{name}.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        result = check_copy(d["text"], sheets[d["scenario"]], d["part"])
        out.append(Outcome(d["id"], d["label"], d.get("kind") or "", result.passed, tuple(result.problems),
                           d["text"]))
    return out


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Counts for a report: invented drafts that passed and honest drafts rejected, per kind."""
    invented = [o for o in outcomes if o.label == "invented"]
    honest = [o for o in outcomes if o.label == "honest"]
    return {"drafts": len(outcomes), "invented": len(invented), "honest": len(honest),
            "invented_passed": sum(o.passed for o in invented),
            "honest_rejected": sum(not o.passed for o in honest),
            "invented_passed_by_kind": dict(Counter(o.kind for o in invented if o.passed)),
            "invented_by_kind": dict(Counter(o.kind for o in invented))}


@pytest.mark.parametrize("name", ["dev", "heldout", "heldout2", "heldout3"])
def test_adversarial_drafts(name: str) -> None:
    if not (DRAFTS / f"{name}.jsonl").exists():
        pytest.skip(f"{name}.jsonl not written yet")
    outcomes = run_suite(name)
    stats = summary(outcomes)
    assert stats["invented"] >= 20 and stats["honest"] >= 20, stats
    passed = [(o.id, o.kind) for o in outcomes if o.label == "invented" and o.passed]
    rejected = [o.id for o in outcomes if o.label == "honest" and not o.passed]
    assert not passed, f"invented drafts passed: {passed}"
    assert len(rejected) <= HONEST_REJECTION_LIMIT * stats["honest"], f"honest drafts rejected: {rejected}"
