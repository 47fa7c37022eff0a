"""Shared world for the claims tests: a tiny seeded country, users, claim builders."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.db.uow import UnitOfWork
from darman.registry.models import Facility, Insured
from darman.security.enums import Role, ScopeLevel
from darman.synth import catalogue
from darman.synth import service as synth
from tests import factories as f


@pytest.fixture
def world(session_factory, client: TestClient) -> dict[str, Any]:
    """A tiny seeded country, an admin, and a provider user of one contracted level-2 hospital."""
    with UnitOfWork(session_factory) as uow:
        synth.seed(uow.session, scale=0.0002, seed=9)
        f.lasting_filing_deadline(uow.session)
        s = uow.session
        hospital = s.scalar(
            select(Facility)
            .where(
                Facility.ownership == "contracted", Facility.kind == "hospital", Facility.level == 2
            )
            .order_by(Facility.id)
        )
        other = s.scalar(
            select(Facility)
            .where(Facility.id != hospital.id, Facility.ownership == "contracted")
            .order_by(Facility.id)
        )
        person = s.scalar(select(Insured).order_by(Insured.id))
        f.user(s, username="boss")
        f.user(
            s,
            username="desk",
            role=Role.PROVIDER_USER,
            scope_level=ScopeLevel.FACILITY,
            facility_id=hospital.id,
        )
        uow.commit()
        world = {
            "hospital": hospital.code,
            "hospital_id": hospital.id,
            "other": other.code,
            "other_id": other.id,
            "nid": person.national_id,
        }
    world["admin"] = f.token(client, "boss")
    world["desk"] = f.token(client, "desk")
    return world


def tariff(code: str, level: int = 2, ownership: str = "contracted", year: int = 1405) -> int:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    return catalogue.tariff_amount(base, year, level, min_level, ownership)


def claim(w: dict[str, Any], doc: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "facility_code": w["hospital"],
        "document_number": doc,
        "national_id": w["nid"],
        "visit_type": "outpatient",
        "diagnoses": ["J06.9"],
        "lines": [
            {
                "item_type": "service",
                "code": "100102",
                "service_date": "1405/07/01",
                "quantity": 1,
                "unit_price_rials": tariff("100102"),
            }
        ],
    }
    body.update(overrides)
    return body
