"""The fraud queue: a scan fills it, decisions use optimistic versions, every attempt is audited."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from memberinsight.errors import ConflictError, DataValidationError, NotFoundError
from memberinsight.fraud import (
    audit_trail,
    decide,
    get_item,
    list_queue,
    operator_labels,
    queue_counts,
    scan_workspace,
)
from memberinsight.workspace import Workspace, verify_audit
from tests.conftest import copy_workspace
from tests.fraud.tiny_shop import build_tiny_shop


@pytest.fixture(scope="module")
def scanned_template(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = build_tiny_shop(tmp_path_factory.mktemp("tiny_scan") / "ws")
    scan_workspace(ws)
    return ws


@pytest.fixture
def ws(scanned_template: Workspace, tmp_path: Path) -> Workspace:
    return copy_workspace(scanned_template, tmp_path / "ws")


def test_scan_queues_the_known_cases_with_reasons(ws: Workspace) -> None:
    items = {i.item_id: i for i in list_queue(ws, status=None, limit=500)}
    for member in ("K1", "R1", "R2", "R3", "A1"):
        assert f"account:{member}" in items, member
    takeover = next(i for i in items.values() if i.kind == "order" and i.member_id == "A1")
    assert takeover.risk >= 0.75 and any("new device and address" in r["text"] for r in takeover.reasons)
    assert not any(i.member_id in {f"M{k:02d}" for k in range(1, 13)} for i in items.values())  # regulars
    risks = [i.risk for i in list_queue(ws, limit=500)]
    assert risks == sorted(risks, reverse=True)


def test_an_incremental_scan_without_new_orders_changes_nothing(ws: Workspace) -> None:
    before = queue_counts(ws)
    again = scan_workspace(ws).scan
    assert again.since is not None and again.scored_orders == 0 and again.queued == 0
    assert queue_counts(ws) == before


def test_decisions_use_versions_and_are_audited(ws: Workspace) -> None:
    item = get_item(ws, "account:K1")
    done = decide(ws, "account:K1", "confirm", user="alice", version=item.version, note="card testing")
    assert (done.status, done.version, done.decided_by) == ("confirmed", item.version + 1, "alice")
    with pytest.raises(ConflictError, match="changed by someone else .* version 1, it is now version 2"):
        decide(ws, "account:K1", "clear", user="bob", version=item.version)
    assert [t["outcome"] for t in audit_trail(ws, "account:K1")] == ["ok", "conflict"]
    assert get_item(ws, "K1").status == "confirmed"  # a bare id finds the item too
    cleared = get_item(ws, "account:R2")
    decide(ws, "account:R2", "clear", user="alice", version=cleared.version)
    assert operator_labels(ws) == {"account:K1": 1, "account:R2": 0}
    rescan = scan_workspace(ws, full=True).scan  # decided items keep their status on a rescan
    assert rescan.queued == 0 and get_item(ws, "account:K1").status == "confirmed"


def test_bad_decisions_are_refused(ws: Workspace) -> None:
    item = get_item(ws, "account:K1")
    with pytest.raises(DataValidationError, match="unknown action"):
        decide(ws, item.item_id, "delete", user="alice", version=item.version)
    with pytest.raises(DataValidationError, match="deciding user"):
        decide(ws, item.item_id, "confirm", user=" ", version=item.version)
    with pytest.raises(NotFoundError):
        decide(ws, "account:nobody", "confirm", user="alice", version=1)
    assert [t["outcome"] for t in audit_trail(ws, "account:nobody")] == ["not_found"]


def test_confirmed_account_sends_its_reviews_to_the_review_queue_and_back(ws: Workspace) -> None:
    item = get_item(ws, "account:R1")
    decide(ws, item.item_id, "confirm", user="alice", version=item.version)
    with ws.operations() as con:
        row = con.execute("SELECT status, risk, note FROM screening_queue WHERE review_id = 'V2'").fetchone()
        assert row["status"] == "pending" and row["risk"] >= 0.9 and "R1 confirmed" in row["note"]
        con.execute("UPDATE screening_queue SET status = 'removed' WHERE review_id = 'V2'")
    result = scan_workspace(ws, full=True, write=False)
    r1 = next(s for s in result.items if s.item_id == "account:R1")
    assert any("removed as fake in the review queue" in r["text"] for r in r1.reasons)


def _decide_in_process(path: str, user: str, action: str, version: int, barrier, results) -> None:
    ws = Workspace.open(path)
    barrier.wait(30)
    try:
        decide(ws, "account:K1", action, user=user, version=version)
        results.put((user, "ok"))
    except ConflictError:
        results.put((user, "conflict"))


def test_concurrent_conflicting_decisions_one_wins_both_audited(ws: Workspace) -> None:
    version = get_item(ws, "account:K1").version
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_decide_in_process, args=(str(ws.path), user, action, version, barrier, results))
             for user, action in (("alice", "confirm"), ("bob", "clear"))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = dict(results.get(timeout=5) for _ in procs)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(u for u, o in outcomes.items() if o == "ok")
    item = get_item(ws, "account:K1")
    assert item.decided_by == winner and item.status == {"alice": "confirmed", "bob": "cleared"}[winner]
    trail = audit_trail(ws, "account:K1")
    assert sorted((t["actor"], t["outcome"]) for t in trail) == sorted(outcomes.items())
    assert verify_audit(ws).ok
