"""The API docs at /docs come from the vendored Swagger UI: nothing is loaded from another host."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.web.docs import SWAGGER_CSS_URL, SWAGGER_JS_URL, inline_script_hashes
from tests import factories as f
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS

# The uvicorn-in-a-thread fixture of the registry browser test, shared rather than copied.

ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s'"<>]+""")
LINKED = re.compile(r"""(?:src|href)="([^"]*)"|url: '([^']*)'""")


def test_the_docs_page_links_only_to_the_vendored_files_and_the_openapi_document(
    client: TestClient,
) -> None:
    resp = client.get("/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    linked = {a or b for a, b in LINKED.findall(html)}
    assert linked == {SWAGGER_JS_URL, SWAGGER_CSS_URL, "/static/favicon.svg", "/openapi.json"}
    assert ABSOLUTE_URL.findall(html) == []
    assert "jsdelivr" not in html
    assert '"validatorUrl": null' in html  # no badge image from validator.swagger.io
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in html


def test_the_vendored_swagger_ui_files_are_served_without_source_map_comments(
    client: TestClient,
) -> None:
    js = client.get(SWAGGER_JS_URL)
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert len(js.content) > 1_000_000
    assert "SwaggerUIBundle" in js.text
    css = client.get(SWAGGER_CSS_URL)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".swagger-ui" in css.text
    assert "sourceMappingURL" not in js.text and "sourceMappingURL" not in css.text
    assert client.get("/static/favicon.svg").status_code == 200


def test_the_docs_page_allows_only_this_site_and_its_own_inline_script(
    client: TestClient,
) -> None:
    resp = client.get("/docs")
    policy = resp.headers["content-security-policy"]
    hashes = inline_script_hashes(resp.text)
    assert len(hashes) == 1
    assert f"script-src 'self' {hashes[0]};" in policy
    assert "default-src 'self';" in policy and "connect-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http" not in policy and "*" not in policy
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"


def test_the_oauth2_redirect_page_is_served_under_the_same_policy(client: TestClient) -> None:
    resp = client.get("/docs/oauth2-redirect")
    assert resp.status_code == 200
    assert "window.opener.swaggerUIRedirectOauth2" in resp.text
    (script_hash,) = inline_script_hashes(resp.text)
    assert f"script-src 'self' {script_hash};" in resp.headers["content-security-policy"]


def test_redoc_is_not_served_and_the_docs_routes_stay_out_of_the_openapi_document(
    client: TestClient,
) -> None:
    assert client.get("/redoc").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/facilities" in paths
    assert not any(p.startswith("/docs") for p in paths)


@pytest.mark.browser
def test_swagger_ui_renders_from_this_site_and_authorizes_with_the_password_flow(
    live_server: str, uow: UnitOfWork, shots: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    f.user(uow.session, username="docs-reader", full_name="مینا رحیمی")
    uow.commit()

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
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

            page.goto(f"{live_server}/docs")
            # Swagger UI renders operations as they scroll into view: scroll down, as a
            # reader would, until the registry's come
            facilities = page.locator(".opblock-summary-path", has_text="/api/v1/facilities")
            for _ in range(100):
                if facilities.count():
                    break
                page.mouse.wheel(0, 600)
                page.wait_for_timeout(100)
            expect(facilities.first).to_be_visible()
            assert page.locator(".opblock").count() > 10
            assert "/api/v1/facilities" in page.inner_text("#swagger-ui")
            assert page.locator(".opblock-summary-path", has_text="/docs").count() == 0

            # "Authorize" with the OAuth2 password flow, then call /api/v1/me with the token.
            page.click("button.btn.authorize")
            page.fill("#oauth_username", "docs-reader")
            page.fill("#oauth_password", f.PASSWORD)
            oauth2 = page.locator(".auth-container", has_text="OAuth2PasswordBearer")
            oauth2.get_by_role("button", name="Apply given OAuth2 credentials").click()
            expect(oauth2.get_by_role("button", name="Remove authorization")).to_be_visible()
            oauth2.get_by_role("button", name="Close").click()

            me = page.locator("#operations-security-me_api_v1_me_get")
            me.locator(".opblock-summary").click()
            me.locator("button.try-out__btn").click()
            me.locator("button.execute").click()
            status = me.locator(".live-responses-table .response .response-col_status")
            expect(status).to_have_text("200")
            assert '"username": "docs-reader"' in me.locator(".live-responses-table").inner_text()
            page.screenshot(path=str(shots / "api-docs.png"), full_page=False)
        finally:
            browser.close()

    foreign = [u for u in requests if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the docs page asked other hosts for {foreign}"
    assert any(u.endswith(SWAGGER_JS_URL) for u in requests)
    assert any(u.endswith(SWAGGER_CSS_URL) for u in requests)
    assert any(u.endswith("/api/v1/auth/token") for u in requests)
    assert problems == [], problems
