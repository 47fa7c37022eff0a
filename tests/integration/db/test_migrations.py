from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from darman.db import migrate
from darman.db.base import include_name
from darman.db.engine import make_engine, make_session_factory
from darman.db.metadata import target_metadata
from darman.prescriptions import dispensing as prescription_dispensing
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine
from darman.referrals import reading as referral_reading
from darman.referrals.models import ReferralOrder
from darman.registry import provinces
from darman.registry import service as registry
from darman.registry.models import Facility, Insured, Practitioner
from darman.registry.schemas import PractitionerCreate
from darman.security.principal import SYSTEM
from tests import factories
from tests.conftest import TEST_AUDIT_KEY, _drop_pg, _pg_database


def _fresh_engine(backend: str, tmp_path) -> tuple[Engine, object]:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"), None
    url, admin = _pg_database("m")
    return make_engine(url), (admin, url)


def test_migrations_build_the_models_schema_from_empty_and_tear_it_down(
    backend: str, tmp_path
) -> None:
    engine, cleanup = _fresh_engine(backend, tmp_path)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"compare_type": True, "include_name": include_name}
                ),
                target_metadata,
            )
        assert diff == []
        assert set(target_metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)  # and back up again: upgrades are repeatable from empty
        assert migrate.is_current(engine)
    finally:
        engine.dispose()
        if cleanup:
            admin, url = cleanup  # type: ignore[misc]
            _drop_pg(admin, url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# ---------------------------------------------------------------- 0013: claims read the registers
DAY = dt.date(2025, 6, 1)


def _at_0012_with_registers(backend: str, tmp_path) -> tuple[Engine, object, str, str]:
    """A database at 0012 as the earlier release left it: three referrals (open; answered
    by the service, its copy ending on the feedback day; answered by the demo loader on
    day 5, its copy still valid to day 29) and a prescription whose drug line was
    dispensed in two parts (12 + 8) and whose lab order once, each drug part copied into
    ``dispensings``. Returns the engine, its cleanup, the person and the tracking code."""
    engine, cleanup = _fresh_engine(backend, tmp_path)
    migrate.upgrade(engine, "0012")
    with make_session_factory(engine, audit_key=TEST_AUDIT_KEY)() as s:
        provinces.ensure_loaded(s)
        place = factories.facility(s, code="M0001", level=2, ownership="owned")
        pharmacy = factories.facility(s, code="M0002", kind="pharmacy", level=1)
        person = factories.insured(s)
        registry.create_practitioner(
            s,
            SYSTEM,
            data=PractitionerCreate(
                council_number="70001", first_name="سارا", last_name="احمدی", sex="female",
                specialty="پزشک خانواده", level=1, province_code="01", facility_codes="M0001",
            ),
        )  # fmt: skip
        doc = s.scalar(select(Practitioner.id).where(Practitioner.council_number == "70001"))
        insured_id = s.scalar(select(Insured.id).where(Insured.national_id == person.national_id))
        province = s.scalar(select(Facility.province_id).where(Facility.id == place.id))
        nid, now = person.national_id, dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC)
        for number, status, feedback_on in (
            ("RF1404-OPEN0001", "issued", None),
            ("RF1404-SERV0002", "answered", DAY + dt.timedelta(days=3)),
            ("RF1404-DEMO0003", "answered", DAY + dt.timedelta(days=5)),
        ):
            s.add(
                ReferralOrder(
                    ref_number=number, status=status, insured_id=insured_id, national_id=nid,
                    province_id=province, from_practitioner_id=doc, from_facility_id=place.id,
                    from_level=1, to_level=2, to_facility_id=place.id, internal=True,
                    specialty="داخلی", reason="ویزیت متخصص", diagnosis="R69", issued_on=DAY,
                    valid_until=DAY + dt.timedelta(days=29),
                    feedback_due_on=DAY + dt.timedelta(days=14), feedback_on=feedback_on,
                    issued_by="demo", created_at=now,
                )
            )  # fmt: skip
        rx = Prescription(
            tracking_code="RXCODE0001", status="issued", insured_id=insured_id, national_id=nid,
            practitioner_id=doc, facility_id=place.id, province_id=province, issued_on=DAY,
            expires_on=DAY + dt.timedelta(days=29), active_until=DAY + dt.timedelta(days=6),
            issued_by="demo", created_at=now,
        )  # fmt: skip
        s.add(rx)
        s.flush()
        drug = PrescriptionLine(
            prescription_id=rx.id, line_no=1, kind="drug", code="10005", quantity=20,
            days_supply=7, dispensed=20,
        )  # fmt: skip
        lab = PrescriptionLine(
            prescription_id=rx.id, line_no=2, kind="service", code="200101", quantity=1,
            dispensed=1,
        )  # fmt: skip
        s.add_all([drug, lab])
        s.flush()
        for line, key, quantity in ((drug, "k1", 12), (drug, "k2", 8), (lab, "k3", 1)):
            s.add(
                PrescriptionDispensing(
                    line_id=line.id, prescription_id=rx.id, facility_id=pharmacy.id,
                    request_key=key, quantity=quantity, dispensed_on=DAY, dispensed_at=now,
                    dispensed_by="demo",
                )
            )  # fmt: skip
        s.flush()
        for number, until in (
            ("RF1404-OPEN0001", DAY + dt.timedelta(days=29)),
            ("RF1404-SERV0002", DAY + dt.timedelta(days=3)),
            ("RF1404-DEMO0003", DAY + dt.timedelta(days=29)),
        ):
            s.execute(
                text(
                    "INSERT INTO referrals (ref_number, national_id, issued_on, valid_until) "
                    "VALUES (:n, :nid, :issued, :until)"
                ),
                {"n": number, "nid": nid, "issued": DAY, "until": until},
            )
        for quantity in (12, 8):
            s.execute(
                text(
                    "INSERT INTO dispensings (prescription_ref, national_id, drug_code, "
                    "quantity, dispensed_on) VALUES ('RXCODE0001', :nid, '10005', :q, :day)"
                ),
                {"nid": nid, "q": quantity, "day": DAY},
            )
        s.commit()
    return engine, cleanup, nid, "RXCODE0001"


