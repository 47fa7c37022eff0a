"""The appointment pages through the TestClient on both databases: the call with its
posts and panels, a post's ranking under each rule version with its Excel download, the
fairness report, one nav entry for readers only, and a candidate's own result page that
shows their scores and nobody else's."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from darman.appointments import rules, service
from darman.appointments.attempts import ResultGuard
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.registry.service_support import province_id_for
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.appointments.world import CALL, IDS, POST, build
from tests.web.test_claims_pages import login


def make_world(session_factory: sessionmaker[Session]) -> str:
    """The hand-worked call ranked twice (rule versions 1 and 2), users, and C's code."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        build(s)
        service.store_ranking(s, SYSTEM, call_code=CALL)
        plain = rules.Rule(shortlist_per_opening=2)
        service.publish_rule(s, SYSTEM, post_code=POST, rule=plain, reason="بدون سهمیه")
        service.store_ranking(s, SYSTEM, call_code=CALL)
        code = service.issue_access_code(s, SYSTEM, national_id_=IDS["C"])
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(
            s, username="tm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
            province_id=province_id_for(s, "08"),
        )  # fmt: skip
        f.user(s, username="fin", role=Role.FINANCE_OFFICER)
        uow.commit()
    return code


def test_a_reader_sees_the_posts_the_rankings_of_each_version_and_downloads_one(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    home = client.get("/").text
    assert home.count('data-nav="appointments"') == 1
    call = client.get("/appointments")
    assert call.status_code == 200 and f'data-post="{POST}"' in call.text
    assert 'data-panel="P1"' in call.text
    latest = client.get(f"/appointments/posts/{POST}").text
    # version 2 has no quota: A and B are selected
    assert f'data-nid="{IDS["B"]}" data-outcome="selected"' in latest
    # a superscript digit or a huge number is no version: the latest is shown, not a 500
    for odd in ("²", "9" * 30):
        shown = client.get(f"/appointments/posts/{POST}", params={"version": odd})
        assert shown.status_code == 200 and f'data-nid="{IDS["B"]}"' in shown.text
    old = client.get(f"/appointments/posts/{POST}", params={"version": "۱"}).text
    assert f'data-nid="{IDS["C"]}" data-outcome="selected"' in old and "زنان" in old
    book = client.get(f"/appointments/posts/{POST}", params={"version": "1", "download": "xlsx"})
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "رتبه" and rows[3][1] == IDS["C"]


def test_the_fairness_page_reports_every_stage_and_who_may_not_read_it(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get(f"/appointments/calls/{CALL}/fairness")
    assert page.status_code == 200
    assert 'data-stage="interview" data-dimension="sex"' in page.text and "impact-box" in page.text
    assert to_persian_digits("5") in page.text
    login(client, "tm")  # Tehran's manager: the Qom post is not theirs
    assert client.get(f"/appointments/posts/{POST}").status_code == 404
    login(client, "fin")  # finance has no appointments entry and no access
    assert 'data-nav="appointments"' not in client.get("/").text
    assert client.get("/appointments").status_code == 403


def test_a_candidate_sees_only_their_own_result_with_their_code(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    code = make_world(session_factory)
    assert client.get("/appointments/my-result").status_code == 200
    wrong = client.post(
        "/appointments/my-result", data={"national_id": IDS["A"], "access_code": code}
    )
    assert wrong.status_code == 401 and "درست نیست" in wrong.text
    mine = client.post(
        "/appointments/my-result",
        data={"national_id": to_persian_digits(IDS["C"]), "access_code": code},
    )
    assert mine.status_code == 200
    # version 2 ranks C third, a reserve; nobody else's national ID is on the page
    assert 'id="own-rank">۳<' in mine.text and "ذخیره" in mine.text
    assert all(to_persian_digits(IDS[k]) not in mine.text for k in "ABDE")


def test_guessing_a_code_is_stopped_after_five_wrong_ones_even_for_the_right_code(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    code = make_world(session_factory)
    clock = [0.0]
    client.app.state.result_guard = ResultGuard(clock=lambda: clock[0])  # type: ignore[attr-defined]
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(5):
        guess = client.post(
            "/appointments/my-result", data={"national_id": IDS["C"], "access_code": wrong}
        )
        assert guess.status_code == 401
    held = client.post(
        "/appointments/my-result", data={"national_id": IDS["C"], "access_code": code}
    )
    assert held.status_code == 429 and held.headers["retry-after"] == "900"
    assert "۱۵ دقیقه‌ی دیگر" in held.text and 'id="own-rank"' not in held.text
    api = client.post(
        "/api/v1/appointments/my-result", json={"national_id": IDS["C"], "access_code": code}
    )
    assert api.status_code == 429 and api.headers["retry-after"] == "900"
    assert api.json()["type"].endswith("/too-many-attempts") and "۱۵ دقیقه" in api.json()["detail"]
    clock[0] = 901.0
    mine = client.post(
        "/appointments/my-result", data={"national_id": IDS["C"], "access_code": code}
    )
    assert mine.status_code == 200 and 'id="own-rank">۳<' in mine.text


def test_a_raters_page_lists_their_cards_records_marks_and_refuses_a_conflict(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        service.declare(
            uow.session, SYSTEM, rater_code="R1", national_id_=IDS["E"], relation="spouse"
        )
        uow.commit()
    login(client, "hq")
    page = client.get("/appointments/raters/R1")
    assert page.status_code == 200 and f'data-nid="{IDS["A"]}"' in page.text
    assert "همسر" in page.text and "لنگردار" in page.text
    form = {"post_code": POST, "national_id": IDS["E"], "panel": "P1"}
    marks = dict.fromkeys(rules.COMPETENCIES, "۳")
    refused = client.post("/appointments/raters/R1", data={**form, **marks})
    assert (
        refused.status_code == 409 and "همسر" in refused.text and 'id="rater-error"' in refused.text
    )
    saved = client.post("/appointments/raters/R2", data={**form, **marks})
    assert saved.status_code == 200 and 'id="rater-saved">۴ ' in saved.text
    assert f'data-nid="{IDS["E"]}"' in saved.text
    short = client.post("/appointments/raters/R3", data={**form, "leadership": "2"})
    assert short.status_code == 422 and "۱ تا ۵" in short.text
    login(client, "tm")  # Tehran's manager sees no card of the Qom post
    assert f'data-nid="{IDS["A"]}"' not in client.get("/appointments/raters/R1").text


def test_the_office_seats_raters_on_a_posts_panel_from_the_ranking_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        service.add_rater(s, SYSTEM, code="R5", full_name="ارزیاب پنجم", unit_code="HQ")
        f.user(
            s, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
            province_id=province_id_for(s, "19"),
        )  # fmt: skip
        uow.commit()
    login(client, "hq")
    page = client.get(f"/appointments/posts/{POST}").text
    assert all(f'data-rater="R{n}" data-panel="P1"' in page for n in (1, 2, 3))
    assert 'id="seat-form"' in page
    # one unknown code refuses the whole form, naming it; nobody is seated
    bad = client.post(
        f"/appointments/posts/{POST}/panels", data={"panel": "P2", "raters": "R5، R9"}
    )
    assert bad.status_code == 404 and 'id="seat-error"' in bad.text and "R۹" in bad.text
    assert 'data-rater="R5"' not in bad.text
    done = client.post(f"/appointments/posts/{POST}/panels", data={"panel": "P2", "raters": "R5"})
    assert 'id="seat-saved">۱ ' in done.text and 'data-rater="R5" data-panel="P2"' in done.text
    again = client.post(f"/appointments/posts/{POST}/panels", data={"panel": "P2", "raters": "R5"})
    assert 'id="seat-saved">۰ ' in again.text
    # each seat has its remove button; R5 has not scored: taken off once, then nothing
    assert 'class="unseat-form"' in again.text
    freed = client.post(f"/appointments/posts/{POST}/panels/unseat", data={"rater": "R5"})
    assert 'id="seat-freed">۱ ' in freed.text and 'data-rater="R5"' not in freed.text
    twice = client.post(f"/appointments/posts/{POST}/panels/unseat", data={"rater": "R5"})
    assert 'id="seat-freed">۰ ' in twice.text
    unknown = client.post(f"/appointments/posts/{POST}/panels/unseat", data={"rater": "R9"})
    assert unknown.status_code == 404 and 'id="seat-error"' in unknown.text
    client.post(f"/appointments/posts/{POST}/panels", data={"panel": "P2", "raters": "R5"})
    # the province's manager reads the panels but does not seat anyone
    login(client, "qm")
    read = client.get(f"/appointments/posts/{POST}").text
    assert 'data-rater="R5" data-panel="P2"' in read and 'id="seat-form"' not in read
    assert 'class="unseat-form"' not in read
    refused = client.post(
        f"/appointments/posts/{POST}/panels", data={"panel": "P1", "raters": "R5"}
    )
    assert refused.status_code == 403
    not_theirs = client.post(f"/appointments/posts/{POST}/panels/unseat", data={"rater": "R5"})
    assert not_theirs.status_code == 403
