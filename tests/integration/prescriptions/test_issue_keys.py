"""Idempotent issuing: a request key answers its first result again, never a second
prescription; the answer built at issue is the one a later read gives."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.common.errors import Conflict
from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing, rules, service
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.prescriptions.schemas import PrescriptionIn
from tests.integration.prescriptions.world import DAY, drug, order, rx


def keyed(body: PrescriptionIn, key: str) -> PrescriptionIn:
    return body.model_copy(update={"request_key": key})


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_key_and_prescription_answer_the_first_result_and_store_nothing_more(
    session, world
) -> None:
    body = keyed(rx(world.nid, drug("10005", 20, 7), order("200101")), "emr-0001")
    first = issuing.issue_keyed(session, world.who["doc"], data=body, on=DAY)
    again = issuing.issue_keyed(session, world.who["doc"], data=body, on=DAY)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.prescription == first.prescription
    assert count(session, Prescription) == 1 and count(session, PrescriptionLine) == 2
    audited = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "issue")
    assert session.scalar(audited) == 1


def test_a_retry_spelled_differently_but_meaning_the_same_is_a_replay(session, world) -> None:
    first = rx(world.nid, drug("10005", 20, 7))
    # Persian digits and an explicit default kind validate to the same prescription
    spelled = PrescriptionIn.model_validate(
        {"national_id": world.nid, "request_key": "emr-0002",
         "lines": [{"code": "10005", "quantity": "۲۰", "days_supply": 7,
                    "dose": "روزی یک عدد"}]}
    )  # fmt: skip
    one = issuing.issue_keyed(session, world.who["doc"], data=keyed(first, "emr-0002"), on=DAY)
    two = issuing.issue_keyed(session, world.who["doc"], data=spelled, on=DAY)
    assert two.replayed and two.prescription.id == one.prescription.id


def test_the_same_key_with_another_prescription_is_a_conflict_naming_the_key(
    session, world
) -> None:
    issuing.issue(session, world.who["doc"], data=keyed(rx(world.nid, drug("10005")), "k-00003"))
    for other in (
        rx(world.nid, drug("10005", 11)),  # another quantity
        rx(world.other_nid, drug("10005")),  # another patient
    ):
        with pytest.raises(Conflict) as caught:
            issuing.issue(session, world.who["doc"], data=keyed(other, "k-00003"), on=DAY)
        assert [p.field for p in caught.value.problems] == ["request_key"]
    assert count(session, Prescription) == 1


def test_a_refused_prescription_sent_again_is_refused_again_without_a_second_record(
    session, world
) -> None:
    body = keyed(rx(world.nid, drug("99999"), drug("10005", 45, 10)), "emr-0004")
    with pytest.raises(PrescriptionRefused) as first:
        issuing.issue(session, world.who["doc"], data=body, on=DAY)
    with pytest.raises(PrescriptionRefused) as again:
        issuing.issue(session, world.who["doc"], data=body, on=DAY)
    assert str(again.value) == str(first.value)
    assert [p.as_dict() for p in again.value.problems] == [
        p.as_dict() for p in first.value.problems
    ]
    assert count(session, Prescription) == 1


def test_a_key_belongs_to_the_physician_who_sent_it(session, world) -> None:
    body = keyed(rx(world.nid, order("200101")), "shared-key-1")
    mine = issuing.issue(session, world.who["doc"], data=body, on=DAY)
    theirs = issuing.issue(session, world.who["doc2"], data=body, on=DAY)
    assert mine.id != theirs.id and mine.tracking_code != theirs.tracking_code


def test_without_a_key_every_request_issues_a_new_prescription(session, world) -> None:
    body = rx(world.nid, order("200101"))
    issuing.issue(session, world.who["doc"], data=body, on=DAY)
    issuing.issue(session, world.who["doc2"], data=body, on=DAY)
    assert count(session, Prescription) == 2


def test_the_answer_at_issue_is_the_prescription_as_read_later(session, world) -> None:
    issued = issuing.issue(
        session,
        world.who["doc"],
        data=rx(world.nid, drug("10010", 30, 30), drug("10006", 10, 5), order("200101")),
        on=DAY,
    )
    assert [w.code for w in issued.findings] == ["P09"]
    assert service.get(session, world.who["doc"], prescription_id=issued.id) == issued


def test_two_identical_keyed_requests_at_once_issue_one_prescription(
    backend, session_factory, world, monkeypatch
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers with one database lock; the race is PostgreSQL's")
    # both requests have run every check, and found no earlier use of the key, before
    # either writes: the database's unique key decides
    barrier = threading.Barrier(2, timeout=10)
    real = rules.check
    monkeypatch.setattr(rules, "check", lambda inp: barrier.wait() is not None and real(inp))
    body = keyed(rx(world.nid, drug("10005", 20, 7)), "race-key-1")
    results: list[object] = []

    def attempt() -> None:
        try:
            with UnitOfWork(session_factory) as uow:
                out = issuing.issue_keyed(uow.session, world.who["doc"], data=body, on=DAY)
                uow.commit()
            results.append((out.replayed, out.prescription.tracking_code))
        except Exception as exc:  # a failure is an outcome the assertion shows
            results.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r[0] for r in results) == [False, True], results  # type: ignore[index]
    assert len({r[1] for r in results}) == 1  # type: ignore[index]
    with UnitOfWork(session_factory) as uow:
        assert count(uow.session, Prescription) == 1
        assert count(uow.session, PrescriptionLine) == 1
        issued = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "issue")
        )
        assert issued == 1


def test_identical_keyed_requests_from_many_threads_issue_one_prescription(
    session_factory, world
) -> None:
    body = keyed(rx(world.nid, drug("10005", 20, 7)), "many-key-1")
    results: list[object] = []

    def attempt() -> None:
        try:
            with UnitOfWork(session_factory) as uow:
                out = issuing.issue_keyed(uow.session, world.who["doc"], data=body, on=DAY)
                uow.commit()
            results.append(out.replayed)
        except Exception as exc:  # a failure is an outcome the assertion shows
            results.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False, True, True, True], results  # type: ignore[type-var]
    with UnitOfWork(session_factory) as uow:
        assert count(uow.session, Prescription) == 1
