"""A stored prescription as its answer: lines, names, findings with their fields."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.jalali import format_jalali
from darman.prescriptions import rules
from darman.prescriptions.enums import LineKind
from darman.prescriptions.exceptions import CheckProblem
from darman.prescriptions.models import (
    Prescription,
    PrescriptionFinding,
    PrescriptionLine,
)
from darman.prescriptions.schemas import (
    FindingRead,
    LineRead,
    PrescriptionRead,
)
from darman.registry.models import (
    Drug,
    Facility,
    Practitioner,
    Service,
)


def _names(session: Session, lines: Sequence[PrescriptionLine]) -> dict[tuple[str, str], str]:
    drug_codes = {li.code for li in lines if li.kind == LineKind.DRUG}
    service_codes = {li.code for li in lines if li.kind == LineKind.SERVICE}
    out: dict[tuple[str, str], str] = {}
    if drug_codes:
        for code, name in session.execute(
            select(Drug.generic_code, Drug.name_fa).where(Drug.generic_code.in_(drug_codes))
        ):
            out[(LineKind.DRUG, code)] = name
    if service_codes:
        for code, name in session.execute(
            select(Service.code, Service.name_fa).where(Service.code.in_(service_codes))
        ):
            out[(LineKind.SERVICE, code)] = name
    return out


def finding_read(f: PrescriptionFinding) -> FindingRead:
    reason = rules.REASON_BY_CODE[f.code]
    text = f"{reason.label_fa}: {f.detail_fa}" if f.detail_fa else reason.label_fa
    return FindingRead(
        line_no=f.line_no,
        field=_field_of(f),
        code=f.code,
        blocking=f.blocking,
        reason_fa=text,
        label_en=reason.label_en,
        other_code=f.other_code,
    )


_FIELD_OF = {"P01": None, "P04": "quantity", "P05": "days_supply"}


def _field_of(f: PrescriptionFinding) -> str:
    if f.line_no is None:
        return "national_id"
    return f"lines.{f.line_no - 1}.{_FIELD_OF.get(f.code) or 'code'}"


def read_back(session: Session, p: Prescription) -> PrescriptionRead:
    lines = session.scalars(
        select(PrescriptionLine)
        .where(PrescriptionLine.prescription_id == p.id)
        .order_by(PrescriptionLine.line_no)
    ).all()
    findings = session.scalars(
        select(PrescriptionFinding)
        .where(PrescriptionFinding.prescription_id == p.id)
        .order_by(PrescriptionFinding.id)
    ).all()
    names = _names(session, lines)
    council = session.scalar(
        select(Practitioner.council_number).where(Practitioner.id == p.practitioner_id)
    )
    facility_code = session.scalar(select(Facility.code).where(Facility.id == p.facility_id))
    return answer(p, lines, findings, names, council or "", facility_code or "")


def answer(
    p: Prescription,
    lines: Sequence[PrescriptionLine],
    findings: Sequence[PrescriptionFinding],
    names: dict[tuple[str, str], str],
    council: str,
    facility_code: str,
) -> PrescriptionRead:
    """The answer from rows already in hand: ``read_back`` after reading them, and issuing
    from what it has just written (so the two answers cannot differ)."""
    return PrescriptionRead(
        id=p.id,
        tracking_code=p.tracking_code,
        tracking_code_display=(
            rules.display_tracking_code(p.tracking_code) if p.tracking_code else None
        ),
        status=p.status,
        national_id=p.national_id,
        practitioner_council_number=council,
        facility_code=facility_code,
        issued_on=p.issued_on,
        issued_on_jalali=format_jalali(p.issued_on),
        expires_on=p.expires_on,
        expires_on_jalali=format_jalali(p.expires_on),
        lines=[
            LineRead(
                line_no=li.line_no,
                kind=li.kind,
                code=li.code,
                name_fa=names.get((li.kind, li.code), ""),
                dose=li.dose,
                quantity=li.quantity,
                days_supply=li.days_supply,
                instructions=li.instructions,
                dispensed=li.dispensed,
                remaining=rules.remaining(li.quantity, li.dispensed),
            )
            for li in lines
        ],
        findings=[finding_read(f) for f in findings],
    )


def refusal_problems(findings: Sequence[PrescriptionFinding]) -> list[CheckProblem]:
    """A refused prescription's stored findings as the problems its refusal answered."""
    out = []
    for f in findings:
        read = finding_read(f)
        out.append(
            CheckProblem(
                read.field, read.reason_fa, code=f.code, label_en=read.label_en,
                blocking=f.blocking,
            )
        )  # fmt: skip
    return out
