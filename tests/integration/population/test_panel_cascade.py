"""The care cascade of a family physician's panel for 1405Q2 (ends 1405/06/31) on the
hand-worked world of world.py, with two Tehran panels:

- PF1 (at A): p1, p2, p3, p4 and p10 from 1404/01/01; p9 until it moved on 1405/06/01;
  p5 from 1405/07/01 (after the quarter).
- PF2 (at B): p9 from 1405/06/01.

PF1, hypertension: p1 controlled, p2 uncontrolled, p3 under care with no visit in 3
months, p4 lost (and no visit in 3 months): 4 registered, 3 under care, 4 in the cohort,
1 controlled, 1 uncontrolled, 2 without a visit in 3 months, 1 lost. Diabetes: p1 (on
metformin since 1405/03/01, seen for blood pressure, no HbA1c): 1 registered, 1 under
care, 1 in the cohort, 1 uncontrolled. p9 counts on PF2 only: diabetes 1 registered and
controlled. p10 (type 1 diabetes) is on PF1's panel and on no register: a member only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.db.base import utcnow
from darman.db.uow import UnitOfWork
from darman.population import panel_cascade, service
from darman.population.schemas import EnrolmentCreate
from darman.referrals.models import PanelEnrolment
from darman.registry import service as registry
from darman.registry.models import Insured, Practitioner, PractitionerFacility
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests import factories as f
from tests.integration.population.world import World, build, j

COLUMNS = (
    "registered", "under_care", "cohort", "controlled", "uncontrolled", "no_visit_3m",
    "lost_to_follow_up",
)  # fmt: skip


def _physician(session: Session, number: str, facility: Any) -> Practitioner:
    doc = Practitioner(
        council_number=number, first_name="سارا", last_name="کریمی", sex="female",
        specialty="general", level=1, province_id=facility.province_id,
    )  # fmt: skip
    session.add(doc)
    session.flush()
    session.add(PractitionerFacility(practitioner_id=doc.id, facility_id=facility.id))
    return doc


def _on_panel(
    session: Session, doc: Practitioner, nid: str, since: str, until: str | None = None
) -> None:
    person = session.query(Insured).filter(Insured.national_id == nid).one()
    session.add(
        PanelEnrolment(
            insured_id=person.id, national_id=nid, practitioner_id=doc.id,
            province_id=doc.province_id, enrolled_on=j(since),
            ended_on=None if until is None else j(until),
            end_reason="transfer" if until else "",
            open_insured_id=None if until else person.id, created_by="test", created_at=utcnow(),
        )
    )  # fmt: skip
    session.flush()


def build_panels(session: Session) -> World:
    w = build(session)
    service.enrol(
        session, SYSTEM,
        data=EnrolmentCreate(register_code="htn", national_id=w.people["p5"],
                             facility_id=w.a.id, entered_on=j("1405/05/01")),
    )  # fmt: skip
    service.build_registers(session, SYSTEM)
    pf1, pf2 = _physician(session, "PF1", w.a), _physician(session, "PF2", w.b)
    for key in ("p1", "p2", "p3", "p4", "p10"):
        _on_panel(session, pf1, w.people[key], "1404/01/01")
    _on_panel(session, pf1, w.people["p9"], "1404/01/01", until="1405/06/01")
    _on_panel(session, pf2, w.people["p9"], "1405/06/01")
    _on_panel(session, pf1, w.people["p5"], "1405/07/01")
    return w


@pytest.fixture
def world(session) -> World:
    return build_panels(session)


def _rows(read) -> dict[str, tuple[int, ...]]:
    return {r.register_code: tuple(getattr(r, c) for c in COLUMNS) for r in read.rows}


def test_a_panel_s_cascade_counts_its_people_at_the_quarter_s_end(session, world) -> None:
    read = panel_cascade.panel_cascade(session, SYSTEM, quarter="1405Q2", council_number="PF1")
    assert (read.council_number, read.physician_name, read.members) == ("PF1", "سارا کریمی", 5)
    assert _rows(read) == {"htn": (4, 3, 4, 1, 1, 2, 1), "t2dm": (1, 1, 1, 0, 1, 0, 0)}
    other = panel_cascade.panel_cascade(session, SYSTEM, quarter="1405Q2", council_number="PF2")
    assert other.members == 1 and _rows(other) == {"t2dm": (1, 1, 1, 1, 0, 0, 0)}
    # a quarter earlier (1405Q1, ends 1405/03/31) p9 was still on PF1's panel (6 members);
    # diabetes: p9 in the cohort, p1 (metformin on 1405/03/01) registered within the last
    # three months, outside it; both seen within twelve months
    earlier = panel_cascade.panel_cascade(session, SYSTEM, quarter="1405Q1", council_number="PF1")
    assert earlier.members == 6
    assert _rows(earlier)["t2dm"][:3] == (2, 2, 1)


def test_who_may_read_a_panel_s_cascade(session, world) -> None:
    qom = Principal(
        user_id=9, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
        province_id=world.c.province_id,
    )  # fmt: skip
    with pytest.raises(NotFound) as unseen:
        panel_cascade.panel_cascade(session, qom, quarter="1405Q2", council_number="PF1")
    assert "PF1" in str(unseen.value) and unseen.value.problems[0].field == "physician"
    tehran = Principal(
        user_id=9, username="tm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
        province_id=world.a.province_id,
    )  # fmt: skip
    seen = panel_cascade.panel_cascade(session, tehran, quarter="1405Q2", council_number="PF1")
    assert _rows(seen)["htn"][0] == 4
    desk = Principal(
        user_id=9, username="desk", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
        facility_id=world.a.id,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        panel_cascade.panel_cascade(session, desk, quarter="1405Q2", council_number="PF1")
    with pytest.raises(InvalidInput) as unnamed:
        panel_cascade.panel_cascade(session, SYSTEM, quarter="1405Q2")
    assert unnamed.value.problems[0].field == "physician"
    with pytest.raises(InvalidInput) as malformed:
        panel_cascade.panel_cascade(session, SYSTEM, quarter="1405-2", council_number="PF1")
    assert malformed.value.problems[0].field == "quarter"


def test_a_physician_reads_their_own_panel_s_cascade_over_the_api(client, session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        w = build_panels(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        security.create_user(
            uow.session, places=registry.UserPlaces(uow.session), actor="test", username="dr",
            password=f.PASSWORD, role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
            facility_id=w.a.id, practitioner_council_number="PF1",
        )  # fmt: skip
        uow.commit()
    url = "/api/v1/population/cascade/panel"
    own = client.get(url, params={"quarter": "1405Q2"}, headers=f.token(client, "dr"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["council_number"] == "PF1" and body["members"] == 5
    htn = next(r for r in body["rows"] if r["register_code"] == "htn")
    assert [htn[c] for c in COLUMNS] == [4, 3, 4, 1, 1, 2, 1]
    another = client.get(
        url, params={"quarter": "1405Q2", "physician": "PF2"}, headers=f.token(client, "dr")
    )
    assert another.status_code == 404 and "PF2" in another.json()["detail"]
    staff = client.get(
        url, params={"quarter": "1405Q2", "physician": "PF2"}, headers=f.token(client, "hq")
    )
    assert staff.status_code == 200 and staff.json()["members"] == 1


def test_the_cli_prints_a_panel_s_cascade_in_persian(cli, session_factory) -> None:
    from darman.cli.main import app

    with UnitOfWork(session_factory) as uow:
        build_panels(uow.session)
        uow.commit()
    wide = {"COLUMNS": "250"}
    done = cli.invoke(
        app, ["population", "cascade", "--quarter", "1405Q2", "--physician", "PF1"], env=wide
    )
    assert done.exit_code == 0, done.output
    assert "سارا کریمی" in done.output and "۵ نفر در فهرست" in done.output
    cells = [
        [c.strip() for c in line.split("│")[1:-1]]
        for line in done.output.splitlines()
        if line.startswith("│")
    ]
    rows = {c[0]: c[1:] for c in cells if c and c[0] in ("فشار خون بالا", "دیابت نوع ۲")}
    assert rows == {
        "فشار خون بالا": ["۴", "۳", "۴", "۱", "۱", "۲", "۱"],
        "دیابت نوع ۲": ["۱", "۱", "۱", "۰", "۱", "۰", "۰"],
    }
    unknown = cli.invoke(
        app, ["population", "cascade", "--quarter", "1405Q2", "--physician", "PX9"], env=wide
    )
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert unknown.exception.problems[0].field == "physician"
