"""E-prescriptions through the FHIR facade: MedicationRequest, MedicationDispense and the
order lines served as ServiceRequest.

Rule: every query starts from the prescriptions service's own scope filter
(``prescriptions.service.in_scope``), exactly as the REST API: a physician sees the
lines and dispensings of the prescriptions they wrote, provincial staff those issued in
their province, national staff all; a dispensing facility (pharmacist, laboratory or
imaging desk) may not list or read through the facade (PermissionDenied, 403) and looks
a prescription up by tracking code plus national ID on the REST API instead. Outside the
scope a resource is indistinguishable from a missing one: 404 on read, absent from
searches. Only issued prescriptions are served.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.common.jalali import tehran_today
from darman.common.persian import to_ascii_digits
from darman.fhir import dispense_intake, params, search
from darman.fhir import mapping as m
from darman.fhir import prescriptions_mapping as pm
from darman.fhir.claims_mapping import PRESCRIPTION_SYSTEM
from darman.fhir.service import Matches
from darman.prescriptions import dispensing as rx_dispensing
from darman.prescriptions import rules as rx_rules
from darman.prescriptions import service as rx_service
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import PrescriptionExpired
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine
from darman.registry.models import Drug, Facility, Practitioner, Service
from darman.security.principal import Principal

# What the facade does with each type, for the CapabilityStatement
# (ServiceRequest: see fhir.referrals_service).
INTERACTIONS: dict[str, tuple[str, ...]] = {
    "MedicationRequest": ("read", "search-type"),
    "MedicationDispense": ("create", "read", "search-type"),
}


# ------------------------------------------------------------ conditions
def _tracking_code(raw: str) -> str | None:
    return rx_rules.normalize_tracking_code(raw)


def _line_identifier(raw: str) -> ColumnElement[bool]:
    """``<tracking code>-<line no>`` of the line identifier system."""
    code, sep, number = to_ascii_digits(raw.strip()).rpartition("-")
    tracking = _tracking_code(code) if sep else None
    if tracking is None or not (number.isascii() and number.isdigit()) or len(number) > 6:
        return false()
    return and_(Prescription.tracking_code == tracking, PrescriptionLine.line_no == int(number))


def _tracking(raw: str) -> ColumnElement[bool]:
    tracking = _tracking_code(raw)
    return Prescription.tracking_code == tracking if tracking is not None else false()


def line_identifier(*, tracking_too: bool) -> search.Condition:
    """The line's own identifier; with ``tracking_too`` also the tracking code (it is one of
    a MedicationRequest's identifiers)."""

    def cond(raw: str) -> ColumnElement[bool]:
        system, value = params.split_token(raw)
        if not value:
            known = {pm.PRESCRIPTION_LINE_SYSTEM}
            if tracking_too:
                known.add(PRESCRIPTION_SYSTEM)
            return true() if system in known else false()
        if system == pm.PRESCRIPTION_LINE_SYSTEM:
            return _line_identifier(value)
        if system == PRESCRIPTION_SYSTEM and tracking_too:
            return _tracking(value)
        if system is None:
            return (
                or_(_line_identifier(value), _tracking(value))
                if tracking_too
                else (_line_identifier(value))
            )
        return false()

    return cond


def tracking_token(raw: str) -> ColumnElement[bool]:
    system, value = params.split_token(raw)
    if system not in (None, PRESCRIPTION_SYSTEM):
        return false()
    return _tracking(value) if value else true()


def line_status(codes: frozenset[str], expired_as: str, what: str) -> search.Condition:
    """``active``, ``completed`` or ``expired_as`` as of today (see ``prescriptions_mapping``)."""

    def cond(raw: str) -> ColumnElement[bool]:
        system, value = params.split_token(raw)
        if value not in codes or system not in (None, ""):
            raise search.bad("status", f"'{raw}' is not a {what} code")
        today = tehran_today()
        done = PrescriptionLine.dispensed >= PrescriptionLine.quantity
        if value == "completed":
            return done
        if value == "active":
            return and_(~done, Prescription.expires_on >= today)
        if value == expired_as:
            return and_(~done, Prescription.expires_on < today)
        return false()

    return cond


