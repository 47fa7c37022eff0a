"""Storing claims idempotently.

A claim's identity is (facility, document number). Sending the same content
again returns the stored claim; different content is a conflict unless the
stored one is still a draft, which the new content replaces. A batch is
written with set-based inserts (COPY on PostgreSQL, executemany on SQLite)
and a fixed number of queries however many claims it holds; the caller
commits it, and only then is it acknowledged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast

from sqlalchemy import Column, Table, delete, select, text, tuple_
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import service as audit
from darman.claims import bulk as claim_files
from darman.claims.enums import ClaimStatus, ItemType, VisitType
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.common import national_id
from darman.common.errors import FieldProblem
from darman.common.jalali import tehran_today
from darman.db import bulk
from darman.db.base import utcnow
from darman.db.uow import UnitOfWork
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

SUBMITTERS = roles_that(Act.SUBMIT_CLAIMS)
BATCH_SIZE = 1000


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


def _model_defaults(table: Table, given: Sequence[str]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The columns a new row leaves to the model's scalar defaults, and those defaults: the
    raw inserts below bypass the ORM, which would otherwise fill them in."""
    rest: list[Column[Any]] = [
        c
        for c in table.columns
        if c.name not in given and c.default is not None and c.default.is_scalar
    ]
    return tuple(c.name for c in rest), tuple(c.default.arg for c in rest)  # type: ignore[union-attr]


_CLAIM_GIVEN = (
    "id",
    "facility_id",
    "province_id",
    "document_number",
    "national_id",
    "nid_valid",
    "practitioner_council_number",
    "visit_type",
    "admission_date",
    "discharge_date",
    "diagnoses",
    "referral_ref",
    "prescription_ref",
    "status",
    "content_hash",
    "submitted_at",
    "submitted_on",
    "asked_rials",
    "allowed_rials",
    "copay_rials",
    "insurer_rials",
    "deducted_rials",
)
_LINE_GIVEN = (
    "claim_id",
    "line_no",
    "national_id",
    "facility_id",
    "item_type",
    "code",
    "service_date",
    "quantity",
    "unit_price_rials",
    "asked_rials",
    "outcome",
    "allowed_rials",
    "copay_rials",
    "insurer_rials",
    "deducted_rials",
    "reasons",
)
_CLAIMS = cast(Table, Claim.__table__)
_LINES = cast(Table, ClaimLine.__table__)
_CLAIM_REST, _CLAIM_DEFAULTS = _model_defaults(_CLAIMS, _CLAIM_GIVEN)
_LINE_REST, _LINE_DEFAULTS = _model_defaults(_LINES, _LINE_GIVEN)
_CLAIM_COLUMNS = _CLAIM_GIVEN + _CLAIM_REST
_LINE_COLUMNS = _LINE_GIVEN + _LINE_REST
_LINE_PENDING = ("pending", 0, 0, 0, 0, "", *_LINE_DEFAULTS)
_VISIT = {v: v.value for v in VisitType}
_ITEM = {t: t.value for t in ItemType}
DRAFT, SUBMITTED = ClaimStatus.DRAFT.value, ClaimStatus.SUBMITTED.value


