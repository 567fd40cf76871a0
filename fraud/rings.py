"""Fraud rings: accounts tied together, as connected components with their evidence.

Two accounts are tied when they share a device, IP address, shipping address or card (an
identifier shared by more than ``hub_accounts`` accounts, such as a mobile gateway, ties nobody),
bought in the same brushing burst, or wrote near-duplicate reviews of one product within two weeks
(:mod:`fraud.textsim`). Each
component of at least ``min_size`` accounts is a candidate ring; its risk grows with the kinds of
evidence it has: a brushing burst, near-duplicate reviews, fresh accounts, coupon reuse, rule hits,
several kinds of shared identifiers, one coupon redeemed by at least three and half of its accounts. A household (two or
three established accounts sharing an address, an IP and perhaps a card) stays low. An address or an IP
ties two accounts only together with another shared identifier.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from memberinsight.fraud.brushing import Burst
from memberinsight.fraud.facts import LINK_FIELDS
from memberinsight.fraud.kinds import IDENTIFIER_LABELS
from memberinsight.fraud.textsim import near_duplicate_pairs

WEAK_LINKS = ("IP address", "address")
REVIEW_SIMILARITY = 0.7
REVIEW_WINDOW_DAYS = 14.0


@dataclass
class Ring:
    """One connected component of tied accounts, with its evidence and risk."""

    ring_id: str
    members: list[str]
    links: dict[str, int] = field(default_factory=dict)
    bursts: list[str] = field(default_factory=list)
    near_duplicate_pairs: int = 0
    fresh_accounts: int = 0
    coupon_accounts: int = 0
    rule_accounts: int = 0
    risk: float = 0.0

    @property
    def reason(self) -> str:
        """The ring's evidence in one sentence."""
        shared = ", ".join(f"{n} {kind}" for kind, n in sorted(self.links.items()))
        parts = [f"{len(self.members)} accounts tied by shared {shared}" if shared
                 else f"{len(self.members)} accounts linked only by what they did (no shared device, card, address or IP)"]
        if self.bursts:
            parts.append(f"buying together in {len(self.bursts)} brushing burst(s)")
        if self.near_duplicate_pairs:
            parts.append(f"{self.near_duplicate_pairs} near-duplicate review pair(s)")
        parts.append(f"{self.fresh_accounts} used only within a month of signing up")
        if self.coupon_accounts >= 2:
            parts.append(f"{self.coupon_accounts} redeeming the same coupon")
        return "; ".join(parts)


def _identifier_edges(con: duckdb.DuckDBPyConnection, hub: int) -> pd.DataFrame:
    union = " UNION ALL ".join(f"SELECT DISTINCT '{IDENTIFIER_LABELS[f]}' AS via, {f} AS v, member_id FROM f_orders "
                               f"WHERE {f} IS NOT NULL AND member_id IS NOT NULL" for f in LINK_FIELDS)
    return con.execute(f"""
        WITH u AS ({union}),
        g AS (SELECT via, v FROM u GROUP BY ALL HAVING count(*) BETWEEN 2 AND $hub)
        SELECT u.via, u.v, u.member_id FROM u JOIN g USING (via, v) ORDER BY u.via, u.v, u.member_id""",
        {"hub": hub}).df()


def _ties(shared: pd.DataFrame, fresh: set[str]) -> list[tuple[str, str, str]]:
    """Account pairs tied by identifiers: one shared device or card ties; an address or an IP ties two accounts
    used only within a month of signing up (throwaway accounts), others only together (blocks of flats, offices
    and carrier networks share those by chance)."""
    strong = shared[~shared["via"].isin(WEAK_LINKS)]
    star = strong[strong["member_id"] != strong["first"]]
    pairs = list(zip(star["via"], star["first"], star["member_id"], strict=True))
    weak = shared.loc[shared["via"].isin(WEAK_LINKS), ["via", "v", "member_id"]]
    both = weak.merge(weak, on=["via", "v"], suffixes=("_a", "_b"))
    both = both[both["member_id_a"] < both["member_id_b"]]
    kinds = both.groupby(["member_id_a", "member_id_b"])["via"].nunique()
    pairs.extend(("address and IP", a, b) for (a, b), n in kinds.items() if n >= 2 or (a in fresh and b in fresh))
    return pairs


