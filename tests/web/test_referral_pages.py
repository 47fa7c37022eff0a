"""The referral screens through the TestClient, on both databases: the family physician's
panel and referral form (suggested own centres in order, a reason for a contracted centre in
phase 1), written referrals with feedback and overdue flags, the receiving specialist's
feedback form, and the indicators for staff, each scoped by the referrals service."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.referrals import panels, service
from tests.integration.referrals.world import INTERNAL, TODAY, World, build, phase_1, referral
from tests.web.test_claims_pages import login
from tests.web.test_prescription_pages import messages


def make_world(session_factory: sessionmaker[Session]) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        phase_1(uow.session, w)
        uow.commit()
    return w


def refer_form(nid: str, destination: str, **extra: str) -> dict[str, str]:
    return {
        "national_id": nid,
        "specialty": INTERNAL,
        "reason": "فشار خون کنترل‌نشده با دو دارو",
        "diagnosis": "i10",
        "destination": destination,
        **extra,
    }


def test_a_family_physician_enrols_and_refers_to_a_suggested_own_centre(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "doc")
    assert client.get("/referrals/panel").status_code == 200
    enrolled = client.post("/referrals/panel/enrol", data={"national_id": w.nids[0]})
    assert 'id="enrol-ok"' in enrolled.text
    assert 'id="panel-members">۱<' in enrolled.text
    again = client.post("/referrals/panel/enrol", data={"national_id": w.nids[0]})
    assert again.status_code == 409 and messages(again.text, "national_id")

    suggested = client.get("/referrals/suggestions", params={"specialty": INTERNAL}).text
    codes = re.findall(r'<li data-code="([^"]+)"', suggested)
    assert codes and codes[0] == w.hospital  # same city first
    assert w.contracted not in codes

    # a contracted centre in a phase-1 province needs a reason, shown beside its field
    refused = client.post(
        "/referrals", data=refer_form(w.nids[0], "other", other_code=w.contracted)
    )
    assert refused.status_code == 422
    assert messages(refused.text, "choice_reason")
    bad = client.post("/referrals", data=refer_form(w.nids[0], w.hospital, diagnosis="خطا"))
    assert messages(bad.text, "diagnosis") == ["کد تشخیص ICD-10 را به شکل I10 یا E11.9 وارد کنید."]

    ok = client.post("/referrals", data=refer_form(w.nids[0], w.hospital))
    assert ok.status_code == 200 and 'id="referral-issued"' in ok.text
    listed = client.get("/referrals").text
    assert 'data-state="open"' in listed


def test_the_specialist_gives_feedback_and_the_family_physician_sees_it_and_overdue_flags(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        doc = w.who["doc"]
        early = TODAY - dt.timedelta(days=60)
        panels.enrol(uow.session, doc, national_id=w.nids[0], on=early)
        panels.enrol(uow.session, doc, national_id=w.nids[1], on=early)
        late = service.issue(uow.session, doc, data=referral(w.nids[0], w.hospital), on=early)
        fresh = service.issue(uow.session, doc, data=referral(w.nids[1], w.hospital))
        uow.commit()
    login(client, "doc")
    page = client.get("/referrals").text
    assert 'id="overdue-flag"' in page
    assert f'data-ref="{late.ref_number}" data-state="overdue"' in page
    assert f'data-ref="{fresh.ref_number}" data-state="open"' in page

    login(client, "spec")
    received = client.get("/referrals").text
    assert f'id="received-{fresh.id}"' in received
    short = client.post(f"/referrals/{fresh.id}/feedback", data={"text": "خ"})
    assert short.status_code == 422 and messages(short.text, "text")
    done = client.post(
        f"/referrals/{fresh.id}/feedback", data={"text": "فشار خون کنترل شد", "diagnosis": "I10"}
    )
    assert 'id="feedback-ok"' in done.text
    twice = client.post(f"/referrals/{fresh.id}/feedback", data={"text": "دوباره"})
    assert 'id="feedback-ok"' not in twice.text

    login(client, "doc")
    assert "فشار خون کنترل شد" in client.get("/referrals").text
    login(client, "suburb_spec")  # another centre sees neither referral
    other = client.get("/referrals").text
    assert late.ref_number not in other and fresh.ref_number not in other


def test_staff_see_indicators_and_overdue_and_a_desk_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "manager")
    page = client.get("/referrals/indicators")
    assert page.status_code == 200 and 'id="indicator-grid"' in page.text
    assert client.get("/referrals").status_code == 200
    home = client.get("/").text
    assert 'data-nav="ref-indicators"' in home and 'data-nav="ref-panel"' not in home
    login(client, "desk")
    assert client.get("/referrals").status_code == 403
    assert client.get("/referrals/indicators").status_code == 403
    # a facility desk gets only reception's referral check
    desk_links = set(re.findall(r'data-nav="(ref-[\w-]+)"', client.get("/").text))
    assert desk_links == {"ref-desk"}
    login(client, "doc")
    home = client.get("/").text
    assert 'data-nav="ref-panel"' in home and 'data-nav="ref-indicators"' not in home
