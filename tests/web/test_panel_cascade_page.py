"""The physician's action page opens with the care cascade of their panel for the quarter,
on the hand-worked panels of tests/integration/population/test_panel_cascade.py; staff
name the physician, another province's manager is told in Persian it is not theirs."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.test_panel_cascade import build_panels
from tests.web.test_claims_pages import login


def _world(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        w = build_panels(s)
        security.create_user(
            s, places=registry.UserPlaces(s), actor="test", username="dr",
            password=f.PASSWORD, role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
            facility_id=w.a.id, practitioner_council_number="PF1",
        )  # fmt: skip
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
               province_id=w.c.province_id)  # fmt: skip
        uow.commit()


def _cells(page: str, register: str) -> list[str]:
    row = re.search(rf'<tr data-register="{register}">.*?</tr>', page, re.S)
    assert row, register
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(0))


def test_the_action_page_shows_the_panel_s_cascade(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _world(session_factory)
    login(client, "dr")
    page = client.get("/population/actions", params={"quarter": "1405Q2", "on": "1405/06/31"})
    assert page.status_code == 200
    text = page.text
    assert 'id="panel-cascade"' in text and "۵ نفر در فهرست" in text
    # registered, under care, controlled, uncontrolled, no visit in 3 months, lost
    assert _cells(text, "htn") == ["۴", "۳", "۱", "۱", "۲", "۱"]
    assert _cells(text, "t2dm") == ["۱", "۱", "۰", "۱", "۰", "۰"]

    login(client, "hq")
    other = client.get("/population/actions", params={"quarter": "1405Q2", "physician": "PF2"}).text
    assert _cells(other, "t2dm") == ["۱", "۱", "۱", "۰", "۰", "۰"]
    assert '<tr data-register="htn">' not in other

    login(client, "qm")
    refused = client.get("/population/actions", params={"quarter": "1405Q2", "physician": "PF1"})
    assert refused.status_code == 200 and 'id="actions-error"' in refused.text
    assert 'id="panel-cascade"' not in refused.text
