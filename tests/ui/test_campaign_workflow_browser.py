"""The Approvals tab in a real browser (Debian's Chromium through Playwright): a campaign is created, edited and
submitted by its author, her own approval is refused, and a second admin, signed in in another browser
context, approves and exports it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import ADMIN, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
APPROVER = "dara"  # a second admin: approval needs the admin role (the default) and not the author


@pytest.fixture()
def approver(ui_services) -> str:
    from memberinsight.workspace.users import add_user, find_user

    if find_user(ui_services.ws, APPROVER) is None:
        add_user(ui_services.ws, APPROVER, PASSWORD, role="admin")
    return APPROVER


def _signed_in(browser, live_app: str, user: str):
    """A new browser context (its own cookies) signed in as ``user``, on the Approvals tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(live_app)
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#chat-input textarea")
    expect(page.locator("#whoami")).to_contain_text(f"Signed in as {user}")
    page.get_by_role("tab", name="Approvals").click()
    expect(page.locator("#cw-counts")).to_contain_text("draft")
    return context, page


def _text(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def _result(page, text: str) -> str:
    result = page.locator("#cw-result")
    result.get_by_text(text).wait_for()
    return result.inner_text()


def test_create_edit_submit_then_a_second_admin_approves_and_exports(browser, live_app, ui_services,
                                                                     approver) -> None:
    from memberinsight.governance.campaigns import campaign_history, get_campaign

    author_context, page = _signed_in(browser, live_app, ADMIN)
    try:
        _text(page, "cw-name").fill("Winter thanks")
        segment = page.locator("#cw-segment input")
        segment.click()
        segment.fill("Champions")
        segment.press("Enter")
        page.locator("#cw-channel").get_by_text("email", exact=True).click()
        _text(page, "cw-offer").fill("10% off")
        holdout = page.locator("#cw-holdout input[type=number]")
        holdout.fill("10")
        holdout.press("Enter")
        page.locator("#cw-variants textarea").fill("Thanks for a great year: 10% off\nA winter thank-you: 10% off")
        page.locator("#cw-create").click()
        created = _result(page, "as a draft, version 1, by ines")
        cid = re.search(r"Created (C\d{4})", created).group(1)
        expect(page.locator("#cw-details")).to_contain_text(f"{cid} — Winter thanks")
        expect(page.locator("#cw-table")).to_contain_text(cid)

        _text(page, "cw-offer").fill("15% off")
        page.locator("#cw-variants textarea").fill("Thanks for a great year: 15% off\nA winter thank-you: 15% off")
        page.locator("#cw-save").click()
        assert "offer, variants changed" in _result(page, f"Saved {cid} as version 2")
        expect(page.locator("#cw-history")).to_contain_text("10% off → 15% off")

        page.locator("#cw-submit").click()
        _result(page, f"{cid} is now in review (by ines)")
        page.locator("#cw-approve").click()  # the author's own approval: refused in plain words
        refused = _result(page, "two-person approval is on")
        assert refused.startswith("⚠️") and "ines wrote or edited campaign" in refused
        campaign = get_campaign(ui_services.ws, cid)
        assert (campaign.state, campaign.version, campaign.offer) == ("in_review", 3, "15% off")
        page.locator("#cw-export-reason textarea").fill("trying to skip approval")
        page.locator("#cw-export").click()
        assert "only an approved campaign can be exported" in _result(page, "in review")
    finally:
        author_context.close()

    approver_context, page = _signed_in(browser, live_app, approver)
    try:
        details = page.locator("#cw-details")
        if cid not in details.inner_text():
            pick = page.locator("#cw-pick input")
            pick.click()
            pick.fill(cid)
            pick.press("Enter")
        expect(details).to_contain_text(f"{cid} — Winter thanks")
        expect(details).to_contain_text("version 3")
        page.locator("#cw-approve").click()
        approved = _result(page, f"{cid} is now approved (by {approver})")
        campaign = get_campaign(ui_services.ws, cid)
        assert campaign.approved_by == approver and f"Audience frozen at {campaign.audience_size:,}" in approved
        row = page.locator("#cw-table tr", has_text=cid).first
        expect(row).to_contain_text(approver)
        expect(row).to_contain_text(f"{campaign.audience_size:,}")

        page.locator("#cw-export-reason textarea").fill("winter thank-you email to champions")
        page.locator("#cw-export").click()
        exported = _result(page, "Exported")
        written = int(re.search(r"Exported ([\d,]+) members", exported).group(1).replace(",", ""))
        held_out = int(re.search(r"control group: ([\d,]+)", exported).group(1).replace(",", ""))
        assert written > 0 and held_out == round(campaign.audience_size * 0.10) and "Left out:" in exported
        link = page.locator("#cw-file a").first
        link.wait_for()
        href = link.get_attribute("href")
        assert href and cid.lower() in href.lower() and href.endswith(".csv")
        url = href if href.startswith("http") else page.url.split("/?")[0].rstrip("/") + href
        response = page.request.get(url)
        assert response.ok
        lines = response.text().splitlines()
        assert lines[0].startswith("email") and len(lines) == written + 1
        expect(page.locator("#cw-history")).to_contain_text("exported")
        assert get_campaign(ui_services.ws, cid).state == "exported"
        steps = [(v.actor, v.action) for v in campaign_history(ui_services.ws, cid)]
        assert steps == [(ADMIN, "create"), (ADMIN, "edit"), (ADMIN, "submit"), (approver, "approve"),
                         (approver, "export")]
    finally:
        approver_context.close()
