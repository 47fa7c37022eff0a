"""Issuing an e-prescription: the checks on what the database says about the caller, the
person and the drugs, then the prescription, its lines and findings written in a few
set-based statements and the answer built from what was written.

This runs on every prescription a physician writes, so it reads each fact once: one
query for the caller (specialty, council number, facility), one for the person (their
coverage and the drug lines of their recent issued prescriptions), one for the drugs
and one for ordered services, and answers without reading back what it wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today
from darman.db.base import utcnow
from darman.prescriptions import issue_keys, rules, tables
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import CheckProblem, PrescriptionRefused
from darman.prescriptions.models import Prescription, PrescriptionFinding, PrescriptionLine
from darman.prescriptions.reading import answer
from darman.prescriptions.schemas import FindingRead, PrescriptionIn, PrescriptionRead
from darman.registry.models import CoveragePeriod, Drug, Facility, Insured, Practitioner, Service
from darman.security.enums import Role
from darman.security.principal import Principal

# The longest days of supply a line can have: earlier lines older than this are never active.
_MAX_SUPPLY_DAYS = 365


def require_physician(who: Principal) -> int:
    who.require_role(Role.PHYSICIAN)
    if who.practitioner_id is None:
        raise PermissionDenied(
            "your user is not linked to a practitioner record (council number); "
            "ask an administrator to link it before prescribing"
        )
    return who.practitioner_id


# ------------------------------------------------------------------ facts
@dataclass(frozen=True)
class _Caller:
    practitioner_id: int
    specialty: str
    council_number: str
    facility_id: int
    facility_code: str
    province_id: int


def _caller(session: Session, who: Principal) -> _Caller:
    practitioner_id = require_physician(who)
    if who.facility_id is None:
        raise PermissionDenied("a physician prescribes at a facility")
    row = session.execute(
        select(
            Practitioner.specialty, Practitioner.council_number, Facility.code,
            Facility.province_id,
        )
        .select_from(Practitioner)
        .join(Facility, Facility.id == who.facility_id)  # two rows by key, no relation
        .where(Practitioner.id == practitioner_id)
    ).first()  # fmt: skip
    if row is None:
        raise PermissionDenied("your facility or practitioner record no longer exists")
    return _Caller(practitioner_id, row[0], row[1], who.facility_id, row[2], row[3])


def _active(rows: Sequence[Any], on: dt.date) -> list[rules.ActiveDrug]:
    """Rows (code, days_supply, dispensed, issued_on, expires_on, tracking_code) of issued
    drug lines -> those still active on ``on``. A line never dispensed stops counting
    once its prescription has expired."""
    return [
        rules.ActiveDrug(
            r.code, rules.active_until(r.issued_on, r.days_supply), r.tracking_code or ""
        )
        for r in rows
        if r.code is not None
        and rules.is_active(r.issued_on, r.days_supply, on)
        and (r.dispensed > 0 or r.expires_on >= on)
    ]


def _recent_drug_lines_on(on: dt.date) -> Any:
    """Join condition: a person's issued prescriptions that may still be active on ``on``."""
    return and_(
        Prescription.national_id == Insured.national_id,
        Prescription.status == PrescriptionStatus.ISSUED.value,
        Prescription.issued_on <= on,
        Prescription.issued_on > on - dt.timedelta(days=_MAX_SUPPLY_DAYS),
    )


@dataclass(frozen=True)
class _Person:
    insured_id: int
    national_id: str
    covered: bool
    active: list[rules.ActiveDrug]


def _person(session: Session, national_id: str, on: dt.date) -> _Person:
    covered = exists().where(
        CoveragePeriod.insured_id == Insured.id,
        CoveragePeriod.start_date <= on,
        (CoveragePeriod.end_date.is_(None)) | (CoveragePeriod.end_date >= on),
    )
    # one row per drug line of a recent prescription (or one row of NULLs without any)
    rows = session.execute(
        select(
            Insured.id, covered.label("covered"), PrescriptionLine.code,
            PrescriptionLine.days_supply, PrescriptionLine.dispensed, Prescription.issued_on,
            Prescription.expires_on, Prescription.tracking_code,
        )
        .select_from(Insured)
        .outerjoin(Prescription, _recent_drug_lines_on(on))
        .outerjoin(
            PrescriptionLine,
            and_(
                PrescriptionLine.prescription_id == Prescription.id,
                PrescriptionLine.kind == LineKind.DRUG.value,
            ),
        )
        .where(Insured.national_id == national_id)
        .order_by(Prescription.issued_on.desc())
    ).all()  # fmt: skip
    if not rows:
        raise InvalidInput(
            "no insured person has this national ID",
            [FieldProblem("national_id", "بیمه‌شده‌ای با این کد ملی نیست (unknown insured)")],
        )
    return _Person(rows[0][0], national_id, bool(rows[0][1]), _active(rows, on))


