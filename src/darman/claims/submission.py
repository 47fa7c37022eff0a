"""Storing claims idempotently.

A claim's identity is (facility, document number). Sending the same content
again returns the stored claim; different content is a conflict unless the
stored one is still a draft, which the new content replaces. A batch is
written with set-based inserts; the caller commits it, and only then is it
acknowledged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.common import national_id
from darman.common.errors import FieldProblem
from darman.common.jalali import tehran_today
from darman.db.base import utcnow
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.enums import Role
from darman.security.principal import Principal

SUBMITTERS = (Role.ADMIN, Role.PROVIDER_USER)


@dataclass(frozen=True)
class Stored:
    record: int  # the record's number in the caller's input (line of the file, 1 for JSON)
    claim_id: int | None
    created: bool
    status: str | None
    problem: FieldProblem | None = None


def content_hash(claim: ClaimIn) -> str:
    """Digest of everything the provider sent except the draft flag."""
    canonical = claim.model_dump_json(exclude={"draft"})
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _facilities(session: Session, who: Principal, codes: set[str]) -> dict[str, tuple[int, int]]:
    rows = session.execute(
        scope.facilities(
            select(Facility.code, Facility.id, Facility.province_id).where(
                Facility.code.in_(codes)
            ),
            who,
        )
    ).all()
    return {r.code: (r.id, r.province_id) for r in rows}


def _line_rows(claim_id: int, claim: ClaimIn, facility_id: int) -> list[dict[str, object]]:
    return [
        {
            "claim_id": claim_id,
            "line_no": n,
            "national_id": claim.national_id,
            "facility_id": facility_id,
            "item_type": line.item_type.value,
            "code": line.code,
            "service_date": line.service_date,
            "quantity": line.quantity,
            "unit_price_rials": line.unit_price_rials,
            "asked_rials": line.quantity * line.unit_price_rials,
            "outcome": "pending",
            "allowed_rials": 0,
            "copay_rials": 0,
            "insurer_rials": 0,
            "deducted_rials": 0,
            "reasons": "",
        }
        for n, line in enumerate(claim.lines, start=1)
    ]


def _claim_row(
    claim: ClaimIn, facility_id: int, province_id: int, digest: str
) -> dict[str, object]:
    now = utcnow()
    return {
        "facility_id": facility_id,
        "province_id": province_id,
        "document_number": claim.document_number,
        "national_id": claim.national_id,
        "nid_valid": national_id.problem(claim.national_id) is None,
        "practitioner_council_number": claim.practitioner_council_number,
        "visit_type": claim.visit_type.value,
        "admission_date": claim.admission_date,
        "discharge_date": claim.discharge_date,
        "diagnoses": ";".join(claim.diagnoses),
        "referral_ref": claim.referral_ref,
        "prescription_ref": claim.prescription_ref,
        "status": (ClaimStatus.DRAFT if claim.draft else ClaimStatus.SUBMITTED).value,
        "content_hash": digest,
        "submitted_at": now,
        "submitted_on": tehran_today(),
        "asked_rials": sum(line.quantity * line.unit_price_rials for line in claim.lines),
        "allowed_rials": 0,
        "copay_rials": 0,
        "insurer_rials": 0,
        "deducted_rials": 0,
    }


def store_batch(
    session: Session, who: Principal, batch: Sequence[tuple[int, ClaimIn]]
) -> list[Stored]:
    """Store validated claims; returns one outcome per record, in order.

    Provider users may submit only for their own facility (checked through the
    facility scope). A repeated document number inside one batch counts as a
    resend of the first.
    """
    who.require_role(*SUBMITTERS)
    codes = {c.facility_code for _, c in batch}
    facilities = _facilities(session, who, codes)
    keys = [
        (facilities[c.facility_code][0], c.document_number)
        for _, c in batch
        if c.facility_code in facilities
    ]
    existing = (
        {
            (r.facility_id, r.document_number): r
            for r in session.execute(
                select(
                    Claim.id,
                    Claim.facility_id,
                    Claim.document_number,
                    Claim.content_hash,
                    Claim.status,
                ).where(tuple_(Claim.facility_id, Claim.document_number).in_(keys))
            ).all()
        }
        if keys
        else {}
    )
    results: list[Stored | None] = [None] * len(batch)
    to_insert: list[tuple[int, ClaimIn, int, int, str]] = []
    pending: dict[tuple[int, str], str] = {}
    for pos, (record, claim) in enumerate(batch):
        if claim.facility_code not in facilities:
            results[pos] = Stored(
                record,
                None,
                False,
                None,
                FieldProblem(
                    "facility_code",
                    f"no facility '{claim.facility_code}' you may submit for",
                    row=record,
                ),
            )
            continue
        fac_id, prov_id = facilities[claim.facility_code]
        digest = content_hash(claim)
        key = (fac_id, claim.document_number)
        old = existing.get(key)
        if key in pending:
            same = pending[key] == digest
            results[pos] = Stored(
                record,
                None,
                False,
                None,
                None
                if same
                else FieldProblem(
                    "document_number", "sent twice in this file with different content", row=record
                ),
            )
            continue
        if old is not None and old.content_hash == digest:
            results[pos] = Stored(record, old.id, False, old.status)
            continue
        if old is not None and old.status != ClaimStatus.DRAFT:
            results[pos] = Stored(
                record,
                old.id,
                False,
                old.status,
                FieldProblem(
                    "document_number",
                    f"document {claim.document_number} was submitted before with other content",
                    row=record,
                ),
            )
            continue
        if old is not None:  # a draft: the new content replaces it
            session.execute(delete(ClaimLine).where(ClaimLine.claim_id == old.id))
            session.execute(delete(Claim).where(Claim.id == old.id))
        pending[key] = digest
        to_insert.append((pos, claim, fac_id, prov_id, digest))
    if to_insert:
        made = (
            session.execute(
                insert(Claim).returning(Claim.id, sort_by_parameter_order=True),
                [_claim_row(c, f, p, d) for _, c, f, p, d in to_insert],
            )
            .scalars()
            .all()
        )
        line_rows: list[dict[str, object]] = []
        for (pos, claim, fac_id, _, _), claim_id in zip(to_insert, made, strict=True):
            line_rows.extend(_line_rows(claim_id, claim, fac_id))
            status = (ClaimStatus.DRAFT if claim.draft else ClaimStatus.SUBMITTED).value
            results[pos] = Stored(batch[pos][0], claim_id, True, status)
        session.execute(insert(ClaimLine), line_rows)
        audit.record(
            session,
            actor=who.username,
            action="submit",
            entity="claims",
            entity_id=f"{made[0]}..{made[-1]}",
            after={"claims": len(made), "lines": len(line_rows)},
        )
    # a resend inside the batch points at the claim its first copy created
    ids = {
        (facilities[c.facility_code][0], c.document_number): r.claim_id
        for (_, c), r in zip(batch, results, strict=True)
        if r is not None and r.claim_id
    }
    out: list[Stored] = []
    for (record, claim), r in zip(batch, results, strict=True):
        if r is not None and r.claim_id is None and r.problem is None:
            r = Stored(
                record,
                ids.get((facilities[claim.facility_code][0], claim.document_number)),
                False,
                None,
            )
        assert r is not None
        out.append(r)
    return out