def _ids(session: Session, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    """The stored claims of these (facility id, document number) keys, in one query."""
    if not keys:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        # two array parameters instead of a thousand pairs: PostgreSQL plans it in no time
        rows = session.execute(
            text(
                "SELECT c.id, c.facility_id, c.document_number, c.content_hash, c.status "
                "FROM claims c JOIN unnest(CAST(:f AS integer[]), CAST(:d AS varchar[])) "
                "AS k(f, d) ON c.facility_id = k.f AND c.document_number = k.d"
            ),
            {"f": [f for f, _ in keys], "d": [d for _, d in keys]},
        ).all()
    else:
        rows = session.execute(
            select(
                Claim.id, Claim.facility_id, Claim.document_number, Claim.content_hash, Claim.status
            ).where(tuple_(Claim.facility_id, Claim.document_number).in_(keys))
        ).all()
    return {(r.facility_id, r.document_number): r for r in rows}


def _write(
    session: Session, to_insert: Sequence[tuple[int, ClaimIn, int, int, str]]
) -> tuple[list[int], int]:
    """Insert the claims and their lines; returns each claim's id (in order) and the line count.

    Three statements whatever the batch size: ids drawn for the claims, the claims, the
    lines.
    """
    conn = session.connection()
    submitted_at, submitted_on = utcnow(), tehran_today()
    ids = bulk.reserve_ids(conn, "claims", len(to_insert))
    claim_rows = []
    for (_, claim, fac_id, prov_id, digest), claim_id in zip(to_insert, ids, strict=True):
        claim_rows.append(
            (
                claim_id,
                fac_id,
                prov_id,
                claim.document_number,
                claim.national_id,
                national_id.problem(claim.national_id) is None,
                claim.practitioner_council_number,
                _VISIT[claim.visit_type],
                claim.admission_date,
                claim.discharge_date,
                ";".join(claim.diagnoses),
                claim.referral_ref,
                claim.prescription_ref,
                DRAFT if claim.draft else SUBMITTED,
                digest,
                submitted_at,
                submitted_on,
                sum(line.quantity * line.unit_price_rials for line in claim.lines),
                0,
                0,
                0,
                0,
                *_CLAIM_DEFAULTS,
            )
        )
    bulk.insert_rows(conn, _CLAIMS, _CLAIM_COLUMNS, claim_rows)
    line_rows = []
    for (_, claim, fac_id, _, _), claim_id in zip(to_insert, ids, strict=True):
        nid = claim.national_id
        for n, line in enumerate(claim.lines, start=1):
            line_rows.append(
                (
                    claim_id,
                    n,
                    nid,
                    fac_id,
                    _ITEM[line.item_type],
                    line.code,
                    line.service_date,
                    line.quantity,
                    line.unit_price_rials,
                    line.quantity * line.unit_price_rials,
                    *_LINE_PENDING,
                )
            )
    bulk.insert_rows(conn, _LINES, _LINE_COLUMNS, line_rows)
    return ids, len(line_rows)


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
    existing = _ids(
        session,
        list(
            {
                (facilities[c.facility_code][0], c.document_number)
                for _, c in batch
                if c.facility_code in facilities
            }
        ),
    )
    results: list[Stored | None] = [None] * len(batch)
    to_insert: list[tuple[int, ClaimIn, int, int, str]] = []
    replaced: list[int] = []
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
                    f"مرکزی با کد «{claim.facility_code}» که شما بتوانید برایش سند بفرستید نیست",
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
                    "document_number",
                    "این شماره‌ی سند در همین پرونده دو بار با محتوای متفاوت آمده است",
                    row=record,
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
                    f"سند {claim.document_number} پیش‌تر با محتوای دیگری ارسال شده است",
                    row=record,
                ),
            )
            continue
        if old is not None:  # a draft: the new content replaces it
            replaced.append(old.id)
        pending[key] = digest
        to_insert.append((pos, claim, fac_id, prov_id, digest))
    if replaced:
        session.execute(delete(ClaimLine).where(ClaimLine.claim_id.in_(replaced)))
        session.execute(delete(Claim).where(Claim.id.in_(replaced)))
    if to_insert:
        made, lines = _write(session, to_insert)
        for (pos, claim, _, _, _), claim_id in zip(to_insert, made, strict=True):
            status = DRAFT if claim.draft else SUBMITTED
            results[pos] = Stored(batch[pos][0], claim_id, True, status)
        audit.record(
            session,
            actor=who.username,
            action="submit",
            entity="claims",
            entity_id=f"{min(made)}..{max(made)}",
            after={"claims": len(made), "lines": lines},
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


@dataclass(frozen=True)
class Acknowledged:
    """A batch of a bulk file, committed: what became of its records."""

    first_record: int  # records counted from 1 in file order
    last_record: int
    first_row: int  # the file's own line or row numbers
    last_row: int
    accepted: int  # stored now
    unchanged: int  # the same content was stored before (or earlier in the batch)
    conflicts: int  # other content for a submitted document
    rejected: int  # invalid, or for a facility the caller may not submit for
    problems: list[FieldProblem]  # by row
    stored: tuple[Stored, ...] = ()  # each valid record's outcome, in file order

    @property
    def records(self) -> int:
        return self.last_record - self.first_record + 1


def submit_stream(
    factory: sessionmaker[Session],
    who: Principal,
    stream: IO[bytes],
    fmt: str,
    *,
    size: int = BATCH_SIZE,
) -> Iterator[Acknowledged]:
    """Read a bulk file (NDJSON, CSV or Excel) as a stream and store it ``size`` records at a
    time, each batch in its own unit of work, committed before it is yielded: whatever was
    yielded survives a crash, and sending the file again stores nothing twice.

    Raises PermissionDenied before reading anything if the caller may not submit, and
    InvalidInput when the file as a whole cannot be read (for instance a CSV header).
    """
    who.require_role(*SUBMITTERS)
    for batch in claim_files.read_batches(stream, fmt, size):
        stored: list[Stored] = []
        if batch.good:
            with UnitOfWork(factory) as uow:
                stored = store_batch(uow.session, who, batch.good)
                uow.commit()
        problems = list(batch.problems)
        accepted = unchanged = conflicts = 0
        for s in stored:
            if s.problem is not None:
                problems.append(s.problem)
                conflicts += s.claim_id is not None
            elif s.created:
                accepted += 1
            else:
                unchanged += 1
        problems.sort(key=lambda p: p.row or 0)
        yield Acknowledged(
            first_record=batch.first_record,
            last_record=batch.last_record,
            first_row=batch.first_row,
            last_row=batch.last_row,
            accepted=accepted,
            unchanged=unchanged,
            conflicts=conflicts,
            rejected=batch.records - accepted - unchanged - conflicts,
            problems=problems,
            stored=tuple(stored),
        )