def active_drugs(session: Session, *, national_id: str, on: dt.date) -> list[rules.ActiveDrug]:
    """Drugs of the person's issued prescriptions whose days of supply have not passed on
    ``on`` (none for an unknown national ID)."""
    try:
        return _person(session, national_id, on).active
    except InvalidInput:
        return []


def _drug_facts(session: Session, codes: set[str]) -> dict[str, rules.DrugFacts]:
    if not codes:
        return {}
    rows = session.execute(
        select(
            Drug.generic_code, Drug.name_fa, Drug.covered, Drug.max_quantity,
            Drug.max_days_supply, Drug.specialist_only, Drug.price_rials,
        ).where(Drug.generic_code.in_(codes))
    )  # fmt: skip
    return {r[0]: rules.DrugFacts(*r) for r in rows}


def _order_services(session: Session, codes: set[str]) -> dict[str, str]:
    """Lab and imaging codes among ``codes`` -> their Persian names."""
    if not codes:
        return {}
    rows = session.execute(
        select(Service.code, Service.name_fa).where(
            Service.code.in_(codes), Service.category.in_(rules.ORDER_CATEGORIES)
        )
    )
    return {r[0]: r[1] for r in rows}


@dataclass(frozen=True)
class _Checked:
    """What the checks of one prescription saw and found (nothing is stored)."""

    caller: _Caller
    person: _Person
    drafts: list[rules.LineDraft]
    drugs: dict[str, rules.DrugFacts]
    orders: dict[str, str]
    findings: list[rules.Finding]


def _run_checks(session: Session, who: Principal, *, data: PrescriptionIn, on: dt.date) -> _Checked:
    """The one code path of ``issue`` and ``check``. Reads only."""
    caller = _caller(session, who)
    person = _person(session, data.national_id, on)
    drafts = [
        rules.LineDraft(i, line.kind, line.code, line.quantity, line.days_supply)
        for i, line in enumerate(data.lines)
    ]
    drugs = _drug_facts(session, {d.code for d in drafts if d.kind is LineKind.DRUG})
    orders = _order_services(session, {d.code for d in drafts if d.kind is LineKind.SERVICE})
    findings = rules.check(
        rules.CheckInput(
            lines=drafts,
            covered=person.covered,
            prescriber_specialty=caller.specialty,
            drugs=drugs,
            order_services=frozenset(orders),
            permitted_specialties=tables.permitted_specialties(),
            active=person.active,
            interactions=tables.interactions(),
        )
    )
    return _Checked(caller, person, drafts, drugs, orders, findings)


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


# ------------------------------------------------------------------ issuing
def _new_tracking_code(session: Session) -> str:
    for _ in range(5):
        code = rules.new_tracking_code()
        taken = session.scalar(select(Prescription.id).where(Prescription.tracking_code == code))
        if taken is None:
            return code
    raise Conflict("could not draw an unused tracking code; retry")  # pragma: no cover


@dataclass(frozen=True)
class Issued:
    prescription: PrescriptionRead
    replayed: bool  # true when the request key had been answered before


def issue(
    session: Session,
    who: Principal,
    *,
    data: PrescriptionIn,
    on: dt.date | None = None,
    valid_days: int = rules.DEFAULT_VALID_DAYS,
) -> PrescriptionRead:
    """``issue_keyed`` without telling whether the answer is a replay."""
    return issue_keyed(session, who, data=data, on=on, valid_days=valid_days).prescription


