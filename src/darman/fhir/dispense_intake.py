"""A posted MedicationDispense turned into the prescriptions service's dispensing request.

What a dispensing system sends (one drug line per MedicationDispense, the same rules
as ``POST /api/v1/prescriptions/dispense``):
- ``identifier`` with system ``dispense-request``: the idempotency key; a retry sends
  the same identifier and gets the first answer, dispensing nothing again;
- ``authorizingPrescription[0].identifier``: the line as ``<tracking code>-<line no>``
  in the prescription-line system (the pharmacy knows the tracking code, not our ids);
- ``subject.identifier``: the patient's national ID, which must be the prescription's;
- ``quantity.value``: the units handed over; ``status``, if sent, ``completed``.
Anything else is ignored (the dispensing day is the server's, the medication the
line's). A refusal names the element (``MedicationDispense.quantity.value``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from darman.common.errors import DarmanError, FieldProblem, InvalidInput
from darman.common.persian import to_ascii_digits
from darman.fhir import mapping as m
from darman.fhir import prescriptions_mapping as pm
from darman.prescriptions.schemas import DispenseIn, DispenseLineIn

R = "MedicationDispense"
KEY = f"{R}.identifier[0].value"
LINE = f"{R}.authorizingPrescription[0].identifier.value"
PATIENT = f"{R}.subject.identifier.value"
QUANTITY = f"{R}.quantity.value"
# The service's field names -> the posted resource's elements.
ELEMENT = {
    "request_key": KEY,
    "tracking_code": LINE,
    "national_id": PATIENT,
    "lines.0.line_no": LINE,
    "lines.0.quantity": QUANTITY,
    "lines": LINE,
    "line_no": LINE,
    "quantity": QUANTITY,
}


class DispenseStructureInvalid(DarmanError):
    """The body is not a MedicationDispense in FHIR JSON (FHIR: 400)."""

    status = 400
    title = "Not a MedicationDispense"
    slug = "medication-dispense-invalid"


@dataclass(frozen=True)
class Posted:
    request: DispenseIn
    line_no: int


def element(p: FieldProblem) -> FieldProblem:
    return FieldProblem(ELEMENT.get(p.field or "", p.field or R), p.reason)


def _identifier(node: Any, system: str, where: str, problems: list[FieldProblem]) -> str | None:
    found = [
        i.get("value")
        for i in (node if isinstance(node, list) else [node])
        if isinstance(i, dict) and i.get("system") == system
    ]
    if not found or not isinstance(found[0], str) or not found[0].strip():
        problems.append(FieldProblem(where, f"an identifier of system {system} is required"))
        return None
    return found[0].strip()


def parse(body: Any) -> Posted:
    """The dispensing request of one posted MedicationDispense.

    Raises DispenseStructureInvalid when it is not a MedicationDispense object,
    InvalidInput naming every missing or wrong element.
    """
    if not isinstance(body, dict) or body.get("resourceType") != R:
        raise DispenseStructureInvalid(
            "the body is not a MedicationDispense",
            [FieldProblem("resourceType", "expected a MedicationDispense resource")],
        )
    problems: list[FieldProblem] = []
    status = body.get("status", "completed")
    if status != "completed":
        problems.append(FieldProblem(f"{R}.status", "only a completed dispense is accepted"))
    key = _identifier(body.get("identifier"), pm.DISPENSE_REQUEST_SYSTEM, KEY, problems)
    prescriptions = body.get("authorizingPrescription")
    if not isinstance(prescriptions, list) or len(prescriptions) != 1:
        problems.append(FieldProblem(LINE, "name exactly one prescription line"))
        line_ref: str | None = None
    else:
        node = prescriptions[0].get("identifier") if isinstance(prescriptions[0], dict) else None
        line_ref = _identifier(node, pm.PRESCRIPTION_LINE_SYSTEM, LINE, problems)
    subject = body.get("subject")
    nid = _identifier(
        subject.get("identifier") if isinstance(subject, dict) else None,
        m.NATIONAL_ID_SYSTEM, PATIENT, problems,
    )  # fmt: skip
    quantity = body.get("quantity")
    amount = quantity.get("value") if isinstance(quantity, dict) else None
    if not isinstance(amount, int) or isinstance(amount, bool):
        problems.append(FieldProblem(QUANTITY, "a whole number of units is required"))
    tracking, line_no = None, 0
    if line_ref is not None:
        tracking, sep, number = to_ascii_digits(line_ref).rpartition("-")
        if not sep or not (number.isascii() and number.isdigit()) or len(number) > 6:
            problems.append(FieldProblem(LINE, "expected <tracking code>-<line no>"))
        else:
            line_no = int(number)
    if problems:
        raise InvalidInput("the MedicationDispense cannot be accepted", problems)
    assert key is not None and nid is not None and tracking is not None
    try:
        request = DispenseIn(
            tracking_code=tracking,
            national_id=nid,
            request_key=key,
            lines=[DispenseLineIn(line_no=line_no, quantity=amount)],  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise InvalidInput(
            "the MedicationDispense cannot be accepted",
            [
                element(FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]))
                for e in exc.errors()
            ],
        ) from exc
    return Posted(request=request, line_no=line_no)
