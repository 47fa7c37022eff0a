"""A direct route is answered ahead of FastAPI's routing, yet errors still come back as
the app's problem+json and every other request passes through as before."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient

from darman.common import direct_routes, problems
from darman.common.errors import InvalidInput

solved: list[str] = []


def _recorded() -> None:
    solved.append("dependency")


router = APIRouter(prefix="/api/v1/things", dependencies=[Depends(_recorded)])


@router.post("/check")
async def check(request: Request) -> Response:
    body = await request.body()
    if body == b"bad":
        raise InvalidInput("the body is bad")
    if body == b"boom":
        raise RuntimeError("unexpected")
    return Response(b"checked:" + body, media_type="text/plain")


@router.get("/check")
async def check_read() -> dict[str, str]:
    return {"read": "through FastAPI"}


@router.post("/{name}")
async def named(name: str) -> dict[str, str]:
    return {"name": name}


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)
    app.include_router(router)
    direct_routes.install(app, router, check)
    return app


@pytest.fixture
def client() -> TestClient:
    solved.clear()
    return TestClient(_app(), raise_server_exceptions=False)


def test_the_direct_route_answers_without_fastapis_routing(client) -> None:
    resp = client.post("/api/v1/things/check", content=b"abc")
    assert resp.status_code == 200
    assert resp.text == "checked:abc"
    assert solved == []  # the router's dependency was never solved
    # the same router's other routes still go through FastAPI, dependencies and all
    assert client.get("/api/v1/things/check").json() == {"read": "through FastAPI"}
    assert client.post("/api/v1/things/other").json() == {"name": "other"}
    assert solved == ["dependency", "dependency"]


def test_what_the_direct_route_raises_is_the_apps_problem_json(client) -> None:
    bad = client.post("/api/v1/things/check", content=b"bad")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["detail"] == "the body is bad"
    assert bad.json()["instance"] == "/api/v1/things/check"

    boom = client.post("/api/v1/things/check", content=b"boom")
    assert boom.status_code == 500
    assert boom.json()["type"].endswith("/internal-error")


def test_the_path_is_matched_below_the_root_path() -> None:
    with TestClient(_app(), root_path="/darman") as client:
        resp = client.post("/darman/api/v1/things/check", content=b"x")
    assert resp.text == "checked:x"


def test_an_endpoint_the_router_does_not_have_is_refused() -> None:
    async def stray(request: Request) -> Response:  # pragma: no cover - never served
        return Response()

    with pytest.raises(ValueError, match="stray"):
        direct_routes.install(FastAPI(), router, stray)
    with pytest.raises(ValueError, match="path parameters"):
        direct_routes.install(FastAPI(), router, named)  # type: ignore[arg-type]