def intent(codes: frozenset[str], what: str) -> search.Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        _, value = params.split_token(raw)
        if value not in codes:
            raise search.bad("intent", f"'{raw}' is not a {what} code")
        return true() if value == "order" else false()

    return cond


def _national_id(raw: str) -> ColumnElement[bool]:
    return search.token(m.NATIONAL_ID_SYSTEM, Prescription.national_id)(raw)


def patient_params(name: str) -> list[params.Param]:
    return [
        params.Param(name, "reference", "Patient/<id>",
                     search.reference(name, "Patient", Prescription.insured_id)),
        params.Param(f"{name}:identifier", "token",
                     f"the patient's national id ({m.NATIONAL_ID_SYSTEM}|nnnnnnnnnn)",
                     _national_id),
    ]  # fmt: skip


def _table(*entries: params.Param | list[params.Param]) -> dict[str, params.Param]:
    flat: list[params.Param] = []
    for e in entries:
        flat.extend(e if isinstance(e, list) else [e])
    return {p.name: p for p in flat}


MEDICATION_REQUEST = _table(
    params.Param("_id", "token", "logical id", search.id_of(PrescriptionLine.id)),
    params.Param("identifier", "token",
                 f"tracking code ({PRESCRIPTION_SYSTEM}|code) or line "
                 f"({pm.PRESCRIPTION_LINE_SYSTEM}|code-n)",
                 line_identifier(tracking_too=True)),
    patient_params("patient"),
    patient_params("subject"),
    params.Param("requester", "reference", "Practitioner/<id>",
                 search.reference("requester", "Practitioner", Prescription.practitioner_id)),
    params.Param("status", "token", "active, completed (fully dispensed), stopped (expired)",
                 line_status(pm.MEDICATION_REQUEST_STATUS, "stopped", "MedicationRequestStatus")),
    params.Param("intent", "token", "order (every line is an order)",
                 intent(pm.MEDICATION_REQUEST_INTENT, "MedicationRequestIntent")),
    params.Param("authoredon", "date", "issue day: eq, ne, lt, le, gt, ge with YYYY[-MM[-DD]]",
                 search.date("authoredon", Prescription.issued_on)),
)  # fmt: skip


def _dispense_status(raw: str) -> ColumnElement[bool]:
    _, value = params.split_token(raw)
    if value not in pm.MEDICATION_DISPENSE_STATUS:
        raise search.bad("status", f"'{raw}' is not a MedicationDispenseStatus code")
    return true() if value == "completed" else false()


MEDICATION_DISPENSE = _table(
    params.Param("_id", "token", "logical id", search.id_of(PrescriptionDispensing.id)),
    params.Param("identifier", "token",
                 f"the dispensing request's key ({pm.DISPENSE_REQUEST_SYSTEM}|key)",
                 search.token(pm.DISPENSE_REQUEST_SYSTEM, PrescriptionDispensing.request_key)),
    patient_params("patient"),
    patient_params("subject"),
    params.Param("prescription", "reference", "MedicationRequest/<id>",
                 search.reference("prescription", "MedicationRequest",
                                  PrescriptionDispensing.line_id)),
    params.Param("performer", "reference", "Organization/<id> (the dispensing facility)",
                 search.reference("performer", "Organization", PrescriptionDispensing.facility_id)),
    params.Param("status", "token", "completed (every dispensing is)", _dispense_status),
    params.Param("whenhandedover", "date",
                 "dispensing day: eq, ne, lt, le, gt, ge with YYYY[-MM[-DD]]",
                 search.date("whenhandedover", PrescriptionDispensing.dispensed_on)),
)  # fmt: skip

SEARCH: dict[str, dict[str, params.Param]] = {
    "MedicationRequest": MEDICATION_REQUEST,
    "MedicationDispense": MEDICATION_DISPENSE,
}


def documented(resource_type: str) -> list[params.Param]:
    return search.documented(SEARCH[resource_type])


