"""Routes answered ahead of FastAPI's routing, for the few called on nearly every
keystroke of a user (the e-prescription's dry-run check).

Such a route is still declared on its FastAPI router (the OpenAPI document describes it
from there) and its endpoint already takes the bare ``Request`` and answers with a
``Response`` it built itself (``common/json_body.py``). What is left between the server
and that endpoint is FastAPI's own machinery: matching the path against every route in
turn, the exception and exit-stack middleware, solving the (empty) dependencies and
wrapping the call. Measured in process, that was about a quarter of the check's CPU. This
middleware looks the exact method and path up in a dictionary and calls the endpoint
itself; the app's exception handlers still turn what it raises into problem+json, and
anything they do not handle goes on to the server-error middleware, as for every other
route. Any other method or path passes through untouched.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            self.routes.get((scope["method"], get_route_path(scope)))
            if scope["type"] == "http"
            else None
        )
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = _handler_for(scope["app"].exception_handlers, exc)
            if handler is None:
                raise  # the server-error middleware logs it and answers 500
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def _handler_for(handlers: Mapping[Any, Any], exc: Exception) -> Any:
    """The app's handler for ``exc``'s nearest class, as Starlette's exception
    middleware finds it; the catch-all for ``Exception`` belongs to the server-error
    middleware, which also logs."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None


def install(app: FastAPI, router: APIRouter, *endpoints: Endpoint) -> None:
    """Answer the routes of ``router`` (included in ``app`` without a further prefix)
    whose endpoint is one of ``endpoints`` directly. Each is on a path without
    parameters. Call it after any other middleware is added: middleware added later
    wraps this one and runs for the direct routes too, middleware added earlier sits
    behind it and would be skipped."""
    routes: dict[tuple[str, str], Endpoint] = {}
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint in endpoints:
            if "{" in route.path:
                raise ValueError(f"{route.path}: a direct route has no path parameters")
            routes.update({(method, route.path): route.endpoint for method in route.methods or ()})
    missing = set(endpoints).difference(routes.values())
    if missing:
        names = ", ".join(sorted(e.__qualname__ for e in missing))
        raise ValueError(f"no route of the router has the endpoint(s) {names}")
    app.add_middleware(DirectRoutes, routes=routes)