def _cleanup(engine: Engine, cleanup: object) -> None:
    engine.dispose()
    if cleanup:
        admin, url = cleanup  # type: ignore[misc]
        _drop_pg(admin, url)


def test_the_claims_read_from_the_registers_what_their_copies_held_and_the_copies_go(
    backend: str, tmp_path
) -> None:
    engine, cleanup, nid, code = _at_0012_with_registers(backend, tmp_path)
    try:
        migrate.upgrade(engine)
        assert not {"referrals", "dispensings"} & set(inspect(engine).get_table_names())
        with Session(engine) as s:
            referrals = sorted(tuple(r) for r in s.execute(referral_reading.claims_register()))
            dispensed = sorted(
                tuple(r) for r in s.execute(prescription_dispensing.dispensed_for_claims())
            )
            moved = s.scalar(
                select(ReferralOrder.feedback_on).where(
                    ReferralOrder.ref_number == "RF1404-DEMO0003"
                )
            )
        # every referral valid for claims to the day its copy said; the lab order is no drug
        assert referrals == [
            ("RF1404-DEMO0003", nid, DAY, DAY + dt.timedelta(days=29)),
            ("RF1404-OPEN0001", nid, DAY, DAY + dt.timedelta(days=29)),
            ("RF1404-SERV0002", nid, DAY, DAY + dt.timedelta(days=3)),
        ]
        assert dispensed == [(code, nid, "10005", 8), (code, nid, "10005", 12)]
        assert moved == DAY + dt.timedelta(days=29)

        migrate.downgrade(engine, "0012")
        with engine.connect() as conn:
            copies = conn.execute(
                text("SELECT ref_number, valid_until FROM referrals ORDER BY ref_number")
            ).all()
            drugs = conn.execute(
                text("SELECT prescription_ref, drug_code, quantity FROM dispensings ORDER BY id")
            ).all()
        assert [(n, str(d)) for n, d in copies] == [
            ("RF1404-DEMO0003", "2025-06-30"),
            ("RF1404-OPEN0001", "2025-06-30"),
            ("RF1404-SERV0002", "2025-06-04"),
        ]
        assert [tuple(r) for r in drugs] == [(code, "10005", 12), (code, "10005", 8)]
    finally:
        _cleanup(engine, cleanup)


def test_copies_holding_what_no_register_can_take_stop_the_upgrade_and_change_nothing(
    backend: str, tmp_path
) -> None:
    engine, cleanup, nid, code = _at_0012_with_registers(backend, tmp_path)
    try:
        with engine.begin() as conn:
            # rows a loader wrote straight into the copies, unknown to the registers
            conn.execute(
                text(
                    "INSERT INTO referrals (ref_number, national_id, issued_on, valid_until) "
                    "VALUES ('RF000000001', :nid, :day, :day)"
                ),
                {"nid": nid, "day": DAY},
            )
            conn.execute(
                text(
                    "INSERT INTO dispensings (prescription_ref, national_id, drug_code, "
                    "quantity, dispensed_on) VALUES (:code, :nid, '10005', 1, :day)"
                ),
                {"code": code, "nid": nid, "day": DAY},
            )
        with pytest.raises(RuntimeError, match=r"1 rows .* and 1 drugs"):
            migrate.upgrade(engine)
        assert migrate.current_revision(engine) == "0012"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM referrals")).scalar() == 4
            assert conn.execute(text("SELECT count(*) FROM dispensings")).scalar() == 3
            feedback = conn.execute(
                text("SELECT feedback_on FROM referral_orders WHERE ref_number = 'RF1404-DEMO0003'")
            ).scalar()
        assert str(feedback) == "2025-06-06"
    finally:
        _cleanup(engine, cleanup)
