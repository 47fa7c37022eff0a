"""The performance API on both databases: compute, scorecard and ranking with the
provincial scope, Excel export, targets (one and from a file) and weights, and who may
call what."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.performance.world import build

BASE = "/api/v1/performance"
PERIOD = {"period": "1405/07"}


@pytest.fixture
def world(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        qom = uow.session.scalar(select(Province.id).where(Province.code == "19"))
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(uow.session, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=qom)  # fmt: skip
        f.user(uow.session, username="desk", role=Role.PROVIDER_USER,
               scope_level=ScopeLevel.FACILITY, facility_id=w.c.id)  # fmt: skip
        uow.commit()
    return w


def test_national_staff_compute_and_see_every_province_in_full(client, world) -> None:
    hq = f.token(client, "hq")
    done = client.post(f"{BASE}/compute", params={**PERIOD, "months": 2}, headers=hq)
    assert done.status_code == 200, done.text
    assert [r["period"] for r in done.json()] == ["1405/06", "1405/07"]
    card = client.get(f"{BASE}/scorecard", params=PERIOD, headers=hq).json()
    tehran = next(r for r in card["rows"] if r["province_code"] == "08")
    delay = next(c for c in tehran["cells"] if c["indicator"] == "payment_delay_days")
    assert delay["value"] == 27.5 and delay["colour"] == "green"
    ranked = client.get(f"{BASE}/ranking", params={**PERIOD, "draws": 20}, headers=hq).json()
    assert {p["province_code"] for p in ranked["provinces"]} == {"08", "19"}
    assert all(p["full"] and p["contributions"] for p in ranked["provinces"])
    xlsx = client.get(f"{BASE}/scorecard", params={**PERIOD, "format": "xlsx"}, headers=hq)
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][2] == "استان"


def test_a_province_director_sees_their_province_in_full_and_the_others_ranks_only(
    client, world
) -> None:
    client.post(f"{BASE}/compute", params=PERIOD, headers=f.token(client, "hq"))
    qom = f.token(client, "qom")
    card = client.get(f"{BASE}/scorecard", params=PERIOD, headers=qom).json()
    rows = {r["province_code"]: r for r in card["rows"]}
    assert rows["19"]["full"] and rows["19"]["cells"]
    assert not rows["08"]["full"] and rows["08"]["cells"] == [] and rows["08"]["rank"] in (1, 2)
    ranked = client.get(f"{BASE}/ranking", params=PERIOD, headers=qom).json()
    by = {p["province_code"]: p for p in ranked["provinces"]}
    assert by["19"]["topsis"] is not None
    assert by["08"]["topsis"] is None and by["08"]["contributions"] == []
    csv = client.get(f"{BASE}/scorecard", params={**PERIOD, "format": "csv"}, headers=qom)
    assert "27.5" not in csv.content.decode("utf-8-sig")  # Tehran's delay stays hidden
    assert client.post(f"{BASE}/compute", params=PERIOD, headers=qom).status_code == 403


def test_targets_one_at_a_time_and_from_a_file_with_rows_named(client, world) -> None:
    hq = f.token(client, "hq")
    body = {"indicator": "stockout_rate", "province_code": "19", "period": "1405/07", "value": 2}
    put = client.put(f"{BASE}/targets", json=body, headers=hq)
    assert put.status_code == 200 and put.json()["value"] == 2
    bad = b"indicator,province_code,period,value\nstockout_rate,77,1405/07,1\n"
    refused = client.post(f"{BASE}/targets/import", files={"file": ("t.csv", bad)}, headers=hq)
    assert refused.status_code == 422
    problem = refused.json()["errors"][0]
    assert problem["row"] == 2 and problem["field"] == "province_code"
    good = b"indicator,province_code,period,value\nstockout_rate,19,1405/07,1\n"
    done = client.post(f"{BASE}/targets/import", files={"file": ("t.csv", good)}, headers=hq)
    assert done.json() == {"rows": 1, "changed": 1}
    mine = client.get(f"{BASE}/targets", params=PERIOD, headers=f.token(client, "qom")).json()
    assert [t["value"] for t in mine] == [1]


def test_weights_are_set_by_national_staff_and_others_are_refused(client, world) -> None:
    hq = f.token(client, "hq")
    got = client.put(f"{BASE}/weights/stockout_rate", json={"weight": 3}, headers=hq)
    assert got.status_code == 200 and got.json()["weight"] == 3
    qom = f.token(client, "qom")
    assert (
        client.put(f"{BASE}/weights/stockout_rate", json={"weight": 1}, headers=qom).status_code
        == 403
    )
    unknown = client.put(f"{BASE}/weights/nothing", json={"weight": 1}, headers=hq)
    assert unknown.status_code == 422
    desk = f.token(client, "desk")
    assert client.get(f"{BASE}/scorecard", params=PERIOD, headers=desk).status_code == 403
    bad_period = client.get(f"{BASE}/scorecard", params={"period": "14/07"}, headers=hq)
    assert bad_period.status_code == 422


def test_survey_responses_are_imported_and_scored_with_their_count(client, world) -> None:
    hq = f.token(client, "hq")
    head = "respondent,instrument,facility_code,answered_on,nurse_respect,overall\n"
    body = head + f"A1,inpatient,{world.c.code},1405/07/05,4,10\n"
    done = client.post(
        f"{BASE}/surveys/import", files={"file": ("s.csv", body.encode())}, headers=hq
    )
    assert done.status_code == 200 and done.json() == {"rows": 1, "added": 1}
    bad = head + f"A2,inpatient,{world.c.code},1405/07/05,9,10\n"
    refused = client.post(
        f"{BASE}/surveys/import", files={"file": ("s.csv", bad.encode())}, headers=hq
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["row"] == 2
    got = client.get(f"{BASE}/surveys/inpatient/scores", params=PERIOD, headers=hq).json()
    unit = next(u for u in got["units"] if u["code"] == world.c.code)
    assert unit["responses"] == 1 and unit["too_few"] and unit["overall"] is None
