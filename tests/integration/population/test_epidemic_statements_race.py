"""Two requests issuing the same month's statement at the same moment: one statement, one
audit entry, and a Persian conflict (409 over the API) for the other, never an error page
or a second statement. Both requests are held until both have been asked, then let go
together, so they really overlap on either database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.common.errors import Conflict
from darman.db.uow import UnitOfWork
from darman.population import epidemic_statements as statements
from darman.population.epidemic_models import EpidemicStatement
from darman.security.enums import Role
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.population.epidemic_world import build


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        f.user(uow.session, username="hq1", role=Role.HQ_ANALYST)
        f.user(uow.session, username="hq2", role=Role.HQ_ANALYST)
        uow.commit()


@pytest.fixture
def together(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Each issuing request waits, once asked and before it touches the statements, until
    the other has been asked too."""
    gate = threading.Barrier(2, timeout=30)
    serialise = statements._serialise

    def wait_then_serialise(session: Session) -> None:
        gate.wait()
        serialise(session)

    monkeypatch.setattr(statements, "_serialise", wait_then_serialise)
    return gate


def _both(call: Callable[[int], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [x.result(timeout=60) for x in [pool.submit(call, i) for i in (0, 1)]]


def _stored(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as s:
        issued = s.scalar(
            select(func.count())
            .select_from(EpidemicStatement)
            .where(EpidemicStatement.month == 140402)
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "population.epidemic.issue")
        )
    return int(issued or 0), int(audited or 0)


def test_two_sessions_issuing_the_same_month_together_make_one_statement(
    session_factory, world, together, monkeypatch
) -> None:
    def issue(_i: int) -> object:
        try:
            with UnitOfWork(session_factory) as uow:
                result = statements.issue(uow.session, SYSTEM, month="1404/02")
                uow.commit()
                return result
        except Conflict as exc:
            return exc

    outcomes = _both(issue)
    made = [o for o in outcomes if not isinstance(o, Conflict)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert made[0].created and made[0].statement.number == "COVID19-00001"
    assert "هم‌زمان" in str(refused[0]) and "COVID19-00001" in str(refused[0])
    assert refused[0].problems[0].field == "month"
    assert _stored(session_factory) == (1, 1)

    # asked afterwards, the same month is answered with the statement issued (a retry)
    monkeypatch.undo()
    with UnitOfWork(session_factory) as uow:
        again = statements.issue(uow.session, SYSTEM, month="1404/02")
    assert not again.created and again.statement.number == "COVID19-00001"


def test_two_requests_issuing_the_same_month_together_get_201_and_a_persian_409(
    client, session_factory, world, together
) -> None:
    headers = [f.token(client, "hq1"), f.token(client, "hq2")]

    def post(i: int) -> Any:
        return client.post(
            "/api/v1/population/epidemic/statements", json={"month": "1404/02"}, headers=headers[i]
        )

    answers = sorted(_both(post), key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [201, 409], [r.text for r in answers]
    assert answers[0].json()["statement"]["number"] == "COVID19-00001"
    problem = answers[1].json()
    assert "هم‌زمان" in problem["detail"] and "COVID19-00001" in problem["detail"]
    assert _stored(session_factory) == (1, 1)


def test_without_the_lock_the_unique_numbering_still_refuses_the_second_in_persian(
    session_factory, world, monkeypatch
) -> None:
    # the lock left out (a path that forgot it): the database's unique numbering decides
    gate = threading.Barrier(2, timeout=30)
    monkeypatch.setattr(statements, "_serialise", lambda _session: gate.wait())

    def issue(_i: int) -> object:
        try:
            with UnitOfWork(session_factory) as uow:
                result = statements.issue(uow.session, SYSTEM, month="1404/02")
                uow.commit()
                return result
        except Conflict as exc:
            return exc

    outcomes = _both(issue)
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refused) == 1 and "COVID19-00001" in str(refused[0]), outcomes
    assert _stored(session_factory) == (1, 1)
