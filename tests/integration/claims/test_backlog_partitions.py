"""A backlog cut into bounded partitions by day of submission and province, each decided on
its own; and the write-back that takes decisions as an Arrow table, idempotent."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from darman.claims import service
from darman.claims.decisions import DECISION_SCHEMA, write_decisions
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.claims.submission import store_batch
from darman.referrals.reading import claims_register
from darman.registry.models import Facility, Insured
from darman.security.principal import SYSTEM
from darman.synth import catalogue
from darman.synth import service as synth
from tests import factories as f

VISIT = catalogue.tariff_amount(3_300_000, 1405, 2, 2, "contracted")
D1, D2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)


def _claims(s: Session, groups: list[tuple[dt.date, int, int]]) -> list[int]:
    """For each (day, province index, claims): that many two-line claims submitted that day at
    a contracted facility of that province (provinces by id); returns the provinces' ids."""
    synth.seed(s, scale=0.0002, seed=4)
    f.lasting_filing_deadline(s)
    by_province = s.execute(
        select(Facility.province_id, Facility.code)
        .where(Facility.ownership == "contracted")
        .order_by(Facility.province_id, Facility.code)
    ).all()
    first: dict[int, str] = {}
    for province_id, code in by_province:
        first.setdefault(province_id, code)
    provinces = sorted(first)[:3]
    person = s.scalars(select(Insured.national_id).order_by(Insured.id)).first()
    n = 0
    for day, province, count in groups:
        batch = [
            (i + 1, ClaimIn.model_validate({
                "facility_code": first[provinces[province]],
                "document_number": f"{day:%m%d}-{province}-{i}",
                "national_id": person, "visit_type": "outpatient",
                "lines": [
                    {"item_type": "service", "code": "100102", "service_date": "1405/07/01",
                     "quantity": 1, "unit_price_rials": VISIT},
                    {"item_type": "drug", "code": "10005", "service_date": "1405/07/01",
                     "quantity": 2, "unit_price_rials": 50_000},
                ],
            }))
            for i in range(count)
        ]  # fmt: skip
        stored = store_batch(s, SYSTEM, batch)
        assert all(r.problem is None for r in stored)
        ids = [r.claim_id for r in stored]
        s.execute(update(Claim).where(Claim.id.in_(ids)).values(submitted_on=day))
        n += count
    s.flush()
    return provinces


GROUPS = [(D1, 0, 2), (D1, 2, 1), (D2, 0, 1), (D2, 1, 3)]  # lines: 4, 2, 2, 6


def test_the_backlog_is_cut_between_day_and_province_groups_within_the_limit(
    session: Session,
) -> None:
    a, b, c = _claims(session, GROUPS)
    assert service.plan_partitions(session, max_lines=6) == [
        service.Partition((D1, a), (D1, c), 6),
        service.Partition((D2, a), (D2, a), 2),
        service.Partition((D2, b), (D2, b), 6),
    ]
    assert service.plan_partitions(session, max_lines=100) == [
        service.Partition((D1, a), (D2, b), 14)
    ]
    # a group above the limit is a partition of its own
    assert [p.lines for p in service.plan_partitions(session, max_lines=3)] == [4, 2, 2, 6]


def test_a_partition_decides_its_own_claims_and_no_other(session: Session) -> None:
    a, _b, _c = _claims(session, GROUPS)
    second = service.plan_partitions(session, max_lines=6)[1]
    run = service.adjudicate_pending(
        session, actor="test", referrals=claims_register(), partition=second
    )
    assert (run.claims, run.lines) == (1, 2)
    decided = session.execute(
        select(Claim.submitted_on, Claim.province_id).where(Claim.status == "adjudicated")
    ).all()
    assert decided == [(D2, a)]
    assert service.plan_partitions(session, max_lines=100)[0].lines == 12


def test_decisions_written_back_set_claim_totals_and_a_second_write_changes_nothing(
    session: Session,
) -> None:
    _claims(session, [(D1, 0, 1)])
    claim_id = session.scalar(select(Claim.id))
    first, second = session.scalars(
        select(ClaimLine.id).where(ClaimLine.claim_id == claim_id).order_by(ClaimLine.line_no)
    ).all()

    def decisions(allowed: int) -> pa.Table:
        return pa.table(
            {
                "line_id": [first, second],
                "claim_id": [claim_id, claim_id],
                "allowed": [allowed, 50],
                "copay": [30, 15],
                "insurer": [allowed - 30, 35],
                "deducted": [0, 10],
                "reasons": ["", "D01"],
                "outcome": ["accepted", "partial"],
            },
            schema=DECISION_SCHEMA,
        )

    assert write_decisions(session, decisions(100)) == 2
    assert write_decisions(session, decisions(999)) == 0
    session.expire_all()
    claim = session.get(Claim, claim_id)
    assert claim is not None
    assert (claim.status, claim.allowed_rials, claim.copay_rials, claim.insurer_rials) == (
        "adjudicated", 150, 45, 105,
    )  # fmt: skip
    assert claim.deducted_rials == 10
    lines = session.execute(
        select(ClaimLine.outcome, ClaimLine.allowed_rials, ClaimLine.reasons)
        .where(ClaimLine.claim_id == claim_id)
        .order_by(ClaimLine.line_no)
    ).all()
    assert lines == [("accepted", 100, ""), ("partial", 50, "D01")]
