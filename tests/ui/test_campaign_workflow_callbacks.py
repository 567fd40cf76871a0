"""The Approvals tab's callbacks (campaign workflow) over real Services and a private copy of the built demo workspace."""

from __future__ import annotations

import csv
import re
import sqlite3

import pytest

from memberinsight.ui import campaigns_workflow_callbacks as wcb
from tests.conftest import copy_workspace

PASSWORD = "correct-horse-battery"
SEGMENT = "Champions"


@pytest.fixture(scope="module")
def wf_services(built_workspace, tmp_path_factory):
    """Services over a private workspace copy with an operator (ana, ben) and two admins (ines, dara)."""
    from memberinsight.agent.services import Services
    from memberinsight.config import load_settings
    from memberinsight.workspace.users import add_user

    ws = copy_workspace(built_workspace, tmp_path_factory.mktemp("campaign_workflow") / "workspace")
    for name, role in (("ana", "operator"), ("ben", "operator"), ("ines", "admin"), ("dara", "admin")):
        add_user(ws, name, PASSWORD, role=role)
    return Services(ws, load_settings(workspace=ws.path))


def test_variants_one_per_line_or_pasted_from_the_copy_generator() -> None:
    assert wcb.parse_variants("  - Save 10% this week\n\n2. Your favourites, 10% off \r\n") == (
        "Save 10% this week", "Your favourites, 10% off")
    pasted = ("SMS copy for Champions — offer: 10% off (play: reward; writer: composed; 0.1 s)\n\n"
              "Variant 1 (thanks)\n\n> Thanks for being with us: 10% off\n> until Sunday\n\n✅ Check passed\n\n"
              "Variant 2\n\nAnother one, 10% off\n\n❌ Check failed: too long\n\n"
              "Facts the copy may use: segment = Champions")
    assert wcb.parse_variants(pasted) == ("Thanks for being with us: 10% off\nuntil Sunday", "Another one, 10% off")
    for variants in (("one", "two"), ("Subject: hi\nBody: hello", "plain")):
        assert wcb.parse_variants(wcb.variants_text(variants)) == variants  # the form round-trips
    assert wcb.parse_variants("") == () and wcb.parse_variants(None) == ()


