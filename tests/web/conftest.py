"""Shared pieces of the browser tests: Debian's Chromium and the app served on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

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
