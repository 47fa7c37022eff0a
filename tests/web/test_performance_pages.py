"""The performance pages through the TestClient on both databases: the scorecard with
cells coloured by their legend, targets and trends, the ranking with its explanations and
drawn rank intervals, the Excel download, the provincial scope, and who gets the pages."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.db.base import utcnow
from darman.db.uow import UnitOfWork
from darman.performance import service
from darman.performance.models import IndicatorFact
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.web.test_claims_pages import login

PERIOD = "1405/07"
# delay in days (lower is better), stock-outs in percent (lower is better), internal-referral
# share in percent (higher is better), for four provinces
FACTS = {
    "08": (30.0, 5.0, 80.0),
    "19": (130.0, 1.0, 40.0),
    "04": (60.0, 3.0, 60.0),
    "05": (90.0, 12.0, 50.0),
}
CODES = ("payment_delay_days", "stockout_rate", "internal_referral_share")


def make_world(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        ids = {c: i for c, i in s.execute(select(Province.code, Province.id))}
        for province, values in FACTS.items():
            for code, value in zip(CODES, values, strict=True):
                s.add(IndicatorFact(
                    indicator_code=code, period=PERIOD, province_id=ids[province],
                    facility_id=None, numerator=value, denominator=1, value=value,
                    definitions_version="t", computed_at=utcnow(),
                ))  # fmt: skip
        service.set_target(s, SYSTEM, indicator="payment_delay_days", province_code="19",
                           period=PERIOD, value=90)  # fmt: skip
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
               province_id=ids["19"])  # fmt: skip
        f.user(s, username="rev", role=Role.CLAIMS_REVIEWER)
        uow.commit()


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}".*?</tr>', html, re.S)
    assert match, code
    return match.group(0)


def test_the_scorecard_colours_each_cell_by_its_legend_and_shows_the_target(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    assert 'href="/performance"' in client.get("/").text
    page = client.get("/performance", params={"period": PERIOD})
    assert page.status_code == 200
    qom = _row(page.text, "19")
    # 130 days is past the 120-day band: red; 90 is the target, 40 days still to cut
    assert re.search(r'class="num cell-red" data-indicator="payment_delay_days"', qom)
    assert "هدف ۹۰٫۰" in qom and "۴۰٫۰ مانده" in qom
    tehran = _row(page.text, "08")
    assert 'data-indicator="payment_delay_days" data-colour="green"' in tehran
    xlsx = client.get("/performance", params={"period": PERIOD, "download": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][6] == "رنگ" and any(r[6] == "قرمز" for r in rows[1:])


def test_the_ranking_explains_every_rank_and_draws_its_interval(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/performance/ranking", params={"period": PERIOD})
    assert page.status_code == 200
    order = re.findall(r'<tr data-code="(\d\d)" data-full="yes"', page.text)
    assert order[0] == "08"  # best on delay and internal referrals
    assert len(order) == 4
    assert page.text.count('<svg class="interval"') == 4
    assert 'id="explain-19"' in page.text and "فاصله تا ایدئال" in page.text


def test_a_province_director_sees_the_others_ranks_only(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")
    card = client.get("/performance", params={"period": PERIOD}).text
    assert 'data-full="yes"' in _row(card, "19")
    tehran = _row(card, "08")
    assert 'data-full="no"' in tehran and "data-colour" not in tehran
    ranking = client.get("/performance/ranking", params={"period": PERIOD}).text
    assert 'id="explain-19"' in ranking and 'id="explain-08"' not in ranking
    assert ranking.count('<svg class="interval"') == 1


def test_a_month_without_facts_says_so_and_other_roles_get_no_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    empty = client.get("/performance/ranking", params={"period": "1399/01"})
    assert empty.status_code == 200 and "محاسبه نشده" in empty.text
    login(client, "rev")
    assert 'href="/performance"' not in client.get("/").text
    assert client.get("/performance").status_code == 403


def test_a_province_s_facilities_open_from_its_name_and_only_within_scope(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")
    card = client.get("/performance", params={"period": PERIOD}).text
    assert 'href="/performance/province/19?period=1405/07"' in card
    assert 'href="/performance/province/08' not in card
    own = client.get("/performance/province/19", params={"period": PERIOD})
    assert own.status_code == 200 and 'id="facility-table"' in own.text
    assert client.get("/performance/province/08").status_code == 404


def test_a_province_director_s_own_page_shows_targets_and_rank(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")
    page = client.get("/performance/mine", params={"period": PERIOD})
    assert page.status_code == 200
    assert 'id="own-table" data-code="19"' in page.text
    delay = re.search(r'<tr data-indicator="payment_delay_days">.*?</tr>', page.text, re.S)
    assert delay and 'data-colour="red"' in delay.group(0) and "۹۰٫۰" in delay.group(0)
    assert re.search(r'id="own-rank">[۱-۴]<', page.text)


def test_a_response_entered_on_the_form_is_scored_and_bad_fields_are_named(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        fac = f.facility(uow.session, province_code="19")
        uow.commit()
    login(client, "hq")
    page = client.get("/performance/surveys", params={"period": PERIOD})
    assert page.status_code == 200 and 'id="survey-form"' in page.text
    bad = client.post(
        "/performance/surveys",
        data={"facility_code": "NOPE", "answered_on": "1405/07/10", "overall": "9"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "پیدا نشد" in bad.text
    # a form without its facility or date fields names them instead of failing
    bare = client.post("/performance/surveys", data={"overall": "9"}, follow_redirects=False)
    assert bare.status_code == 422 and "پیدا نشد" in bare.text
    done = client.post(
        "/performance/surveys",
        data={"facility_code": fac.code, "answered_on": "1405/07/10", "overall": "9"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get("/performance/surveys", params={"period": PERIOD}).text
    row = re.search(rf'<tr data-code="{fac.code}".*?</tr>', shown, re.S)
    assert row and "پاسخ کم" in row.group(0) and ">۱<" in row.group(0)
    login(client, "qm")  # a provincial manager reads the scores but does not enter
    assert 'id="survey-form"' not in client.get("/performance/surveys").text


def _tile(html: str, code: str) -> str:
    match = re.search(rf'<li class="pmap-tile [^"]*"[^>]*data-code="{code}"[^>]*>', html)
    assert match, code
    return match.group(0)


def test_the_scorecard_map_colours_the_chosen_indicator_and_the_ranking_map_the_ranks(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/performance", params={"period": PERIOD, "indicator": "payment_delay_days"})
    assert page.text.count('<li class="pmap-tile') == 31
    # delays 30, 60, 90, 130 days: five classes 20 days wide from 30
    assert "pm-b0" in _tile(page.text, "08") and "pm-b1" in _tile(page.text, "04")
    assert "pm-b2" in _tile(page.text, "05") and "pm-b4" in _tile(page.text, "19")
    assert 'title="قم: ۱۳۰٫۰"' in _tile(page.text, "19")
    assert 'title="یزد: بدون داده"' in _tile(page.text, "31")
    assert "بدون داده (۲۷ استان)" in page.text
    assert "۳۰٫۰ تا ۵۰٫۰" in page.text
    ranking = client.get("/performance/ranking", params={"period": PERIOD}).text
    assert ranking.count('<li class="pmap-tile') == 31
    assert 'title="تهران: ۱"' in _tile(ranking, "08") and "pm-b0" in _tile(ranking, "08")


def test_a_province_director_s_map_shows_only_their_own_value(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")
    page = client.get("/performance", params={"period": PERIOD, "indicator": "payment_delay_days"})
    assert 'title="قم: ۱۳۰٫۰"' in _tile(page.text, "19")
    assert 'title="تهران: بدون داده"' in _tile(page.text, "08")