def _audit(ws, campaign_id: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(ws.operations_path) as con:
        return con.execute("SELECT actor, action, outcome FROM audit_log WHERE object_type = 'campaign' "
                           "AND object_id = ? ORDER BY id", [campaign_id]).fetchall()


def test_create_edit_conflict_submit_approve_by_a_second_admin_and_export(wf_services) -> None:
    from memberinsight.governance.campaigns import get_campaign

    ws = wf_services.ws
    assert SEGMENT in wf_services.segment_names()
    empty = wcb.form_draft("", SEGMENT, "email", "", 0, "")
    assert wcb.create_campaign(wf_services, "ines", empty) == ("⚠️ Give the campaign a name and a segment.", None)
    assert wcb.create_campaign(wf_services, "mallory", wcb.form_draft("x", SEGMENT, "email", "", 0, "a"))[0] \
        .startswith("⚠️ creating a campaign needs a signed-in account")

    draft = wcb.form_draft(" Spring thanks ", SEGMENT, "email", "10% off", 10, "Thanks, 10% off\nA gift: 10% off")
    message, cid = wcb.create_campaign(wf_services, "ines", draft)
    assert cid is not None and re.fullmatch(r"C\d{4}", cid)
    assert message == f"✅ Created **{cid}** (Spring thanks) as a draft, version 1, by ines."
    line, table, ids = wcb.load_campaigns(wf_services)
    assert ids[0] == cid and line.startswith("**draft** 1 · **in review** 0")
    row = table.iloc[0].to_dict()
    assert (row["state"], row["version"], row["author"], row["approver"], row["audience"]) == (
        "draft", 1, "ines", "", "set at approval")
    shown = wcb.show_campaign(wf_services, cid)
    assert shown.version == 1 and shown.draft == draft and shown.details.startswith(f"### {cid} — Spring thanks")
    assert "State **draft** · version 1 · written by **ines**" in shown.details

    # an edit against the version shown; a second editor on the old version is told who changed it
    edited = wcb.form_draft("Spring thanks", SEGMENT, "email", "15% off", 10, "Thanks, 15% off\nA gift: 15% off")
    assert wcb.edit_campaign(wf_services, "ines", cid, 1, edited) == \
        "✅ Saved " + cid + " as version 2 (by ines): offer, variants changed."
    conflict = wcb.edit_campaign(wf_services, "ben", cid, 1, draft)
    assert conflict.startswith(f"⚠️ {cid} was changed by **ines** (edited, ") and "you saw version 1" in conflict
    assert "it is now **draft** (version 2" in conflict and "Nothing was changed" in conflict
    assert get_campaign(ws, cid).offer == "15% off"
    assert wcb.edit_campaign(wf_services, "ines", cid, 2, edited) == "Nothing to save: the form matches the campaign."
    assert wcb.export_campaign(wf_services, "ines", cid, "")[0].startswith("⚠️ Give a reason")
    refused, path = wcb.export_campaign(wf_services, "ines", cid, "too early")
    assert refused.startswith("⚠️") and "draft" in refused and path is None  # only an approved campaign leaves

    assert wcb.move_campaign(wf_services, "ines", cid, 2, "submit") == f"✅ {cid} is now **in review** (by ines)."
    assert wcb.move_campaign(wf_services, "dara", cid, 3, "return").startswith("⚠️ Say why")
    assert wcb.move_campaign(wf_services, "dara", cid, 3, "return", "say which products") == \
        f"✅ {cid} is now **draft** (by dara)."
    assert wcb.edit_campaign(wf_services, "ines", cid, 4, wcb.form_draft(
        "Spring thanks", SEGMENT, "email", "15% off", 10, "Thanks, 15% off your boots\nA gift: 15% off")).startswith(
        f"✅ Saved {cid} as version 5")
    assert wcb.move_campaign(wf_services, "ines", cid, 5, "submit").endswith("is now **in review** (by ines).")

    # approval: an operator lacks the role, the author may not approve her own, a second admin may
    by_operator = wcb.move_campaign(wf_services, "ana", cid, 6, "approve")
    by_author = wcb.move_campaign(wf_services, "ines", cid, 6, "approve")
    assert by_operator.startswith("⚠️") and "admin" in by_operator
    assert by_author.startswith("⚠️") and "ines" in by_author
    assert get_campaign(ws, cid).state == "in_review" and get_campaign(ws, cid).version == 6
    approved = wcb.move_campaign(wf_services, "dara", cid, 6, "approve")
    campaign = get_campaign(ws, cid)
    assert campaign.state == "approved" and campaign.approved_by == "dara" and campaign.audience_size
    assert approved == (f"✅ {cid} is now **approved** (by dara). Audience frozen at **{campaign.audience_size:,}** "
                        "members.")
    assert wcb.edit_campaign(wf_services, "ines", cid, 7, draft).startswith("⚠️")  # an approved campaign is frozen

    message, path = wcb.export_campaign(wf_services, "dara", cid, "spring send to champions")
    report_rows = list(csv.DictReader(open(path, encoding="utf-8")))  # noqa: SIM115
    written = int(re.search(r"Exported \*\*([\d,]+)\*\*", message).group(1).replace(",", ""))
    held_out = int(re.search(r"control group: \*\*([\d,]+)\*\*", message).group(1).replace(",", ""))
    assert written == len(report_rows) > 0 and f"members of {cid} to `" in message
    assert held_out == round(campaign.audience_size * 0.10)
    assert "Left out: " in message and get_campaign(ws, cid).state == "exported"
    line, table, _ = wcb.load_campaigns(wf_services, "exported")
    assert list(table["campaign"]) == [cid] and table.iloc[0]["approver"] == "dara"
    assert table.iloc[0]["audience"] == f"{campaign.audience_size:,}" and "**exported** 1" in line

    history = wcb.show_campaign(wf_services, cid).history
    assert list(history["version"]) == list(range(1, 9))
    assert list(history["who"]) == ["ines", "ines", "ines", "dara", "ines", "ines", "dara", "dara"]
    assert list(history["what"]) == ["created", "edited", "submitted for review", "returned to draft", "edited",
                                     "submitted for review", "approved", "exported"]
    assert "offer: 10% off → 15% off" in history.iloc[1]["changes"]
    assert "control group: 10% held out" in history.iloc[0]["changes"]  # not "holdout pct: 10.0"
    assert "holdout pct" not in " ".join(history["changes"])
    assert "state: in review → approved" in history.iloc[6]["changes"]
    trail = _audit(ws, cid)
    assert ("ben", "campaign.edit", "conflict") in trail
    assert [t for t in trail if t[1] == "campaign.approve"] == [
        ("ana", "campaign.approve", "denied"), ("ines", "campaign.approve", "denied"),
        ("dara", "campaign.approve", "ok")]


def test_changes_read_in_words() -> None:
    assert wcb._changes_words({"holdout_pct": 0.0, "channel": "sms"}) == "control group: none; channel: sms"
    assert wcb._changes_words({"holdout_pct": {"from": 0.0, "to": 12.5}}) == "control group: none → 12.5% held out"
    assert wcb._changes_words({"holdout_pct": [10.0, 20.0]}) == "control group: 10% held out → 20% held out"


def test_picking_nothing_and_unknown_campaigns_say_so(wf_services) -> None:
    assert wcb.move_campaign(wf_services, "ines", None, None, "submit") == wcb.PICK_FIRST
    assert wcb.edit_campaign(wf_services, "ines", "C0001", None, wcb.form_draft("a", SEGMENT, "sms", "", 0, "")) \
        == wcb.PICK_FIRST
    assert wcb.show_campaign(wf_services, "C9999").details.startswith("⚠️")
    assert wcb.import_results(wf_services, "ines", None) == wcb.PICK_FIRST
    message, cid = wcb.create_campaign(wf_services, "ana", wcb.form_draft("Texts", SEGMENT, "sms", "", 0, "Hi"))
    assert cid and wcb.import_results(wf_services, "ana", cid).startswith("⚠️")  # a draft has no results yet
    assert wcb.load_campaigns(wf_services, "draft")[2][0] == cid


def test_the_intro_and_the_next_step_name_the_role_the_approval_check_asks_for(wf_services) -> None:
    from memberinsight.governance.campaigns import approver_role

    role = approver_role(wf_services.settings)  # "admin" unless [campaigns] approver_role says otherwise
    intro = wcb.workflow_intro(wf_services)
    assert f"approval needs an account with the **{role}** role" in intro and "approver role;" not in intro
    assert "other than the campaign's author or anyone who edited it" in intro  # two-person approval is on
    draft = wcb.form_draft("Role words", SEGMENT, "email", "10% off", 0, "Thanks: 10% off")
    _, cid = wcb.create_campaign(wf_services, "ines", draft)
    assert wcb.move_campaign(wf_services, "ines", cid, 1, "submit").startswith("✅")
    assert f"_Next: an account with the **{role}** role" in wcb.show_campaign(wf_services, cid).details
    refused = wcb.move_campaign(wf_services, "ana", cid, 2, "approve")  # an operator: the same role named
    assert refused.startswith("⚠️") and f"needs the role {role}; ana has the role operator" in refused

    operators = type(wf_services)(wf_services.ws, wf_services.settings.replace(
        campaigns_approver_role="operator", campaigns_two_person_approval=False))
    intro = wcb.workflow_intro(operators)  # the words follow the settings the check reads
    assert "an account with the **operator** or **admin** role" in intro and "author" not in intro
