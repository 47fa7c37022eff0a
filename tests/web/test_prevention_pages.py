"""The prevention pages and the cascade's chart through the TestClient on both databases:
a family physician's action list (elderly with screenings due beside the call-back list),
the programme coverage page, as counted by hand in ``elderly_world`` and ``world``."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.elderly_world import ElderlyWorld, build
from tests.web.test_claims_pages import login
from tests.web.test_population_pages import make_world


def make_elderly(session_factory: sessionmaker[Session]) -> ElderlyWorld:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        w = build(s)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        security.create_user(
            s, places=registry.UserPlaces(s), actor="test", username="karimi",
            password=f.PASSWORD, role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
            facility_id=w.a.id, practitioner_council_number="PC700",
        )  # fmt: skip
        f.user(s, username="desk", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
               facility_id=w.a.id)  # fmt: skip
        uow.commit()
    return w


def _row_cells(html: str, attrs: str) -> list[str]:
    match = re.search(rf"<tr {attrs}>.*?</tr>", html, re.S)
    assert match, attrs
    return re.findall(r'<td class="num">([^<]*)</td>', match.group(0))


def test_the_cascade_page_draws_a_chart_per_register_from_the_table_s_numbers(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/population", params={"quarter": "1405Q2"}).text
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in page
    assert "cdn" not in page.lower()
    box = re.search(r'id="cascade-chart-htn" data-chart=\'([^\']*)\'', page)
    assert box
    data = json.loads(html.unescape(box.group(1)))
    assert data["labels"] == ["تهران", "قم"]
    stages = {s["label"]: s["values"] for s in data["series"]}
    # Tehran: 4 registered, 3 under care, 1 controlled, 1 uncontrolled, 2 without a visit
    # in 3 months, 1 lost; Qom: p8 alone, uncontrolled
    assert stages["ثبت‌شده"] == [4, 1] and stages["کنترل‌شده"] == [1, 0]
    assert stages["کنترل‌نشده"] == [1, 1] and stages["خارج از پیگیری"] == [1, 0]
    assert 'id="cascade-chart-t2dm"' in page


def test_a_physician_sees_their_elderly_due_beside_their_call_back_list(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_elderly(session_factory)
    login(client, "karimi")
    assert 'href="/population/actions"' in client.get("/").text
    page = client.get("/population/actions", params={"on": "۱۴۰۵/۰۶/۳۱"})
    assert page.status_code == 200
    listed = re.findall(r'<tr data-national-id="(\d+)">', page.text)
    assert listed == [w.people["e70"], w.people["e64"], w.people["e60"]]
    e64 = re.search(rf'<tr data-national-id="{w.people["e64"]}">.*?</tr>', page.text, re.S)
    assert e64 and re.findall(r'data-screening="(\w+)"', e64.group(0)) == ["mammography"]
    assert to_persian_digits("1403/06/31") in e64.group(0)  # her last mammography
    assert "۴ نفر ۶۰ ساله و بیشتر" in page.text
    assert 'id="call-title"' in page.text and 'id="no-call-back"' in page.text


def test_staff_name_the_physician_and_mistakes_are_said_in_persian(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_elderly(session_factory)
    login(client, "hq")
    asked = client.get("/population/actions")
    assert asked.status_code == 200 and "شماره‌ی نظام پزشک خانواده را بنویسید" in asked.text
    shown = client.get("/population/actions", params={"physician": "PC700", "on": "1405/06/31"})
    assert w.people["e70"] in shown.text
    unknown = client.get("/population/actions", params={"physician": "PC999"})
    assert unknown.status_code == 200 and "«PC999»" in unknown.text
    bad_day = client.get("/population/actions", params={"physician": "PC700", "on": "1405/13/40"})
    assert bad_day.status_code == 200 and 'id="actions-error"' in bad_day.text
    assert "تاریخ شمسی" in bad_day.text
    login(client, "desk")
    assert 'href="/population/actions"' not in client.get("/").text
    assert client.get("/population/actions").status_code == 403


def test_the_programme_page_shows_coverage_per_province_and_facility(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_elderly(session_factory)
    login(client, "hq")
    assert 'href="/population/programmes"' in client.get("/").text
    page = client.get("/population/programmes", params={"programme": "elderly_bp",
                                                        "month": "1405/06"})  # fmt: skip
    assert page.status_code == 200
    # Tehran: 6 in the target population, 3 done, 50 % against a target of 70 %
    assert _row_cells(page.text, f'data-province="{w.a.province_id}"') == ["۶", "۳", "۵۰٪"]
    assert _row_cells(page.text, f'data-facility="{w.b.id}"') == ["۱", "۱", "۱۰۰٪"]
    assert "زیر هدف" in page.text and "به هدف رسیده" in page.text
    bad = client.get("/population/programmes", params={"month": "1405/13"})
    assert bad.status_code == 200 and 'id="programme-error"' in bad.text and "ماه" in bad.text
    unknown = client.get("/population/programmes", params={"programme": "nope"})
    assert unknown.status_code == 200 and "برنامه‌ی «nope» وجود ندارد" in unknown.text
