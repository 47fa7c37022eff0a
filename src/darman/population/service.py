"""Use cases of population health: building the registers from claims and prescriptions,
a clinician's enrolment, measurements received, counts per register and the care cascade.

Services never commit; the caller owns the transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim
from darman.common import national_id as nid
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import tehran_today
from darman.db import bulk
from darman.db.base import utcnow
from darman.population import definitions, kernel
from darman.population.enums import LOINC, EntrySource
from darman.population.models import Measurement, RegisterEntry
from darman.population.periods import Window, parse_quarter
from darman.population.schemas import (
    BuildRead,
    CallBack,
    CascadeRead,
    CascadeRow,
    EnrolmentCreate,
    EntryRead,
    MeasurementCreate,
    MeasurementRead,
    RegisterCount,
)
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.registry import scope
from darman.registry import service as registry_service
from darman.security.enums import Role
from darman.security.principal import Principal

# a claim's diagnoses count once it has been adjudicated, whatever happened to it after
ADJUDICATED = (
    ClaimStatus.ADJUDICATED, ClaimStatus.IN_REVIEW, ClaimStatus.REVIEWED, ClaimStatus.APPROVED,
    ClaimStatus.SCHEDULED, ClaimStatus.PAID,
)  # fmt: skip
BUILDERS = (Role.ADMIN, Role.HQ_ANALYST)
CLINICIANS = (Role.ADMIN, Role.PHYSICIAN, Role.PROVIDER_USER, Role.PROVINCE_MANAGER)
READERS = (
    Role.ADMIN, Role.HQ_ANALYST, Role.PROVINCE_MANAGER, Role.AUDITOR, Role.PHYSICIAN,
    Role.PROVIDER_USER,
)  # fmt: skip

_CLAIMS = pa.schema([
    ("national_id", pa.string()), ("province_id", pa.int64()), ("facility_id", pa.int64()),
    ("claim_id", pa.int64()), ("seen_on", pa.date32()), ("diagnoses", pa.string()),
])  # fmt: skip
_RX = pa.schema([
    ("national_id", pa.string()), ("province_id", pa.int64()), ("facility_id", pa.int64()),
    ("prescription_id", pa.int64()), ("issued_on", pa.date32()), ("drug_code", pa.string()),
])  # fmt: skip
_EXISTING = pa.schema([
    ("register_code", pa.string()), ("national_id", pa.string()), ("source", pa.string()),
])  # fmt: skip
_ENTRIES = pa.schema([
    ("register_code", pa.string()), ("national_id", pa.string()), ("province_id", pa.int64()),
    ("facility_id", pa.int64()), ("entered_on", pa.date32()),
])  # fmt: skip
_VISITS = pa.schema([("national_id", pa.string()), ("visit_on", pa.date32())])
_MEASUREMENTS = pa.schema([
    ("national_id", pa.string()), ("loinc", pa.string()), ("value", pa.float64()),
    ("measured_on", pa.date32()),
])  # fmt: skip


def _read(session: Session, query: Any, schema: pa.Schema) -> pa.Table:
    session.flush()
    return bulk.read_arrow(session.connection(), query, schema)


def _claim_day() -> Any:
    return func.coalesce(Claim.admission_date, Claim.submitted_on)


def build_registers(session: Session, who: Principal) -> BuildRead:
    """Add to every register the people found since the last build: a diagnosis on an
    adjudicated claim starting with one of the register's ICD-10 prefixes, or an issued
    prescription of one of its drugs; one entry per register, person and source, dated by
    the earliest claim or prescription. Running it again adds nothing new (idempotent).
    National staff only (PermissionDenied); audited."""
    who.require_role(*BUILDERS)
    regs = definitions.registers()
    claims = _read(
        session,
        select(
            Claim.national_id,
            Claim.province_id,
            Claim.facility_id,
            Claim.id,
            _claim_day(),
            Claim.diagnoses,
        ).where(Claim.status.in_([s.value for s in ADJUDICATED]), Claim.diagnoses != ""),
        _CLAIMS,
    )
    drug_codes = sorted({c for r in regs for c in r.drug_codes})
    rx = _read(
        session,
        select(
            Prescription.national_id,
            Prescription.province_id,
            Prescription.facility_id,
            Prescription.id,
            Prescription.issued_on,
            PrescriptionLine.code,
        )
        .join(PrescriptionLine, PrescriptionLine.prescription_id == Prescription.id)
        .where(
            Prescription.status == PrescriptionStatus.ISSUED.value,
            PrescriptionLine.kind == LineKind.DRUG.value,
            PrescriptionLine.code.in_(drug_codes),
        ),
        _RX,
    )
    existing = _read(
        session,
        select(RegisterEntry.register_code, RegisterEntry.national_id, RegisterEntry.source),
        _EXISTING,
    )
    register_dx = pa.table({
        "register_code": [r.code for r in regs for _ in r.icd10_prefixes],
        "prefix": [p for r in regs for p in r.icd10_prefixes],
    })  # fmt: skip
    register_drugs = pa.table({
        "register_code": [r.code for r in regs for _ in r.drug_codes],
        "drug_code": [c for r in regs for c in r.drug_codes],
    })  # fmt: skip
    new = kernel.candidates(
        claims=claims, prescriptions=rx, register_dx=register_dx,
        register_drugs=register_drugs, existing=existing,
    )  # fmt: skip
    stamp = utcnow()
    rows = [{**r, "created_at": stamp} for r in new.to_pylist()]
    if rows:
        # through SQLAlchemy so the timestamp is stored as every other UtcDateTime is
        session.execute(insert(RegisterEntry), rows)
    added: dict[str, dict[str, int]] = {r.code: {} for r in regs}
    for code, source in zip(
        new["register_code"].to_pylist(), new["source"].to_pylist(), strict=True
    ):
        added[code][source] = added[code].get(source, 0) + 1
    audit.record(
        session, actor=who.username, action="population.registers.build", entity="registers",
        entity_id="all", after={"added": added},
    )  # fmt: skip
    return BuildRead(added=added)


def _register(code: str, field: str) -> definitions.Register:
    regs = definitions.by_code()
    if code not in regs:
        raise InvalidInput(
            f"ثبت «{code}» وجود ندارد؛ یکی از {', '.join(sorted(regs))}",
            [FieldProblem(field, f"unknown register; one of {', '.join(sorted(regs))}")],
        )
    return regs[code]


def _place(session: Session, who: Principal, facility_id: int | None) -> tuple[int, int]:
    """The facility and province a clinician's record is made at (their own facility for a
    facility user); PermissionDenied outside the caller's scope, NotFound if unknown."""
    chosen = who.facility_id if scope.at_facility(who) else facility_id
    if chosen is None:
        raise InvalidInput(
            "مرکز درمانی (facility_id) را بدهید",
            [FieldProblem("facility_id", "required for a caller not at a facility")],
        )
    facility = registry_service.get_facility(session, who, facility_id=chosen)
    return facility.id, facility.province_id