def _review_edges(con: duckdb.DuckDBPyConnection, fresh_days: int, threshold: float = REVIEW_SIMILARITY,
                  within_days: float = REVIEW_WINDOW_DAYS) -> list[tuple[str, str]]:
    """Pairs of accounts with at least two near-duplicate pairs of 4-5 star reviews (one of them of the same
    product) posted within ``within_days`` of each other, among reviews by accounts fresh at the time (genuine
    reviews repeat stock phrases too, but seldom twice between the same two new accounts in a fortnight)."""
    reviews = con.execute("""
        WITH q AS (SELECT r.member_id, r.product_id, r.text, r.created_at, r.review_id
                   FROM reviews r JOIN f_members m USING (member_id)
                   WHERE r.rating >= 4 AND date_diff('day', m.signup, r.created_at) <= $fresh)
        SELECT member_id, product_id, text, created_at FROM q
        WHERE member_id IN (SELECT member_id FROM q GROUP BY 1 HAVING count(*) >= 2)  -- a tie needs two pairs
        ORDER BY created_at DESC, review_id""", {"fresh": fresh_days}).df()
    if len(reviews) < 2:
        return []
    owners = reviews["member_id"].astype(str).tolist()
    product = reviews["product_id"].to_numpy(object)
    at = pd.to_datetime(reviews["created_at"]).to_numpy()
    pairs = near_duplicate_pairs(reviews["text"].tolist(), owners, threshold, times=at, within_days=within_days)
    twice = Counter((min(owners[i], owners[j]), max(owners[i], owners[j])) for i, j, _ in pairs)
    return [(owners[i], owners[j]) for i, j, _ in pairs
            if product[i] == product[j] and twice[(min(owners[i], owners[j]), max(owners[i], owners[j]))] >= 2]


