"""Bursts as one queue item: one item per card-testing run, decisions that apply to every order, rescans that
extend instead of duplicating, and a risky order outside the burst that keeps its own item.

The shop is the tiny shop (:mod:`tests.fraud.tiny_shop`) in a real workspace: account K1 places six cheap
orders from one device with six cards in 25 minutes (card testing); one of them (the third) was also
refunded after K1 posted a five-star review of its product (P2), which is a reason of its own.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from memberinsight.errors import ConflictError
from memberinsight.fraud import (
    audit_trail,
    confirmed_items,
    decide,
    get_item,
    list_queue,
    operator_labels,
    queue_overview,
    refresh_exclusions,
    scan_workspace,
)
from memberinsight.fraud.queue import QUEUE_DDL, ensure_tables, item_orders
from memberinsight.fraud.scan import WATERMARK_META
from memberinsight.workspace import Workspace, verify_audit
from tests.conftest import copy_workspace
from tests.fraud.tiny_shop import COLUMNS, T0, build_tiny_shop

K1_ORDERS = 6


def _k1_orders(ws: Workspace) -> list[str]:
    with ws.analytics(read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT order_id FROM orders WHERE member_id = 'K1' ORDER BY 1")
                .fetchall()]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = build_tiny_shop(tmp_path_factory.mktemp("burst_items") / "ws")
    third = _k1_orders(ws)[2]
    with ws.analytics() as con:  # the third K1 order: refunded, nothing sent back, after a 5-star review
        con.execute("UPDATE orders SET status = 'refunded', product_id = 'P2' WHERE order_id = ?", [third])
        con.execute("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at, "
                    "verified_purchase) VALUES ('VK', 'P2', 'K1', 5, 'Great', ?, true)", [T0 + timedelta(hours=2)])
    scan_workspace(ws)
    return ws


@pytest.fixture
def ws(template: Workspace, tmp_path: Path) -> Workspace:
    return copy_workspace(template, tmp_path / "ws")


def _bursts(ws: Workspace) -> list:
    return list_queue(ws, status=None, kind="burst", limit=100)


def _add_k1_orders(ws: Workspace, minutes: list[int]) -> list[str]:
    """K1 goes on testing cards; the last scan is set back to just after its sixth order (as if the scan had run
    then, before the shop's later orders), so the incremental rescan sees these as new."""
    ws.set_meta(WATERMARK_META, (T0 + timedelta(minutes=25)).isoformat())
    rows = [(f"OK{m:03d}", 1, "K1", "P1", 1, 3.0, T0 + timedelta(minutes=m), False, "h1:ip0", "d-K1", "h1:addr-K1",
             f"h1:more-{m}", None, "paid", "standard") for m in minutes]
    with ws.analytics() as con:
        con.executemany(f"INSERT INTO orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return [r[0] for r in rows]


def test_a_card_testing_run_is_one_item_with_its_orders_in_plain_words(ws: Workspace) -> None:
    bursts = _bursts(ws)
    assert len(bursts) == 1
    burst = bursts[0]
    k1 = _k1_orders(ws)
    assert burst.item_id == f"burst:{k1[0]}" and burst.member_id == "K1" and burst.status == "pending"
    assert sorted(item_orders(ws, burst.item_id)) == k1
    ev = burst.evidence
    assert ev["orders"] == K1_ORDERS and ev["order_ids"] == k1 and ev["span_minutes"] == 25.0
    assert ev["total_value"] == pytest.approx(18.0) and ev["pattern"] == "card testing"
    assert burst.reasons[0]["text"] == "6 orders in 25 minutes, £18.00 in all, account K1"
    riskiest = max(s.risk for s in scan_workspace(ws, full=True, write=False).items
                   if s.kind == "order" and s.object_id in k1)
    assert burst.risk == pytest.approx(riskiest, abs=1e-4)  # the riskiest of its orders
    queued_orders = {i.object_id for i in list_queue(ws, status=None, kind="order", limit=500)}
    assert queued_orders & set(k1) == {k1[2]}  # only the order with a reason of its own
    overview = queue_overview(ws, kind="burst")
    assert overview.items[0].pattern == "card testing" and overview.items[0].why.startswith("6 orders in 25 minutes")


def test_a_risky_order_outside_the_burst_keeps_its_own_item(ws: Workspace) -> None:
    third = _k1_orders(ws)[2]
    own = get_item(ws, f"order:{third}")
    assert any(r.get("rule") == "refunded_after_good_review" for r in own.reasons)
    burst = _bursts(ws)[0]
    assert third in burst.evidence["own_items"] and third in item_orders(ws, burst.item_id)


def test_confirming_the_burst_confirms_every_order_once_audited(ws: Workspace) -> None:
    burst = _bursts(ws)[0]
    k1 = _k1_orders(ws)
    done = decide(ws, burst.item_id, "confirm", user="alice", version=burst.version, note="card testing")
    assert (done.status, done.version) == ("confirmed", burst.version + 1)
    with pytest.raises(ConflictError):
        decide(ws, burst.item_id, "clear", user="bob", version=burst.version)
    trail = audit_trail(ws, burst.item_id)
    assert [(t["action"], t["outcome"]) for t in trail] == [("fraud.confirm", "ok"), ("fraud.clear", "conflict")]
    assert '"orders": 6' in trail[0]["detail"]
    assert {o for kind, o, _ in confirmed_items(ws) if kind == "order"} == set(k1)
    labels = operator_labels(ws)
    assert all(labels[f"order:{o}"] == 1 for o in k1)
    status = refresh_exclusions(ws)  # the clean business figures leave every order of the burst out
    assert status.orders == K1_ORDERS and status.orders_left_out == K1_ORDERS and status.accounts == 0
    with ws.analytics(read_only=True) as con:
        left = con.execute("SELECT count(*) FROM clean_orders WHERE member_id = 'K1'").fetchone()[0]
        kept = con.execute("SELECT count(DISTINCT order_id) FROM clean_orders").fetchone()[0]
        everything = con.execute("SELECT count(DISTINCT order_id) FROM orders").fetchone()[0]
    assert left == 0 and kept == everything - K1_ORDERS
    with ws.operations() as con:
        flagged = con.execute("SELECT review_id FROM screening_queue WHERE status = 'pending'").fetchall()
    assert ("VK",) in [tuple(r) for r in flagged]  # the review bought with a burst order goes to the review queue
    assert verify_audit(ws).ok


def test_clearing_the_burst_clears_every_order(ws: Workspace) -> None:
    burst = _bursts(ws)[0]
    decide(ws, burst.item_id, "clear", user="alice", version=burst.version)
    labels = operator_labels(ws)
    assert all(labels[f"order:{o}"] == 0 for o in _k1_orders(ws))
    assert not [o for kind, o, _ in confirmed_items(ws) if kind == "order"]


def test_a_rescan_extends_the_burst_instead_of_adding_one(ws: Workspace) -> None:
    burst = _bursts(ws)[0]
    new = _add_k1_orders(ws, [30, 34, 38])
    scan = scan_workspace(ws).scan  # incremental
    assert scan.extended == 1
    bursts = _bursts(ws)
    assert [b.item_id for b in bursts] == [burst.item_id]
    again = bursts[0]
    assert again.version == burst.version + 1 and again.evidence["orders"] == K1_ORDERS + 3
    assert set(new) <= set(item_orders(ws, burst.item_id))
    assert not {i.object_id for i in list_queue(ws, status=None, kind="order", limit=500)} & set(new)
    assert [t["action"] for t in audit_trail(ws, burst.item_id)] == ["fraud.extend"]
    with pytest.raises(ConflictError):  # a decision on the version seen before the extension is stale
        decide(ws, burst.item_id, "confirm", user="alice", version=burst.version)
    assert scan_workspace(ws, full=True).scan.extended == 0  # a full rescan finds nothing more to add


def test_a_decided_burst_is_not_reopened_new_orders_get_their_own_item(ws: Workspace) -> None:
    burst = _bursts(ws)[0]
    decide(ws, burst.item_id, "confirm", user="alice", version=burst.version)
    new = _add_k1_orders(ws, [30, 34, 38])
    scan_workspace(ws)
    decided = get_item(ws, burst.item_id)
    assert (decided.status, decided.version, len(item_orders(ws, burst.item_id))) == ("confirmed", 2, K1_ORDERS)
    followers = [b for b in _bursts(ws) if b.item_id != burst.item_id]
    assert len(followers) == 1 and followers[0].status == "pending"
    assert sorted(item_orders(ws, followers[0].item_id)) == sorted(new)
    assert any(f"continues {burst.item_id} (confirmed by alice)" in r["text"] for r in followers[0].reasons)


def test_a_queue_made_before_bursts_is_upgraded(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    old = QUEUE_DDL[0].replace("'order', 'account', 'burst'", "'order', 'account'")
    with ws.operations() as con:
        con.execute(old)
        con.execute("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
                    "VALUES ('order:O1', 'order', 'O1', 0.7, 'x', 'x')")
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
                        "VALUES ('burst:O2', 'burst', 'O2', 0.7, 'x', 'x')")
    ensure_tables(ws)
    with ws.operations() as con:
        con.execute("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
                    "VALUES ('burst:O2', 'burst', 'O2', 0.7, 'x', 'x')")
    assert {i.item_id for i in list_queue(ws, status=None)} == {"order:O1", "burst:O2"}