def _require_in_scope(session: Session, who: Principal, facility_id: int, field: str) -> None:
    """Conflict, saying nothing of what is recorded, when a record the caller would repeat
    was made at a facility outside the caller's scope."""
    try:
        registry_service.get_facility(session, who, facility_id=facility_id)
    except (NotFound, PermissionDenied):
        raise Conflict(
            "این مورد پیش‌تر در مرکز دیگری ثبت شده است",
            [FieldProblem(field, "پیش‌تر در مرکزی بیرون از حوزه‌ی شما ثبت شده است")],
        ) from None


def _entry_read(row: RegisterEntry) -> EntryRead:
    return EntryRead.model_validate(row, from_attributes=True)


def enrol(session: Session, who: Principal, *, data: EnrolmentCreate) -> EntryRead:
    """A clinician puts a person on a register (source: enrolment). Enrolling the same
    person on the same register again answers the first entry. InvalidInput on an unknown
    register or national id; audited."""
    who.require_role(*CLINICIANS)
    register = _register(data.register_code, "register_code")
    person = nid.normalize(data.national_id)
    # the caller's own place first: what was recorded elsewhere is answered only to a
    # caller whose scope holds it
    facility_id, province_id = _place(session, who, data.facility_id)
    found = session.scalars(
        select(RegisterEntry).where(
            RegisterEntry.register_code == register.code,
            RegisterEntry.national_id == person,
            RegisterEntry.source == EntrySource.ENROLMENT.value,
        )
    ).first()
    if found is not None:
        _require_in_scope(session, who, found.facility_id, "national_id")
        return _entry_read(found)
    if data.entered_on is not None and data.entered_on > tehran_today():
        raise InvalidInput(
            "تاریخ ثبت در آینده است", [FieldProblem("entered_on", "is in the future")]
        )
    row = RegisterEntry(
        register_code=register.code, national_id=person, province_id=province_id,
        facility_id=facility_id, source=EntrySource.ENROLMENT.value, source_ref=who.username,
        entered_on=data.entered_on or tehran_today(), created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, actor=who.username, action="population.enrol", entity="register_entry",
        entity_id=row.id, after=audit.snapshot(row),
    )  # fmt: skip
    return _entry_read(row)


