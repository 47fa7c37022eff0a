"""The planning pages through the TestClient on both databases: equity with its chart data
and sortable table, the allocation of the seeds' scenario and of an edited one (errors
named), the levelling gap list, the Excel downloads, and who gets them."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.planning import scenario
from darman.security.enums import Role, ScopeLevel
from darman.web import allocation_form
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


class _FormFields(HTMLParser):
    """What a browser would send for the scenario form: its inputs' values, the selected
    option of each select, the checked checkboxes (submit buttons are left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            else:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_fields(page: str) -> dict[str, str]:
    scenario_form = page[page.index('<form id="scenario-form"') :]
    parser = _FormFields()
    parser.feed(scenario_form[: scenario_form.index("</form>")])
    return parser.fields


def test_the_allocation_form_builds_the_same_scenario_as_the_toml_file() -> None:
    shipped = scenario.loads(scenario.shipped_text())
    state = allocation_form.state_from(allocation_form.state_of(shipped).fields)
    assert allocation_form.build(state) == shipped


def test_the_allocation_page_solves_the_example_and_an_edited_form(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/planning/allocation")
    assert page.status_code == 200 and 'data-line="icu_beds"' in page.text
    assert "scenario_text" not in page.text and "هزینه‌ی واحد (ریال)" in page.text
    fields = form_fields(page.text)
    assert fields["lines.1.key"] == "icu_beds" and fields["lines.1.resource"] == "icu_beds_1396"
    assert fields["lines.1.unit_cost_rials"] == "۱۱٬۰۰۰٬۰۰۰٬۰۰۰"
    # four intensive-care beds, without staff limits: 4 x 11 billion rials go to provinces
    fields.update(
        {"lines.1.units": "۴", "lines.1.staff_nurses": "", "lines.1.staff_physicians": ""}
    )
    done = client.post("/planning/allocation", data={**fields, "sensitivity": "1"})
    assert done.status_code == 200
    icu = done.text.split('data-line="icu_beds"')[1].split("</section>")[0]
    given = [int(g) for g in re.findall(r'data-given="(\d+)"', icu)]
    assert sum(given) == 4 and "پایدار" in done.text
    assert 'id="solver-status">بهینه</span>' in done.text and "HiGHS" not in done.text
    chart = json.loads(
        re.search(r"id=\"money-box\" data-chart='([^']+)'", done.text)
        .group(1)
        .replace("&#34;", '"')
    )
    icu_money = next(d for d in chart["datasets"] if d["key"] == "icu_beds")
    assert sum(icu_money["data"]) == 4 * 11_000_000_000
    # each province's total is its lines' sum, and the largest comes first
    assert chart["totals"] == [sum(d["data"][i] for d in chart["datasets"]) for i in
                               range(len(chart["codes"]))]  # fmt: skip
    assert chart["totals"] == sorted(chart["totals"], reverse=True) and 0 not in chart["totals"]
    table = done.text.split('id="money-table"')[1].split("</table>")[0]
    assert [int(r) for r in re.findall(r'data-rials="(\d+)"', table)] == chart["totals"]
    edited = client.post("/planning/allocation", data={**fields, "action": "xlsx"})
    rows = list(load_workbook(io.BytesIO(edited.content)).active.iter_rows(values_only=True))
    icu_rows = [r for r in rows if r[0] == "تخت مراقبت ویژه" and r[1]]
    assert sum(r[4] for r in icu_rows) == 4  # the edited scenario's four beds, not the example's
    sheet = client.get("/planning/allocation", params={"download": "xlsx"})
    assert sheet.content[:2] == b"PK"


def test_a_bad_row_of_the_allocation_form_is_named_in_persian(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    fields = form_fields(client.get("/planning/allocation").text)
    bad = {**fields, "lines.2.unit_cost_rials": "بیست", "lines.5.units": "", "year": "12"}
    page = client.post("/planning/allocation", data=bad)
    assert page.status_code == 422 and 'id="scenario-errors"' in page.text
    assert 'data-line="' not in page.text  # nothing solved
    said = page.text.split('id="e-lines-2-unit_cost_rials"')[1].split("</span>")[0]
    assert "ردیف بودجه‌ی ۳ («دستگاه دیالیز»)، هزینه‌ی واحد (ریال)" in said and "«بیست»" in said
    row_six = page.text.split('data-field="lines.5"')[1].split("</span>")[0]
    assert "ردیف بودجه‌ی ۶ («آمبولانس»)" in row_six and "یا هر دو را بدهید" in row_six
    assert "سال: «12» پذیرفته نیست" in page.text
    assert 'value="بیست"' in page.text  # what was typed stays in the form


def test_rows_are_added_and_removed_and_the_form_keeps_the_rest(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    fields = form_fields(client.get("/planning/allocation").text)
    added = client.post("/planning/allocation", data={**fields, "action": "add-line"})
    assert added.status_code == 200 and 'id="scenario-errors"' not in added.text
    after_add = form_fields(added.text)
    assert after_add["lines.6.key"] == "line_7" and after_add["lines.6.unit_cost_rials"] == ""
    removed = client.post("/planning/allocation", data={**after_add, "action": "remove-line:1"})
    kept = form_fields(removed.text)
    keys = [kept[f"lines.{i}.key"] for i in range(6)]
    assert keys == ["beds", "dialysis", "ct", "mri", "ambulances", "line_7"]
    assert "lines.6.key" not in kept and kept["lines.1.unit_cost_rials"] == "۲۰٬۰۰۰٬۰۰۰٬۰۰۰"
    staff = client.post("/planning/allocation", data={**fields, "action": "add-staff"})
    planned = {**form_fields(staff.text), "planned_staff.0.province_code": "۱۹",
               "planned_staff.0.nurses": "۴۰"}  # fmt: skip
    solved = client.post("/planning/allocation", data=planned)
    assert solved.status_code == 200 and 'data-line="beds"' in solved.text
    unknown = {**planned, "planned_staff.0.province_code": "99"}
    refused = client.post("/planning/allocation", data=unknown)
    assert refused.status_code == 422
    assert "ردیف نیروی برنامه‌ریزی‌شده‌ی ۱، کد استان: استانی با این کد نیست" in refused.text


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
