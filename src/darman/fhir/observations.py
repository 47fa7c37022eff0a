"""Observation intake on the FHIR R4 facade: a blood-pressure panel or an HbA1c, stored
through the population service's measurement intake (its validation, idempotency and
scope rules).

What is read (anything else an R4 Observation may carry is accepted and ignored):
- ``code``: a LOINC coding, 85354-9 (blood-pressure panel) or 4548-4 (HbA1c);
- the panel's ``component[]``: 8480-6 (systolic) and 8462-4 (diastolic), each a
  ``valueQuantity`` in mm[Hg]; HbA1c's own ``valueQuantity`` in %;
- ``subject.identifier`` of the national-id system;
- ``effectiveDateTime`` (its date is the measurement's day);
- ``performer[]``: an Organization identifier of the facility-code system, the facility
  the measurement was taken at (a facility user's own facility wins, as on the REST API).

Every refusal names the element (a FHIRPath) with a Persian reason: 400 when the body is
not an Observation object, 422 when values are missing or wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common import national_id as nid
from darman.common.errors import FieldProblem, InvalidInput
from darman.fhir import mapping as m
from darman.fhir.claims_intake import ClaimStructureInvalid, ElementProblem
from darman.population import service as population
from darman.population.models import Measurement
from darman.population.schemas import MeasurementCreate, MeasurementRead
from darman.registry.models import Facility
from darman.security.principal import Principal

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
BP_PANEL = "85354-9"
HBA1C = "4548-4"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
# LOINC of a posted Observation -> (Persian label, unit, the measurement codes it carries)
ACCEPTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    BP_PANEL: ("فشار خون", "mm[Hg]", (SYSTOLIC, DIASTOLIC)),
    HBA1C: ("هموگلوبین A1c", "%", (HBA1C,)),
}
COMPONENT_LABELS = {SYSTOLIC: "فشار سیستولیک", DIASTOLIC: "فشار دیاستولیک"}
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$")


@dataclass
class _Reader:
    problems: list[FieldProblem] = field(default_factory=list)

    def bad(self, path: str, reason: str, issue: str = "invalid") -> None:
        self.problems.append(ElementProblem(path, reason, issue=issue))

    def missing(self, path: str, what: str) -> None:
        self.bad(path, f"{what} داده نشده است", "required")

    def loinc(self, concept: Any, path: str) -> str | None:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        if not isinstance(codings, list):
            self.missing(path, "کد LOINC")
            return None
        for coding in codings:
            if isinstance(coding, dict) and coding.get("system") == LOINC_SYSTEM:
                code = coding.get("code")
                if isinstance(code, str) and code:
                    return code
        self.missing(path, "کد LOINC")
        return None

    def quantity(self, node: Any, path: str, unit: str) -> float | None:
        """The value of a valueQuantity in ``unit`` (its UCUM ``code``, else its ``unit``)."""
        if not isinstance(node, dict):
            self.missing(path, "مقدار")
            return None
        value = node.get("value")
        given = node.get("code") if node.get("code") is not None else node.get("unit")
        ok = True
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.missing(f"{path}.value", "مقدار عددی")
            ok = False
        if given != unit:
            where = "code" if node.get("code") is not None else "unit"
            self.bad(f"{path}.{where}", f"واحد باید «{unit}» باشد، نه «{given or 'هیچ'}»")
            ok = False
        return float(value) if ok and isinstance(value, int | float) else None


@dataclass
class Intake:
    """The measurements read from one Observation, and the element each value came from."""

    code: str  # the Observation's LOINC (ACCEPTED)
    national_id: str
    measured_on: dt.date
    facility_code: str | None
    values: dict[str, float]  # measurement LOINC -> value
    paths: dict[str, str]  # measurement LOINC -> FHIRPath of its value


def _subject(r: _Reader, body: dict[str, Any]) -> str | None:
    subject = body.get("subject")
    ident = subject.get("identifier") if isinstance(subject, dict) else None
    person = ident.get("value") if isinstance(ident, dict) else None
    if not isinstance(ident, dict) or ident.get("system") != m.NATIONAL_ID_SYSTEM:
        reason = f"بیمار را با شناسه‌ای از سامانه {m.NATIONAL_ID_SYSTEM} (کد ملی) بدهید"
        r.bad("Observation.subject.identifier", reason, "required")
        return None
    if not isinstance(person, str) or not person:
        r.missing("Observation.subject.identifier.value", "کد ملی بیمار")
        return None
    return person


def _day(r: _Reader, body: dict[str, Any]) -> dt.date | None:
    when = body.get("effectiveDateTime")
    match = _DATE.match(when) if isinstance(when, str) else None
    if match is None:
        r.missing("Observation.effectiveDateTime", "تاریخ اندازه‌گیری (به شکل YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        r.bad("Observation.effectiveDateTime", f"تاریخ «{when}» وجود ندارد")
        return None


def _facility_code(r: _Reader, body: dict[str, Any]) -> str | None:
    performers = body.get("performer")
    for n, p in enumerate(performers if isinstance(performers, list) else []):
        pid = p.get("identifier") if isinstance(p, dict) else None
        if isinstance(pid, dict) and pid.get("system") == m.FACILITY_CODE_SYSTEM:
            value = pid.get("value")
            if isinstance(value, str) and value:
                return value
            r.missing(f"Observation.performer[{n}].identifier.value", "کد مرکز")
            return None
    return None


def _values(r: _Reader, body: dict[str, Any], code: str | None) -> dict[str, tuple[str, float]]:
    """Measurement LOINC -> (FHIRPath of its value, the value)."""
    out: dict[str, tuple[str, float]] = {}
    if code == HBA1C:
        got = r.quantity(body.get("valueQuantity"), "Observation.valueQuantity", "%")
        if got is not None:
            out[HBA1C] = ("Observation.valueQuantity.value", got)
        return out
    if code != BP_PANEL:
        return out
    found: dict[str, tuple[str, Any]] = {}
    comps = body.get("component")
    for n, comp in enumerate(comps if isinstance(comps, list) else []):
        at = f"Observation.component[{n}]"
        c = r.loinc(comp.get("code") if isinstance(comp, dict) else None, f"{at}.code")
        if c in COMPONENT_LABELS:
            found[c] = (at, comp)
    for c, label in COMPONENT_LABELS.items():
        if c not in found:
            r.missing("Observation.component", f"جزء {label} (LOINC {c})")
            continue
        at, comp = found[c]
        got = r.quantity(comp.get("valueQuantity"), f"{at}.valueQuantity", "mm[Hg]")
        if got is not None:
            out[c] = (f"{at}.valueQuantity.value", got)
    return out


def parse(body: Any) -> Intake:
    """Read an Observation; ClaimStructureInvalid (400) when it is not one, InvalidInput
    (422) with every missing or wrong element named otherwise."""
    if not isinstance(body, dict) or body.get("resourceType") != "Observation":
        raise ClaimStructureInvalid(
            "بدنه باید یک Observation در قالب FHIR JSON باشد",
            [ElementProblem("Observation", "یک Observation بفرستید", issue="structure")],
        )
    r = _Reader()
    code = r.loinc(body.get("code"), "Observation.code")
    if code is not None and code not in ACCEPTED:
        accepted = "، ".join(f"{c} ({v[0]})" for c, v in ACCEPTED.items())
        reason = f"کد LOINC «{code}» پذیرفته نیست؛ یکی از {accepted}"
        r.bad("Observation.code", reason, "code-invalid")
    person = _subject(r, body)
    day = _day(r, body)
    facility_code = _facility_code(r, body)
    values = _values(r, body, code)
    if r.problems:
        raise InvalidInput("Observation پذیرفته نشد", r.problems)
    assert code is not None and day is not None and person is not None
    return Intake(
        code, person, day, facility_code,
        {c: v for c, (_, v) in values.items()}, {c: p for c, (p, _) in values.items()},
    )  # fmt: skip


def _element(intake: Intake, code: str, problem: FieldProblem) -> FieldProblem:
    where = {
        "value": intake.paths[code],
        "national_id": "Observation.subject.identifier.value",
        "measured_on": "Observation.effectiveDateTime",
        "facility_id": "Observation.performer",
        "loinc": "Observation.code",
    }.get(problem.field or "", "Observation")
    return ElementProblem(where, problem.reason)


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM_SYSTEM, "code": unit}


def resource(code: str, rows: list[MeasurementRead]) -> dict[str, Any]:
    """The Observation as stored (values, day and facility of the stored measurements, so
    an Observation received again answers what was kept the first time); its id is that of
    its first measurement."""
    first = rows[0]
    label, unit, _ = ACCEPTED[code]
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"measurement-{first.id}",
        "status": "final",
        "code": {"coding": [{"system": LOINC_SYSTEM, "code": code}], "text": label},
        "subject": {"identifier": {"system": m.NATIONAL_ID_SYSTEM, "value": first.national_id}},
        "effectiveDateTime": first.measured_on.isoformat(),
        "performer": [{"reference": f"Organization/{first.facility_id}"}],
    }
    if code == HBA1C:
        body["valueQuantity"] = _quantity(first.value, unit)
    else:
        body["component"] = [
            {"code": {"coding": [{"system": LOINC_SYSTEM, "code": r.loinc}],
                      "text": COMPONENT_LABELS[r.loinc]},
             "valueQuantity": _quantity(r.value, unit)}
            for r in rows
        ]  # fmt: skip
    return body


def record(session: Session, who: Principal, *, body: Any) -> tuple[dict[str, Any], bool]:
    """Store the posted Observation's measurements through the population service:
    (the Observation as stored, whether any measurement is new). The caller commits.
    Refusals of the service (InvalidInput) come back with the Observation's element named;
    its PermissionDenied and NotFound pass unchanged."""
    got = parse(body)
    facility_id: int | None = None
    if got.facility_code is not None:
        facility_id = session.scalars(
            select(Facility.id).where(Facility.code == got.facility_code)
        ).first()
        if facility_id is None:
            raise InvalidInput(
                f"مرکز با کد «{got.facility_code}» وجود ندارد",
                [ElementProblem("Observation.performer", "مرکز ناشناخته")],
            )
    try:
        person = nid.normalize(got.national_id)
    except InvalidInput as exc:
        raise InvalidInput(
            f"کد ملی «{got.national_id}» درست نیست",
            [ElementProblem("Observation.subject.identifier.value", "کد ملی درست نیست")],
        ) from exc
    rows: list[MeasurementRead] = []
    created = False
    for code, value in got.values.items():
        data = MeasurementCreate(
            national_id=person, loinc=code, value=value,
            measured_on=got.measured_on, facility_id=facility_id,
        )  # fmt: skip
        before = session.scalars(
            select(Measurement.id).where(
                Measurement.national_id == data.national_id,
                Measurement.loinc == code,
                Measurement.measured_on == got.measured_on,
            )
        ).first()
        try:
            rows.append(population.record_measurement(session, who, data=data))
        except InvalidInput as exc:
            problems = [_element(got, code, p) for p in exc.problems]
            raise InvalidInput(exc.detail, problems) from exc
        created = created or before is None
    return resource(got.code, rows), created
