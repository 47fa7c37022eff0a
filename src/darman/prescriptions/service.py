"""E-prescription use cases: issue with checks, read within scope, dispense, savings report.

Who sees what: a physician sees only the prescriptions they wrote; national staff
see every prescription and provincial staff those issued in their province; a
pharmacy, laboratory or imaging centre cannot list or search, it fetches the one
prescription it is dispensing by tracking code plus the patient's national ID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import tehran_today
from darman.common.paging import Page, PageParams
from darman.db.base import utcnow
from darman.prescriptions import rules, tables

# Dispensing and the savings report live in their own modules; callers reach them here.
from darman.prescriptions.dispensing import (
    DISPENSERS as DISPENSERS,
)
from darman.prescriptions.dispensing import (
    dispense as dispense,
)
from darman.prescriptions.dispensing import (
    lookup as lookup,
)
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import CheckProblem, PrescriptionRefused
from darman.prescriptions.models import (
    Prescription,
    PrescriptionFinding,
    PrescriptionLine,
)
from darman.prescriptions.reading import read_back
from darman.prescriptions.savings import (
    savings_report as savings_report,
)
from darman.prescriptions.schemas import (
    FindingRead,
    PrescriptionIn,
    PrescriptionRead,
)
from darman.registry.models import (
    CoveragePeriod,
    Drug,
    Facility,
    Insured,
    Practitioner,
    Service,
)
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

# The longest days of supply a line can have: earlier lines older than this are never active.
_MAX_SUPPLY_DAYS = 365


# ------------------------------------------------------------------ scope
def _require_physician(who: Principal) -> int:
    who.require_role(Role.PHYSICIAN)
    if who.practitioner_id is None:
        raise PermissionDenied(
            "your user is not linked to a practitioner record (council number); "
            "ask an administrator to link it before prescribing"
        )
    return who.practitioner_id


def in_scope(query: Any, who: Principal) -> Any:
    """Restrict a prescriptions query to what the caller may list and read."""
    if who.role is Role.PHYSICIAN:
        return query.where(Prescription.practitioner_id == _require_physician(who))
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied(
            "a dispensing facility cannot list or search prescriptions; "
            "look one up by tracking code and the patient's national ID"
        )
    if who.scope_level is ScopeLevel.PROVINCE:
        return query.where(Prescription.province_id == who.province_id)
    return query


# ------------------------------------------------------------------ reading
def get(session: Session, who: Principal, *, prescription_id: int) -> PrescriptionRead:
    """One prescription with its lines, what was dispensed and its findings.

    NotFound when it does not exist or is outside the caller's scope (another
    physician's, another province's); PermissionDenied for a dispensing facility.
    """
    p = session.scalar(
        in_scope(select(Prescription).where(Prescription.id == prescription_id), who)
    )
    if p is None:
        raise NotFound(f"no prescription {prescription_id} in your scope")
    return read_back(session, p)


def list_prescriptions(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    national_id: str | None = None,
    status: PrescriptionStatus | None = None,
) -> Page[PrescriptionRead]:
    """Newest first, within scope (see the module docstring); PermissionDenied for a
    dispensing facility."""
    query = in_scope(select(Prescription), who)
    if national_id:
        query = query.where(Prescription.national_id == national_id)
    if status:
        query = query.where(Prescription.status == status.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Prescription.id.desc()).offset(page.offset).limit(page.size)
    ).all()
    return Page(
        items=[read_back(session, p) for p in rows],
        total=int(total),
        page=page.page,
        size=page.size,
    )


# ------------------------------------------------------------------ issuing
def _drug_facts(session: Session, codes: set[str]) -> dict[str, rules.DrugFacts]:
    if not codes:
        return {}
    rows = session.scalars(select(Drug).where(Drug.generic_code.in_(codes))).all()
    return {
        d.generic_code: rules.DrugFacts(
            code=d.generic_code,
            name_fa=d.name_fa,
            covered=d.covered,
            max_quantity=d.max_quantity,
            max_days_supply=d.max_days_supply,
            specialist_only=d.specialist_only,
            price_rials=d.price_rials,
        )
        for d in rows
    }


def _covered(session: Session, insured_id: int, on: dt.date) -> bool:
    period = session.scalar(
        select(CoveragePeriod.id)
        .where(CoveragePeriod.insured_id == insured_id, CoveragePeriod.start_date <= on)
        .where((CoveragePeriod.end_date.is_(None)) | (CoveragePeriod.end_date >= on))
        .limit(1)
    )
    return period is not None


def active_drugs(session: Session, *, national_id: str, on: dt.date) -> list[rules.ActiveDrug]:
    """Drugs of the person's issued prescriptions whose days of supply have not passed on
    ``on``. A line never dispensed stops counting once its prescription has expired."""
    rows = session.execute(
        select(
            PrescriptionLine.code,
            PrescriptionLine.days_supply,
            PrescriptionLine.dispensed,
            Prescription.issued_on,
            Prescription.expires_on,
            Prescription.tracking_code,
        )
        .join(Prescription, Prescription.id == PrescriptionLine.prescription_id)
        .where(
            Prescription.national_id == national_id,
            Prescription.status == PrescriptionStatus.ISSUED.value,
            Prescription.issued_on <= on,
            Prescription.issued_on > on - dt.timedelta(days=_MAX_SUPPLY_DAYS),
            PrescriptionLine.kind == LineKind.DRUG.value,
        )
        .order_by(Prescription.issued_on.desc())
    ).all()
    return [
        rules.ActiveDrug(
            r.code, rules.active_until(r.issued_on, r.days_supply), r.tracking_code or ""
        )
        for r in rows
        if rules.is_active(r.issued_on, r.days_supply, on)
        and (r.dispensed > 0 or r.expires_on >= on)
    ]


def _new_tracking_code(session: Session) -> str:
    for _ in range(5):
        code = rules.new_tracking_code()
        taken = session.scalar(select(Prescription.id).where(Prescription.tracking_code == code))
        if taken is None:
            return code
    raise Conflict("could not draw an unused tracking code; retry")  # pragma: no cover


@dataclass(frozen=True)
class _Checked:
    """What the checks of one prescription saw and found (nothing is stored)."""

    practitioner_id: int
    facility: Facility
    person: Insured
    drafts: list[rules.LineDraft]
    drugs: dict[str, rules.DrugFacts]
    findings: list[rules.Finding]


def _run_checks(session: Session, who: Principal, *, data: PrescriptionIn, on: dt.date) -> _Checked:
    """The one code path of ``issue`` and ``check``: resolve the caller, the person and
    the formulary, then ``rules.check``. Reads only."""
    practitioner_id = _require_physician(who)
    if who.facility_id is None:
        raise PermissionDenied("a physician prescribes at a facility")
    facility = session.get(Facility, who.facility_id)
    practitioner = session.get(Practitioner, practitioner_id)
    if facility is None or practitioner is None:
        raise PermissionDenied("your facility or practitioner record no longer exists")
    person = session.scalar(select(Insured).where(Insured.national_id == data.national_id))
    if person is None:
        raise InvalidInput(
            "no insured person has this national ID",
            [FieldProblem("national_id", "بیمه‌شده‌ای با این کد ملی نیست (unknown insured)")],
        )
    drafts = [
        rules.LineDraft(i, line.kind, line.code, line.quantity, line.days_supply)
        for i, line in enumerate(data.lines)
    ]
    drugs = _drug_facts(session, {d.code for d in drafts if d.kind is LineKind.DRUG})
    order_codes = {d.code for d in drafts if d.kind is LineKind.SERVICE}
    orders = (
        frozenset(
            session.scalars(
                select(Service.code).where(
                    Service.code.in_(order_codes), Service.category.in_(rules.ORDER_CATEGORIES)
                )
            )
        )
        if order_codes
        else frozenset()
    )
    findings = rules.check(
        rules.CheckInput(
            lines=drafts,
            covered=_covered(session, person.id, on),
            prescriber_specialty=practitioner.specialty,
            drugs=drugs,
            order_services=orders,
            permitted_specialties=tables.permitted_specialties(),
            active=active_drugs(session, national_id=person.national_id, on=on),
            interactions=tables.interactions(),
        )
    )
    return _Checked(practitioner_id, facility, person, drafts, drugs, findings)


def check(
    session: Session, who: Principal, *, data: PrescriptionIn, on: dt.date | None = None
) -> list[FindingRead]:
    """Run every check ``issue`` runs on a draft prescription and return the findings
    (refusals and warnings, per line field) without storing or auditing anything: the
    physician's screen calls it as lines are added or changed.

    Raises what ``issue`` raises before checking: PermissionDenied for a caller who is
    not a linked physician at a facility, InvalidInput for a national ID of no insured.
    """
    checked = _run_checks(session, who, data=data, on=on or tehran_today())
    return [
        FindingRead(
            line_no=None if f.index is None else f.index + 1,
            field=f.field,
            code=f.code,
            blocking=f.blocking,
            reason_fa=f.text_fa,
            label_en=f.reason.label_en,
            other_code=f.other_code,
        )
        for f in checked.findings
    ]


def issue(
    session: Session,
    who: Principal,
    *,
    data: PrescriptionIn,
    on: dt.date | None = None,
    valid_days: int = rules.DEFAULT_VALID_DAYS,
) -> PrescriptionRead:
    """Check and issue a prescription written by the calling physician at their facility.

    The checks are ``rules.check``'s. A warning (moderate or minor interaction) is
    returned with the issued prescription. Any blocking finding refuses the whole
    prescription: PrescriptionRefused lists every problem per line (``lines.N.code``,
    ``lines.N.quantity``, ...) with its Persian reason and code, and the refused
    prescription with its findings is left in the session for the caller to commit
    (the savings report counts it). The prescription can be dispensed until
    ``valid_days`` after ``on`` (default today in Tehran).

    Raises PermissionDenied for a caller who is not a physician linked to a
    practitioner, InvalidInput for a national ID of no insured person.
    """
    on = on or tehran_today()
    checked = _run_checks(session, who, data=data, on=on)
    practitioner_id, facility, person = checked.practitioner_id, checked.facility, checked.person
    drafts, drugs, findings = checked.drafts, checked.drugs, checked.findings
    refused = any(f.blocking for f in findings)
    p = Prescription(
        tracking_code=None if refused else _new_tracking_code(session),
        status=(PrescriptionStatus.REFUSED if refused else PrescriptionStatus.ISSUED).value,
        insured_id=person.id,
        national_id=person.national_id,
        practitioner_id=practitioner_id,
        facility_id=facility.id,
        province_id=facility.province_id,
        issued_on=on,
        expires_on=rules.expiry(on, valid_days),
        issued_by=who.username,
        created_at=utcnow(),
    )
    session.add(p)
    session.flush()
    for draft, line in zip(drafts, data.lines, strict=True):
        drug = drugs.get(line.code) if line.kind is LineKind.DRUG else None
        session.add(
            PrescriptionLine(
                prescription_id=p.id,
                line_no=draft.index + 1,
                kind=line.kind.value,
                code=line.code,
                dose=line.dose,
                quantity=line.quantity,
                days_supply=line.days_supply,
                instructions=line.instructions,
                unit_price_rials=drug.price_rials if drug else None,
                dispensed=0,
            )
        )
    for f in findings:
        session.add(
            PrescriptionFinding(
                prescription_id=p.id,
                line_no=None if f.index is None else f.index + 1,
                code=f.code,
                blocking=f.blocking,
                quantity=f.quantity,
                value_rials=f.value_rials,
                other_code=f.other_code,
                detail_fa=f.detail_fa[:300],
            )
        )
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="refuse" if refused else "issue",
        entity="prescription",
        entity_id=p.id,
        after={
            "tracking_code": p.tracking_code,
            "national_id": p.national_id,
            "practitioner_id": practitioner_id,
            "lines": [f"{li.kind.value}:{li.code}x{li.quantity}" for li in data.lines],
            "findings": rules.codes_in(findings),
        },
    )
    if refused:
        problems: list[FieldProblem] = [
            CheckProblem(
                f.field, f.text_fa, code=f.code, label_en=f.reason.label_en, blocking=f.blocking
            )
            for f in findings
        ]
        raise PrescriptionRefused(
            "the prescription was refused: " + ", ".join(rules.codes_in(findings)), problems
        )
    return read_back(session, p)