def enrol_many(session: Session, who: Principal, *, data: list[EnrolmentCreate]) -> int:
    """A list of enrolments at once (a family physician's patients known from before, taken
    onto the registers): each checked as ``enrol`` checks one, the whole list refused
    (InvalidInput naming each bad row, counted from 1) when one is wrong, those already
    enrolled on the same register skipped, the rest stored set-based under one audit entry.
    Answers how many were added."""
    who.require_role(*CLINICIANS)
    today = tehran_today()
    problems: list[FieldProblem] = []
    wanted: dict[tuple[str, str], EnrolmentCreate] = {}
    places: dict[int | None, tuple[int, int]] = {}
    for row_no, item in enumerate(data, start=1):
        try:
            register = _register(item.register_code, "register_code")
            person = nid.normalize(item.national_id)
        except InvalidInput as exc:
            problems.extend(FieldProblem(p.field, p.reason, row=row_no) for p in exc.problems)
            continue
        if item.entered_on is not None and item.entered_on > today:
            problems.append(FieldProblem("entered_on", "is in the future", row=row_no))
            continue
        if item.facility_id not in places:
            places[item.facility_id] = _place(session, who, item.facility_id)
        wanted.setdefault((register.code, person), item)
    if problems:
        raise InvalidInput("برخی ردیف‌های فهرست ثبت درست نیست", problems)
    found = {
        (r[0], r[1])
        for r in session.execute(
            select(RegisterEntry.register_code, RegisterEntry.national_id).where(
                RegisterEntry.source == EntrySource.ENROLMENT.value
            )
        )
    }
    stamp = utcnow()
    rows = [
        {
            "register_code": code, "national_id": person,
            "province_id": places[item.facility_id][1], "facility_id": places[item.facility_id][0],
            "source": EntrySource.ENROLMENT.value, "source_ref": who.username,
            "entered_on": item.entered_on or today, "created_at": stamp,
        }
        for (code, person), item in wanted.items() if (code, person) not in found
    ]  # fmt: skip
    if rows:
        session.execute(insert(RegisterEntry), rows)
    by_register: dict[str, int] = {}
    for r in rows:
        by_register[str(r["register_code"])] = by_register.get(str(r["register_code"]), 0) + 1
    audit.record(
        session, actor=who.username, action="population.enrol_many", entity="registers",
        entity_id="enrolment", after={"added": by_register, "asked": len(data)},
    )  # fmt: skip
    return len(rows)


def record_measurement(
    session: Session, who: Principal, *, data: MeasurementCreate
) -> MeasurementRead:
    """Receive one measurement. The LOINC code must be one the registers read and the value
    in its plausible range, the day not in the future (InvalidInput naming the field). The
    same person, code and day sent again answers the first one unchanged."""
    who.require_role(*CLINICIANS)
    person = nid.normalize(data.national_id)
    if data.loinc not in LOINC:
        raise InvalidInput(
            f"کد LOINC «{data.loinc}» پذیرفته نیست؛ یکی از {', '.join(LOINC)}",
            [FieldProblem("loinc", f"one of {', '.join(LOINC)}")],
        )
    label, unit, low, high = LOINC[data.loinc]
    if not low <= data.value <= high:
        raise InvalidInput(
            f"مقدار {label} باید بین {low:g} و {high:g} {unit} باشد",
            [FieldProblem("value", f"must be between {low:g} and {high:g} {unit}")],
        )
    if data.measured_on > tehran_today():
        raise InvalidInput(
            "تاریخ اندازه‌گیری در آینده است",
            [FieldProblem("measured_on", "is in the future")],
        )
    facility_id, province_id = _place(session, who, data.facility_id)
    found = session.scalars(
        select(Measurement).where(
            Measurement.national_id == person,
            Measurement.loinc == data.loinc,
            Measurement.measured_on == data.measured_on,
        )
    ).first()
    if found is not None:
        _require_in_scope(session, who, found.facility_id, "measured_on")
    else:
        found = Measurement(
            national_id=person, province_id=province_id, facility_id=facility_id,
            loinc=data.loinc, value=data.value, measured_on=data.measured_on,
            recorded_by=who.username, created_at=utcnow(),
        )  # fmt: skip
        session.add(found)
        session.flush()
    return MeasurementRead.model_validate(found, from_attributes=True)


def register_counts(
    session: Session, who: Principal, *, province_id: int | None = None
) -> list[RegisterCount]:
    """People on each register per province, and how many entries each source gave: a
    provincial user sees their province only, a facility user their facility's entries."""
    who.require_role(*READERS)
    source_count = {s: func.count().filter(RegisterEntry.source == s.value) for s in EntrySource}
    query = select(
        RegisterEntry.register_code, RegisterEntry.province_id,
        func.count(func.distinct(RegisterEntry.national_id)),
        source_count[EntrySource.CLAIM], source_count[EntrySource.PRESCRIPTION],
        source_count[EntrySource.ENROLMENT],
    ).group_by(RegisterEntry.register_code, RegisterEntry.province_id).order_by(
        RegisterEntry.register_code, RegisterEntry.province_id
    )  # fmt: skip
    query = scope.restrict(
        query, who, province=RegisterEntry.province_id, facility=RegisterEntry.facility_id
    )
    if province_id is not None:
        query = query.where(RegisterEntry.province_id == province_id)
    return [
        RegisterCount(
            register_code=r[0],
            province_id=r[1],
            people=r[2],
            from_claims=r[3],
            from_prescriptions=r[4],
            from_enrolment=r[5],
        )
        for r in session.execute(query)
    ]


