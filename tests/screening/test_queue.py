"""The screening queue: statuses, optimistic concurrency, append-only audit, labels from decisions."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from memberinsight.errors import ConflictError, DataValidationError, NotFoundError
from memberinsight.screening.queue import (
    ScoreRow,
    assign,
    audit_trail,
    decide,
    get_item,
    list_queue,
    operator_labels,
    queue_counts,
    write_scores,
)
from memberinsight.workspace import Workspace


def _row(rid: str, risk: float) -> ScoreRow:
    return ScoreRow(review_id=rid, product_id="P1", member_id="M1", risk=risk, method="rules",
                    signals={"burst_count": 3.0}, reasons=[{"code": "burst", "text": "a burst", "weight": 1.0,
                                                            "evidence": {}}])


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws")
    write_scores(ws, [_row("R1", 0.9), _row("R2", 0.7), _row("R3", 0.2)], queue_min_risk=0.5)
    return ws


def test_scores_fill_queue_above_threshold_riskiest_first(ws: Workspace) -> None:
    items = list_queue(ws)
    assert [i.review_id for i in items] == ["R1", "R2"]
    assert all(i.status == "pending" and i.version == 1 for i in items)
    assert items[0].reasons[0]["code"] == "burst" and items[0].signals == {"burst_count": 3.0}
    assert queue_counts(ws) == {"pending": 2, "approved": 0, "removed": 0, "escalated": 0}
    with pytest.raises(NotFoundError):
        get_item(ws, "R3")  # scored but below the queue threshold


def test_decision_bumps_version_and_is_audited(ws: Workspace) -> None:
    item = decide(ws, "R1", "remove", user="alice", version=1, note="copy ring")
    assert (item.status, item.version, item.decided_by, item.note) == ("removed", 2, "alice", "copy ring")
    assert item.decided_at
    trail = audit_trail(ws, "R1")
    assert [(t["actor"], t["action"], t["outcome"]) for t in trail] == [("alice", "screening.remove", "ok")]
    assert operator_labels(ws) == {"R1": 1}
    decide(ws, "R2", "approve", user="bob", version=1)
    decide(ws, "R1", "escalate", user="carol", version=2)
    assert operator_labels(ws) == {"R2": 0}  # escalated is not a label


def test_stale_version_fails_with_clear_message_and_is_audited(ws: Workspace) -> None:
    decide(ws, "R1", "remove", user="alice", version=1)
    with pytest.raises(ConflictError, match=r"you saw version 1, it is now version 2 with status 'removed'"):
        decide(ws, "R1", "approve", user="bob", version=1)
    assert get_item(ws, "R1").status == "removed"
    outcomes = [(t["actor"], t["outcome"]) for t in audit_trail(ws, "R1")]
    assert outcomes == [("alice", "ok"), ("bob", "conflict")]


def test_bad_requests(ws: Workspace) -> None:
    with pytest.raises(DataValidationError, match="unknown action"):
        decide(ws, "R1", "delete", user="alice", version=1)
    with pytest.raises(DataValidationError, match="deciding user"):
        decide(ws, "R1", "remove", user=" ", version=1)
    with pytest.raises(NotFoundError):
        decide(ws, "nope", "remove", user="alice", version=1)
    assert audit_trail(ws, "nope")[0]["outcome"] == "not_found"
    with pytest.raises(DataValidationError, match="unknown status"):
        list_queue(ws, status="done")


def test_rescreen_keeps_decisions_and_refreshes_pending_risk(ws: Workspace) -> None:
    decide(ws, "R1", "approve", user="alice", version=1)
    counts = write_scores(ws, [_row("R1", 0.95), _row("R2", 0.55), _row("R3", 0.8)], queue_min_risk=0.5)
    assert counts == {"scored": 3, "queued": 1, "refreshed": 1}
    r1, r2 = get_item(ws, "R1"), get_item(ws, "R2")
    assert (r1.status, r1.version, r1.risk) == ("approved", 2, 0.9)  # decided items are not touched
    assert (r2.status, r2.version, r2.risk) == ("pending", 1, 0.55)
    assert get_item(ws, "R3").status == "pending"


def test_assign_uses_versions_too(ws: Workspace) -> None:
    item = assign(ws, "R2", "dana", user="lead", version=1)
    assert (item.assignee, item.version) == ("dana", 2)
    with pytest.raises(ConflictError):
        decide(ws, "R2", "remove", user="erin", version=1)


def test_audit_log_is_append_only(ws: Workspace) -> None:
    decide(ws, "R1", "remove", user="alice", version=1)
    with ws.operations() as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_log SET outcome = 'ok'")
    with ws.operations() as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_log")


def _race(ws: Workspace, review_id: str, user: str, action: str, barrier, results: list) -> None:
    barrier.wait()
    try:
        decide(ws, review_id, action, user=user, version=1)
        results.append((user, "ok"))
    except ConflictError as exc:
        results.append((user, str(exc)))


def test_concurrent_conflicting_decisions_threads(ws: Workspace) -> None:
    for round_no in range(5):
        rid = f"T{round_no}"
        write_scores(ws, [_row(rid, 0.9)], queue_min_risk=0.5)
        barrier, results = threading.Barrier(2), []
        threads = [threading.Thread(target=_race, args=(ws, rid, u, a, barrier, results))
                   for u, a in (("alice", "remove"), ("bob", "approve"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [u for u, r in results if r == "ok"]
        losers = [r for _, r in results if r != "ok"]
        assert len(winners) == 1 and len(losers) == 1
        assert "changed by someone else" in losers[0]
        item = get_item(ws, rid)
        assert item.version == 2 and item.decided_by == winners[0]
        trail = audit_trail(ws, rid)
        assert sorted(t["outcome"] for t in trail) == ["conflict", "ok"]
        assert {t["actor"] for t in trail} == {"alice", "bob"}


def _process_decide(path: str, user: str, action: str, barrier, queue) -> None:
    ws = Workspace.open(path)
    barrier.wait()
    try:
        decide(ws, "R1", action, user=user, version=1)
        queue.put((user, "ok"))
    except ConflictError:
        queue.put((user, "conflict"))


def test_concurrent_conflicting_decisions_processes(ws: Workspace) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_process_decide, args=(str(ws.path), u, a, barrier, queue))
             for u, a in (("alice", "remove"), ("bob", "approve"))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    results = sorted(queue.get(timeout=5)[1] for _ in procs)
    assert results == ["conflict", "ok"]
    assert sorted(t["outcome"] for t in audit_trail(ws, "R1")) == ["conflict", "ok"]
