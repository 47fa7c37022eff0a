"""The epidemic pages on a phone (390 px) and a small laptop (1,024 px): every digit a
person reads is Persian, and a wide table scrolls inside its own box instead of pushing the
page sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import sign_in
from tests.web.test_epidemic_pages import make_world
from tests.web.test_navigation_browser import STICKING_OUT

pytestmark = pytest.mark.browser

# The text a person reads (not attributes, not scripts), with any Latin digit in it: the
# element's tag and id and the text around the digit, to name in a failure.
LATIN_DIGITS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('script,style') || !el.getClientRects().length) continue;
    const m = node.textContent.match(/.{0,12}[0-9].{0,12}/);
    if (m) found.push(el.tagName + '#' + el.id + ': ' + m[0].trim());
  }
  return found.slice(0, 12);
}"""
# Each table: the box it scrolls in must fit the window, and the page must not scroll.
TABLES = """() => Array.from(document.querySelectorAll('main table')).map(t => {
  const box = t.parentElement, r = box.getBoundingClientRect();
  const style = getComputedStyle(box);
  return {id: t.id, fits: r.left >= -0.5 && r.right <= window.innerWidth + 0.5,
          scrolls: t.scrollWidth <= box.clientWidth + 0.5
                   || ['auto', 'scroll'].includes(style.overflowX)};
})"""


@pytest.mark.parametrize("width", [390, 1024])
def test_the_epidemic_pages_read_in_persian_digits_and_their_tables_stay_in_their_box(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
    width: int,
) -> None:
    make_world(session_factory)
    page, _, problems = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "hq")
    page.goto(f"{live_server}/population/epidemic/statements")
    page.fill("#month", "1404/02")
    page.click("#issue-form button[type='submit']")
    page.wait_for_selector("#statement-lines")
    statement = page.url.split("?")[0]
    for path in (
        "/population/epidemic",
        "/population/epidemic/statements",
        statement.removeprefix(live_server),
        statement.removeprefix(live_server) + "/print",
    ):
        page.goto(live_server + path)
        assert page.evaluate(LATIN_DIGITS) == [], (path, width)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow, page.evaluate(STICKING_OUT))
        for table in page.evaluate(TABLES):
            assert table["fits"] and table["scrolls"], (path, width, table)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    assert problems == []
