"""The interactive API docs at /docs: Swagger UI from the vendored copy, never from a CDN.

FastAPI's own /docs loads Swagger UI from jsdelivr, so the app factory turns it
off (``docs_url=None, redoc_url=None``) and ``mount`` adds the same two routes
here, pointing at ``/static/vendor/swagger-ui/`` (written by
``scripts/vendor_assets.sh``). FastAPI's HTML starts Swagger UI with an inline
script, which the pages' policy refuses; these two responses get their own
Content-Security-Policy that allows this origin plus exactly those inline
scripts, by their sha256.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from darman.web.rendering import SECURITY_HEADERS

DOCS_URL = "/docs"
SWAGGER_JS_URL = "/static/vendor/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS_URL = "/static/vendor/swagger-ui/swagger-ui.css"
FAVICON_URL = "/static/favicon.svg"
# Swagger UI would otherwise show a badge image from validator.swagger.io.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources (``'sha256-...'``) for every inline ``<script>`` of ``html``."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(script.encode()).digest()).decode("ascii")
        )
        for script in _INLINE_SCRIPT.findall(html)
    ]


def _with_policy(response: HTMLResponse) -> HTMLResponse:
    hashes = " ".join(inline_script_hashes(bytes(response.body).decode()))
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers["Content-Security-Policy"] = _POLICY.format(hashes=hashes)
    return response


def mount(app: FastAPI) -> None:
    """Add /docs and its OAuth2 redirect page (used by Swagger UI's "Authorize")."""
    openapi_url = app.openapi_url
    if openapi_url is None:
        return
    redirect_url = app.swagger_ui_oauth2_redirect_url or f"{DOCS_URL}/oauth2-redirect"
    parameters = {**(app.swagger_ui_parameters or {}), **SWAGGER_UI_PARAMETERS}

    def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=root + SWAGGER_JS_URL,
                swagger_css_url=root + SWAGGER_CSS_URL,
                swagger_favicon_url=root + FAVICON_URL,
                oauth2_redirect_url=root + redirect_url,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=parameters,
            )
        )

    def swagger_ui_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())

    app.add_api_route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(redirect_url, swagger_ui_redirect, methods=["GET"], include_in_schema=False)