# ------------------------------------------------------------ queries
def lines_query(who: Principal, kind: LineKind) -> Select[Any]:
    """Lines of one kind of the issued prescriptions the caller may read."""
    query = (
        select(PrescriptionLine, Prescription)
        .join(Prescription, Prescription.id == PrescriptionLine.prescription_id)
        .where(
            PrescriptionLine.kind == kind.value,
            Prescription.status == PrescriptionStatus.ISSUED.value,
        )
    )
    return rx_service.in_scope(query, who)


def _dispensings_query(who: Principal) -> Select[Any]:
    query = (
        select(PrescriptionDispensing, PrescriptionLine, Prescription)
        .join(PrescriptionLine, PrescriptionLine.id == PrescriptionDispensing.line_id)
        .join(Prescription, Prescription.id == PrescriptionDispensing.prescription_id)
        .where(
            PrescriptionLine.kind == LineKind.DRUG.value,
            Prescription.status == PrescriptionStatus.ISSUED.value,
        )
    )
    return rx_service.in_scope(query, who)


def _practitioner_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Practitioner.id, Practitioner.first_name, Practitioner.last_name).where(
            Practitioner.id.in_(ids)
        )
    )
    return {i: f"{first} {last}".strip() for i, first, last in rows}


def line_facts(
    session: Session, rows: Sequence[tuple[PrescriptionLine, Prescription]]
) -> list[pm.LineFacts]:
    """The facts of in-scope lines, with a handful of queries whatever their number."""
    drugs = {li.code for li, _ in rows if li.kind == LineKind.DRUG}
    services = {li.code for li, _ in rows if li.kind == LineKind.SERVICE}
    drug_names = (
        dict(session.execute(select(Drug.generic_code, Drug.name_fa).where(
            Drug.generic_code.in_(drugs))).all())
        if drugs else {}
    )  # fmt: skip
    service_rows = (
        session.execute(
            select(Service.code, Service.name_fa, Service.category).where(
                Service.code.in_(services)
            )
        ).all()
        if services
        else []
    )
    service_names = {code: (name, category) for code, name, category in service_rows}
    doctors = _practitioner_names(session, {p.practitioner_id for _, p in rows})
    out = []
    for line, p in rows:
        if line.kind == LineKind.DRUG:
            name, category = drug_names.get(line.code, ""), ""
        else:
            name, category = service_names.get(line.code, ("", ""))
        out.append(
            pm.LineFacts(
                prescription=p,
                line=line,
                name_fa=name,
                category=category,
                practitioner_name=doctors.get(p.practitioner_id, ""),
            )
        )
    return out


def _dispense_facts(
    session: Session,
    rows: Sequence[tuple[PrescriptionDispensing, PrescriptionLine, Prescription]],
) -> list[pm.DispenseFacts]:
    if not rows:
        return []
    codes = {li.code for _, li, _ in rows}
    names = dict(
        session.execute(
            select(Drug.generic_code, Drug.name_fa).where(Drug.generic_code.in_(codes))
        ).all()
    )
    facility_ids = {d.facility_id for d, _, _ in rows}
    facilities = dict(
        session.execute(
            select(Facility.id, Facility.name).where(Facility.id.in_(facility_ids))
        ).all()
    )
    return [
        pm.DispenseFacts(
            dispensing=d,
            line=li,
            prescription=p,
            name_fa=names.get(li.code, ""),
            facility_name=facilities.get(d.facility_id, ""),
        )
        for d, li, p in rows
    ]


def _not_found(resource_type: str, resource_id: str) -> NotFound:
    return NotFound(f"no {resource_type} {resource_id} in your scope")


