"""The adjudication round trip on both databases: the Arrow reader (COPY on PostgreSQL, the
driver cursor on SQLite) gives what SQLAlchemy gives, and adjudication reads and writes
inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.claims import service
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.db import bulk
from darman.db.base import utcnow
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.registry.models import CoveragePeriod, Insured
from darman.security.principal import SYSTEM
from tests.integration.claims.conftest import claim, tariff

BIGGEST_RIALS = 2**63 - 1
TRICKY_TEXT = 'سند «۱۲۳»، "نقل" و\nخط'


def _tricky_claim(world: dict[str, Any], doc: str, **values: Any) -> Claim:
    now = utcnow()
    fields: dict[str, Any] = {
        "facility_id": world["hospital_id"],
        "province_id": 1,
        "document_number": doc,
        "national_id": world["nid"],
        "nid_valid": True,
        "visit_type": "outpatient",
        "status": "submitted",
        "content_hash": doc,
        "submitted_at": now,
        "submitted_on": now.date(),
    }
    fields.update(values)
    return Claim(**fields)


def test_the_arrow_reader_keeps_nulls_empty_text_persian_text_and_big_rial_amounts(
    world: dict[str, Any], session_factory
) -> None:
    import pyarrow as pa

    with UnitOfWork(session_factory) as uow:
        s = uow.session
        s.add_all(
            [
                _tricky_claim(
                    world,
                    "t-1",
                    diagnoses=TRICKY_TEXT,
                    referral_ref=None,
                    prescription_ref="",
                    admission_date=None,
                    discharge_date=dt.date(2026, 3, 20),
                    asked_rials=BIGGEST_RIALS,
                    deducted_rials=-(2**62),
                    nid_valid=False,
                ),
                _tricky_claim(
                    world,
                    "t-2",
                    diagnoses="",
                    referral_ref="ارجاع-۹",
                    prescription_ref=None,
                    admission_date=dt.date(1999, 12, 31),
                    discharge_date=None,
                ),
            ]
        )
        s.flush()  # in the open transaction only: the reader must see it uncommitted
        query = select(
            Claim.document_number,
            Claim.diagnoses,
            Claim.referral_ref,
            Claim.prescription_ref,
            Claim.admission_date,
            Claim.discharge_date,
            Claim.asked_rials,
            Claim.deducted_rials,
            Claim.nid_valid,
        ).order_by(Claim.document_number)
        schema = pa.schema(
            [
                ("doc", pa.string()),
                ("diagnoses", pa.string()),
                ("referral_ref", pa.string()),
                ("prescription_ref", pa.string()),
                ("admission_date", pa.date32()),
                ("discharge_date", pa.date32()),
                ("asked", pa.int64()),
                ("deducted", pa.int64()),
                ("nid_valid", pa.bool_()),
            ]
        )
        table = bulk.read_arrow(s.connection(), query, schema)
        expected = [dict(zip(schema.names, row, strict=True)) for row in s.execute(query)]
    assert table.schema == schema
    assert table.to_pylist() == expected
    assert expected[0]["diagnoses"] == TRICKY_TEXT and expected[0]["asked"] == BIGGEST_RIALS
    assert (expected[0]["referral_ref"], expected[0]["prescription_ref"]) == (None, "")
    assert (expected[1]["diagnoses"], expected[1]["prescription_ref"]) == ("", None)
    assert expected[1]["discharge_date"] is None and expected[0]["nid_valid"] is False


def test_open_ended_coverage_reads_as_a_null_end_date(
    world: dict[str, Any], session_factory
) -> None:
    import pyarrow as pa

    query = (
        select(Insured.national_id, CoveragePeriod.start_date, CoveragePeriod.end_date)
        .join(Insured, Insured.id == CoveragePeriod.insured_id)
        .order_by(CoveragePeriod.id)
    )
    schema = pa.schema([("nid", pa.string()), ("start", pa.date32()), ("end", pa.date32())])
    with session_factory() as s:
        table = bulk.read_arrow(s.connection(), query, schema)
        expected = [dict(zip(schema.names, row, strict=True)) for row in s.execute(query)]
    assert table.to_pylist() == expected
    assert any(r["end"] is None for r in expected) and any(r["end"] for r in expected)


def test_adjudication_decides_the_callers_uncommitted_claims_and_vanishes_with_its_rollback(
    world: dict[str, Any], session_factory
) -> None:
    price = tariff("100102")
    body = claim(world, "7701", referral_ref=None)
    body["lines"] = [
        {
            "item_type": "service",
            "code": "100102",
            "service_date": "1405/07/01",
            "quantity": 1,
            "unit_price_rials": price + 70_000,  # above the tariff: D01 cuts 70,000
        },
        {
            "item_type": "service",
            "code": "100102",
            "service_date": "1405/07/02",
            "quantity": 1,
            "unit_price_rials": price,
        },
        {
            "item_type": "service",
            "code": "999999",  # not in the catalogue: R01 rejects the line
            "service_date": "1405/07/02",
            "quantity": 3,
            "unit_price_rials": 10**12,
        },
    ]
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        stored = service.submit(s, SYSTEM, claim=ClaimIn.model_validate(body))
        run = service.adjudicate_pending(s, referrals=claims_register(), actor="tester")
        assert (run.claims, run.lines, run.accepted, run.partial, run.rejected) == (1, 3, 1, 1, 1)
        lines = s.execute(
            select(ClaimLine.outcome, ClaimLine.reasons, ClaimLine.allowed_rials)
            .where(ClaimLine.claim_id == stored.claim_id)
            .order_by(ClaimLine.line_no)
        ).all()
        assert [tuple(r) for r in lines] == [
            ("partial", "D01", price),
            ("accepted", "", price),
            ("rejected", "R01", 0),
        ]
        sums = s.execute(
            select(
                func.sum(ClaimLine.allowed_rials),
                func.sum(ClaimLine.copay_rials),
                func.sum(ClaimLine.insurer_rials),
                func.sum(ClaimLine.deducted_rials),
            ).where(ClaimLine.claim_id == stored.claim_id)
        ).one()
        totals = s.execute(
            select(
                Claim.allowed_rials,
                Claim.copay_rials,
                Claim.insurer_rials,
                Claim.deducted_rials,
                Claim.status,
            ).where(Claim.id == stored.claim_id)
        ).one()
        assert tuple(totals) == (*(int(v) for v in sums), "adjudicated")
        assert totals[3] == 70_000 + 3 * 10**12 and totals[0] == 2 * price
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "adjudicate"))
        assert entry is not None and entry.entity_id == f"{stored.claim_id}..{stored.claim_id}"
        assert entry.after == {"claims": 1, "lines": 3, "accepted": 1, "partial": 1, "rejected": 1}
        # the caller leaves without committing
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == 0
        assert s.scalar(select(func.count()).where(AuditEntry.action == "adjudicate")) == 0


def test_adjudicating_twice_in_one_transaction_decides_only_the_new_claims(
    world: dict[str, Any], session_factory
) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        service.submit(s, SYSTEM, claim=ClaimIn.model_validate(claim(world, "7801")))
        first = service.adjudicate_pending(s, referrals=claims_register(), actor="tester")
        second_claim = claim(world, "7802")
        second_claim["lines"][0]["service_date"] = "1405/07/09"
        service.submit(s, SYSTEM, claim=ClaimIn.model_validate(second_claim))
        second = service.adjudicate_pending(s, referrals=claims_register(), actor="tester")
        uow.commit()
    assert (first.lines, second.lines, second.accepted) == (1, 1, 1)
    with session_factory() as s:
        statuses = s.scalars(select(Claim.status).order_by(Claim.document_number)).all()
        assert statuses == ["adjudicated", "adjudicated"]
