"""E-prescription use cases: issue with checks, read within scope, dispense, savings report.

Who sees what: a physician sees only the prescriptions they wrote; national staff
see every prescription and provincial staff those issued in their province; a
pharmacy, laboratory or imaging centre cannot list or search, it fetches the one
prescription it is dispensing by tracking code plus the patient's national ID.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.models import Dispensing
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import fiscal_year_bounds, format_jalali, tehran_today, to_jalali
from darman.common.paging import Page, PageParams
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.prescriptions import rules, tables
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import CheckProblem, PrescriptionExpired, PrescriptionRefused
from darman.prescriptions.models import (
    Prescription,
    PrescriptionDispensing,
    PrescriptionFinding,
    PrescriptionLine,
)
from darman.prescriptions.schemas import (
    DispensedLine,
    DispenseIn,
    DispenseResult,
    FindingRead,
    LineRead,
    PrescriptionIn,
    PrescriptionRead,
    ReasonTotal,
    SavingsReport,
    SavingsRow,
)
from darman.registry.models import (
    CoveragePeriod,
    Drug,
    Facility,
    Insured,
    Practitioner,
    Province,
    Service,
)
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

DISPENSERS = (Role.PHARMACIST, Role.PROVIDER_USER)
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


def _finding_read(f: PrescriptionFinding, field: str) -> FindingRead:
    reason = rules.REASON_BY_CODE[f.code]
    text = f"{reason.label_fa}: {f.detail_fa}" if f.detail_fa else reason.label_fa
    return FindingRead(
        line_no=f.line_no,
        field=field,
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


def _read(session: Session, p: Prescription) -> PrescriptionRead:
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
    return PrescriptionRead(
        id=p.id,
        tracking_code=p.tracking_code,
        tracking_code_display=(
            rules.display_tracking_code(p.tracking_code) if p.tracking_code else None
        ),
        status=p.status,
        national_id=p.national_id,
        practitioner_council_number=council or "",
        facility_code=facility_code or "",
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
        findings=[_finding_read(f, _field_of(f)) for f in findings],
    )


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
    return _read(session, p)


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
        items=[_read(session, p) for p in rows], total=int(total), page=page.page, size=page.size
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
    return _read(session, p)


# ------------------------------------------------------------------ dispensing
def _for_dispensing(
    session: Session, who: Principal, *, tracking_code: str, national_id: str, on: dt.date
) -> Prescription:
    who.require_role(*DISPENSERS)
    if who.scope_level is not ScopeLevel.FACILITY or who.facility_id is None:
        raise PermissionDenied("prescriptions are dispensed by a facility's user")
    code = rules.normalize_tracking_code(tracking_code)
    if code is None:
        raise InvalidInput(
            "the tracking code is mistyped: its check character does not match",
            [FieldProblem("tracking_code", "کد رهگیری نادرست است؛ دوباره وارد کنید")],
        )
    p = session.scalar(
        select(Prescription).where(
            Prescription.tracking_code == code,
            Prescription.national_id == national_id,
            Prescription.status == PrescriptionStatus.ISSUED.value,
        )
    )
    if p is None:
        raise NotFound(
            "no prescription has this tracking code for this national ID",
            [FieldProblem("tracking_code", "نسخه‌ای با این کد رهگیری برای این کد ملی نیست")],
        )
    if on > p.expires_on:
        raise PrescriptionExpired(
            f"the prescription expired on {format_jalali(p.expires_on, persian_digits=False)}",
            [
                FieldProblem(
                    "tracking_code",
                    f"مهلت پیچیدن نسخه در {format_jalali(p.expires_on)} به پایان رسیده است",
                )
            ],
        )
    return p


def lookup(
    session: Session,
    who: Principal,
    *,
    tracking_code: str,
    national_id: str,
    on: dt.date | None = None,
) -> PrescriptionRead:
    """The prescription a pharmacy, laboratory or imaging centre is about to dispense.

    Raises InvalidInput for a mistyped code (check character), NotFound when no issued
    prescription has this code for this national ID (a foreign or unknown code),
    PrescriptionExpired after its expiry date, PermissionDenied for other roles.
    """
    p = _for_dispensing(
        session, who, tracking_code=tracking_code, national_id=national_id, on=on or tehran_today()
    )
    return _read(session, p)


def _replay(
    session: Session,
    facility_id: int,
    request_key: str,
    p: Prescription,
    on: dt.date,
    wanted: list[tuple[int, int]] | None = None,
) -> DispenseResult | None:
    rows = session.execute(
        select(PrescriptionDispensing, PrescriptionLine)
        .join(PrescriptionLine, PrescriptionLine.id == PrescriptionDispensing.line_id)
        .where(
            PrescriptionDispensing.facility_id == facility_id,
            PrescriptionDispensing.request_key == request_key,
        )
        .order_by(PrescriptionLine.line_no)
    ).all()
    if not rows:
        return None
    if any(d.prescription_id != p.id for d, _ in rows):
        raise Conflict(
            "this request key was used for another prescription",
            [FieldProblem("request_key", "already used")],
        )
    done = sorted((line.line_no, d.quantity) for d, line in rows)
    if wanted is not None and sorted(wanted) != done:
        # a retry repeats the request; other lines or quantities are a new request
        raise Conflict(
            "this request key was used for other lines or quantities",
            [FieldProblem("request_key", "already used for a different dispensing")],
        )
    return DispenseResult(
        tracking_code=p.tracking_code or "",
        dispensed_on=rows[0][0].dispensed_on,
        lines=[
            DispensedLine(
                line_no=line.line_no,
                code=line.code,
                quantity=d.quantity,
                dispensed_total=line.dispensed,
                remaining=rules.remaining(line.quantity, line.dispensed),
            )
            for d, line in rows
        ],
        replayed=True,
    )


def dispense(
    session: Session, who: Principal, *, data: DispenseIn, on: dt.date | None = None
) -> DispenseResult:
    """Dispense part or all of some lines of a prescription at the caller's facility.

    A line is never dispensed beyond its prescribed quantity in total, across every
    pharmacy: the line's counter moves by one conditional UPDATE (``dispensed + q <=
    quantity``), so of two facilities racing for the last units exactly one succeeds
    and the other gets Conflict. The request is all or nothing. ``request_key`` makes it
    idempotent: a retry by the same facility returns the first answer (``replayed``)
    and dispenses nothing again. Each dispensed drug is written to ``dispensings``, the
    table the claims rule R11 matches pharmacy claims against, and audited.

    Raises what ``lookup`` raises, InvalidInput for an unknown line, a line this kind
    of facility does not dispense or a quantity above what is left, Conflict when the
    quantity was taken meanwhile or the key belongs to another prescription.
    """
    on = on or tehran_today()
    p = _for_dispensing(
        session, who, tracking_code=data.tracking_code, national_id=data.national_id, on=on
    )
    assert who.facility_id is not None and p.tracking_code is not None
    facility = session.get(Facility, who.facility_id)
    assert facility is not None
    wanted = [(li.line_no, li.quantity) for li in data.lines]
    replayed = _replay(session, facility.id, data.request_key, p, on, wanted)
    if replayed is not None:
        return replayed
    lines = {
        li.line_no: li
        for li in session.scalars(
            select(PrescriptionLine).where(PrescriptionLine.prescription_id == p.id)
        )
    }
    categories = {
        r.code: r.category
        for r in session.execute(
            select(Service.code, Service.category).where(
                Service.code.in_([li.code for li in lines.values()])
            )
        )
    }
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    for i, want in enumerate(data.lines):
        line = lines.get(want.line_no)
        at = f"lines.{i}"
        if line is None or want.line_no in seen:
            problems.append(FieldProblem(f"{at}.line_no", "no such line, or named twice"))
            continue
        seen.add(want.line_no)
        what = "drug" if line.kind == LineKind.DRUG else categories.get(line.code, "")
        if not rules.may_dispense(facility.kind, what):
            problems.append(
                FieldProblem(f"{at}.line_no", f"a {facility.kind} does not dispense {what} lines")
            )
        left = rules.remaining(line.quantity, line.dispensed)
        if want.quantity > left:
            problems.append(
                FieldProblem(
                    f"{at}.quantity",
                    f"بیش از باقی‌مانده‌ی نسخه ({to_persian_digits(left)}); only {left} left",
                )
            )
    if problems:
        raise InvalidInput("the dispensing request cannot be met", problems)

    now = utcnow()
    out: list[DispensedLine] = []
    for i, want in enumerate(data.lines):
        line = lines[want.line_no]
        try:
            with session.begin_nested():
                session.add(
                    PrescriptionDispensing(
                        line_id=line.id,
                        prescription_id=p.id,
                        facility_id=facility.id,
                        request_key=data.request_key,
                        quantity=want.quantity,
                        dispensed_on=on,
                        dispensed_at=now,
                        dispensed_by=who.username,
                    )
                )
        except IntegrityError:
            # the same request, sent twice at once, was dispensed by the other attempt
            replayed = _replay(session, facility.id, data.request_key, p, on, wanted)
            if replayed is not None:
                return replayed
            raise
        moved = session.execute(
            update(PrescriptionLine)
            .where(
                PrescriptionLine.id == line.id,
                PrescriptionLine.dispensed + want.quantity <= PrescriptionLine.quantity,
            )
            .values(dispensed=PrescriptionLine.dispensed + want.quantity)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                f"line {want.line_no} was dispensed elsewhere meanwhile; look it up again",
                [FieldProblem(f"lines.{i}.quantity", "بیش از باقی‌مانده‌ی نسخه")],
            )
        total = int(
            session.scalar(select(PrescriptionLine.dispensed).where(PrescriptionLine.id == line.id))
            or 0
        )
        if line.kind == LineKind.DRUG:
            session.add(
                Dispensing(
                    prescription_ref=p.tracking_code,
                    national_id=p.national_id,
                    drug_code=line.code,
                    quantity=want.quantity,
                    dispensed_on=on,
                )
            )
        out.append(
            DispensedLine(
                line_no=line.line_no,
                code=line.code,
                quantity=want.quantity,
                dispensed_total=total,
                remaining=rules.remaining(line.quantity, total),
            )
        )
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="dispense",
        entity="prescription",
        entity_id=p.id,
        after={
            "tracking_code": p.tracking_code,
            "facility_id": facility.id,
            "request_key": data.request_key,
            "lines": {str(d.line_no): d.quantity for d in out},
        },
    )
    session.expire_all()  # line counters moved in the database, not on the loaded objects
    return DispenseResult(tracking_code=p.tracking_code, dispensed_on=on, lines=out, replayed=False)


# ------------------------------------------------------------------ savings
def _report_scope(session: Session, who: Principal, province_code: str | None) -> int | None:
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied("the savings report is for national and provincial staff")
    province_id = None
    if province_code:
        province_id = session.scalar(select(Province.id).where(Province.code == province_code))
        if province_id is None:
            raise InvalidInput(
                "unknown province", [FieldProblem("province_code", f"no province {province_code}")]
            )
    if who.scope_level is ScopeLevel.PROVINCE:
        if province_id is not None and province_id != who.province_id:
            raise PermissionDenied("that province is outside your scope")
        province_id = who.province_id
    return province_id


def savings_report(
    session: Session, who: Principal, *, year: int | None = None, province_code: str | None = None
) -> SavingsReport:
    """What the checks prevented and how much of what was prescribed was dispensed, by
    Jalali month of issue and province of the issuing facility.

    Prevented value is the refused quantity at the drug's reference price recorded at
    issue time (above-limit quantities count only their excess); a refused line counts
    once even when several checks refused it, and an uninsured person's prescription
    once in full. Warnings are counted per reason but prevent nothing. The dispensing
    rate is dispensed / prescribed drug quantity of issued prescriptions. Provincial
    staff see their province; facility users are refused.
    """
    province_id = _report_scope(session, who, province_code)
    P = Prescription

    def scoped(query: Any) -> Any:
        if province_id is not None:
            query = query.where(P.province_id == province_id)
        if year is not None:
            start, end = fiscal_year_bounds(year)
            query = query.where(P.issued_on >= start, P.issued_on <= end)
        return query

    Key = tuple[dt.date, int]
    by_reason: dict[Key, dict[str, list[int]]] = defaultdict(dict)
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                PrescriptionFinding.code,
                func.count(),
                func.sum(PrescriptionFinding.quantity),
                func.sum(PrescriptionFinding.value_rials),
            )
            .join(PrescriptionFinding, PrescriptionFinding.prescription_id == P.id)
            .group_by(P.issued_on, P.province_id, PrescriptionFinding.code)
        )
    ):
        by_reason[(r[0], r[1])][r[2]] = [int(r[3]), int(r[4] or 0), int(r[5] or 0)]

    per_line = (
        select(
            PrescriptionFinding.prescription_id.label("pid"),
            PrescriptionFinding.line_no.label("line_no"),
            func.max(PrescriptionFinding.value_rials).label("v"),
        )
        .where(PrescriptionFinding.blocking.is_(True))
        .group_by(PrescriptionFinding.prescription_id, PrescriptionFinding.line_no)
        .subquery()
    )
    per_rx = (
        select(
            per_line.c.pid,
            func.sum(case((per_line.c.line_no.is_(None), 0), else_=per_line.c.v)).label("lines_v"),
            func.max(case((per_line.c.line_no.is_(None), per_line.c.v), else_=0)).label("whole_v"),
        )
        .group_by(per_line.c.pid)
        .subquery()
    )
    prevented: dict[Key, int] = defaultdict(int)
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                func.sum(
                    case(
                        (per_rx.c.whole_v > per_rx.c.lines_v, per_rx.c.whole_v),
                        else_=per_rx.c.lines_v,
                    )
                ),
            )
            .join(per_rx, per_rx.c.pid == P.id)
            .group_by(P.issued_on, P.province_id)
        )
    ):
        prevented[(r[0], r[1])] += int(r[2] or 0)

    counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in session.execute(
        scoped(select(P.issued_on, P.province_id, P.status, func.count())).group_by(
            P.issued_on, P.province_id, P.status
        )
    ):
        counts[(r[0], r[1])][r[2]] += int(r[3])
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                PrescriptionLine.kind,
                func.sum(PrescriptionLine.quantity),
                func.sum(PrescriptionLine.dispensed),
            )
            .join(PrescriptionLine, PrescriptionLine.prescription_id == P.id)
            .where(P.status == PrescriptionStatus.ISSUED.value)
            .group_by(P.issued_on, P.province_id, PrescriptionLine.kind)
        )
    ):
        counts[(r[0], r[1])][f"{r[2]}_prescribed"] += int(r[3] or 0)
        counts[(r[0], r[1])][f"{r[2]}_dispensed"] += int(r[4] or 0)

    return _savings_rows(session, by_reason, prevented, counts)


def _savings_rows(
    session: Session,
    by_reason: dict[tuple[dt.date, int], dict[str, list[int]]],
    prevented: dict[tuple[dt.date, int], int],
    counts: dict[tuple[dt.date, int], dict[str, int]],
) -> SavingsReport:
    """Fold the per-day figures into Jalali months."""
    provinces = {r.id: (r.code, r.name_fa) for r in session.execute(select(Province)).scalars()}
    MonthKey = tuple[int, int, int]
    months: dict[MonthKey, dict[str, Any]] = {}
    for day, pid in set(by_reason) | set(prevented) | set(counts):
        j = to_jalali(day)
        m = months.setdefault(
            (j.year, j.month, pid),
            {"reasons": defaultdict(lambda: [0, 0, 0]), "n": defaultdict(int)},
        )
        for code, (n, q, v) in by_reason.get((day, pid), {}).items():
            acc = m["reasons"][code]
            acc[0] += n
            acc[1] += q
            acc[2] += v
        m["n"]["prevented"] += prevented.get((day, pid), 0)
        for k, v in counts.get((day, pid), {}).items():
            m["n"][k] += v
    rows = []
    for (jy, jm, pid), m in sorted(months.items()):
        n = m["n"]
        code, name = provinces.get(pid, ("", ""))
        drug_p, drug_d = n["drug_prescribed"], n["drug_dispensed"]
        rows.append(
            SavingsRow(
                year=jy,
                month=jm,
                month_label=to_persian_digits(f"{jy:04d}/{jm:02d}"),
                province_code=code,
                province_name_fa=name,
                issued=n[PrescriptionStatus.ISSUED.value],
                refused=n[PrescriptionStatus.REFUSED.value],
                prevented_rials=n["prevented"],
                by_reason=[
                    ReasonTotal(
                        code=c,
                        label_fa=rules.REASON_BY_CODE[c].label_fa,
                        label_en=rules.REASON_BY_CODE[c].label_en,
                        blocking=rules.REASON_BY_CODE[c].blocking,
                        findings=acc[0],
                        quantity=acc[1],
                        value_rials=acc[2],
                    )
                    for c, acc in sorted(m["reasons"].items())
                ],
                drug_prescribed=drug_p,
                drug_dispensed=drug_d,
                order_prescribed=n["service_prescribed"],
                order_dispensed=n["service_dispensed"],
                dispensing_rate_percent=round(100 * drug_d / drug_p, 1) if drug_p else None,
            )
        )
    return SavingsReport(rows=rows, prevented_rials=sum(r.prevented_rials for r in rows))
