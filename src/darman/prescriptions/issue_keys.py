"""Idempotent issuing: a prescribing system that did not hear the answer sends the same
request again with the same ``request_key`` and must not create a second prescription.

The key belongs to the physician who sent it (another physician's same key is another
request). The stored digest of the request tells a true retry, which is answered as the
first time, from one with other content, which is a conflict: a key names one request.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.errors import Conflict, FieldProblem
from darman.prescriptions.enums import PrescriptionStatus
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.models import Prescription, PrescriptionFinding
from darman.prescriptions.reading import read_back, refusal_problems
from darman.prescriptions.schemas import PrescriptionIn, PrescriptionRead


def digest(data: PrescriptionIn) -> str:
    """SHA-256 of the request after validation (Persian text and digits normalised,
    defaults filled in), so a retry that spells the same prescription matches."""
    body = data.model_dump(mode="json", exclude={"request_key"})
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(
    session: Session, *, practitioner_id: int, key: str, digest: str
) -> PrescriptionRead | None:
    """The first answer to this physician's ``key``, or None when the key is new.

    Raises Conflict when the key came with another prescription, and the first
    PrescriptionRefused again when that prescription was refused.
    """
    p = session.scalar(
        select(Prescription).where(
            Prescription.practitioner_id == practitioner_id, Prescription.request_key == key
        )
    )
    if p is None:
        return None
    if p.request_digest != digest:
        raise Conflict(
            f"request key '{key}' was used for another prescription",
            [FieldProblem("request_key", "already used for a different prescription")],
        )
    if p.status == PrescriptionStatus.REFUSED.value:
        findings = session.scalars(
            select(PrescriptionFinding)
            .where(PrescriptionFinding.prescription_id == p.id)
            .order_by(PrescriptionFinding.id)
        ).all()
        codes = sorted({f.code for f in findings})
        raise PrescriptionRefused(
            "the prescription was refused: " + ", ".join(codes), list(refusal_problems(findings))
        )
    return read_back(session, p)
