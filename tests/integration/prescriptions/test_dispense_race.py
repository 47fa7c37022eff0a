"""Twenty dispensing requests for one prescription at once, on real threads and real
transactions, on both databases: nothing is ever dispensed twice, a replay answers what
the first request committed, and every loser of a race gets the same answer.

Each test runs several rounds, each on a fresh prescription: one round's interleaving is
up to the scheduler, and a handful of rounds is what makes a wrong order of checks show.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.common.errors import DarmanError
from darman.db.uow import UnitOfWork
from darman.prescriptions import dispensing, issuing
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine
from darman.prescriptions.schemas import DispenseIn, DispenseResult
from tests.integration.prescriptions.test_dispense import ask
from tests.integration.prescriptions.world import DAY, World, drug, rx

REQUESTS = 20
ROUNDS = 4

Outcome = DispenseResult | DarmanError


def _race(
    session_factory: sessionmaker[Session], world: World, requests: list[tuple[str, DispenseIn]]
) -> list[Outcome]:
    """Each request in its own thread and unit of work, all released at the same moment."""
    start = threading.Barrier(len(requests), timeout=30)
    outcomes: list[Outcome | None] = [None] * len(requests)

    def one(i: int) -> None:
        who, data = requests[i]
        start.wait()
        try:
            with UnitOfWork(session_factory) as uow:
                outcomes[i] = dispensing.dispense(uow.session, world.who[who], data=data, on=DAY)
                uow.commit()
        except DarmanError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(o is not None for o in outcomes), "a request neither answered nor was refused"
    return [o for o in outcomes if o is not None]


def _prescription(session_factory: sessionmaker[Session], world: World, round_no: int) -> str:
    """10 units of one drug for 5 days, issued a week after the last round's, so the last
    round's supply is over (no duplicate therapy) and all are still valid on DAY."""
    issued_on = DAY - dt.timedelta(days=7 * (ROUNDS - round_no))
    with UnitOfWork(session_factory) as uow:
        read = issuing.issue(
            uow.session, world.who["doc"], data=rx(world.nid, drug("10005", 10, 5)), on=issued_on
        )
        uow.commit()
    assert read.tracking_code
    return read.tracking_code


def _stored(session_factory: sessionmaker[Session], code: str) -> tuple[int, list[int]]:
    """The line's counter and the quantity of each dispensing row, as committed."""
    with UnitOfWork(session_factory) as uow:
        line = uow.session.scalar(
            select(PrescriptionLine)
            .join(Prescription, Prescription.id == PrescriptionLine.prescription_id)
            .where(Prescription.tracking_code == code, PrescriptionLine.line_no == 1)
        )
        assert line is not None
        parts = uow.session.scalars(
            select(PrescriptionDispensing.quantity)
            .where(PrescriptionDispensing.line_id == line.id)
            .order_by(PrescriptionDispensing.id)
        ).all()
        return line.dispensed, list(parts)


def test_twenty_copies_of_one_request_dispense_once_and_all_answer_what_was_committed(
    session_factory, world
) -> None:
    for round_no in range(ROUNDS):
        code = _prescription(session_factory, world, round_no)
        body = ask(code, world.nid, f"{code}-same", (1, 10))
        outcomes = _race(session_factory, world, [("pharm_a", body)] * REQUESTS)

        refused = [o for o in outcomes if isinstance(o, DarmanError)]
        assert refused == [], f"a retry of the dispensed request was refused: {refused[:1]}"
        answers = [o for o in outcomes if isinstance(o, DispenseResult)]
        assert sorted(a.replayed for a in answers) == [False] + [True] * (REQUESTS - 1)
        # hand-worked: 10 prescribed, 10 handed over by the one request -> 10 in all, 0 left
        seen = Counter(
            tuple((d.line_no, d.quantity, d.dispensed_total, d.remaining) for d in a.lines)
            for a in answers
        )
        assert seen == Counter({((1, 10, 10, 0),): REQUESTS})
        assert {a.dispensed_on for a in answers} == {DAY}
        assert _stored(session_factory, code) == (10, [10])


def test_twenty_pharmacies_racing_for_the_last_units_one_wins_and_the_rest_get_one_answer(
    session_factory, world
) -> None:
    for round_no in range(ROUNDS):
        code = _prescription(session_factory, world, round_no)
        with UnitOfWork(session_factory) as uow:
            first = dispensing.dispense(
                uow.session, world.who["pharm_a"],
                data=ask(code, world.nid, f"{code}-first", (1, 4)), on=DAY,
            )  # fmt: skip
            uow.commit()
        assert (first.lines[0].dispensed_total, first.lines[0].remaining) == (4, 6)
        requests = [
            (("pharm_a", "pharm_b")[i % 2], ask(code, world.nid, f"{code}-{i:02d}", (1, 6)))
            for i in range(REQUESTS)
        ]
        outcomes = _race(session_factory, world, requests)

        won = [o for o in outcomes if isinstance(o, DispenseResult)]
        assert len(won) == 1 and not won[0].replayed
        # hand-worked: 4 + 6 of 10 -> 10 in all, nothing left
        got = won[0].lines[0]
        assert (got.quantity, got.dispensed_total, got.remaining) == (6, 10, 0)
        lost = [o for o in outcomes if isinstance(o, DarmanError)]
        answers = {(o.status, o.slug, tuple((p.field, p.reason) for p in o.problems)) for o in lost}
        assert len(answers) == 1, f"the losers were answered differently: {answers}"
        status, slug, problems = answers.pop()
        assert (status, slug) == (422, "invalid-input")
        assert [field for field, _ in problems] == ["lines.0.quantity"]
        assert "only 0 left" in problems[0][1]
        assert _stored(session_factory, code) == (10, [4, 6])


