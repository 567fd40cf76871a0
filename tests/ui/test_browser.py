"""The app in a real browser (Debian's Chromium through Playwright), against the built demo workspace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import ADMIN, PASSWORD, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_wrong_password_is_refused(login, live_app) -> None:
    page = login(password="not-the-password")
    page.get_by_text("Incorrect Credentials").wait_for()
    assert page.locator("#chat-input").count() == 0
    page.goto(live_app + "/config")  # the app's data stays behind the login
    assert "Champions" not in page.content()


def test_login_shows_the_operator_and_every_tab(app_page) -> None:
    expect(app_page.locator("#whoami")).to_contain_text("Signed in as ana")
    for tab in ("Chat", "Segments", "Member", "Campaigns", "Review queue", "Fraud", "Data"):
        expect(app_page.get_by_role("tab", name=tab)).to_be_visible()


def test_segment_question_answers_with_a_table(app_page) -> None:
    box = app_page.locator("#chat-input textarea")
    box.fill("How big is each segment?")
    box.press("Enter")
    # The answer streams in: wait (retrying) for the finished table, not the first partial one.
    expect(app_page.locator("#chatbot table").first).to_contain_text("Champions", timeout=90_000)
    expect(app_page.locator("#chatbot")).to_contain_text("Tool: segment_overview")  # the tool used is shown
    expect(app_page.locator("#chat-table")).to_contain_text("Hibernating")  # and the full table beside


def test_the_chat_table_shows_only_when_an_answer_has_rows(app_page) -> None:
    table = app_page.locator("#chat-table")
    expect(table).to_be_hidden()  # no answer yet: no bare headers
    box = app_page.locator("#chat-input textarea")
    box.fill("tell me about the first one")  # nothing listed yet: said in words, no table
    box.press("Enter")
    expect(app_page.locator("#chatbot")).to_contain_text("did not list anything", timeout=90_000)
    expect(table).to_be_hidden()


def test_review_picker_lists_every_pending_review(app_page) -> None:
    app_page.get_by_role("tab", name="Review queue").click()
    counts = app_page.locator("#queue-counts")
    expect(counts).to_contain_text(re.compile(r"\d+ pending"))
    pending = re.search(r"([\d,]+) pending", counts.inner_text()).group(1)
    expect(app_page.locator("#queue-pick")).to_contain_text(f"Review ({pending})")


def test_sms_copy_shows_its_check_report(app_page) -> None:
    app_page.get_by_role("tab", name="Campaigns").click()
    segment = app_page.locator("#camp-segment input")
    segment.click()
    segment.fill("Champions")
    segment.press("Enter")
    app_page.locator("#camp-offer textarea, #camp-offer input").first.fill("10% off")
    app_page.locator("#camp-channel").get_by_text("sms", exact=True).click()
    variants = app_page.locator("#camp-variants input[type=number]")
    variants.fill("1")  # one variant keeps the local LLM's work (and the test) short
    variants.press("Enter")
    app_page.locator("#camp-generate").click()
    output = app_page.locator("#camp-output")
    output.get_by_text(re.compile(r"Check (passed|failed)")).first.wait_for(timeout=240_000)
    text = output.inner_text()
    assert "SMS copy for Champions" in text and "10% off" in text and "Variant 2" not in text
    checks = app_page.locator("#camp-checks").inner_text()
    assert "sms" in checks and re.search(r"passed|failed", checks, re.I)


def test_queue_decision_survives_a_reload(app_page, live_app) -> None:
    app_page.get_by_role("tab", name="Review queue").click()
    evidence = app_page.locator("#queue-evidence")
    evidence.get_by_text(re.compile(r"Review V\d+")).wait_for()
    review_id = re.search(r"Review (V\d+)", evidence.inner_text()).group(1)
    app_page.locator("#queue-note textarea").fill("same text as a planted ring")
    app_page.locator("#queue-remove").click()
    app_page.locator("#queue-result").get_by_text(f"Review {review_id} is now removed").wait_for()

    app_page.reload()
    app_page.get_by_role("tab", name="Review queue").click()
    status = app_page.locator("#queue-status input")
    status.click()
    status.fill("removed")
    status.press("Enter")
    table = app_page.locator("#queue-table")
    expect(table).to_contain_text(review_id)
    row = table.locator("tr", has_text=review_id).first.text_content()
    assert "removed" in row and "ana" in row  # attributed to the logged-in operator


@pytest.fixture(scope="module")
def direct_export_app(ui_services):
    """A second live app over the same workspace with ``[campaigns] direct_export = true`` (the session's app
    keeps the default, off: only approved campaigns export)."""
    from memberinsight.ui import launch

    on = ui_services.settings.replace(campaigns_direct_export=True, server_port=free_port())
    services = type(ui_services)(ui_services.ws, on, embedder=ui_services.embedder)
    app = launch(ui_services.ws, on, block=False, services=services, quiet=True)
    yield f"http://127.0.0.1:{on.server_port}"
    app.close()


def test_campaigns_tab_points_to_approvals_when_direct_export_is_off(app_page) -> None:
    app_page.get_by_role("tab", name="Campaigns").click()
    expect(app_page.locator("#camp-export-note")).to_contain_text(
        "Contact lists leave only through an approved campaign")
    expect(app_page.locator("#camp-generate")).to_be_visible()
    assert app_page.locator("#camp-export").is_hidden() and app_page.locator("#camp-reason").is_hidden()


def test_audience_export_offers_the_csv_for_download(page, direct_export_app) -> None:
    page.goto(direct_export_app)
    page.get_by_label("username").fill(ADMIN)  # direct export (on here) is admin-only
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#chat-input textarea")
    page.get_by_role("tab", name="Campaigns").click()
    expect(page.locator("#camp-export-note")).to_contain_text("bypasses campaign approval")
    segment = page.locator("#camp-segment input")
    segment.click()
    segment.fill("Champions")
    segment.press("Enter")
    page.locator("#camp-reason textarea").fill("spring email to champions")
    page.locator("#camp-export").click()
    link = page.locator("a[download], a[href*='champions_email_']").first
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert href and re.search(r"champions_email_\d{8}T\d{6}Z(-\d+)?\.csv", href)
    response = page.request.get(href if href.startswith("http") else page.url.split("/?")[0].rstrip("/") + href)
    assert response.ok and response.text().splitlines()[0].startswith("email")
