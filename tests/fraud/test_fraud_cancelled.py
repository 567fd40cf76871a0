"""Placed-then-cancelled orders and velocity against an account's own normal, on a real small workspace.

The shop: 20 regular members (five orders of 40.00 each, so the shop's typical order is 40.00) plus
known cases: an order of 4,000.00 cancelled in full 12 minutes later by its own return lines (X1), a
normal 4,000.00 order nobody cancels (Y1), a half-cancelled and a quarter-cancelled order (P1, Q1), an
order cancelled three days later (L1), a wholesale account that always splits its orders into six
invoices within half an hour (W1) and an account that always places one order and suddenly places six (S1).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from memberinsight.fraud import list_queue, parse_rules, scan_workspace
from memberinsight.fraud.facts import prepare_facts
from memberinsight.fraud.rules import load_rules, run_rules
from memberinsight.workspace import Workspace
from tests.conftest import copy_workspace

T0 = datetime(2026, 3, 1, 12, 0, 0)
COLUMNS = ("order_id", "line_no", "member_id", "product_id", "quantity", "unit_price", "ordered_at", "is_return")
Line = tuple[str, int, str, str, int, float, datetime, bool]


def _lines(oid: str, member: str, at: datetime, items: list[tuple[str, int, float]]) -> list[Line]:
    """An order's lines (``items``: product, quantity, unit price); a negative quantity is a return line."""
    return [(oid, k, member, p, q, price, at, q < 0) for k, (p, q, price) in enumerate(items, 1)]


def _cancellation(oid: str, member: str, at: datetime, items: list[tuple[str, int, float]]) -> list[Line]:
    return _lines(oid, member, at, [(p, -q, price) for p, q, price in items])


def _shop_lines(with_cancellation: bool = True) -> list[Line]:
    rows: list[Line] = []
    for i in range(20):  # the regulars: 5 orders of 40.00 each
        for k in range(5):
            rows += _lines(f"R{i:02d}-{k}", f"M{i:02d}", T0 - timedelta(days=300 - 40 * k + i), [("P1", 4, 10.0)])
    for week in range(10):  # W1 splits every weekly order into six invoices within 30 minutes
        for j in range(6):
            rows += _lines(f"W{week}-{j}", "W1", T0 - timedelta(weeks=10 - week, minutes=-5 * j),
                           [(f"P{10 + j}", 4, 10.0)])
    for j in range(7):  # ... and does it again this week: its normal, not a burst
        rows += _lines(f"W-now-{j}", "W1", T0 + timedelta(hours=2, minutes=4 * j), [(f"P{10 + j}", 4, 10.0)])
    for week in range(10):  # S1 places one order a week, then six within 30 minutes
        rows += _lines(f"S{week}", "S1", T0 - timedelta(weeks=10 - week), [("P1", 4, 10.0)])
    for j in range(6):
        rows += _lines(f"S-now-{j}", "S1", T0 + timedelta(hours=3, minutes=5 * j), [("P1", 4, 10.0)])
    big = [("P2", 100, 20.0), ("P3", 200, 10.0)]  # 4,000.00
    rows += _lines("Y-big", "Y1", T0 + timedelta(hours=1), big)  # a normal big order
    rows += _lines("P-big", "P1", T0 + timedelta(hours=1), big)
    rows += _cancellation("C-P", "P1", T0 + timedelta(hours=1, minutes=20), big[:1])  # half of it cancelled
    rows += _lines("Q-big", "Q1", T0 + timedelta(hours=1), big)
    rows += _cancellation("C-Q", "Q1", T0 + timedelta(hours=1, minutes=20), [("P2", 50, 20.0)])  # a quarter
    rows += _lines("L-big", "L1", T0 + timedelta(hours=1), big)
    rows += _cancellation("C-L", "L1", T0 + timedelta(days=3), big)  # cancelled in full, three days later
    rows += _lines("X-big", "X1", T0 + timedelta(days=5), big)  # the newest order in the shop
    if with_cancellation:
        rows += _cancellation("C-X", "X1", T0 + timedelta(days=5, minutes=12), big)  # cancelled in full
    return rows


