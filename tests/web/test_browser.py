"""A real browser (Debian's Chromium through Playwright) signs in and reads the registry page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from tests import factories as f
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, click_nav

PERSIAN_NUMBER = re.compile(r"^[۰-۹٬٫]+$")

pytestmark = pytest.mark.browser


def test_a_user_signs_in_and_reads_the_registry_in_persian_right_to_left(
    live_server: str, uow: UnitOfWork, shots: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    s = uow.session
    f.facility(s, province_code="08", ownership="owned", beds_general=400, beds_icu=40)
    f.facility(s, province_code="08", ownership="contracted", beds_general=150, beds_icu=10)
    f.facility(s, province_code="19", ownership="owned", beds_general=90, beds_icu=4)
    for _ in range(3):
        f.insured(s, province_code="08")
    f.insured(s, province_code="19")
    f.user(s, username="analyst", full_name="نرگس کریمی", role=Role.HQ_ANALYST)
    uow.commit()

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="fa-IR")
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

            page.goto(f"{live_server}/login")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            page.fill("#username", "analyst")
            page.fill("#password", f.PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/")
            assert "نرگس کریمی" in page.inner_text(".hero h1")
            assert "کارشناس ستاد" in page.inner_text(".hero")

            click_nav(page, "registry")
            page.wait_for_url(f"{live_server}/registry")
            page.wait_for_selector("#registry-chart[data-ready=true]", state="attached")

            html = page.evaluate(
                "({dir: document.documentElement.dir, lang: document.documentElement.lang})"
            )
            assert html == {"dir": "rtl", "lang": "fa"}
            assert page.evaluate("document.fonts.check('16px Vazirmatn')")
            assert page.evaluate("document.fonts.check('bold 16px Vazirmatn')")
            body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert body_font.startswith('"Vazirmatn"') or body_font.startswith("Vazirmatn")

            chart = page.evaluate(
                """() => {
                    const c = Chart.getChart(document.getElementById('registry-chart'));
                    if (!c) return null;
                    return {labels: c.data.labels, bars: c.getDatasetMeta(0).data.length,
                            width: c.width, height: c.height, font: Chart.defaults.font.family};
                }"""
            )
            assert chart is not None, "no Chart.js instance on the canvas"
            assert chart["labels"][:2] == ["تهران", "قم"]  # largest insured count first
            assert chart["bars"] == 31 and chart["width"] > 300 and chart["height"] > 100
            assert chart["font"].startswith("Vazirmatn")

            rows = page.locator("#registry-grid tbody tr")
            assert rows.count() == 31
            tehran = page.locator('#registry-grid tr[data-province="08"]')
            cells = tehran.locator("td").all_inner_texts()
            assert tehran.locator("th").inner_text() == "تهران"
            assert all(PERSIAN_NUMBER.match(c.strip()) for c in cells), cells
            assert cells[1] == "۳"  # insured
            assert cells[5] == "۶۰۰"  # beds: 400 + 40 + 150 + 10
            assert page.locator("#registry-grid tfoot th").inner_text() == "جمع کل"
            assert "قم" in page.inner_text("#registry-grid")

            # htmx: sorting by beds reloads only the table and keeps the address bar in step.
            page.click("#registry-grid thead th >> text=تخت >> nth=0")
            page.wait_for_url(re.compile(r"/registry\?sort=beds&dir=desc$"))
            page.wait_for_selector('#registry-grid tbody tr:first-child[data-province="08"]')
            second = page.locator("#registry-grid tbody tr").nth(1).get_attribute("data-province")
            assert second == "19"
            assert page.evaluate("!!Chart.getChart(document.getElementById('registry-chart'))")
            page.screenshot(path=str(shots / "registry.png"), full_page=True)

            page.fill("#registry-q", "قم")
            expect(page.locator("#registry-grid tbody tr")).to_have_count(1)
            assert page.locator("#registry-grid tbody th").inner_text() == "قم"

            page.click("button[data-metric=beds_per_10k]")
            assert (
                page.evaluate(
                    "Chart.getChart(document.getElementById('registry-chart')).data.labels.length"
                )
                == 2
            )
        finally:
            browser.close()

    foreign = [u for u in requests if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the pages asked other hosts for {foreign}"
    assert any(u.endswith("/static/vendor/vazirmatn/Vazirmatn-Regular.woff2") for u in requests)
    assert problems == [], problems
    assert (shots / "registry.png").stat().st_size > 10_000
