from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.prescriptions import dispensing as prescription_dispensing
from darman.prescriptions import rules
from darman.synth import claims_seed, demo_users
from darman.synth import service as synth
from tests.conftest import TEST_AUDIT_KEY

SCALE = 0.001
LINES = 4_000


def _demo(factory: sessionmaker[Session], seed: int = 11) -> None:
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=SCALE, seed=seed)
        claims_seed.load(uow.session, scale=SCALE, seed=seed, lines=LINES)
        uow.commit()


def _count(s: Session, sql: str) -> int:
    return int(s.execute(text(sql)).scalar() or 0)


def test_every_dispensing_belongs_to_an_issued_prescription_and_never_exceeds_it(
    session_factory,
) -> None:
    _demo(session_factory)
    with session_factory() as s:
        assert _count(s, "SELECT count(*) FROM prescription_dispensings") > 0
        assert (
            _count(
                s,
                """SELECT count(*) FROM prescription_lines l
            JOIN prescriptions p ON p.id = l.prescription_id
            WHERE p.status <> 'issued' OR l.dispensed > l.quantity""",
            )
            == 0
        )
        # the line counters are the sum of the dispensings, at or before expiry
        assert (
            _count(
                s,
                """SELECT count(*) FROM prescription_lines l
            LEFT JOIN (SELECT line_id, sum(quantity) q FROM prescription_dispensings
                       GROUP BY line_id) d ON d.line_id = l.id
            WHERE coalesce(d.q, 0) <> l.dispensed""",
            )
            == 0
        )
        assert (
            _count(
                s,
                """SELECT count(*) FROM prescription_dispensings d
            JOIN prescriptions p ON p.id = d.prescription_id
            WHERE d.dispensed_on > p.expires_on OR d.dispensed_on < p.issued_on""",
            )
            == 0
        )
        # the claims rules read every one of them (each demo line is a drug)
        assert len(s.execute(prescription_dispensing.dispensed_for_claims()).all()) == _count(
            s, "SELECT count(*) FROM prescription_dispensings"
        )
        codes = [r[0] for r in s.execute(text("SELECT tracking_code FROM prescriptions"))]
        assert all(rules.normalize_tracking_code(c) == c for c in codes)
        # no issued prescription would have been refused by a blocking check
        assert _count(s, "SELECT count(*) FROM prescription_findings WHERE blocking") == 0


def test_every_reference_a_claim_cites_exists(session_factory) -> None:
    _demo(session_factory)
    with session_factory() as s:
        assert _count(s, "SELECT count(*) FROM claims WHERE prescription_ref IS NOT NULL") > 0
        assert _count(s, "SELECT count(*) FROM claims WHERE referral_ref IS NOT NULL") > 0
        assert (
            _count(
                s,
                """SELECT count(*) FROM claims c WHERE c.prescription_ref IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM prescriptions p
                            WHERE p.tracking_code = c.prescription_ref
                              AND p.national_id = c.national_id)""",
            )
            == 0
        )
        assert (
            _count(
                s,
                """SELECT count(*) FROM claims c WHERE c.referral_ref IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM referral_orders o
                            WHERE o.ref_number = c.referral_ref
                              AND o.national_id = c.national_id)""",
            )
            == 0
        )
        # a referral comes from the person's own family physician, on their open enrolment
        assert (
            _count(
                s,
                """SELECT count(*) FROM referral_orders o WHERE NOT EXISTS (
            SELECT 1 FROM panel_enrolments e WHERE e.national_id = o.national_id
              AND e.practitioner_id = o.from_practitioner_id AND e.ended_on IS NULL)""",
            )
            == 0
        )
        assert (
            _count(
                s,
                """SELECT count(*) FROM panels p WHERE p.capacity < (
            SELECT count(*) FROM panel_enrolments e
            WHERE e.practitioner_id = p.practitioner_id)""",
            )
            == 0
        )


def test_an_answered_demo_referral_still_covers_every_line_of_the_claim_citing_it(
    session_factory,
) -> None:
    _demo(session_factory)
    with session_factory() as s:
        assert _count(s, "SELECT count(*) FROM referral_orders WHERE status = 'answered'") > 0
        # the feedback closes a referral for claims: the claim's own lines come before it
        assert (
            _count(
                s,
                """SELECT count(*) FROM claim_lines l JOIN claims c ON c.id = l.claim_id
            JOIN referral_orders o ON o.ref_number = c.referral_ref
            WHERE o.status = 'answered' AND l.service_date > o.feedback_on""",
            )
            == 0
        )


def test_the_demo_physician_can_prescribe_as_a_practitioner_of_its_facility(
    session_factory,
) -> None:
    _demo(session_factory)
    with UnitOfWork(session_factory) as uow:
        users = {u.username: u for u in demo_users.ensure(uow.session)}
        uow.commit()
    assert "tehran.doctor" in users and "tehran.pharmacy" in users
    with session_factory() as s:
        assert (
            _count(
                s,
                """SELECT count(*) FROM users u JOIN practitioner_facilities pf
            ON pf.practitioner_id = u.practitioner_id AND pf.facility_id = u.facility_id
            WHERE u.username = 'tehran.doctor'""",
            )
            == 1
        )


def _digest(factory: sessionmaker[Session]) -> list[object]:
    with factory() as s:
        return [
            s.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
            for t in ("prescriptions", "prescription_lines", "prescription_dispensings",
                      "panel_enrolments", "referral_orders")
        ]  # fmt: skip


def test_the_same_seed_gives_the_same_prescriptions_and_referrals(tmp_path) -> None:
    runs = []
    for _ in range(2):
        engine = make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db")
        migrate.upgrade(engine)
        factory = make_session_factory(engine, audit_key=TEST_AUDIT_KEY)
        _demo(factory)
        rows = _digest(factory)
        # created_at stamps differ between runs; everything else is the seed's
        stamps = ("created_at", "dispensed_at")
        runs.append([[tuple(v for k, v in r._mapping.items() if k not in stamps) for r in t]
                     for t in rows])  # fmt: skip
        engine.dispose()
    assert runs[0] == runs[1]
