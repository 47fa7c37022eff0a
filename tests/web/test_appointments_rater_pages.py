"""Raters signed in with their own accounts, through the TestClient on both databases:
a rater lands on their own scorecards and sees no other rater's, is refused another
rater's page and every staff or registry page, cannot score a declared relative nor a
candidate of their own unit, and each mark they record is audited under their account;
the national office still sees every rater's cards, and an administrator links a new
rater's account from the users page.

The hand-worked call of ``world``: raters R1-R3 (unit HQ) sit on the post's panel P1 and
scored A-D, the four the exam shortlists; candidate E (unit U-E, fifth in the exam) is not
shortlisted. R1 declared D their spouse; R4 works in unit U-D, D's unit, and also sits on
P1."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.appointments import rules, service
from darman.appointments.models import Application, Candidate, Rater, Scorecard
from darman.audit import service as audit
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.appointments.world import IDS, POST
from tests.web.test_appointments_pages import make_world
from tests.web.test_claims_pages import login

MARKS = dict.fromkeys(rules.COMPETENCIES, "۳")


def rater_world(session_factory: sessionmaker[Session]) -> None:
    """``make_world`` plus rater R4 of unit U-D seated on P1, R1's declared spouse D, an
    administrator, and accounts r1, r2 and r4 linked to R1, R2 and R4."""
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        service.add_rater(s, SYSTEM, code="R4", full_name="ارزیاب ۴", unit_code="U-D")
        service.seat_raters(s, SYSTEM, post_code=POST, panel="P1", rater_codes=["R4"])
        service.declare(s, SYSTEM, rater_code="R1", national_id_=IDS["D"], relation="spouse")
        f.user(s, username="boss", role=Role.ADMIN)
        for n in (1, 2, 4):
            f.user(s, username=f"r{n}", role=Role.RATER, scope_level=ScopeLevel.OWN)
            service.link_user(s, SYSTEM, rater_code=f"R{n}", username=f"r{n}")
        uow.commit()


def cards_of(session_factory: sessionmaker[Session], rater: str, nid: str) -> int:
    """How many marks ``rater`` holds for the candidate ``nid``."""
    with session_factory() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Scorecard)
                .join(Rater, Rater.id == Scorecard.rater_id)
                .join(Application, Application.id == Scorecard.application_id)
                .join(Candidate, Candidate.id == Application.candidate_id)
                .where(Rater.code == rater, Candidate.national_id == nid)
            )
            or 0
        )


def _marks_of(session_factory: sessionmaker[Session], rater: str, nid: str) -> set[int]:
    """The distinct marks ``rater`` holds for the candidate ``nid``."""
    with session_factory() as s:
        return set(
            s.scalars(
                select(Scorecard.mark)
                .join(Rater, Rater.id == Scorecard.rater_id)
                .join(Application, Application.id == Scorecard.application_id)
                .join(Candidate, Candidate.id == Application.candidate_id)
                .where(Rater.code == rater, Candidate.national_id == nid)
            )
        )


def test_a_rater_lands_on_their_own_cards_and_sees_no_other_raters(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    rater_world(session_factory)
    with UnitOfWork(session_factory) as uow:  # the office records R2's marks for E
        service.score(
            uow.session, SYSTEM, rater_code="R2", post_code=POST, national_id_=IDS["E"],
            panel="P1", marks=dict.fromkeys(rules.COMPETENCIES, 2),
        )  # fmt: skip
        uow.commit()
    login(client, "r1")
    home = client.get("/")
    assert home.status_code == 200 and str(home.url).endswith("/appointments/my-scorecards")
    page = home.text
    # R1's four cards (A-D, all 4 but C's 5), their declaration, the form to score
    assert all(f'data-nid="{IDS[k]}"' in page for k in "ABCD")
    assert 'id="score-form"' in page and 'action="/appointments/my-scorecards"' in page
    assert "همسر" in page and "R۱" in page  # codes read in Persian digits
    # E's card is R2's, and E was not shortlisted: not on R1's page
    assert f'data-nid="{IDS["E"]}"' not in page
    # one menu entry, to their own cards; no registry menu
    assert 'href="/appointments/my-scorecards"' in page and 'href="/registry' not in page
    login(client, "r2")
    theirs = client.get("/appointments/my-scorecards").text
    # a rater's page lists the panel's shortlist: the office's card for E is not there
    assert all(f'data-nid="{IDS[k]}"' in theirs for k in "ABCD")
    assert f'data-nid="{IDS["E"]}"' not in theirs and "همسر" not in theirs
    login(client, "r4")  # seated, nothing scored yet: the shortlist to score, unmarked
    todo = client.get("/appointments/my-scorecards").text
    assert all(f'data-nid="{IDS[k]}"' in todo for k in "ABCD") and "—" in todo


def test_a_rater_is_refused_another_raters_page_and_the_staff_and_registry_pages(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    rater_world(session_factory)
    login(client, "r2")
    assert client.get("/appointments/raters/R1").status_code == 403
    posted = client.post(
        "/appointments/raters/R1",
        data={"post_code": POST, "national_id": IDS["E"], "panel": "P1", **MARKS},
    )
    assert posted.status_code == 403 and cards_of(session_factory, "R1", IDS["E"]) == 0
    for path in (
        "/appointments",
        f"/appointments/posts/{POST}",
        "/registry",
        "/registry/facilities",
        "/registry/tariffs",
        "/registry/formulary",
    ):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "Traceback" not in refused.text
    headers = f.token(client, "r2")
    # no scope to read people in: the insured list and its download are refused
    for api in ("/api/v1/insured", "/api/v1/registry/insured/export"):
        assert client.get(api, headers=headers).status_code == 403, api


def test_a_rater_cannot_score_a_declared_relative_nor_a_candidate_of_their_unit(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    rater_world(session_factory)
    login(client, "r1")
    form = {"post_code": POST, "national_id": to_persian_digits(IDS["D"]), "panel": "P1"}
    spouse = client.post(
        "/appointments/my-scorecards",
        data={**form, "leadership": "1", "planning": "1", "health_system": "1", "integrity": "1"},
    )
    assert spouse.status_code == 409 and 'id="rater-error"' in spouse.text
    # the office's marks of 3, entered before the declaration, stay as they were
    assert "همسر" in spouse.text and _marks_of(session_factory, "R1", IDS["D"]) == {3}
    login(client, "r4")
    unit = client.post(
        "/appointments/my-scorecards", data={**form, "national_id": IDS["D"], **MARKS}
    )
    assert unit.status_code == 409 and "U-D" in unit.text
    assert cards_of(session_factory, "R4", IDS["D"]) == 0
    # a missing mark is named, and nothing is stored
    short = client.post(
        "/appointments/my-scorecards", data={**form, "national_id": IDS["A"], "leadership": "2"}
    )
    assert short.status_code == 422 and "۱ تا ۵" in short.text
    assert cards_of(session_factory, "R4", IDS["A"]) == 0


def test_a_raters_marks_are_stored_as_theirs_audited_under_their_account_and_seen_by_staff(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    rater_world(session_factory)
    login(client, "r2")
    # no panel typed: the rater's own panel on the post is taken
    form = {"post_code": POST, "national_id": IDS["D"]}
    twos = dict.fromkeys(rules.COMPETENCIES, "۲")  # D held 3 from the office
    saved = client.post("/appointments/my-scorecards", data={**form, **twos})
    assert saved.status_code == 200 and 'id="rater-saved">۴ ' in saved.text
    assert f'data-nid="{IDS["D"]}"' in saved.text
    assert _marks_of(session_factory, "R2", IDS["D"]) == {2}
    # one changed mark: one entry naming the old and new value
    again = client.post("/appointments/my-scorecards", data={**form, **twos, "planning": "5"})
    assert 'id="rater-saved">۱ ' in again.text
    same = client.post("/appointments/my-scorecards", data={**form, **twos, "planning": "5"})
    assert 'id="rater-saved">۰ ' in same.text
    with session_factory() as s:
        entries, total = audit.list_entries(s, action="score", actor="r2")
        card = s.scalar(
            select(Scorecard)
            .join(Rater, Rater.id == Scorecard.rater_id)
            .where(Rater.code == "R2", Scorecard.competency == "planning")
            .order_by(Scorecard.id.desc())
        )
    assert total == 2  # the unchanged third post recorded nothing
    assert entries[0].after == {"rater": "R2", "panel": "P1", "planning": 5}
    assert entries[0].before == {"rater": "R2", "planning": 2}
    assert card is not None and card.recorded_by == "r2" and card.mark == 5
    login(client, "hq")  # the national office still reads every rater's cards
    office = client.get("/appointments/raters/R2").text
    assert f'data-nid="{IDS["D"]}"' in office and f'data-nid="{IDS["A"]}"' in office


def test_an_administrator_creates_a_raters_account_linked_to_their_record(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    rater_world(session_factory)
    login(client, "boss")
    form = {
        "username": "r3", "full_name": "ارزیاب سوم", "password": f.PASSWORD,
        "role": "rater", "scope_level": "own",
    }  # fmt: skip
    missing = client.post("/admin/users", data=form)
    assert missing.status_code == 422 and "کد ارزیاب" in missing.text
    taken = client.post("/admin/users", data={**form, "rater": "R1"})
    assert taken.status_code == 409 and "پیوند خورده" in taken.text
    made = client.post("/admin/users", data={**form, "rater": "R3"}, follow_redirects=False)
    assert made.status_code == 303
    login(client, "r3")
    page = client.get("/appointments/my-scorecards").text
    assert "R۳" in page and f'data-nid="{IDS["A"]}"' in page
    with session_factory() as s:
        linked, _ = audit.list_entries(s, action="link_user", actor="boss")
    assert [e.after for e in linked] == [{"rater": "R3", "user": "r3"}]
