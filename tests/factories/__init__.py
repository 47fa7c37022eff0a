"""Test data builders. Each rejects fields it does not know, so a typo fails loudly."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from darman.claims import policy
from darman.common import national_id
from darman.common.jalali import parse_jalali
from darman.registry import service as registry
from darman.registry.schemas import CoverageCreate, FacilityCreate, InsuredCreate
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.models import User
from darman.security.principal import SYSTEM
from darman.synth.generator import FACILITY_COLUMNS

_counter = itertools.count(1)
PASSWORD = "correct-horse-42"


def _merge(defaults: dict[str, Any], overrides: dict[str, Any], what: str) -> dict[str, Any]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"{what} factory does not know {sorted(unknown)}")
    return {**defaults, **overrides}


_COUNTS_AFTER_ICU = FACILITY_COLUMNS[
    FACILITY_COLUMNS.index("beds_ccu") : FACILITY_COLUMNS.index("other_staff") + 1
]


def facility(session: Session, **overrides: Any) -> Any:
    n = next(_counter)
    data = _merge(
        {
            "code": f"T{n:05d}",
            "name": f"بیمارستان آزمون {n}",
            "ownership": "contracted",
            "kind": "hospital",
            "level": 2,
            "province_code": "01",
            "city": "",
            "beds_general": 50,
            "beds_icu": 5,
            # every other bed, equipment and staff count of the seed's facility rows: none
            **dict.fromkeys(_COUNTS_AFTER_ICU, 0),
        },
        overrides,
        "facility",
    )
    return registry.create_facility(session, SYSTEM, data=FacilityCreate(**data))


def new_national_id() -> str:
    return national_id.make(100_000_000 + next(_counter) * 7919)


def insured(session: Session, **overrides: Any) -> Any:
    data = _merge(
        {
            "national_id": new_national_id(),
            "first_name": "علی",
            "last_name": "رضایی",
            "sex": "male",
            "birth_date": "1360/05/12",
            "province_code": "01",
            "relation": "main",
            "main_national_id": None,
        },
        overrides,
        "insured",
    )
    return registry.create_insured(session, SYSTEM, data=InsuredCreate(**data))


def coverage(session: Session, **overrides: Any) -> Any:
    data = _merge(
        {"national_id": None, "start_date": "1400/01/01", "end_date": None, "plan": "general"},
        overrides,
        "coverage",
    )
    return registry.create_coverage(session, SYSTEM, data=CoverageCreate(**data))


def user(session: Session, **overrides: Any) -> User:
    data = _merge(
        {
            "username": f"user{next(_counter)}",
            "password": PASSWORD,
            "role": Role.ADMIN,
            "scope_level": ScopeLevel.NATIONAL,
            "province_id": None,
            "facility_id": None,
            "full_name": "",
        },
        overrides,
        "user",
    )
    return security.create_user(session, places=registry.UserPlaces(session), actor="test", **data)


def token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization header of a fresh bearer token obtained through the real log-in endpoint."""
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def lasting_filing_deadline(session: Session) -> None:
    """A national filing deadline of ten years for documents filed from 1405 on.

    The claims worlds date their services in 1405 (the tariff year the tests price at)
    and file them on the session's day: under the default 180-day deadline they would
    all be late (R09) from Nowruz 1406 on. A province deadline a test sets still wins."""
    policy.set_filing_deadline(
        session,
        SYSTEM,
        days=policy.MAX_DEADLINE_DAYS,
        valid_from=parse_jalali("1405/01/01"),
        note="test worlds: services of 1405 filed on any later day",
    )
