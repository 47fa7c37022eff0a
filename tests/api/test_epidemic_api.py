"""The epidemic API on both databases: the cost summary with the caller's scope, issuing a
statement twice, editing refused in Persian, a correction, the Excel download, bad input."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from darman.claims.models import ClaimLine
from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.epidemic_world import build

BASE = "/api/v1/population/epidemic"


@pytest.fixture
def world(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(uow.session, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=w.q.province_id)  # fmt: skip
        uow.commit()
    return w


def test_the_cost_summary_answers_each_caller_their_scope(client, world) -> None:
    hq = f.token(client, "hq")
    whole = client.get(f"{BASE}/cost", headers=hq)
    assert whole.status_code == 200, whole.text
    total = next(r for r in whole.json()["rows"] if r["province_id"] is None and
                 r["ownership"] is None)  # fmt: skip
    assert (total["admissions"], total["median_cost"], total["p90_cost"]) == (4, 8_850, 12_800)
    qom = client.get(f"{BASE}/cost", headers=f.token(client, "qom")).json()
    assert {r["province_id"] for r in qom["rows"]} == {world.q.province_id, None}
    listed = client.get(f"{BASE}/admissions", params={"month": "1404/03"}, headers=hq).json()
    assert [a["admission_id"] for a in listed] == [world.claims["a4"]]
    bad = client.get(f"{BASE}/admissions", params={"month": "1404-3x"}, headers=hq)
    assert bad.status_code == 422 and "ماه" in bad.json()["detail"]


def test_a_statement_is_issued_once_never_edited_and_corrected(
    client, world, session_factory
) -> None:
    hq = f.token(client, "hq")
    first = client.post(f"{BASE}/statements", json={"month": "1404/02"}, headers=hq)
    assert first.status_code == 201, first.text
    sid = first.json()["statement"]["id"]
    again = client.post(f"{BASE}/statements", json={"month": "1404/02"}, headers=hq)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["statement"]["id"] == sid
    edit = client.patch(f"{BASE}/statements/{sid}", headers=hq)
    assert edit.status_code == 409 and "تغییر نمی‌کند" in edit.json()["detail"]
    assert client.delete(f"{BASE}/statements/{sid}", headers=hq).status_code == 409
    with UnitOfWork(session_factory) as uow:
        uow.session.execute(
            update(ClaimLine).where(ClaimLine.claim_id == world.claims["a3"])
            .values(allowed_rials=1_000, insurer_rials=900)
        )  # fmt: skip
        uow.commit()
    stale = client.post(f"{BASE}/statements", json={"month": "1404/02"}, headers=hq)
    assert stale.status_code == 409 and "اصلاحی" in stale.json()["detail"]
    fixed = client.post(f"{BASE}/statements/{sid}/corrections",
                        json={"reason": "کسر بازبینی"}, headers=hq)  # fmt: skip
    assert fixed.status_code == 201, fixed.text
    assert (fixed.json()["corrects_id"], fixed.json()["insurer_rials"]) == (sid, 20_430)
    listed = client.get(f"{BASE}/statements", headers=hq).json()
    assert [s["number"] for s in listed] == ["COVID19-00002", "COVID19-00001"]
    assert listed[1]["corrected_by_id"] == fixed.json()["id"]
    detail = client.get(f"{BASE}/statements/{sid}", headers=hq).json()
    assert len(detail["lines"]) == 3 and detail["insurer_rials"] == 21_330
    xlsx = client.get(f"{BASE}/statements/{sid}/xlsx", headers=hq)
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["صورت‌حساب همه‌گیری"]


def test_a_province_manager_may_not_issue_and_an_unknown_statement_is_not_found(
    client, world
) -> None:
    qom = f.token(client, "qom")
    refused = client.post(f"{BASE}/statements", json={"month": "1404/02"}, headers=qom)
    assert refused.status_code == 403
    missing = client.get(f"{BASE}/statements/999", headers=f.token(client, "hq"))
    assert missing.status_code == 404 and "پیدا نشد" in missing.json()["detail"]