def test_a_race_leaves_one_audit_entry_per_request_that_dispensed(session_factory, world) -> None:
    code = _prescription(session_factory, world, 0)
    body = ask(code, world.nid, f"{code}-audit", (1, 3))
    _race(session_factory, world, [("pharm_b", body)] * REQUESTS)
    with UnitOfWork(session_factory) as uow:
        entries = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dispense")
        )
    assert entries == 1
    assert _stored(session_factory, code) == (3, [3])


def _held_open(
    session_factory: sessionmaker[Session], world: World, first: DispenseIn, then: DispenseIn
) -> tuple[DispenseResult, Outcome]:
    """``first`` dispensed and left uncommitted while ``then`` is sent; ``first`` commits
    only once ``then`` has had time to get as far as it can. Returns both answers."""
    dispensed, release = threading.Event(), threading.Event()
    answers: dict[str, Outcome] = {}

    def hold() -> None:
        with UnitOfWork(session_factory) as uow:
            answers["first"] = dispensing.dispense(
                uow.session, world.who["pharm_a"], data=first, on=DAY
            )
            dispensed.set()
            release.wait(30)
            uow.commit()

    def send() -> None:
        try:
            with UnitOfWork(session_factory) as uow:
                answers["then"] = dispensing.dispense(
                    uow.session, world.who["pharm_a"], data=then, on=DAY
                )
                uow.commit()
        except DarmanError as exc:
            answers["then"] = exc

    holder = threading.Thread(target=hold)
    holder.start()
    assert dispensed.wait(30)
    sender = threading.Thread(target=send)
    sender.start()
    sender.join(0.5)
    # it waits for the first request to end: it cannot be decided before that
    assert sender.is_alive() and "then" not in answers
    release.set()
    holder.join(30)
    sender.join(30)
    done = answers["first"]
    assert isinstance(done, DispenseResult)
    return done, answers["then"]


def test_a_retry_sent_while_the_first_request_is_open_answers_what_it_committed(
    session_factory, world
) -> None:
    code = _prescription(session_factory, world, 0)
    body = ask(code, world.nid, f"{code}-open", (1, 10))
    first, retry = _held_open(session_factory, world, body, body)
    assert isinstance(retry, DispenseResult), retry
    assert retry.replayed and not first.replayed
    assert retry.lines == first.lines
    got = retry.lines[0]
    assert (got.quantity, got.dispensed_total, got.remaining) == (10, 10, 0)
    assert _stored(session_factory, code) == (10, [10])


def test_a_request_sent_while_another_takes_the_last_units_is_refused_as_any_later_one(
    session_factory, world
) -> None:
    code = _prescription(session_factory, world, 0)
    taking = ask(code, world.nid, f"{code}-all", (1, 10))
    late = ask(code, world.nid, f"{code}-late", (1, 3))
    _, refused = _held_open(session_factory, world, taking, late)
    assert isinstance(refused, DarmanError)
    assert (refused.status, refused.slug) == (422, "invalid-input")
    assert [(p.field, p.reason) for p in refused.problems] == [
        ("lines.0.quantity", "بیش از باقی‌مانده‌ی نسخه (۰); only 0 left")
    ]
    assert _stored(session_factory, code) == (10, [10])


def test_a_replay_answers_the_first_totals_even_after_later_parts_were_dispensed(
    session_factory, world
) -> None:
    code = _prescription(session_factory, world, 0)
    parts = [
        ("pharm_a", f"{code}-p1", 3),
        ("pharm_b", f"{code}-p2", 5),
        ("pharm_a", f"{code}-p3", 2),
    ]
    for who, key, quantity in parts:
        with UnitOfWork(session_factory) as uow:
            dispensing.dispense(
                uow.session, world.who[who], data=ask(code, world.nid, key, (1, quantity)), on=DAY
            )
            uow.commit()
    with UnitOfWork(session_factory) as uow:
        again = dispensing.dispense(
            uow.session, world.who["pharm_b"], data=ask(code, world.nid, f"{code}-p2", (1, 5)),
            on=DAY,
        )  # fmt: skip
    # hand-worked: 3, then 5 (8 in all, 2 left), then 2: the second request's answer is 8/2
    got = again.lines[0]
    assert again.replayed and (got.quantity, got.dispensed_total, got.remaining) == (5, 8, 2)
    assert _stored(session_factory, code) == (10, [3, 5, 2])
