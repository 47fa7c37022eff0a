"""The population pages through the TestClient on both databases: the cascade of 1405Q2
per province and facility as counted by hand in the world, the call-back list of a
physician's facility, the provincial scope, a malformed quarter said in Persian, and who
gets the pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.population import service
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.population.world import World, build
from tests.web.test_claims_pages import login


def make_world(session_factory: sessionmaker[Session]) -> World:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        w = build(s)
        service.build_registers(s, SYSTEM)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
               province_id=w.c.province_id)  # fmt: skip
        f.user(s, username="doc", role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
               facility_id=w.a.id)  # fmt: skip
        f.user(s, username="pharm", role=Role.PHARMACIST, scope_level=ScopeLevel.FACILITY,
               facility_id=w.a.id)  # fmt: skip
        uow.commit()
    return w


def _cells(html: str, attrs: str) -> list[str]:
    match = re.search(rf"<tr {attrs}>.*?</tr>", html, re.S)
    assert match, attrs
    return re.findall(r'<td class="num">([^<]*)</td>', match.group(0))


def test_the_cascade_page_shows_the_hand_counted_quarter(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "hq")
    assert 'href="/population"' in client.get("/").text
    page = client.get("/population", params={"quarter": "1405Q2"})
    assert page.status_code == 200
    tehran = f'data-register="htn" data-province="{w.a.province_id}"'
    # p1-p4 (p5 is not enrolled here): 4 registered, 3 under care, 4 in the cohort,
    # 1 controlled, 1 uncontrolled, 2 unseen in 3 months, 1 lost to follow-up
    assert _cells(page.text, tehran) == ["۴", "۳", "۴", "۱", "۱", "۲", "۱"]
    facility_b = f'data-register="t2dm" data-facility="{w.b.id}"'
    assert _cells(page.text, facility_b) == ["۱", "۱", "۱", "۱", "۰", "۰", "۰"]


def test_a_province_manager_sees_only_their_province(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "qm")
    page = client.get("/population", params={"quarter": "1405Q2"}).text
    assert set(re.findall(r'data-province="(\d+)"', page)) == {str(w.c.province_id)}


def test_a_physician_gets_their_facilitys_call_back_list(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "doc")
    page = client.get("/population/call-back", params={"quarter": "۱۴۰۵Q2"})
    assert page.status_code == 200
    assert sorted(re.findall(r'data-status="(\w+)"', page.text)) == [
        "lost_to_follow_up", "uncontrolled", "uncontrolled",
    ]  # fmt: skip
    assert w.people["p8"] not in page.text and "خارج از پیگیری" in page.text


def test_a_malformed_quarter_is_said_in_persian_and_a_pharmacist_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/population", params={"quarter": "1405Q9"})
    assert page.status_code == 200 and 'id="quarter-error"' in page.text and "فصل" in page.text
    login(client, "pharm")
    assert 'href="/population"' not in client.get("/").text
    assert client.get("/population").status_code == 403
