"""Every route that only reads opens the read-only unit of work.

A read-only unit does not queue for SQLite's write lock and is a READ ONLY transaction
on PostgreSQL, so a page or a search never waits behind a payment run; a write slipped
into one fails loudly. This test walks the app's routes and their dependency trees, so a
new GET that asks for the writing unit is named here rather than found under load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from darman.security.deps import get_read_uow, get_uow

# GET routes allowed to open the writing unit, each with the reason it writes.
# None today: keep it that way unless a read truly has to write.
WRITING_GETS: dict[str, str] = {}

# GET routes that open no unit at all: they read no table (fixed code lists, the
# caller's own principal, a shipped example, the docs), or read on the event loop's
# read-only engine (the health probe's schema version).
NO_UNIT_GETS = {
    "/health",
    "/api/v1/claims/reasons",
    "/api/v1/prescriptions/reasons",
    "/api/v1/me",
    "/api/v1/planning/scenarios/example",
    "/api/v1/population/epidemic/episodes",  # the episodes shipped as data
    "/api/v1/population/programmes",  # the prevention programmes shipped as data
    "/fhir/r4/metadata",
    "/fhir/r4/{path:path}",  # answers any unsupported interaction with an OperationOutcome
    "/docs",
    "/docs/oauth2-redirect",
    "/appointments/my-result",  # the candidate's empty form
}

# POST routes that only read (searches and lookups, or a body too large for a URL);
# they must use the read-only unit as the GETs do.
READING_POSTS = {
    "/api/v1/planning/allocations",
    "/api/v1/referrals/panels/history",
    "/api/v1/prescriptions/lookup",
    "/api/v1/prescriptions/check",
    "/prescriptions/dispense/lookup",
    "/prescriptions/check",
    "/planning/allocation",
    "/api/v1/appointments/my-result",
    "/appointments/my-result",
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _units(route: APIRoute) -> set[str]:
    calls = set(_calls(route.dependant))
    return {name for name, fn in (("read", get_read_uow), ("write", get_uow)) if fn in calls}


class _Route:
    """A route as served: its full path and the endpoint's declared route."""

    def __init__(self, path: str, route: APIRoute) -> None:
        self.path = path
        self.route = route


def _routes(app: FastAPI, method: str) -> list[_Route]:
    # app.routes keeps an included router as one entry; iter_route_contexts is FastAPI's
    # public walk that yields each route it serves with its full path.
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and method in route.methods and context.path:
            found.append(_Route(context.path, route))
    return found


def test_every_get_route_reads_on_the_read_only_unit_and_none_on_the_writing_one(
    app: FastAPI,
) -> None:
    gets = _routes(app, "GET")
    writing = sorted(
        r.path for r in gets if "write" in _units(r.route) and r.path not in WRITING_GETS
    )
    unitless = sorted(
        r.path for r in gets if "read" not in _units(r.route) and r.path not in NO_UNIT_GETS
    )
    assert writing == [], f"GET routes on the writing unit: {writing}"
    assert unitless == [], f"GET routes without the read-only unit: {unitless}"
    # The walk must have seen the API, FHIR and web pages, or the above proves nothing.
    paths = {r.path for r in gets}
    assert "/api/v1/facilities" in paths
    assert "/claims" in paths
    assert any(p.startswith("/fhir/r4/") for p in paths)


def test_the_allow_lists_name_only_routes_that_exist(app: FastAPI) -> None:
    gets = {r.path for r in _routes(app, "GET")}
    posts = {r.path for r in _routes(app, "POST")}
    assert set(WRITING_GETS) - gets == set()
    assert NO_UNIT_GETS - gets == set()
    assert READING_POSTS - posts == set()


def test_posts_that_only_read_use_the_read_only_unit(app: FastAPI) -> None:
    reading = [r for r in _routes(app, "POST") if r.path in READING_POSTS]
    offenders = sorted(r.path for r in reading if _units(r.route) != {"read"})
    assert offenders == []
    assert len(reading) == len(READING_POSTS)
