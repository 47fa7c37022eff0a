"""Adjudication policy set by headquarters: stored, resolved, audited and obeyed by the kernel."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.claims import service
from darman.claims.models import ClaimLine, PolicyParameter
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.registry import service_support as registry_service_support
from darman.registry.models import Facility
from tests.integration.claims.conftest import claim, tariff


def _province_code(session_factory, world: dict[str, Any]) -> str:
    with UnitOfWork(session_factory) as uow:
        pid = uow.session.get(Facility, world["hospital_id"]).province_id
        return registry_service_support.province_code_of(uow.session, pid)


def _adjudicated_lines(session_factory) -> dict[str, ClaimLine]:
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        uow.commit()
        rows = uow.session.execute(
            select(ClaimLine.service_date, ClaimLine).order_by(ClaimLine.id)
        ).all()
        uow.session.expunge_all()
    return {str(day): line for day, line in rows}


def test_a_province_copay_from_a_date_applies_to_services_from_that_day_only(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    province = _province_code(session_factory, world)
    answer = client.post(
        "/api/v1/claims/policy/copay",
        json={
            "province_code": province,
            "visit_type": "outpatient",
            "ownership": "contracted",
            "percent": 20,
            "valid_from": "1405/07/02",
            "note": "بخشنامه‌ی آزمایشی",
        },
        headers=world["admin"],
    )
    assert answer.status_code == 201, answer.text
    for doc, day in (("C1", "1405/07/01"), ("C2", "1405/07/02")):
        body = claim(world, doc)
        body["lines"][0]["service_date"] = day
        assert client.post("/api/v1/claims", json=body, headers=world["desk"]).status_code == 201
    lines = _adjudicated_lines(session_factory)
    price = tariff("100102")
    before, after = lines["2026-09-23"], lines["2026-09-24"]
    assert (before.allowed_rials, before.copay_rials) == (price, (price * 30 + 50) // 100)
    assert (after.allowed_rials, after.copay_rials) == (price, (price * 20 + 50) // 100)
    assert after.insurer_rials == price - after.copay_rials

    shown = client.get("/api/v1/claims/policy", headers=world["admin"]).json()
    mine = [
        c
        for c in shown["copay"]
        if (c["province_code"], c["visit_type"], c["ownership"])
        == (province, "outpatient", "contracted")
    ]
    assert [(c["value"], c["valid_from"]) for c in mine] == [(20, "2026-09-24")]
    national = [
        c
        for c in shown["copay"]
        if c["province_code"] is None
        and (c["visit_type"], c["ownership"]) == ("outpatient", "contracted")
    ]
    assert [c["value"] for c in national] == [30]
    copays = [e for e in shown["entries"] if e["parameter"] == "copay_percent"]
    assert [e["note"] for e in copays] == ["بخشنامه‌ی آزمایشی"]


def test_a_shorter_province_filing_deadline_rejects_a_late_document(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    province = _province_code(session_factory, world)
    answer = client.post(
        "/api/v1/claims/policy/filing-deadline",
        json={"province_code": province, "days": 30, "valid_from": "1405/01/01"},
        headers=world["admin"],
    )
    assert answer.status_code == 201, answer.text
    late = claim(world, "L1")  # served 1405/07/01, filed today: well past 30 days
    assert client.post("/api/v1/claims", json=late, headers=world["desk"]).status_code == 201
    (line,) = _adjudicated_lines(session_factory).values()
    assert line.outcome == "rejected"
    assert "R09" in line.reasons.split(";")


def test_a_referral_rollout_set_through_the_api_gates_specialist_visits_there(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    province = _province_code(session_factory, world)
    answer = client.put(
        "/api/v1/claims/rollouts",
        json={"province_code": province, "programme": "referral", "active_from": "1405/01/01"},
        headers=world["admin"],
    )
    assert answer.status_code == 200, answer.text
    assert client.post("/api/v1/claims", json=claim(world, "R1"), headers=world["desk"]).is_success
    (line,) = _adjudicated_lines(session_factory).values()
    assert "R10" in line.reasons.split(";")
    moved = client.put(
        "/api/v1/claims/rollouts",
        json={"province_code": province, "programme": "referral", "active_from": "1406/01/01"},
        headers=world["admin"],
    )
    assert moved.json()["active_from"] == "2027-03-21"
    rollouts = client.get("/api/v1/claims/policy", headers=world["admin"]).json()["rollouts"]
    assert [r for r in rollouts if r["province_code"] == province] == [
        {
            "province_code": province,
            "programme": "referral",
            "active_from": "2027-03-21",
            "phase": 1,
            "bypass_copay_percent": None,
        }
    ]
    phase_two = client.put(
        "/api/v1/claims/rollouts",
        json={
            "province_code": province,
            "programme": "referral",
            "active_from": "1406/01/01",
            "phase": 2,
        },
        headers=world["admin"],
    )
    assert phase_two.json()["phase"] == 2
    bad_phase = client.put(
        "/api/v1/claims/rollouts",
        json={
            "province_code": province,
            "programme": "referral",
            "active_from": "1406/01/01",
            "phase": 3,
        },
        headers=world["admin"],
    )
    assert bad_phase.status_code == 422 and "phase" in bad_phase.text
    with UnitOfWork(session_factory) as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "programme_rollout")
        ).all()
    assert list(actions) == ["set_rollout", "set_rollout", "set_rollout"]


def test_bad_policy_input_names_the_field_and_stores_nothing(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    def stored() -> int:
        with UnitOfWork(session_factory) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(PolicyParameter)) or 0)

    before = stored()  # the world's own filing deadline
    good = {
        "visit_type": "outpatient",
        "ownership": "contracted",
        "percent": 25,
        "valid_from": "1405/01/01",
    }
    for change, field in (
        ({"percent": 101}, "percent"),
        ({"percent": "25"}, "percent"),
        ({"visit_type": "dental"}, "visit_type"),
        ({"valid_from": "1405/13/01"}, "valid_from"),
        ({"valid_to": "1404/12/29"}, "valid_to"),
        ({"province_code": "99"}, "province_code"),
        ({"colour": "red"}, "colour"),
    ):
        answer = client.post(
            "/api/v1/claims/policy/copay", json={**good, **change}, headers=world["admin"]
        )
        assert answer.status_code == 422, (change, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert any(field in (e.get("field") or "") for e in answer.json()["errors"]), answer.text
    deadline = client.post(
        "/api/v1/claims/policy/filing-deadline",
        json={"days": 0, "valid_from": "1405/01/01"},
        headers=world["admin"],
    )
    assert deadline.status_code == 422
    assert stored() == before == 1


def test_only_headquarters_sets_policy_but_everyone_signed_in_may_read_it(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = {
        "visit_type": "inpatient",
        "ownership": "owned",
        "percent": 5,
        "valid_from": "1405/01/01",
    }
    assert (
        client.post("/api/v1/claims/policy/copay", json=body, headers=world["desk"]).status_code
        == 403
    )
    assert client.post("/api/v1/claims/policy/copay", json=body).status_code == 401
    read = client.get("/api/v1/claims/policy", headers=world["desk"])
    assert read.status_code == 200
    assert {c["value"] for c in read.json()["copay"] if c["ownership"] == "owned"} == {0}


def test_a_province_charging_a_bypass_copayment_pays_an_unreferred_visit_at_that_share(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    province = _province_code(session_factory, world)
    refused = client.put(
        "/api/v1/claims/rollouts/referral-bypass",
        json={"province_code": province, "copay_percent": 70},
        headers=world["admin"],
    )
    assert refused.status_code == 422 and "province_code" in refused.text  # no rollout yet
    client.put(
        "/api/v1/claims/rollouts",
        json={"province_code": province, "programme": "referral", "active_from": "1405/01/01"},
        headers=world["admin"],
    )
    for bad in (101, -1, "70", True):
        answer = client.put(
            "/api/v1/claims/rollouts/referral-bypass",
            json={"province_code": province, "copay_percent": bad},
            headers=world["admin"],
        )
        assert answer.status_code == 422 and "copay_percent" in answer.text, bad
    desk = client.put(
        "/api/v1/claims/rollouts/referral-bypass",
        json={"province_code": province, "copay_percent": 70},
        headers=world["desk"],
    )
    assert desk.status_code == 403
    set_ = client.put(
        "/api/v1/claims/rollouts/referral-bypass",
        json={"province_code": province, "copay_percent": 70},
        headers=world["admin"],
    )
    assert set_.status_code == 200 and set_.json()["bypass_copay_percent"] == 70
    assert client.post("/api/v1/claims", json=claim(world, "B1"), headers=world["desk"]).is_success
    (line,) = _adjudicated_lines(session_factory).values()
    price = tariff("100102")
    assert line.reasons.split(";") == ["D03"] and line.outcome == "partial"
    assert (line.allowed_rials, line.copay_rials) == (price, (price * 70 + 50) // 100)
    assert line.insurer_rials == price - line.copay_rials
    back = client.put(
        "/api/v1/claims/rollouts/referral-bypass",
        json={"province_code": province, "copay_percent": None},
        headers=world["admin"],
    )
    assert back.json()["bypass_copay_percent"] is None
    with UnitOfWork(session_factory) as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "set_referral_bypass")
        ).all()
    assert len(actions) == 2
