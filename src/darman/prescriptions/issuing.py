"""Issuing an e-prescription: the checks on what the database says about the caller, the
person and the drugs, then the prescription, its lines and findings written in a few
set-based statements and the answer built from what was written.

This runs on every prescription a physician writes, so it reads each fact once
(``facts.py``), writes with prepared Core statements and answers without reading back
what it wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, PermissionDenied
from darman.common.jalali import tehran_today
from darman.db.base import Base, utcnow
from darman.prescriptions import facts, issue_keys, rules, tables
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import CheckProblem, PrescriptionRefused
from darman.prescriptions.models import Prescription, PrescriptionFinding, PrescriptionLine
from darman.prescriptions.reading import answer
from darman.prescriptions.schemas import FindingRead, PrescriptionIn, PrescriptionRead
from darman.security.enums import Role
from darman.security.principal import Principal


def require_physician(who: Principal) -> int:
    who.require_role(Role.PHYSICIAN)
    if who.practitioner_id is None:
        raise PermissionDenied(
            "your user is not linked to a practitioner record (council number); "
            "ask an administrator to link it before prescribing"
        )
    return who.practitioner_id


@dataclass(frozen=True)
class _Checked:
    """What the checks of one prescription saw and found (nothing is stored)."""

    caller: facts.Caller
    person: facts.Person
    drafts: list[rules.LineDraft]
    drugs: dict[str, rules.DrugFacts]
    orders: dict[str, str]
    findings: list[rules.Finding]


def _run_checks(
    session: Session | Connection, who: Principal, *, data: PrescriptionIn, on: dt.date
) -> _Checked:
    """The one code path of ``issue`` and ``check``. Reads only."""
    if isinstance(session, Session):
        session.flush()  # the facts are read on the connection, past the ORM's autoflush
    caller = facts.caller(session, who, require_physician(who))
    person = facts.person(session, data.national_id, on)
    drafts = [
        rules.LineDraft(i, line.kind, line.code, line.quantity, line.days_supply)
        for i, line in enumerate(data.lines)
    ]
    drugs = facts.drugs(session, {d.code for d in drafts if d.kind is LineKind.DRUG})
    orders = facts.order_services(session, {d.code for d in drafts if d.kind is LineKind.SERVICE})
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
    session: Session | Connection,
    who: Principal,
    *,
    data: PrescriptionIn,
    on: dt.date | None = None,
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
        if not facts.tracking_code_taken(session, code):
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
        active_until=rules.prescription_active_until(
            on, (d.days_supply for d in checked.drafts if d.kind is LineKind.DRUG)
        ),
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
    "province_id", "issued_on", "expires_on", "active_until", "issued_by", "created_at",
    "request_key", "request_digest",
)  # fmt: skip


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_INSERT_PRESCRIPTION = insert(_table(Prescription)).returning(_table(Prescription).c.id)
_INSERT_LINES = insert(_table(PrescriptionLine))
_INSERT_FINDINGS = insert(_table(PrescriptionFinding))


def _insert_prescription(session: Session, p: Prescription) -> int:
    values = {c: getattr(p, c) for c in _PRESCRIPTION_COLUMNS}
    return int(session.connection().execute(_INSERT_PRESCRIPTION, values).scalar_one())


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
    conn = session.connection()
    conn.execute(_INSERT_LINES, [_columns(li) for li in lines])
    if found:
        conn.execute(_INSERT_FINDINGS, [_columns(f) for f in found])
    return lines, found


def _columns(row: PrescriptionLine | PrescriptionFinding) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
