"""At the demo's scale, a ratio either comes out plausible or is not shown, with the reason:
the registry draws the insured and contracted centres at a fraction of the nation but the
insurer's own centres (and the 1396 bed statistics) at full size."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.common.errors import InvalidInput
from darman.db.uow import UnitOfWork
from darman.planning import service as planning
from darman.planning.enums import Population, Resource
from darman.referrals import indicators
from darman.security.principal import SYSTEM
from darman.synth import claims_seed, demo_users
from darman.synth import service as synth

SCALE = 0.002
LINES = 6_000
SEED = 11
ANCHOR = dt.date(2026, 12, 7)


def _demo(factory: sessionmaker[Session]) -> None:
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=SCALE, seed=SEED)
        claims_seed.load(uow.session, scale=SCALE, seed=SEED, lines=LINES, today=ANCHOR)
        claims_seed.process(uow.session, today=ANCHOR)
        demo_users.ensure(uow.session)
        uow.commit()


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    resp = client.post(
        "/login",
        data={"username": username, "password": demo_users.password_for(username)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text


def test_at_demo_scale_every_ratio_is_plausible_or_withheld_with_the_reason(
    session_factory, client: TestClient
) -> None:
    _demo(session_factory)
    with session_factory() as s:
        rows = [
            r
            for year in (1404, 1405)
            for r in indicators.indicators(s, SYSTEM, year=year, today=ANCHOR).rows
        ]
    referred = sum(r.from_level1 for r in rows)
    visits = sum(r.level1_visits for r in rows)
    assert referred > 10 and visits > 100
    # a family-physician programme refers some tens to a few hundred per 1,000 visits
    assert 50 <= referred * 1000 / visits <= 400

    # beds per 10,000 insured would mix full-size owned centres with a 0.2 % sample
    _login(client, "admin")
    home = client.get("/")
    assert home.status_code == 200
    assert 'id="beds-ratio-withheld"' in home.text
    assert "٪۰٫۲ کشورند" in home.text  # the seed's scale, named
    tile = home.text.split("تخت به ازای ۱۰٬۰۰۰ بیمه‌شده")[1].split("</div>")[0]
    assert "—" in tile  # no figure at all, not 6,543 beds per 10,000
    registry = client.get("/registry")
    assert registry.status_code == 200 and 'id="beds-ratio-withheld"' in registry.text
    assert 'data-metric="beds_per_10k"' not in registry.text

    # whole-country bed statistics are not divided by a sample of the insured
    with session_factory() as s, pytest.raises(InvalidInput) as refused:
        planning.equity_report(
            s, SYSTEM, resource=Resource.ICU_BEDS_1396, population=Population.INSURED
        )
    assert refused.value.problems[0].field == "population"
    assert "٪۰٫۱ جمعیت کشورند" in str(refused.value)
    with session_factory() as s:
        # over the whole population, the same statistic is a few beds per 10,000
        whole = planning.equity_report(
            s, SYSTEM, resource=Resource.ICU_BEDS_1396, population=Population.TOTAL
        )
    assert 0.5 < whole.all_provinces.national_per_10k < 5
    _login(client, "analyst")
    page = client.get(
        "/planning/equity", params={"resource": "icu_beds_1396", "population": "insured"}
    )
    assert page.status_code == 200
    assert 'id="equity-withheld"' in page.text and "جمعیت کل نشان داده شده" in page.text
