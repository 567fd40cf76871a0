"""Coupon abuse as one queue item per ring: linked accounts reusing a coupon are one item whose decision covers
every order, rescans extend it, a decided ring is not reopened, older queue tables are upgraded, and the Fraud tab
filter, the CLI and the chat tool show it.

The shop is the tiny shop (:mod:`tests.fraud.tiny_shop`) in a real workspace: accounts R1, R2 and R3 share one
device and each redeem the coupon WELCOME (here with £3.00 off each); R1 then reviews the product it bought.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.errors import ConflictError, NotFoundError
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
from memberinsight.ui import fraud_callbacks as fcb
from memberinsight.workspace import Workspace, verify_audit
from tests.conftest import copy_workspace
from tests.fraud.tiny_shop import COLUMNS, T0, build_tiny_shop

SENTENCE = "coupon WELCOME used by 3 linked accounts on 3 orders, £9.00 off in all; shared device and IP address"


def _ring_orders(ws: Workspace) -> list[str]:
    with ws.analytics(read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT order_id FROM orders WHERE coupon_code = 'WELCOME' "
                                          "ORDER BY 1").fetchall()]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = build_tiny_shop(tmp_path_factory.mktemp("coupon_rings") / "ws")
    with ws.analytics() as con:
        con.execute("UPDATE orders SET discount_amount = 3.0 WHERE coupon_code = 'WELCOME'")
    scan_workspace(ws)
    return ws


@pytest.fixture
def ws(template: Workspace, tmp_path: Path) -> Workspace:
    return copy_workspace(template, tmp_path / "ws")


def _rings(ws: Workspace) -> list:
    return list_queue(ws, status=None, kind="coupon_ring", limit=100)


def _add_r4(ws: Workspace) -> str:
    """A fourth account on the ring's device redeems WELCOME, after the last scan's newest order."""
    with ws.analytics() as con:
        con.execute("INSERT INTO members (member_id, signup_date) VALUES ('R4', ?)", [(T0 + timedelta(days=2)).date()])
        con.execute(f"INSERT INTO orders ({', '.join(COLUMNS)}, discount_amount) "
                    f"VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
                    ["O9001", 1, "R4", "P1", 1, 30.0, T0 + timedelta(days=3), False, "h1:ip0", "d-ring", "h1:addr-R4",
                     "h1:card-R4", "WELCOME", "paid", "standard", 3.0])
    return "O9001"


def test_a_coupon_ring_is_one_item_with_its_orders_in_plain_words(ws: Workspace) -> None:
    rings = _rings(ws)
    orders = _ring_orders(ws)
    assert len(orders) == 3 and len(rings) == 1
    ring = rings[0]
    assert ring.item_id == f"coupon_ring:{orders[0]}" and ring.status == "pending" and ring.member_id is None
    assert sorted(item_orders(ws, ring.item_id)) == orders
    assert ring.reasons[0]["text"] == SENTENCE
    ev = ring.evidence
    assert (ev["orders"], ev["accounts"], ev["account_ids"], ev["coupons"]) == (3, 3, ["R1", "R2", "R3"], {"WELCOME": 3})
    assert ev["discount"] == pytest.approx(9.0) and ev["total_value"] == pytest.approx(90.0)
    assert list(ev["links"])[0] == "device" and ev["pattern"] == "coupon abuse"
    scored = scan_workspace(ws, full=True, write=False).items
    riskiest = max(s.risk for s in scored if s.kind == "order" and s.object_id in orders)
    assert ring.risk == pytest.approx(riskiest, abs=1e-4)  # the riskiest of its orders
    assert not {i.object_id for i in list_queue(ws, status=None, kind="order", limit=500)} & set(orders)
    assert {i.object_id for i in list_queue(ws, status=None, kind="account", limit=500)} >= {"R1", "R2", "R3"}
    overview = queue_overview(ws, kind="coupon_ring")
    assert overview.items[0].pattern == "coupon abuse" and overview.items[0].why == SENTENCE
    assert overview.items[0].orders == 3


def test_the_fraud_tab_filter_and_the_cli_show_coupon_rings(ws: Workspace) -> None:
    assert "coupon rings" in fcb.KIND_CHOICES
    _, table, ids = fcb.load_fraud_queue(SimpleNamespace(ws=ws), "all", "coupon rings")
    assert ids == [_rings(ws)[0].item_id] and table["evidence"].tolist() == [SENTENCE]
    evidence, version = fcb.show_fraud_item(SimpleNamespace(ws=ws), ids[0])
    assert version == 1 and "A decision here applies to all 3 orders" in evidence
    runner = CliRunner()
    listed = runner.invoke(app, ["fraud", "queue", "list", "--kind", "coupon_ring", "--status", "pending",
                                 "-w", str(ws.path), "--json"])
    assert listed.exit_code == 0, listed.output
    assert [i["item_id"] for i in json.loads(listed.output)] == ids
    shown = runner.invoke(app, ["fraud", "queue", "show", ids[0], "-w", str(ws.path)])
    assert shown.exit_code == 0 and "orders (3, a decision applies to all)" in shown.output and SENTENCE in shown.output


def test_confirming_the_ring_confirms_every_order_once_audited(ws: Workspace) -> None:
    ring = _rings(ws)[0]
    orders = _ring_orders(ws)
    done = decide(ws, ring.item_id, "confirm", user="alice", version=ring.version, note="multi-accounting")
    assert (done.status, done.version) == ("confirmed", ring.version + 1)
    with pytest.raises(ConflictError):
        decide(ws, ring.item_id, "clear", user="bob", version=ring.version)
    trail = audit_trail(ws, ring.item_id)
    assert [(t["action"], t["outcome"]) for t in trail] == [("fraud.confirm", "ok"), ("fraud.clear", "conflict")]
    assert '"orders": 3' in trail[0]["detail"]
    assert {o for kind, o, _ in confirmed_items(ws) if kind == "order"} == set(orders)
    assert all(operator_labels(ws)[f"order:{o}"] == 1 for o in orders)
    status = refresh_exclusions(ws)
    assert status.orders == 3 and status.orders_left_out == 3 and status.accounts == 0
    with ws.analytics(read_only=True) as con:
        left = con.execute("SELECT count(*) FROM clean_orders WHERE coupon_code = 'WELCOME'").fetchone()[0]
    assert left == 0
    with ws.operations() as con:
        flagged = [r[0] for r in con.execute("SELECT review_id FROM screening_queue WHERE status = 'pending'")]
    assert "V2" in flagged  # R1's review of the product it bought with the coupon goes to the review queue
    assert verify_audit(ws).ok


def test_clearing_the_ring_clears_every_order(ws: Workspace) -> None:
    ring = _rings(ws)[0]
    decide(ws, ring.item_id, "clear", user="alice", version=ring.version)
    assert all(operator_labels(ws)[f"order:{o}"] == 0 for o in _ring_orders(ws))
    assert not [o for kind, o, _ in confirmed_items(ws) if kind == "order"]


def test_a_rescan_extends_the_ring_instead_of_adding_one(ws: Workspace) -> None:
    ring = _rings(ws)[0]
    new = _add_r4(ws)
    scan = scan_workspace(ws).scan  # incremental
    assert scan.extended == 1 and scan.coupon_ring_items == 1
    rings = _rings(ws)
    assert [r.item_id for r in rings] == [ring.item_id]
    again = rings[0]
    assert again.version == ring.version + 1 and again.evidence["orders"] == 4 and again.evidence["accounts"] == 4
    assert again.reasons[0]["text"].startswith("coupon WELCOME used by 4 linked accounts on 4 orders, £12.00 off")
    assert new in item_orders(ws, ring.item_id)
    assert not get_item_or_none(ws, f"order:{new}")
    assert [t["action"] for t in audit_trail(ws, ring.item_id)] == ["fraud.extend"]
    with pytest.raises(ConflictError):  # a decision on the version seen before the extension is stale
        decide(ws, ring.item_id, "confirm", user="alice", version=ring.version)
    assert scan_workspace(ws, full=True).scan.extended == 0


def get_item_or_none(ws: Workspace, item_id: str) -> object:
    try:
        return get_item(ws, item_id)
    except NotFoundError:
        return None


def test_a_decided_ring_is_not_reopened_new_orders_get_their_own_item(ws: Workspace) -> None:
    ring = _rings(ws)[0]
    decide(ws, ring.item_id, "confirm", user="alice", version=ring.version)
    new = _add_r4(ws)
    scan_workspace(ws)
    decided = get_item(ws, ring.item_id)
    assert (decided.status, decided.version, len(item_orders(ws, ring.item_id))) == ("confirmed", 2, 3)
    followers = [r for r in _rings(ws) if r.item_id != ring.item_id]
    assert len(followers) == 1 and followers[0].status == "pending" and item_orders(ws, followers[0].item_id) == [new]
    assert followers[0].reasons[0]["text"].startswith("coupon WELCOME used by linked account R4 on 1 order")
    assert any(f"continues {ring.item_id} (confirmed by alice): 1 more order(s) of the same coupon ring" in r["text"]
               for r in followers[0].reasons)


def test_a_queue_made_before_coupon_rings_is_upgraded(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    old = QUEUE_DDL[0].replace("'burst', 'coupon_ring'", "'burst'")
    assert "coupon_ring" not in old
    insert = ("INSERT INTO fraud_queue (item_id, kind, object_id, risk, created_at, updated_at) "
              "VALUES (?, ?, ?, 0.7, 'x', 'x')")
    with ws.operations() as con:
        con.execute(old)
        con.execute(insert, ["burst:O1", "burst", "O1"])
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(insert, ["coupon_ring:O2", "coupon_ring", "O2"])
    ensure_tables(ws)
    with ws.operations() as con:
        con.execute(insert, ["coupon_ring:O2", "coupon_ring", "O2"])
    assert {i.item_id for i in list_queue(ws, status=None)} == {"burst:O1", "coupon_ring:O2"}