def issue_keyed(
    session: Session,
    who: Principal,
    *,
    data: PrescriptionIn,
    on: dt.date | None = None,
    valid_days: int = rules.DEFAULT_VALID_DAYS,
) -> Issued:
    """Check and issue a prescription written by the calling physician at their facility.

    The checks are ``rules.check``'s. A warning (moderate or minor interaction) is
    returned with the issued prescription. Any blocking finding refuses the whole
    prescription: PrescriptionRefused lists every problem per line (``lines.N.code``,
    ``lines.N.quantity``, ...) with its Persian reason and code, and the refused
    prescription with its findings is left in the session for the caller to commit
    (the savings report counts it). The prescription can be dispensed until
    ``valid_days`` after ``on`` (default today in Tehran).

    With ``data.request_key`` the request is idempotent per physician: the same key with
    the same prescription returns the first answer (the issued prescription, or the same
    PrescriptionRefused) and writes nothing, even when both arrive at once; the same key
    with another prescription is a Conflict.

    Raises PermissionDenied for a caller who is not a physician linked to a
    practitioner, InvalidInput for a national ID of no insured person.
    """
    on = on or tehran_today()
    digest = issue_keys.digest(data) if data.request_key else None
    if data.request_key and digest:
        earlier = issue_keys.replay(
            session, practitioner_id=require_physician(who), key=data.request_key, digest=digest
        )
        if earlier is not None:
            return Issued(earlier, replayed=True)
    checked = _run_checks(session, who, data=data, on=on)
    caller, findings = checked.caller, checked.findings
    refused = any(f.blocking for f in findings)
    p = Prescription(
        tracking_code=None if refused else _new_tracking_code(session),
        status=(PrescriptionStatus.REFUSED if refused else PrescriptionStatus.ISSUED).value,
        insured_id=checked.person.insured_id,
        national_id=checked.person.national_id,
        practitioner_id=caller.practitioner_id,
        facility_id=caller.facility_id,
        province_id=caller.province_id,
        issued_on=on,
        expires_on=rules.expiry(on, valid_days),
        issued_by=who.username,
        created_at=utcnow(),
        request_key=data.request_key,
        request_digest=digest,
    )
    if data.request_key and digest:
        try:
            # the same request sent twice at once: the second insert meets the first's key
            with session.begin_nested():
                p.id = _insert_prescription(session, p)
        except IntegrityError:
            earlier = issue_keys.replay(
                session, practitioner_id=caller.practitioner_id, key=data.request_key,
                digest=digest,
            )  # fmt: skip
            if earlier is not None:
                return Issued(earlier, replayed=True)
            raise
    else:
        p.id = _insert_prescription(session, p)
    lines, found = _write_lines_and_findings(session, p, data, checked)
    audit.record(
        session,
        actor=who.username,
        action="refuse" if refused else "issue",
        entity="prescription",
        entity_id=p.id,
        after={
            "tracking_code": p.tracking_code,
            "national_id": p.national_id,
            "practitioner_id": caller.practitioner_id,
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
    names = {(LineKind.DRUG.value, c): d.name_fa for c, d in checked.drugs.items()}
    names.update({(LineKind.SERVICE.value, c): n for c, n in checked.orders.items()})
    read = answer(p, lines, found, names, caller.council_number, caller.facility_code)
    return Issued(read, replayed=False)


_PRESCRIPTION_COLUMNS = (
    "tracking_code", "status", "insured_id", "national_id", "practitioner_id", "facility_id",
    "province_id", "issued_on", "expires_on", "issued_by", "created_at", "request_key",
    "request_digest",
)  # fmt: skip


def _insert_prescription(session: Session, p: Prescription) -> int:
    values = {c: getattr(p, c) for c in _PRESCRIPTION_COLUMNS}
    return int(session.scalars(insert(Prescription).returning(Prescription.id), [values]).one())


def _write_lines_and_findings(
    session: Session, p: Prescription, data: PrescriptionIn, checked: _Checked
) -> tuple[list[PrescriptionLine], list[PrescriptionFinding]]:
    """One multi-row insert each (not the ORM's unit of work); returns the rows as
    written, in the order the answer lists them."""
    lines = []
    for draft, line in zip(checked.drafts, data.lines, strict=True):
        drug = checked.drugs.get(line.code) if line.kind is LineKind.DRUG else None
        lines.append(
            PrescriptionLine(
                prescription_id=p.id, line_no=draft.index + 1, kind=line.kind.value,
                code=line.code, dose=line.dose, quantity=line.quantity,
                days_supply=line.days_supply, instructions=line.instructions,
                unit_price_rials=drug.price_rials if drug else None, dispensed=0,
            )
        )  # fmt: skip
    found = [
        PrescriptionFinding(
            prescription_id=p.id, line_no=None if f.index is None else f.index + 1,
            code=f.code, blocking=f.blocking, quantity=f.quantity, value_rials=f.value_rials,
            other_code=f.other_code, detail_fa=f.detail_fa[:300],
        )
        for f in checked.findings
    ]  # fmt: skip
    session.execute(insert(PrescriptionLine), [_columns(li) for li in lines])
    if found:
        session.execute(insert(PrescriptionFinding), [_columns(f) for f in found])
    return lines, found


def _columns(row: PrescriptionLine | PrescriptionFinding) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
