"""Fixtures of the FHIR tests: the two-province world, committed, and callers' headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from tests import factories as f
from tests.fhir.support import World, build_world


@pytest.fixture
def world(uow: UnitOfWork) -> World:
    built = build_world(uow.session)
    uow.commit()
    return built


@pytest.fixture
def headers(client: TestClient, world: World) -> Callable[[str], dict[str, str]]:
    """Authorization headers of a world user (admin, boss or desk), one log-in each."""
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = {**f.token(client, username), "Accept": "application/fhir+json"}
        return cache[username]

    return get