def build_cancel_shop(path: Path, with_cancellation: bool = True) -> Workspace:
    """A real workspace holding :func:`_shop_lines` (members signed up a year before)."""
    ws = Workspace.create(path)
    rows = _shop_lines(with_cancellation)
    members = sorted({r[2] for r in rows})
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, signup_date) VALUES (?, ?)",
                        [(m, (T0 - timedelta(days=400)).date()) for m in members])
        con.executemany("INSERT INTO products (product_id, title, price) VALUES (?, ?, ?)",
                        [(p, f"Product {p}", 10.0) for p in sorted({r[3] for r in rows})])
        con.executemany(f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return ws


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build_cancel_shop(tmp_path_factory.mktemp("cancel_shop") / "ws")


@pytest.fixture(scope="module")
def hits(shop: Workspace) -> pd.DataFrame:
    with shop.analytics(read_only=True) as con:
        facts = prepare_facts(con)
        assert facts.shop_typical == 40.0
        return run_rules(con, load_rules())


def _rule(hits: pd.DataFrame, rule: str) -> pd.DataFrame:
    return hits[hits.rule == rule].set_index("order_id")


def test_a_full_cancellation_soon_after_is_found_with_plain_evidence(hits: pd.DataFrame) -> None:
    cancelled = _rule(hits, "placed_then_cancelled")
    assert set(cancelled.index) == {"X-big", "P-big"}  # not the quarter, not three days later, not the kept one
    assert cancelled.loc["X-big", "reason"] == ("£4,000 order cancelled in full 12 minutes later "
                                                "(100.0x the shop's typical order of £40.00)")
    assert cancelled.loc["X-big", "weight"] == 0.75  # high severity at full strength: 100x the typical order
    assert str(cancelled.loc["X-big", "at"]) == str(T0 + timedelta(days=5, minutes=12))  # new when cancelled


def test_a_partial_cancellation_scores_lower(hits: pd.DataFrame) -> None:
    cancelled = _rule(hits, "placed_then_cancelled")
    assert cancelled.loc["P-big", "reason"].startswith("£4,000 order 50% cancelled 20 minutes later")
    assert cancelled.loc["P-big", "weight"] == pytest.approx(0.75 * 0.5 ** 2, abs=1e-4)
    assert cancelled.loc["P-big", "weight"] < cancelled.loc["X-big", "weight"]


def test_the_order_value_weighs_the_hit(shop: Workspace) -> None:
    rules = parse_rules("rules:\n  - {name: soon, kind: cancelled_soon, severity: high, "
                        "params: {value_multiple: 400, minutes: 30}}")
    assert rules[0].params == {"minutes": 30.0, "min_share": 0.5, "value_multiple": 400.0, "min_amount": 0.0}
    with shop.analytics(read_only=True) as con:
        prepare_facts(con)
        hits = run_rules(con, rules).set_index("order_id")
    # 4,000.00 is 100x the typical 40.00, a quarter of the 400x that counts in full: sqrt(1/4) = 0.5 of 0.75
    assert hits.loc["X-big", "weight"] == pytest.approx(0.375)
    assert hits.loc["P-big", "weight"] == pytest.approx(0.75 * 0.25 * 0.5, abs=1e-4)


def test_velocity_compares_an_account_with_its_own_normal(hits: pd.DataFrame) -> None:
    burst = hits[hits.rule == "order_burst_account"]
    assert set(burst.member_id) == {"S1"}  # W1 splits into 6-7 invoices every week: its normal
    assert sorted(burst.order_id) == [f"S-now-{j}" for j in range(6)]
    assert burst.reason.iloc[0] == ("6 orders within 60 minutes from one account, 6.0x its own busy-day level of 1 "
                                    "(over 10 other active days)")
    assert (burst.weight == 0.5).all()  # 6 >= 2 x 3 x its level: full strength


def test_without_the_own_normal_the_steady_wholesale_account_is_flagged(shop: Workspace) -> None:
    plain = parse_rules("rules:\n  - {name: burst, kind: velocity, params: {min_history_days: 1000}}")
    with shop.analytics(read_only=True) as con:
        prepare_facts(con)
        hits = run_rules(con, plain)
    assert set(hits.member_id) == {"S1", "W1"}
    assert "too little history of its own" in hits.loc[hits.member_id == "W1", "reason"].iloc[0]


def test_the_cancelled_order_ranks_above_a_normal_large_order(shop: Workspace, tmp_path: Path) -> None:
    ws = copy_workspace(shop, tmp_path / "ws")
    result = scan_workspace(ws, full=True)
    risk = {s.object_id: s.risk for s in result.items if s.kind == "order"}
    assert risk["X-big"] > risk["P-big"] > risk.get("Y-big", 0.0)
    assert risk["X-big"] > risk.get("L-big", 0.0) and risk["X-big"] > risk.get("Q-big", 0.0)
    top = list_queue(ws, kind="order", limit=1)[0]
    assert top.item_id == "order:X-big" and top.reasons[0]["text"].startswith("£4,000 order cancelled in full")
    assert not any(i.member_id == "W1" for i in list_queue(ws, status=None, limit=500))


def test_an_incremental_scan_picks_up_a_cancellation_that_arrives_later(tmp_path: Path) -> None:
    ws = build_cancel_shop(tmp_path / "ws", with_cancellation=False)
    scan_workspace(ws, full=True)
    before = {s.object_id: s.risk for s in scan_workspace(ws, write=False, full=True).items}
    with ws.analytics() as con:
        big = [("P2", 100, 20.0), ("P3", 200, 10.0)]
        con.executemany(f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                        _cancellation("C-X", "X1", T0 + timedelta(days=5, minutes=12), big))
    again = scan_workspace(ws)
    assert again.scan.since is not None and again.scan.scored_orders >= 1
    rescored = {s.object_id: s for s in again.items if s.kind == "order"}
    assert "X-big" in rescored and rescored["X-big"].risk > before.get("X-big", 0.0)
    assert list_queue(ws, kind="order", limit=1)[0].item_id == "order:X-big"