def find_rings(con: duckdb.DuckDBPyConnection, bursts: list[Burst], hits: pd.DataFrame | None = None,
               hub_accounts: int = 10, min_size: int = 3, fresh_days: int = 30) -> list[Ring]:
    """Connected components of tied accounts (facts tables prepared), riskiest first."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    shared = _identifier_edges(con, hub_accounts)
    shared["first"] = shared.groupby(["via", "v"], sort=False)["member_id"].transform("first")
    fresh_all, _ = _member_facts(con, sorted(set(shared["member_id"])), fresh_days)
    pairs = _ties(shared, fresh_all)
    pairs.extend(("burst", b.members[0], m) for b in bursts for m in b.members[1:])
    review_pairs = _review_edges(con, fresh_days)
    pairs.extend(("review", a, b) for a, b in review_pairs)
    if not pairs:
        return []
    names = sorted({p[1] for p in pairs} | {p[2] for p in pairs})
    index = {m: i for i, m in enumerate(names)}
    rows = np.array([index[p[1]] for p in pairs])
    cols = np.array([index[p[2]] for p in pairs])
    graph = coo_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(names), len(names)))
    _, label = connected_components(graph, directed=False)
    groups: dict[int, list[str]] = {}
    for name, lab in zip(names, label, strict=True):
        groups.setdefault(int(lab), []).append(name)
    big = {lab: sorted(ms) for lab, ms in groups.items() if len(ms) >= min_size}
    if not big:
        return []
    member_ring = {m: lab for lab, ms in big.items() for m in ms}
    fresh, coupons = _member_facts(con, list(member_ring), fresh_days)
    fresh |= fresh_all & set(member_ring)
    hit_members = set(hits["member_id"].dropna()) if hits is not None and not hits.empty else set()
    rings: dict[int, Ring] = {lab: Ring("", ms) for lab, ms in big.items()}
    link_counts: dict[int, Counter[str]] = {lab: Counter() for lab in big}
    heads = shared.drop_duplicates(["via", "v"])
    heads = heads.assign(ring=heads["first"].map(member_ring)).dropna(subset=["ring"])
    for (lab, via), n in heads.groupby(["ring", "via"]).size().items():
        link_counts[int(lab)][f"{via}s" if not via.endswith("s") else via] += int(n)
    for b in bursts:
        lab = member_ring.get(b.members[0])
        if lab is not None:
            rings[lab].bursts.append(b.burst_id)
    for a, _ in review_pairs:
        lab = member_ring.get(a)
        if lab is not None:
            rings[lab].near_duplicate_pairs += 1
    for lab, ring in rings.items():
        ring.links = dict(link_counts[lab])
        ring.fresh_accounts = sum(1 for m in ring.members if m in fresh)
        used = coupons[coupons["member_id"].isin(ring.members)]
        ring.coupon_accounts = int(used.groupby("coupon_code")["member_id"].nunique().max()) if len(used) else 0
        ring.rule_accounts = sum(1 for m in ring.members if m in hit_members)
        ring.risk = ring_risk(ring)
    for ring in rings.values():
        ring.ring_id = f"ring-{ring.members[0]}"  # stable across scans while its first member stays
    return sorted(rings.values(), key=lambda r: (-r.risk, -len(r.members), r.ring_id))


def _member_facts(con: duckdb.DuckDBPyConnection, members: list[str], fresh_days: int
                  ) -> tuple[set[str], pd.DataFrame]:
    """(accounts used only within ``fresh_days`` of signing up, (member_id, coupon_code) pairs redeemed)."""
    con.register("_ring_members", pd.DataFrame({"member_id": members}))
    try:
        rows = con.execute("""SELECT m.member_id FROM f_members m JOIN _ring_members USING (member_id)
                              WHERE date_diff('day', m.signup, m.last_order) <= $fresh""",
                           {"fresh": fresh_days}).fetchall()
        coupons = con.execute("""SELECT DISTINCT o.member_id, o.coupon_code FROM f_orders o
                                 JOIN _ring_members USING (member_id)
                                 WHERE o.coupon_code IS NOT NULL AND NOT o.is_return""").df()
    finally:
        con.unregister("_ring_members")
    return {r[0] for r in rows}, coupons


def ring_risk(ring: Ring) -> float:
    """0-1 from the kinds of evidence: each adds its weight, combined as 1 - prod(1 - w)."""
    n = max(len(ring.members), 1)
    weights = [
        0.6 if ring.bursts else 0.0,
        0.4 if ring.near_duplicate_pairs >= 2 else 0.0,
        0.4 * (ring.fresh_accounts / n if ring.fresh_accounts / n >= 0.5 and (ring.links or ring.bursts) else 0.0),
        0.5 if ring.links and ring.coupon_accounts >= max(3, n / 2) else 0.0,
        0.3 if ring.rule_accounts / n >= 0.5 else 0.0,
        0.2 if len(ring.links) >= 2 else 0.0,
    ]
    keep = 1.0
    for w in weights:
        keep *= 1.0 - w
    return round(1.0 - keep, 4)


def ring_evidence(ring: Ring) -> dict[str, Any]:
    """A ring as plain data."""
    return {"ring_id": ring.ring_id, "accounts": len(ring.members), "members": ring.members, "links": ring.links,
            "bursts": ring.bursts, "near_duplicate_pairs": ring.near_duplicate_pairs,
            "fresh_accounts": ring.fresh_accounts, "coupon_accounts": ring.coupon_accounts,
            "rule_accounts": ring.rule_accounts, "risk": ring.risk, "reason": ring.reason}
