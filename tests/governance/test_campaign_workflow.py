"""The campaign workflow on a real workspace: versions, transitions, two-person approval, audit trail."""

from __future__ import annotations

import json

import pytest

from memberinsight.config import load_settings
from memberinsight.errors import AuthError, ConflictError, DataValidationError, NotFoundError
from memberinsight.governance.campaigns import (
    CampaignStateError,
    approval_rule,
    approve_campaign,
    approver_role,
    campaign_audience,
    campaign_history,
    create_campaign,
    edit_campaign,
    export_campaign,
    get_campaign,
    import_results,
    list_campaigns,
    return_to_draft,
    submit_campaign,
)
from memberinsight.segments import save_segment, segment_member_ids
from memberinsight.workspace.audit import list_audit
from tests.governance.campaign_setup import SEGMENT, add_accounts, campaign_in


def _campaign_audit(ws, campaign_id: str) -> list[tuple[str, str, str]]:
    rows = [e for e in reversed(list_audit(ws, limit=500)) if e.object_type == "campaign"
            and e.object_id == campaign_id and e.action.startswith("campaign.")]
    return [(e.actor, e.action, e.outcome) for e in rows]


def test_every_edit_and_transition_is_a_version_and_an_audit_row(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = create_campaign(ws, actor="alice (cli)", name="Spring", segment=SEGMENT, channel="email", offer="10% off")
    assert (c.campaign_id, c.state, c.version, c.author) == ("C0001", "draft", 1, "alice (cli)")
    c = edit_campaign(ws, "c1", actor="olivia", version=1, offer="15% off", variants=["A", "B"], holdout_pct=10)
    assert (c.version, c.offer, c.variants, c.holdout_pct, c.updated_by) == (2, "15% off", ("A", "B"), 10.0, "olivia")
    c = submit_campaign(ws, c.campaign_id, actor="alice", version=2)
    c = return_to_draft(ws, c.campaign_id, actor="bob", version=3, reason="say when it ends")
    c = edit_campaign(ws, c.campaign_id, actor="alice", version=4, offer="15% off until Sunday")
    c = submit_campaign(ws, c.campaign_id, actor="alice", version=5)
    c = approve_campaign(ws, c.campaign_id, actor="bob", version=6)
    assert c.state == "approved" and c.approved_by == "bob" and c.version == 7
    members = segment_member_ids(ws, SEGMENT)
    assert c.audience_size == len(members) and c.segment_version and len(c.segment_version) == 16
    export_campaign(ws, c.campaign_id, actor="bob", reason="spring send")
    export_campaign(ws, c.campaign_id, actor="bob", reason="resend to the email tool")
    import_results(ws, c.campaign_id, actor="alice", days=14)

    history = campaign_history(ws, "C0001")
    assert [(h.version, h.action) for h in history] == [
        (1, "create"), (2, "edit"), (3, "submit"), (4, "return"), (5, "edit"), (6, "submit"), (7, "approve"),
        (8, "export"), (9, "reexport"), (10, "results")]
    assert [h.actor for h in history][:4] == ["alice (cli)", "olivia", "alice", "bob"]
    assert history[1].changes == {"offer": {"from": "10% off", "to": "15% off"},
                                  "variants": {"from": [], "to": ["A", "B"]},
                                  "holdout_pct": {"from": 0.0, "to": 10.0}}
    assert history[3].changes == {"state": {"from": "in_review", "to": "draft"}, "reason": "say when it ends"}
    assert history[6].changes["state"] == {"from": "in_review", "to": "approved"}
    assert history[6].changes["treatment"] + history[6].changes["control"] == len(members)
    assert history[7].changes["state"] == {"from": "approved", "to": "exported"}
    assert "state" not in history[8].changes and history[8].changes["reason"] == "resend to the email tool"
    assert get_campaign(ws, "C0001").state == "results_imported"

    audit = _campaign_audit(ws, "C0001")
    assert [a[1] for a in audit] == [
        "campaign.create", "campaign.edit", "campaign.submit", "campaign.return", "campaign.edit",
        "campaign.submit", "campaign.approve", "campaign.export", "campaign.reexport", "campaign.results"]
    assert all(outcome == "ok" for _, _, outcome in audit) and audit[6][0] == "bob"


def test_an_unapproved_campaign_cannot_be_exported(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    exports = ws.path / "exports"
    for state in ("draft", "in_review"):
        c = campaign_in(ws, state)
        with pytest.raises(CampaignStateError, match="only an approved campaign can be exported"):
            export_campaign(ws, c.campaign_id, actor="bob", reason="try it anyway")
        assert get_campaign(ws, c.campaign_id).state == state
        assert ("bob", "campaign.export", "refused") in _campaign_audit(ws, c.campaign_id)
    assert not exports.exists() or not list(exports.iterdir())
    with pytest.raises(CampaignStateError, match="only after it was exported"):
        import_results(ws, "C0001", actor="bob")


def test_two_person_approval_refuses_the_author_editors_and_operators(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = campaign_in(ws, "draft", author="alice (cli)")
    c = edit_campaign(ws, c.campaign_id, actor="bob", version=c.version, offer="20% off")
    c = submit_campaign(ws, c.campaign_id, actor="alice (cli)", version=c.version)
    with pytest.raises(AuthError, match="two-person approval is on: alice wrote or edited"):
        approve_campaign(ws, c.campaign_id, actor="alice", version=c.version)
    with pytest.raises(AuthError, match="two-person approval is on: bob"):
        approve_campaign(ws, c.campaign_id, actor="bob (cli)", version=c.version)
    with pytest.raises(AuthError, match="needs the role admin; olivia has the role operator"):
        approve_campaign(ws, c.campaign_id, actor="olivia", version=c.version)
    with pytest.raises(AuthError, match="mallory has no account"):
        approve_campaign(ws, c.campaign_id, actor="mallory", version=c.version)
    assert get_campaign(ws, c.campaign_id).state == "in_review" and campaign_audience(ws, c.campaign_id) == {
        "treatment": [], "control": []}
    denied = [a for a in _campaign_audit(ws, c.campaign_id) if a[2] == "denied"]
    assert [a[0] for a in denied] == ["alice", "bob (cli)", "olivia", "mallory"]

    solo = load_settings().replace(campaigns_two_person_approval=False)
    approved = approve_campaign(ws, c.campaign_id, actor="alice", version=c.version, settings=solo)
    assert approved.state == "approved" and approved.approved_by == "alice"
    operators = load_settings().replace(campaigns_approver_role="operator")
    other = campaign_in(ws, "in_review", author="alice")
    assert approve_campaign(ws, other.campaign_id, actor="olivia", version=other.version,
                            settings=operators).approved_by == "olivia"


def test_a_stale_version_is_a_conflict_naming_who_changed_it(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = campaign_in(ws, "draft")
    edit_campaign(ws, c.campaign_id, actor="bob", version=1, name="Champions, thank you")
    with pytest.raises(ConflictError, match=r"changed by bob .*you saw version 1, it is now version 2"):
        edit_campaign(ws, c.campaign_id, actor="alice", version=1, offer="free delivery")
    with pytest.raises(ConflictError, match="changed by bob"):
        submit_campaign(ws, c.campaign_id, actor="alice", version=1)
    now = get_campaign(ws, c.campaign_id)
    assert (now.version, now.name, now.offer, now.state) == (2, "Champions, thank you", "15% off the next order",
                                                             "draft")
    assert ("alice", "campaign.edit", "conflict") in _campaign_audit(ws, c.campaign_id)
    assert len(campaign_history(ws, c.campaign_id)) == 2


def test_only_drafts_are_edited_and_inputs_are_checked(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = campaign_in(ws, "in_review")
    with pytest.raises(CampaignStateError, match="is in review; edit needs it to be draft"):
        edit_campaign(ws, c.campaign_id, actor="alice", version=c.version, offer="more")
    with pytest.raises(DataValidationError, match="holdout must be between 0 and 50"):
        create_campaign(ws, actor="alice", name="x", segment=SEGMENT, channel="email", holdout_pct=60)
    with pytest.raises(DataValidationError, match="channel must be one of email, sms, push"):
        create_campaign(ws, actor="alice", name="x", segment=SEGMENT, channel="fax")
    with pytest.raises(NotFoundError):
        create_campaign(ws, actor="alice", name="x", segment="no such segment at all", channel="email")
    with pytest.raises(DataValidationError, match="schedule must be a date"):
        create_campaign(ws, actor="alice", name="x", segment=SEGMENT, channel="email", schedule="next Tuesday")
    with pytest.raises(DataValidationError, match="cannot edit state"):
        edit_campaign(ws, c.campaign_id, actor="alice", version=c.version, state="approved")
    with pytest.raises(NotFoundError, match="no campaign 'C0099'"):
        get_campaign(ws, "C0099")
    assert [x.campaign_id for x in list_campaigns(ws)] == ["C0001"]
    assert list_campaigns(ws, state="draft") == []


def test_the_audience_and_segment_version_are_frozen_at_approval(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    wide = {"where": {"field": "rfm_segment", "op": "in", "value": ["Champions", "Loyal"]}}
    save_segment(ws, "Best members", wide, owner="alice")
    first = create_campaign(ws, actor="alice", name="Best A", segment="Best members", channel="email")
    first = submit_campaign(ws, first.campaign_id, actor="alice", version=first.version)
    first = approve_campaign(ws, first.campaign_id, actor="bob", version=first.version)
    frozen = campaign_audience(ws, first.campaign_id)["treatment"]
    assert frozen == segment_member_ids(ws, "Best members") and first.audience_size == len(frozen)

    narrow = {"where": {"field": "rfm_segment", "op": "=", "value": "Champions"}}
    save_segment(ws, "Best members", narrow, owner="bob", overwrite=True)
    second = create_campaign(ws, actor="alice", name="Best B", segment="Best members", channel="email")
    second = submit_campaign(ws, second.campaign_id, actor="alice", version=second.version)
    second = approve_campaign(ws, second.campaign_id, actor="bob", version=second.version)
    assert second.segment_version != first.segment_version
    assert second.audience_size is not None and first.audience_size is not None
    assert second.audience_size < first.audience_size
    assert campaign_audience(ws, first.campaign_id)["treatment"] == frozen  # unchanged by the segment edit
    assert get_campaign(ws, first.campaign_id).segment_version == first.segment_version
    detail = json.loads(next(e.detail for e in list_audit(ws, limit=200) if e.action == "campaign.approve"
                             and e.object_id == second.campaign_id) or "{}")
    assert detail["segment_version"] == second.segment_version and detail["new_version"] == 3


def test_who_may_approve_in_words_follows_the_settings_the_check_reads() -> None:
    default = load_settings().replace(campaigns_approver_role="admin", campaigns_two_person_approval=True)
    assert approver_role(default) == "admin"
    assert approval_rule(default) == ("an account with the **admin** role (`[campaigns] approver_role`), other than "
                                      "the campaign's author or anyone who edited it")
    operators = default.replace(campaigns_approver_role="operator", campaigns_two_person_approval=False)
    assert approval_rule(operators) == "an account with the **operator** or **admin** role (`[campaigns] approver_role`)"
