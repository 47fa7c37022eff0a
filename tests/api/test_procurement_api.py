"""The procurement API on both databases: quantification download, a tender opened, bid,
evaluated and awarded once, call-off and delivery, the supplier's history, the plan, and
problem+json naming the field."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from darman.db.uow import UnitOfWork
from darman.procurement.models import Award
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.procurement.world import TODAY, build

BASE = "/api/v1/procurement"


@pytest.fixture
def world(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(
            uow.session,
            username="qm",
            role=Role.PROVINCE_MANAGER,
            scope_level=ScopeLevel.PROVINCE,
            province_id=w.qom.province_id,
        )
        f.user(
            uow.session,
            username="desk",
            role=Role.PROVIDER_USER,
            scope_level=ScopeLevel.FACILITY,
            facility_id=w.qom.id,
        )
        uow.commit()
    return w


def fields(resp) -> set[str]:
    return {e.get("field") or "" for e in resp.json().get("errors", [])}


def test_a_tender_is_opened_bid_evaluated_awarded_called_off_and_delivered(client, world):
    hq, qm = f.token(client, "hq"), f.token(client, "qm")
    body = {
        "code": "NT-API-1",
        "title_fa": "مناقصه‌ی آزمون",
        "period_start": TODAY.isoformat(),
        "period_end": (TODAY + dt.timedelta(days=90)).isoformat(),
        "need_by": (TODAY + dt.timedelta(days=60)).isoformat(),
        "items": {"X002": 300},
    }
    assert client.post(f"{BASE}/tenders", json=body, headers=qm).status_code == 403
    opened = client.post(f"{BASE}/tenders", json=body, headers=hq)
    assert opened.status_code == 201, opened.text
    again = client.post(f"{BASE}/tenders", json=body, headers=hq)
    assert again.status_code == 409
    bad = client.post(
        f"{BASE}/tenders", json={**body, "code": "NT-API-2", "items": {"NOPE": 1}}, headers=hq
    )
    assert bad.status_code == 422 and "items.NOPE" in fields(bad)
    for sup, price in (("SP1", 1_000), ("SP2", 900)):
        bid = {
            "supplier_code": sup,
            "item_code": "X002",
            "unit_price_rials": price,
            "lead_time_days": 10,
            "capacity": 250,
            "quality": 90,
        }
        assert client.post(f"{BASE}/tenders/NT-API-1/bids", json=bid, headers=hq).status_code == 201
    wrong = client.post(
        f"{BASE}/tenders/NT-API-1/bids",
        headers=hq,
        json={
            "supplier_code": "SP3",
            "item_code": "X002",
            "unit_price_rials": 0,
            "lead_time_days": 1,
            "capacity": 1,
            "quality": 50,
        },
    )
    assert wrong.status_code == 422 and "unit_price_rials" in fields(wrong)
    ev = client.get(f"{BASE}/tenders/NT-API-1/evaluation", headers=qm).json()
    got = {line["supplier_code"]: line["quantity"] for line in ev["lines"]}
    assert got == {"SP2": 210, "SP1": 90}  # vital: the cheaper takes its 70 %, the other the rest
    assert ev["cost_rials"] == 210 * 900 + 90 * 1_000
    assert client.post(f"{BASE}/tenders/NT-API-1/award", headers=qm).status_code == 403
    assert client.post(f"{BASE}/tenders/NT-API-1/award", headers=hq).status_code == 200
    assert client.post(f"{BASE}/tenders/NT-API-1/award", headers=hq).status_code == 409
    sheet = client.get(f"{BASE}/tenders/NT-API-1/evaluation", params={"format": "xlsx"}, headers=hq)
    assert sheet.content[:2] == b"PK"
    with UnitOfWork(client.app.state.session_factory) as uow:
        award_id = uow.session.scalars(select(Award.id).order_by(Award.id.desc())).first()
    po = client.post(
        f"{BASE}/orders",
        headers=qm,
        json={
            "award_id": award_id,
            "facility_code": world.qom.code,
            "quantity": 10,
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert po.status_code == 201, po.text
    desk = f.token(client, "desk")
    got = client.post(
        f"{BASE}/orders/{po.json()['id']}/deliveries",
        headers=desk,
        json={"quantity": 10, "defective": 11},
    )
    assert got.status_code == 422 and "defective" in fields(got)
    ok = client.post(
        f"{BASE}/orders/{po.json()['id']}/deliveries",
        headers=desk,
        json={"quantity": 10, "defective": 1},
    )
    assert ok.status_code == 201
    assert client.get(f"{BASE}/tenders", headers=desk).status_code == 403


def test_quantification_downloads_and_the_desk_sees_its_own_facility(client, world):
    desk = f.token(client, "desk")
    mine = client.get(f"{BASE}/quantification", params={"level": "facility"}, headers=desk).json()
    assert {r[0] for r in mine["rows"]} == {world.qom.code}
    sheet = client.get(
        f"{BASE}/quantification",
        params={"format": "xlsx", "level": "province"},
        headers=f.token(client, "hq"),
    )
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "کد استان" and {r[0] for r in rows[1:]} == {"08", "19"}
    bad = client.get(f"{BASE}/quantification", params={"lookback_months": 0}, headers=desk)
    assert bad.status_code == 422


def test_suppliers_history_stockouts_and_the_plan(client, world):
    hq = f.token(client, "hq")
    listed = client.get(f"{BASE}/suppliers", headers=hq).json()
    assert {s["kind"] for s in listed} == {
        "manufacturer",
        "importer",
        "distributor",
        "intermediary",
    }
    one = client.get(f"{BASE}/suppliers/SP1", headers=hq).json()
    assert one["affiliated"] and len(one["items"]) == 4 and one["score"] == 70.0
    assert client.get(f"{BASE}/suppliers/NONE", headers=hq).status_code == 404
    outs = client.get(f"{BASE}/stockouts", headers=hq).json()
    assert outs["rows"][0]["status"] == "out"
    plan = client.get(f"{BASE}/plans/SP-T", headers=hq).json()
    assert plan[0]["task_code"] == "T01" and plan[0]["overdue"] and plan[0]["start_jalali"]
    mine = client.get(f"{BASE}/plans/overdue/mine", headers=hq).json()
    assert "T02" in {t["task_code"] for t in mine}
    done = client.put(f"{BASE}/plans/SP-T/tasks/T02", json={"status": "done"}, headers=hq)
    assert done.status_code == 200


def test_a_month_that_does_not_exist_is_named(client, world):
    hq = f.token(client, "hq")
    bad = client.get(f"{BASE}/quantification", params={"last_month": 140413}, headers=hq)
    assert bad.status_code == 422 and "last_month" in fields(bad)
