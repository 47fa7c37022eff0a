"""The planning pages through the TestClient on both databases: equity with its chart data
and sortable table, the allocation of the seeds' scenario and of an edited one (errors
named), the levelling gap list, the Excel downloads, and who gets them."""

from __future__ import annotations

import io
import json
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.planning import scenario
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.planning.world import MRI, build
from tests.web.test_claims_pages import login


def make_world(session_factory: sessionmaker[Session]):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(
            uow.session, username="qm", role=Role.PROVINCE_MANAGER,
            scope_level=ScopeLevel.PROVINCE, province_id=w.qom_hospital.province_id,
        )  # fmt: skip
        f.user(
            uow.session, username="desk", role=Role.PROVIDER_USER,
            scope_level=ScopeLevel.FACILITY, facility_id=w.qom_hospital.id,
        )  # fmt: skip
        uow.commit()
    return w


def test_the_equity_page_shows_qom_first_with_the_lorenz_data(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")  # provincial staff read the whole country's picture
    assert 'href="/planning/equity"' in client.get("/").text
    page = client.get("/planning/equity")
    assert page.status_code == 200
    first_row = re.search(r'<tr data-code="(\d\d)">', page.text.split('id="equity-table"')[1])
    assert first_row and first_row.group(1) == "19"  # Qom: fewest ICU beds per person
    chart = json.loads(re.search(r"data-chart='([^']+)'", page.text).group(1).replace("&#34;", '"'))
    assert chart["all"]["x"][0] == 0 and len(chart["all"]["x"]) == 32
    assert 'id="gini-without"' in page.text and 'data-sort="num"' in page.text
    # the map: every province a tile, Qom (fewest ICU beds per person) in the lightest class
    assert page.text.count('<li class="pmap-tile') == 31
    qom = re.search(r'<li class="pmap-tile ([^"]*)"[^>]*data-code="19"', page.text)
    assert qom and qom.group(1).endswith("pm-b0")
    wanted = {
        "resource": "beds_general",
        "population": "insured",
        "ownership": "owned",
        "need": "1",
    }
    beds = client.get("/planning/equity", params=wanted)
    assert beds.status_code == 200 and "وزن‌دار" in beds.text
    odd = client.get("/planning/equity", params={"resource": "x", "norm": "abc"})
    assert odd.status_code == 200  # unknown choices fall back to the defaults
    sheet = client.get("/planning/equity", params={"download": "xlsx"})
    assert load_workbook(io.BytesIO(sheet.content)).active["C2"].value == "قم"


def test_the_allocation_page_solves_the_example_and_an_edited_scenario(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/planning/allocation")
    assert page.status_code == 200 and 'data-line="icu_beds"' in page.text
    assert "scenario_text" in page.text and "beds_1396" in page.text
    text = scenario.shipped_text().replace("units = 50\n", "units = 4\n")
    text = text.replace("staff_per_unit = { nurses = 2.0, physicians = 0.5 }\n", "")
    done = client.post("/planning/allocation", data={"scenario_text": text, "sensitivity": "1"})
    assert done.status_code == 200
    icu = done.text.split('data-line="icu_beds"')[1].split("</section>")[0]
    given = [int(g) for g in re.findall(r'data-given="(\d+)"', icu)]
    assert sum(given) == 4 and "پایدار" in done.text
    assert 'id="solver-status">بهینه</span>' in done.text and "HiGHS" not in done.text
    bad = client.post(
        "/planning/allocation", data={"scenario_text": text.replace("year = 1404", "year = 12")}
    )
    assert bad.status_code == 422 and "year" in bad.text and 'id="scenario-errors"' in bad.text
    sheet = client.get("/planning/allocation", params={"download": "xlsx"})
    assert sheet.content[:2] == b"PK"
    edited = client.post("/planning/allocation", data={"scenario_text": text, "download": "xlsx"})
    rows = list(load_workbook(io.BytesIO(edited.content)).active.iter_rows(values_only=True))
    icu_rows = [r for r in rows if r[0] == "تخت مراقبت ویژه" and r[1]]
    assert sum(r[4] for r in icu_rows) == 4  # the edited scenario's four beds, not the example's


def test_the_levelling_page_lists_qoms_gaps_and_the_desk_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/planning/levelling", params={"province": "19"})
    assert page.status_code == 200
    gaps = re.findall(
        r'<tr data-code="(\d\d)" data-service="(\d+)" data-action="(\w+)">', page.text
    )
    assert ("19", MRI, "build") in gaps and all(code == "19" for code, _, _ in gaps)
    assert client.get("/planning/levelling", params={"download": "xlsx"}).content[:2] == b"PK"
    login(client, "desk")
    assert client.get("/planning/equity").status_code == 403
    assert 'href="/planning/equity"' not in client.get("/").text