def _cascade_inputs(session: Session, window: Window) -> dict[str, Any]:
    """The kernel's tables for a window, read straight into Arrow: entries up to its end,
    the registered people's adjudicated claims and every measurement in its twelve months."""
    people = select(RegisterEntry.national_id).distinct().scalar_subquery()
    entries = _read(
        session,
        select(
            RegisterEntry.register_code,
            RegisterEntry.national_id,
            RegisterEntry.province_id,
            RegisterEntry.facility_id,
            RegisterEntry.entered_on,
        ).where(RegisterEntry.entered_on <= window.end),
        _ENTRIES,
    )
    visits = _read(
        session,
        select(Claim.national_id, _claim_day()).where(
            Claim.status.in_([s.value for s in ADJUDICATED]),
            Claim.national_id.in_(people),
            _claim_day().between(window.start_12, window.end),
        ),  # a day twice is harmless to the kernel (it asks only whether one is in range)
        _VISITS,
    )
    measurements = _read(
        session,
        select(
            Measurement.national_id, Measurement.loinc, Measurement.value, Measurement.measured_on
        ).where(Measurement.measured_on.between(window.start_12, window.end)),
        _MEASUREMENTS,
    )
    regs = definitions.registers()
    targets = pa.table({
        "register_code": [r.code for r in regs for _ in r.targets],
        "loinc": [t.loinc for r in regs for t in r.targets],
        "below": pa.array([t.below for r in regs for t in r.targets], pa.float64()),
    })  # fmt: skip
    return {
        "entries": entries, "visits": visits, "measurements": measurements, "targets": targets,
        "start_12": window.start_12, "start_3": window.start_3, "end": window.end,
    }  # fmt: skip


def _visible(rows: list[Any], who: Principal, province_id: int | None) -> list[Any]:
    """Rows of the caller's facility (facility users) or province (provincial users), then
    of the province asked for."""
    if scope.at_facility(who):
        rows = [r for r in rows if r.facility_id == who.facility_id]
    elif scope.provincial(who):
        rows = [r for r in rows if r.province_id == who.province_id]
    if province_id is not None:
        rows = [r for r in rows if r.province_id == province_id]
    return rows


def cascade(
    session: Session, who: Principal, *, quarter: str, province_id: int | None = None
) -> CascadeRead:
    """The care cascade of every register per province and facility for ``quarter``
    (``1405Q2``; the reference month is its last). Each person is counted at the province
    and facility of their earliest entry; a provincial user gets their province's rows, a
    facility user their facility's (the filter is on the result, so a person is counted at
    the same place whoever asks). InvalidInput on a malformed quarter; PermissionDenied
    for roles outside READERS."""
    who.require_role(*READERS)
    window = parse_quarter(quarter)
    result = kernel.cascade(**_cascade_inputs(session, window))
    rows = _visible([CascadeRow(**r) for r in result.to_pylist()], who, province_id)
    return CascadeRead(quarter=window.quarter, reference_month=window.reference_month, rows=rows)


def to_call_back(
    session: Session, who: Principal, *, quarter: str, facility_id: int | None = None
) -> list[CallBack]:
    """The people a facility should call back at the end of ``quarter``: lost to follow-up
    (no visit in twelve months) or uncontrolled (seen in the last three months, not below
    target), each at the facility of their earliest entry. A facility user (a physician, a
    desk) gets their own facility's, a provincial user their province's, national staff
    everyone's; ``facility_id`` narrows to one facility."""
    who.require_role(*READERS)
    window = parse_quarter(quarter)
    table = kernel.to_call_back(**_cascade_inputs(session, window))
    rows = _visible([CallBack(**r) for r in table.to_pylist()], who, None)
    if facility_id is not None:
        rows = [r for r in rows if r.facility_id == facility_id]
    return rows


def cascade_by_province(read: CascadeRead) -> list[CascadeRow]:
    """The cascade's facility rows summed per register and province."""
    sums: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(kernel.CASCADE_COLUMNS, 0)
    )
    for r in read.rows:
        acc = sums[(r.register_code, r.province_id)]
        for c in kernel.CASCADE_COLUMNS:
            acc[c] += getattr(r, c)
    return [
        CascadeRow(register_code=k[0], province_id=k[1], facility_id=0, **v)
        for k, v in sorted(sums.items())
    ]
