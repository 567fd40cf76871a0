"""UI fixtures: Services over a private copy of the built demo workspace; one live app per session."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OPERATOR, PASSWORD = "ana", "correct-horse-battery"
ADMIN = "ines"  # an admin account (uploads); "ben" and "cleo" are further operators the callback tests act as


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def ui_workspace(built_workspace, tmp_path_factory):
    """A private copy of the built demo workspace (the UI tests decide reviews and write campaigns)."""
    import shutil

    from memberinsight.workspace import Workspace

    target = tmp_path_factory.mktemp("ui_ws") / "workspace"
    shutil.copytree(built_workspace.path, target)
    return Workspace.open(target)


@pytest.fixture(scope="session")
def ui_services(ui_workspace):
    from memberinsight.agent.services import Services
    from memberinsight.config import load_settings
    from memberinsight.workspace.users import add_user

    add_user(ui_workspace, OPERATOR, PASSWORD)
    add_user(ui_workspace, ADMIN, PASSWORD, role="admin")
    for other in ("ben", "cleo"):
        add_user(ui_workspace, other, PASSWORD)
    return Services(ui_workspace, load_settings(workspace=ui_workspace.path))


@pytest.fixture(scope="session")
def live_app(ui_services):
    """The app served on a free loopback port for the whole session (login on)."""
    from memberinsight.ui import launch

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = ui_services.settings.replace(server_port=free_port())
    app = launch(ui_services.ws, settings, block=False, services=ui_services, quiet=True)
    yield f"http://127.0.0.1:{settings.server_port}"
    app.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("MEMBERINSIGHT_REQUIRE_BROWSER"):  # CI: a missing browser is a failure, not a skip
            pytest.fail(f"{CHROMIUM} is absent but MEMBERINSIGHT_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is absent: install Debian's Chromium (`apt-get install -y chromium`) "
                    "to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def login(page, live_app):
    """``login(username, password)`` on Gradio's login page; returns the page."""

    def _login(username: str = OPERATOR, password: str = PASSWORD):
        page.goto(live_app)
        page.get_by_label("username").fill(username)
        page.get_by_label("password").fill(password)
        page.get_by_role("button", name="Login").click()
        return page

    return _login


@pytest.fixture()
def app_page(login):
    """A page logged in as the test operator, with the app loaded."""
    page = login()
    page.wait_for_selector("#chat-input textarea")
    return page