# ------------------------------------------------------------ entry points
def read(
    session: Session, who: Principal, *, resource_type: str, resource_id: str
) -> dict[str, Any]:
    """A MedicationRequest (a drug line) or MedicationDispense; NotFound when absent or
    outside the caller's scope, PermissionDenied for a dispensing facility."""
    rid = search.int_id(resource_id)
    today = tehran_today()
    if resource_type == "MedicationRequest":
        query = lines_query(who, LineKind.DRUG)
        if rid is None:
            raise _not_found(resource_type, resource_id)
        row = session.execute(query.where(PrescriptionLine.id == rid)).first()
        if row is None:
            raise _not_found(resource_type, resource_id)
        return pm.medication_request(line_facts(session, [row])[0], today)
    query = _dispensings_query(who)
    if rid is None:
        raise _not_found(resource_type, resource_id)
    found = session.execute(query.where(PrescriptionDispensing.id == rid)).first()
    if found is None:
        raise _not_found(resource_type, resource_id)
    return pm.medication_dispense(_dispense_facts(session, [found])[0])


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def search_resources(
    session: Session,
    who: Principal,
    *,
    resource_type: str,
    items: Sequence[tuple[str, str]],
    paging: params.Paging,
) -> Matches:
    """The caller's in-scope matches of every parameter, one page of them, by id.

    Raises PermissionDenied for a dispensing facility, SearchParameterInvalid for an
    unknown or malformed parameter.
    """
    today = tehran_today()
    if resource_type == "MedicationRequest":
        query = lines_query(who, LineKind.DRUG)
        order_by: Any = PrescriptionLine.id
    else:
        query = _dispensings_query(who)
        order_by = PrescriptionDispensing.id
    for condition in search.conditions(resource_type, SEARCH[resource_type], items):
        query = query.where(condition)
    total = _count(session, query)
    if paging.count == 0:
        return Matches([], total)
    page = query.order_by(order_by).offset(paging.offset).limit(paging.count)
    if resource_type == "MedicationRequest":
        lines = session.execute(page).all()
        return Matches([pm.medication_request(f, today) for f in line_facts(session, lines)], total)
    rows = session.execute(page).all()
    return Matches([pm.medication_dispense(f) for f in _dispense_facts(session, rows)], total)


# ------------------------------------------------------------ dispensing
def dispense(session: Session, who: Principal, *, body: Any) -> tuple[dict[str, Any], bool]:
    """Dispense one drug line through ``prescriptions.dispensing.dispense``: (the stored
    MedicationDispense, created). The caller commits.

    The same rules as the REST API: a pharmacy's (or a provider's) user, the tracking
    code plus the patient's national ID, never beyond the prescribed quantity. The
    request identifier is the idempotency key: a retry with the same line and quantity
    returns the first dispensing (created False); the same identifier for another line
    or quantity is a Conflict. Raises what the service raises (PermissionDenied,
    NotFound, PrescriptionExpired, InvalidInput, Conflict), with the posted element
    named, and DispenseStructureInvalid for a body that is not a MedicationDispense.
    """
    posted = dispense_intake.parse(body)
    wanted = posted.request.lines[0]
    try:
        found = rx_dispensing.lookup(
            session, who, tracking_code=posted.request.tracking_code,
            national_id=posted.request.national_id,
        )  # fmt: skip
        kinds = {li.line_no: li.kind for li in found.lines}
        if kinds.get(wanted.line_no, LineKind.DRUG) != LineKind.DRUG:
            raise InvalidInput(
                "a MedicationDispense is of a drug line; report lab and imaging orders on "
                "the REST API",
                [FieldProblem("lines.0.line_no", "not a drug line")],
            )
        result = rx_dispensing.dispense(session, who, data=posted.request)
    except (InvalidInput, NotFound, Conflict, PrescriptionExpired) as exc:
        raise type(exc)(exc.detail, [dispense_intake.element(p) for p in exc.problems]) from exc
    got = [d for d in result.lines if d.line_no == wanted.line_no]
    if result.replayed and (
        len(result.lines) != 1 or not got or got[0].quantity != wanted.quantity
    ):
        raise Conflict(
            "this request identifier was used for another dispensing",
            [FieldProblem(dispense_intake.KEY, "already used for another line or quantity")],
        )
    row = session.execute(
        select(PrescriptionDispensing, PrescriptionLine, Prescription)
        .join(PrescriptionLine, PrescriptionLine.id == PrescriptionDispensing.line_id)
        .join(Prescription, Prescription.id == PrescriptionDispensing.prescription_id)
        .where(
            PrescriptionDispensing.facility_id == who.facility_id,
            PrescriptionDispensing.request_key == posted.request.request_key,
            PrescriptionLine.line_no == wanted.line_no,
        )
    ).one()
    return pm.medication_dispense(_dispense_facts(session, [row])[0]), not result.replayed
