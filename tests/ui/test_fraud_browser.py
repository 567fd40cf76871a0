"""The Fraud tab in a real browser (Debian's Chromium through Playwright), against the built demo workspace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from memberinsight.fraud import decide, get_item, queue_overview

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HEADING = re.compile(r"(Order|Account|Burst) (\S+)")


def _open_fraud_tab(page) -> tuple[str, str, int]:
    """Open the tab; (item id, its heading, version) of the item shown (the riskiest pending one)."""
    page.get_by_role("tab", name="Fraud").click()
    evidence = page.locator("#fraud-evidence")
    evidence.get_by_text(re.compile(r"version \d+")).wait_for()
    text = evidence.inner_text()
    heading = HEADING.search(text)
    assert heading is not None, text
    return f"{heading.group(1).lower()}:{heading.group(2)}", heading.group(0), int(re.search(r"version (\d+)",
                                                                                             text).group(1))


def test_fraud_tab_ranks_the_queue_and_a_confirmation_changes_the_status(app_page, ui_services) -> None:
    item_id, heading, _ = _open_fraud_tab(app_page)
    assert queue_overview(ui_services.ws, status="pending", limit=1).items[0].item_id == item_id  # the riskiest
    table = app_page.locator("#fraud-table")
    expect(table.locator("tbody tr").first).to_contain_text(item_id)
    expect(table).to_contain_text("%")  # risk for people
    expect(app_page.locator("#fraud-counts")).to_contain_text("pending")
    app_page.locator("#fraud-note textarea").fill("fresh accounts buying together")
    app_page.locator("#fraud-confirm").click()
    app_page.locator("#fraud-result").get_by_text(f"{heading} is now confirmed").wait_for()
    item = get_item(ui_services.ws, item_id)
    assert item.status == "confirmed" and item.decided_by == "ana"  # attributed to the signed-in operator

    status = app_page.locator("#fraud-status input")
    status.click()
    status.fill("confirmed")
    status.press("Enter")
    expect(table).to_contain_text(item_id)
    row = table.locator("tr", has_text=item_id).first.text_content()
    assert "confirmed" in row and "ana" in row


def test_a_conflicting_decision_names_who_changed_the_item(app_page, ui_services) -> None:
    item_id, heading, version = _open_fraud_tab(app_page)
    decide(ui_services.ws, item_id, "clear", "ben", version, note="genuine")  # someone else, meanwhile
    app_page.locator("#fraud-escalate").click()
    result = app_page.locator("#fraud-result")
    result.get_by_text("was changed by").wait_for()
    text = result.inner_text()
    assert "ben" in text and "it is now cleared" in text and f"you saw version {version}" in text
    assert get_item(ui_services.ws, item_id).status == "cleared"
    expect(app_page.locator("#fraud-evidence")).to_contain_text(f"version {version + 1}")  # the current state
