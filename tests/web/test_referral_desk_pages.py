"""The receiving centre's screens and the staff panel screens, on both databases: reception
checks a referral by number and national ID (only its own centre's), the specialist refers
on to level 3, a family physician takes a person over from another panel, and a provincial
manager sets a capacity, moves a person and lists the unenrolled."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.referrals import panels, reading, service
from tests.integration.referrals.world import CARDIO, TODAY, referral
from tests.web.test_claims_pages import login
from tests.web.test_prescription_pages import messages
from tests.web.test_referral_pages import make_world


def _issued(session_factory, w, *, on: dt.date = TODAY, to: str | None = None) -> tuple[int, str]:
    with UnitOfWork(session_factory) as uow:
        panels.enrol(uow.session, w.who["doc"], national_id=w.nids[0], on=on)
        read = service.issue(
            uow.session, w.who["doc"], data=referral(w.nids[0], to or w.hospital), on=on
        )
        uow.commit()
    return read.id, read.ref_number


def test_reception_checks_a_referral_by_number_and_national_id(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    _, number = _issued(session_factory, w)
    login(client, "desk")
    assert 'href="/referrals/desk"' in client.get("/").text
    found = client.get(
        "/referrals/desk", params={"ref_number": number.lower(), "national_id": w.nids[0]}
    )
    assert found.status_code == 200
    assert 'data-usable="yes"' in found.text and number in found.text
    assert "معتبر تا" in found.text
    # the same number with another person's national ID finds nothing
    wrong = client.get("/referrals/desk", params={"ref_number": number, "national_id": w.nids[1]})
    assert wrong.status_code == 404 and 'id="desk-error"' in wrong.text
    assert 'id="desk-result"' not in wrong.text
    bad = client.get("/referrals/desk", params={"ref_number": "RF", "national_id": "123"})
    assert bad.status_code == 422
    assert messages(bad.text, "ref_number") and messages(bad.text, "national_id")


def test_reception_of_another_centre_is_told_it_is_addressed_elsewhere(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    _, number = _issued(session_factory, w, to=w.suburb_hospital)
    login(client, "desk")
    other = client.get("/referrals/desk", params={"ref_number": number, "national_id": w.nids[0]})
    assert other.status_code == 403 and "مرکز دیگری" in other.text
    assert w.nids[0] not in other.text.replace(f'value="{w.nids[0]}"', "")


def test_an_expired_referral_is_shown_as_not_usable_today(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    _, number = _issued(session_factory, w, on=TODAY - dt.timedelta(days=40))
    login(client, "spec")
    page = client.get("/referrals/desk", params={"ref_number": number, "national_id": w.nids[0]})
    assert page.status_code == 200 and 'data-usable="no"' in page.text
    assert "منقضی شده در" in page.text


def test_the_specialist_refers_on_to_level_3_from_a_received_referral(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    rid, number = _issued(session_factory, w)
    login(client, "spec")
    listed = client.get("/referrals").text
    assert f'id="refer-on-{rid}"' in listed
    hints = client.get(
        "/referrals/suggestions", params={"specialty": CARDIO, "level": "3", "prefix": f"on{rid}-"}
    ).text
    assert re.findall(r'<li data-code="([^"]+)"', hints) == [w.tertiary]
    assert f'id="on{rid}-dest-{w.tertiary}"' in hints
    form = {
        "specialty": CARDIO,
        "reason": "درد قفسه‌ی سینه‌ی فعالیتی",
        "diagnosis": "i20.9",
        "destination": w.tertiary,
    }
    missing = client.post(f"/referrals/{rid}/refer-on", data={**form, "reason": ""})
    assert missing.status_code == 422 and messages(missing.text, "reason")
    assert f'id="refer-on-{rid}" open' in missing.text  # the form stays open with the error
    done = client.post(f"/referrals/{rid}/refer-on", data=form)
    assert done.status_code == 200 and "سطح ۳" in done.text
    with UnitOfWork(session_factory) as uow:
        parent = reading.get(uow.session, w.who["doc"], referral_id=rid)
    assert [c.to_facility_code for c in parent.children] == [w.tertiary]
    assert parent.children[0].parent_ref_number == number
    assert f'data-child="{parent.children[0].ref_number}"' in client.get("/referrals").text
    # a physician of another centre cannot refer on from it
    login(client, "suburb_spec")
    refused = client.post(f"/referrals/{rid}/refer-on", data=form)
    assert refused.status_code in (403, 404)


def test_a_family_physician_takes_over_a_person_from_another_panel(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        panels.enrol(uow.session, w.who["doc2"], national_id=w.nids[2])
        uow.commit()
    login(client, "doc")
    unknown = client.post("/referrals/panel/transfer", data={"national_id": w.nids[3]})
    assert unknown.status_code == 422 and messages(unknown.text, "national_id")
    moved = client.post("/referrals/panel/transfer", data={"national_id": w.nids[2]})
    assert moved.status_code == 200 and 'id="transfer-ok"' in moved.text
    assert to_persian_digits("80002") in moved.text
    with UnitOfWork(session_factory) as uow:
        history = panels.history(uow.session, w.who["manager"], national_id=w.nids[2])
    assert [h.council_number for h in history] == ["80002", "80001"]
    assert history[0].ended_on == TODAY and history[1].transferred_from_council_number == "80002"


def test_a_provincial_manager_sets_a_capacity_moves_a_person_and_lists_the_unenrolled(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        for nid in w.nids[:2]:
            panels.enrol(uow.session, w.who["doc"], national_id=nid)
        uow.commit()
    login(client, "manager")
    page = client.get("/referrals/panels", params={"council": "80001"})
    assert page.status_code == 200 and 'id="staff-panel-members">۲<' in page.text
    assert 'id="unenrolled-table"' in page.text  # provincial staff see their own province
    unenrolled = re.findall(r'<td dir="ltr" class="ltr-cell">([^<]+)</td>', page.text)
    assert to_persian_digits(w.nids[0]) not in page.text.split('id="unenrolled-table"')[1]
    assert to_persian_digits(w.nids[2]) in unenrolled
    low = client.post("/referrals/panels/capacity", data={"council": "80001", "capacity": "1"})
    assert low.status_code == 422 and "۲ نفر" in messages(low.text, "capacity")[0]
    ok = client.post("/referrals/panels/capacity", data={"council": "80001", "capacity": "۲"})
    assert ok.status_code == 200 and 'id="staff-panel-capacity">۲<' in ok.text
    moved = client.post(
        "/referrals/panels/transfer",
        data={"council": "80001", "national_id": w.nids[0], "to_council": "80002"},
    )
    assert moved.status_code == 200 and 'id="panels-ok"' in moved.text
    assert 'id="staff-panel-members">۱<' in moved.text
    # the full panel refuses a person moved into it, beside the target field
    with UnitOfWork(session_factory) as uow:
        panels.set_capacity(uow.session, w.who["manager"], council_number="80002", capacity=1)
        uow.commit()
    full = client.post(
        "/referrals/panels/transfer",
        data={"council": "80001", "national_id": w.nids[1], "to_council": "80002"},
    )
    assert full.status_code == 409 and messages(full.text, "to_council")
    # another province's physician is not in this manager's scope
    other = client.get("/referrals/panels", params={"council": "10001"})
    assert 'id="err-council"' in other.text and 'id="staff-panel"' not in other.text
    # an analyst reads but is offered no change forms; a physician gets no staff page
    login(client, "analyst")
    read_only = client.get("/referrals/panels", params={"council": "80001", "province": "08"})
    assert 'id="staff-panel"' in read_only.text and 'id="capacity-form"' not in read_only.text
    assert 'id="unenrolled-table"' in read_only.text
    assert (
        client.post(
            "/referrals/panels/capacity", data={"council": "80001", "capacity": "9"}
        ).status_code
        == 403
    )
    login(client, "doc")
    assert client.get("/referrals/panels").status_code == 403
