"""Saved segments: save/list/show/delete, optimistic versions, size history when data changes, audit,
and resolve_segment_members for saved names, RFM names and definitions."""

from __future__ import annotations

import pytest

from memberinsight.errors import ConflictError, DataValidationError, NotFoundError
from memberinsight.segments import (
    delete_segment,
    get_segment,
    list_segments,
    parse_definition,
    refresh_sizes,
    resolve_segment_members,
    save_segment,
    segment_members,
)

LONDON_OUTDOOR = {"where": {"all": [{"field": "city", "op": "=", "value": "London"},
                                    {"field": "orders", "category": "Outdoor", "op": ">=", "value": 1}]}}


def test_save_list_show_update_delete(workspace_copy):
    ws = workspace_copy
    seg = save_segment(ws, "London outdoor fans", LONDON_OUTDOOR, owner="alice", sentence="London Outdoor buyers")
    expected = segment_members(ws, LONDON_OUTDOOR)
    assert seg.version == 1 and seg.size == len(expected) > 0 and seg.owner == "alice"
    assert seg.definition.key() == parse_definition(LONDON_OUTDOOR).key()
    assert [s.name for s in list_segments(ws)] == ["London outdoor fans"]
    assert get_segment(ws, "london OUTDOOR fans").name == "London outdoor fans"  # case-insensitive

    with pytest.raises(ConflictError, match="already exists"):
        save_segment(ws, "London outdoor fans", LONDON_OUTDOOR, owner="bob")
    narrower = {"where": {"all": [*LONDON_OUTDOOR["where"]["all"], {"field": "spend", "op": ">", "value": 300}]}}
    updated = save_segment(ws, "London outdoor fans", narrower, owner="bob", expected_version=1)
    assert updated.version == 2 and updated.size < seg.size
    assert [p.size for p in updated.sizes] == [seg.size, updated.size]
    with pytest.raises(ConflictError, match="changed since"):
        save_segment(ws, "London outdoor fans", LONDON_OUTDOOR, owner="carol", expected_version=1)

    delete_segment(ws, "London outdoor fans", actor="alice")
    with pytest.raises(NotFoundError):
        get_segment(ws, "London outdoor fans")
    with ws.operations() as con:
        actions = [r["action"] for r in con.execute(
            "SELECT action FROM audit_log WHERE object_type = 'segment' ORDER BY id").fetchall()]
        leftovers = con.execute("SELECT count(*) FROM saved_segment_sizes").fetchone()[0]
    assert actions == ["segment.create", "segment.update", "segment.delete"]
    assert leftovers == 0


@pytest.mark.parametrize(("name", "error"), [("", DataValidationError), ("x" * 81, DataValidationError),
                                             ("bad;name", DataValidationError), ("Champions", ConflictError),
                                             ("at risk", ConflictError)])
def test_bad_names_are_refused(workspace_copy, name, error):
    with pytest.raises(error):
        save_segment(workspace_copy, name, LONDON_OUTDOOR, owner="alice")


def test_size_history_follows_data_changes(workspace_copy):
    ws = workspace_copy
    seg = save_segment(ws, "Leeds buyers", {"where": {"all": [
        {"field": "city", "op": "=", "value": "Leeds"}, {"field": "orders", "op": ">=", "value": 1}]}}, owner="a")
    assert refresh_sizes(ws)["recomputed"] == 0  # nothing changed
    with ws.analytics() as con:
        newcomer = con.execute("SELECT member_id FROM members WHERE city = 'Leeds' AND member_id NOT IN "
                               "(SELECT member_id FROM orders WHERE member_id IS NOT NULL) LIMIT 1").fetchone()[0]
        con.execute("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, ordered_at,"
                    " is_return) SELECT 'NEW-1', 1, ?, product_id, 1, price, TIMESTAMP '2026-09-30 12:00:00', false"
                    " FROM products LIMIT 1", [newcomer])
    summary = refresh_sizes(ws)
    assert summary["recomputed"] == 1
    history = get_segment(ws, "Leeds buyers").sizes
    assert [p.size for p in history] == [seg.size, seg.size + 1]
    assert history[0].data_version != history[1].data_version


def test_resolve_segment_members(workspace_copy):
    ws = workspace_copy
    save_segment(ws, "Big Kitchen spenders", {"where": {"all": [
        {"field": "spend", "category": "Kitchen", "op": ">", "value": 200}]}}, owner="a")
    saved = resolve_segment_members(ws, "big kitchen spenders")
    assert saved == segment_members(ws, {"where": {"field": "spend", "category": "Kitchen", "op": ">", "value": 200}})
    assert saved
    with ws.analytics(read_only=True) as con:
        champions = [r[0] for r in con.execute("SELECT member_id FROM member_predictions "
                                               "WHERE rfm_segment = 'Champions' ORDER BY member_id").fetchall()]
    assert resolve_segment_members(ws, "champions") == champions and champions
    as_json = '{"where": {"field": "city", "op": "=", "value": "Paris"}}'
    assert resolve_segment_members(ws, as_json) == resolve_segment_members(ws, parse_definition(
        {"where": {"field": "city", "op": "=", "value": "Paris"}}))
    with pytest.raises(NotFoundError, match="Big Kitchen spenders"):
        resolve_segment_members(ws, "no such segment")
    # loose RFM names and clusters, as the analytics name them
    with ws.analytics(read_only=True) as con:
        cant = [r[0] for r in con.execute("SELECT member_id FROM member_predictions "
                                          "WHERE rfm_segment = 'Can''t Lose Them' ORDER BY member_id").fetchall()]
        c0 = con.execute("SELECT member_id, cluster_label FROM member_predictions WHERE cluster = 0 "
                         "ORDER BY member_id").df()
    assert resolve_segment_members(ws, "cant lose them") == cant and cant
    assert resolve_segment_members(ws, "Cluster 0") == c0["member_id"].tolist() and len(c0)
    label = c0["cluster_label"].iloc[0]
    with ws.analytics(read_only=True) as con:
        by_label = [r[0] for r in con.execute("SELECT member_id FROM member_predictions WHERE cluster_label = ? "
                                              "ORDER BY member_id", [label]).fetchall()]
    assert resolve_segment_members(ws, label) == by_label
    with pytest.raises(NotFoundError, match="cluster N"):
        resolve_segment_members(ws, "cluster 99")


def test_failed_delete_leaves_the_segment(workspace_copy, monkeypatch):
    ws = workspace_copy
    save_segment(ws, "Keep me", LONDON_OUTDOOR, owner="alice")

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(type(ws), "audit", broken_audit)
    with pytest.raises(RuntimeError):
        delete_segment(ws, "Keep me", actor="alice")
    monkeypatch.undo()
    kept = get_segment(ws, "Keep me")  # the DELETE was rolled back with the failed audit entry
    assert kept.size == len(segment_members(ws, LONDON_OUTDOOR)) and len(kept.sizes) == 1
    delete_segment(ws, "Keep me", actor="alice")  # and the connection is usable afterwards
    with pytest.raises(NotFoundError):
        get_segment(ws, "Keep me")
