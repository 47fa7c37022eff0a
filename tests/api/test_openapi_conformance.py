"""The API answers as its OpenAPI document says: generated requests (schemathesis) to every
operation of the served document, signed in as a national admin and as a provincial
manager, over a small seeded country.

Each answer is checked for a server error, a status the operation does not declare, a
media type it does not declare, and a body that does not match the declared schema; any
finding fails the test, with the request that reproduces it.

Bounded so the run stays within a couple of minutes per caller on two shared cores: at
most ``EXAMPLES`` generated requests per operation (and the coverage phase's edge cases),
derandomized so every run sends the same requests, and a per-request deadline.

It runs on SQLite only. The requests exercise the document, the validation and the
error answers, which do not depend on the database; every storage behaviour they reach
is tested on both databases by the domain tests.

Excluded: no operation, as none changes the caller's own account: there is no password
change or log-out, and disabling or enabling a user takes a name, which is never the
caller's (the callers' names are not among those the run generates, and disabling one's
own account is refused). ``caller`` proves its caller is still signed in and active when
the run ends.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from darman.synth import service as synth
from tests import factories as f

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# DARMAN_TEST_CONFORMANCE_EXAMPLES=200 explores further, for a run by hand
EXAMPLES = int(os.environ.get("DARMAN_TEST_CONFORMANCE_EXAMPLES", "25"))
# Names no generated request uses: a disabling or a failed log-in never hits a caller.
CALLERS = {
    "admin": {"username": "conformance-admin-7f3c"},
    "province": {
        "username": "conformance-province-7f3c",
        "role": Role.PROVINCE_MANAGER,
        "scope_level": ScopeLevel.PROVINCE,
        "province_id": 1,
    },
}


@pytest.fixture
def served(app: FastAPI) -> schemathesis.BaseSchema:
    """The document as the app serves it at /openapi.json."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def caller(
    request: pytest.FixtureRequest, client: TestClient, uow: UnitOfWork
) -> Iterator[dict[str, str]]:
    """A tiny seeded country (every province, a few centres, practitioners, insured and
    the catalogues), both callers, and the chosen one's bearer token."""
    synth.seed(uow.session, scale=0.0002, seed=11)
    for fields in CALLERS.values():
        f.user(uow.session, **fields)
    uow.commit()
    username = CALLERS[request.param]["username"]
    headers = f.token(client, str(username))
    yield headers
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, f"the run signed its own caller out: {me.text}"


schema = schemathesis.pytest.from_fixture("served")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("caller", sorted(CALLERS), indirect=True)
@pytest.mark.usefixtures("caller")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=dt.timedelta(seconds=30),
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_the_document_says(
    case: schemathesis.Case, caller: dict[str, str]
) -> None:
    case.call_and_validate(headers=caller, checks=CHECKS)
