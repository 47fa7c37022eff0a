"""A real browser (Debian's Chromium through Playwright): the top bar's menus fit every
width from a phone to a wide screen, no page scrolls sideways, and every screen a role may
open is reachable from its menus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from tests import factories as f
from tests.web.conftest import sign_in
from tests.web.test_referral_pages import make_world as referral_world

pytestmark = pytest.mark.browser

WIDTHS = (390, 1024, 1280, 1920)
PHONE = 760  # at or below this width the menus fold behind one button


def make_world(session_factory: sessionmaker[Session]) -> None:
    """The referral world and a national auditor."""
    referral_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="aud", role=Role.AUDITOR)
        uow.commit()


# Users of the referral world: the admin, Tehran's manager of health, a family physician;
# and a national auditor.
# Each opens its home page and three screens of its menus; the menus each role must see.
ROLES: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "boss": (
        ("claims", "planning", "appointments", "admin-users", "admin-audit"),
        {"records", "clinical", "planning", "people", "admin"},
    ),
    "manager": (
        ("ref-indicators", "performance", "procurement"),
        {"records", "clinical", "planning", "people"},
    ),
    "doc": (("rx-new", "ref-panel", "circulars"), {"records", "clinical", "people"}),
    # a national auditor: the audit log is theirs, under the administration menu
    "aud": (
        ("admin-audit", "epidemic", "policy"),
        {"records", "clinical", "planning", "people", "admin"},
    ),
}

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The outermost elements that stick out of the window, to name in a failure.
STICKING_OUT = """() => {
  const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.left < -0.5 || r.right > w + 0.5) && !out.some(o => o.el.contains(el))) {
      out.push({el, text: el.tagName + '.' + el.className + '#' + el.id
                + ' ' + Math.round(r.left) + '..' + Math.round(r.right)});
    }
  }
  return out.map(o => o.text).slice(0, 8);
}"""


def _fits(page: Any, what: str) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px: {page.evaluate(STICKING_OUT)}"


def _open_menu_bar(page: Any, width: int) -> None:
    toggle = page.locator("#nav-toggle")
    if width <= PHONE:
        assert toggle.is_visible()
        assert not page.locator("#mainnav").is_visible()  # folded until asked for
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
    else:
        assert not toggle.is_visible()
    assert page.locator("#mainnav").is_visible()


def _every_link_is_reachable(page: Any, width: int, shot: Path) -> list[str]:
    """Open each menu in turn: its links show, the page still does not scroll sideways, and
    another menu closes when one opens."""
    from playwright.sync_api import expect

    _open_menu_bar(page, width)
    reached: list[str] = []
    groups = page.locator("nav.mainnav details.navmenu")
    for i in range(groups.count()):
        group = groups.nth(i)
        links = group.locator("a[data-nav]")
        expect(links.first).to_be_hidden()
        group.locator("summary").click()
        for j in range(links.count()):
            expect(links.nth(j)).to_be_visible()
            reached.append(links.nth(j).get_attribute("data-nav"))
        _fits(page, f"menu {i} open at {width}px")
        opened = page.locator("nav.mainnav details.navmenu[open]")
        expect(opened).to_have_count(1)
    page.screenshot(path=str(shot))  # the last menu open
    page.keyboard.press("Escape")
    expect(page.locator("nav.mainnav details.navmenu[open]")).to_have_count(0)
    return reached


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_of_a_role_fits_each_width_and_every_menu_link_is_reachable(
    username: str,
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    make_world(session_factory)
    page, _, _ = browser_page
    pages, menus = ROLES[username]
    sign_in(page, live_server, username)
    hrefs = {
        key: page.locator(f"nav.mainnav a[data-nav='{key}']").get_attribute("href") for key in pages
    }
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/")
        shown = set(
            page.locator("nav.mainnav details.navmenu").evaluate_all(
                "els => els.map(e => e.dataset.group)"
            )
        )
        assert shown == menus
        _fits(page, f"home at {width}px")
        assert page.locator(".account-name").is_visible()
        assert page.locator(".account button[type=submit]").is_visible()
        page.screenshot(path=str(shots / f"nav-{username}-home-{width}.png"))
        reached = _every_link_is_reachable(page, width, shots / f"nav-{username}-menu-{width}.png")
        all_links = page.locator("nav.mainnav a[data-nav]").evaluate_all(
            "els => els.map(e => e.dataset.nav)"
        )
        assert sorted(reached) == sorted(all_links) and set(pages) <= set(reached)
        for key in pages:
            page.goto(f"{live_server}{hrefs[key]}")
            _fits(page, f"{hrefs[key]} at {width}px")


@pytest.mark.parametrize("username", list(ROLES))
def test_every_screen_in_a_roles_menus_fits_a_phone_and_a_small_laptop(
    username: str,
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
) -> None:
    make_world(session_factory)
    page, _, _ = browser_page
    sign_in(page, live_server, username)
    hrefs = page.locator("nav.mainnav a[data-nav]").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(hrefs) >= 7
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        for href in hrefs:
            page.goto(f"{live_server}{href}")
            _fits(page, f"{href} at {width}px")
