"""Shared pieces of the browser tests: Debian's Chromium and the app served on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI

from tests import factories as f

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def browser_page() -> Iterator[tuple[Any, list[str], list[str]]]:
    """A right-to-left Persian page, with every request and any console problem recorded."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1360, "height": 900}, locale="fa-IR", accept_downloads=True
            )
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            yield page, requests, problems
        finally:
            browser.close()
    foreign = [u for u in requests if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the pages asked other hosts for {foreign}"
    assert problems == [], problems


def sign_in(page: Any, base: str, username: str) -> None:
    """Sign in afresh as ``username`` (the factories' password) and land on the home page."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def click_nav(page: Any, key: str) -> None:
    """Open the top-bar menu that holds the screen ``key`` (behind the menu button on a
    phone) and click its link, as a person would."""
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    link = page.locator(f"nav.mainnav a[data-nav='{key}']")
    menu = page.locator("nav.mainnav details.navmenu").filter(
        has=page.locator(f"a[data-nav='{key}']")
    )
    if menu.count() and menu.get_attribute("open") is None:
        menu.locator("summary").click()
    link.click()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave their screenshots for a person to look at: a directory
    of this run's own, so parallel workers and other runs never write over each other's."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a background thread, on a free loopback port."""
    if not CHROMIUM.exists():  # like PostgreSQL: a missing browser fails, it never skips
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    # The socket is bound here and handed to uvicorn, never closed in between, so a server
    # of a parallel worker cannot take the same port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            sock.close()
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
