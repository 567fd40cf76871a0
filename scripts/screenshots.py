"""Take a screenshot of every tab of the app (for docs/screenshots/), with Debian's Chromium.

Serves the real app over a built workspace on a free loopback port, logs in through the login page,
fills each tab with a typical action and saves ``docs/screenshots/<tab>.png``.

    .venv/bin/python scripts/screenshots.py --workspace DIR [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "screens", "screens-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def take(page, out: Path, member_id: str) -> None:
    """Visit every tab, doing what an operator would, and save one PNG per tab."""
    from playwright.sync_api import expect

    box = page.locator("#chat-input textarea")
    box.fill("How big is each segment?")
    box.press("Enter")
    expect(page.locator("#chat-table")).to_contain_text("Hibernating", timeout=90_000)
    box.fill("compare Champions and Hibernating")
    box.press("Enter")
    expect(page.locator("#chatbot")).to_contain_text("compare_segments", timeout=90_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(out / "chat.png"), full_page=True)

    page.get_by_role("tab", name="Segments").click()
    expect(page.locator("#segments-table")).to_contain_text("Champions", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(out / "segments.png"), full_page=True)

    page.get_by_role("tab", name="Member").click()
    member = page.locator("#member-id textarea, #member-id input").first
    member.fill(member_id)
    member.press("Enter")
    page.locator("#member-profile").get_by_text(re.compile(r"Member ")).first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "member.png"), full_page=True)

    page.get_by_role("tab", name="Campaigns").click()
    segment = page.locator("#camp-segment input")
    segment.click()
    segment.fill("Champions")
    segment.press("Enter")
    page.locator("#camp-offer textarea, #camp-offer input").first.fill("10% off")
    page.locator("#camp-channel").get_by_text("sms", exact=True).click()
    page.locator("#camp-generate").click()
    page.locator("#camp-output").get_by_text(re.compile(r"Check (passed|failed)")).first.wait_for(timeout=240_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "campaigns.png"), full_page=True)

    page.get_by_role("tab", name="Review queue").click()
    page.locator("#queue-evidence").get_by_text(re.compile(r"Review V\d+")).wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "review_queue.png"), full_page=True)

    page.get_by_role("tab", name="Data").click()
    page.locator("#data-status").get_by_text("Data quality").wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "data.png"), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True, help="A built workspace.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from memberinsight.config import load_settings
    from memberinsight.models import at_risk_members
    from memberinsight.ui import launch
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.users import add_user, list_users

    ws = Workspace.open(args.workspace)
    if USER not in {u.username for u in list_users(ws)}:
        add_user(ws, USER, PASSWORD, actor="screenshots")
    settings = load_settings(workspace=ws.path).replace(server_port=_free_port())
    app = launch(ws, settings, block=False, quiet=True)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{settings.server_port}")
            page.screenshot(path=str(args.out / "login.png"))
            page.get_by_label("username").fill(USER)
            page.get_by_label("password").fill(PASSWORD)
            page.get_by_role("button", name="Login").click()
            page.wait_for_selector("#chat-input textarea")
            take(page, args.out, at_risk_members(ws, limit=1)[0].member_id)
            browser.close()
    finally:
        app.close()
    print("\n".join(sorted(str(p) for p in args.out.glob("*.png"))))


if __name__ == "__main__":
    main()
