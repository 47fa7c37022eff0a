"""Claims through the FHIR facade: submit a Claim, read its resources, search claims.

Rule: every claim reaches a caller through the claims service, which limits it
to the caller's scope (a provider user: its own facility): a read passes
``claims.service.get_claim`` (NotFound outside the scope), a search starts from
the claims service's own scope filter. Out-of-scope claims are therefore 404 on
read and absent from searches, like missing ones. The patient and coverage a
claim points at are looked up within the registry's scope for the caller too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from darman.claims import service as claims
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, ClaimLine
from darman.claims.service import in_scope as claims_in_scope
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.common.paging import MAX_ID
from darman.common.persian import to_ascii_digits
from darman.fhir import claims_intake as intake
from darman.fhir import claims_mapping as cm
from darman.fhir import mapping as m
from darman.fhir import params
from darman.fhir.errors import SearchParameterInvalid
from darman.fhir.service import Matches
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.models import CoveragePeriod, Facility, Insured
from darman.security.principal import Principal

# What the facade does with each claims resource type, for the CapabilityStatement.
INTERACTIONS: dict[str, tuple[str, ...]] = {
    "Claim": ("create", "read", "search-type"),
    "ClaimResponse": ("read",),
    "ExplanationOfBenefit": ("read",),
}
Builder = Callable[[cm.ClaimFacts], dict[str, Any]]
BUILDERS: dict[str, Builder] = {
    "Claim": cm.claim,
    "ClaimResponse": cm.claim_response,
    "ExplanationOfBenefit": cm.explanation_of_benefit,
}


# ------------------------------------------------------------------- submit
def _resolver(session: Session, who: Principal) -> intake.Resolver:
    """Literal references of a posted Claim, read within the caller's scope."""
    readers: dict[str, Callable[[int], str]] = {
        "Patient": lambda i: registry.get_insured_row(session, who, insured_id=i).national_id,
        "Organization": lambda i: registry.get_facility(session, who, facility_id=i).code,
        "Practitioner": lambda i: (
            registry.get_practitioner_row(session, who, practitioner_id=i).council_number
        ),
    }

    def resolve(resource_type: str, resource_id: str) -> str | None:
        rid = _int_id(resource_id)
        if rid is None or resource_type not in readers:
            return None
        try:
            return readers[resource_type](rid)
        except NotFound:
            return None

    return resolve


def submit(session: Session, who: Principal, *, body: Any) -> tuple[int, bool]:
    """Store the posted Claim through the claims service: (claim id, created). The caller commits.

    Same content again returns the stored claim (created False); other content
    for a submitted document is a Conflict naming ``Claim.identifier``.
    """
    got = intake.parse(body, _resolver(session, who))
    try:
        stored = claims.submit(session, who, claim=got.claim)
    except (InvalidInput, Conflict) as exc:
        raise type(exc)(exc.detail, [got.element(p) for p in exc.problems]) from exc
    assert stored.claim_id is not None
    return stored.claim_id, stored.created


# --------------------------------------------------------------------- read
def _int_id(raw: str) -> int | None:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return None
    return int(value)


def _facts(session: Session, who: Principal, rows: Sequence[Claim]) -> list[cm.ClaimFacts]:
    """The facts of in-scope claims, with a handful of queries whatever their number."""
    if not rows:
        return []
    ids = [c.id for c in rows]
    lines: dict[int, list[ClaimLine]] = {i: [] for i in ids}
    for line in session.scalars(
        select(ClaimLine).where(ClaimLine.claim_id.in_(ids)).order_by(ClaimLine.line_no)
    ):
        lines[line.claim_id].append(line)
    facilities = {
        f.id: f
        for f in session.scalars(
            select(Facility).where(Facility.id.in_({c.facility_id for c in rows}))
        )
    }
    nids = {c.national_id for c in rows}
    people = {
        nid: pid
        for nid, pid in session.execute(
            scope.insured(
                select(Insured.national_id, Insured.id).where(Insured.national_id.in_(nids)), who
            )
        )
    }
    periods = session.execute(
        scope.coverage(
            select(
                Insured.national_id,
                CoveragePeriod.id,
                CoveragePeriod.start_date,
                CoveragePeriod.end_date,
            )
            .join(Insured, Insured.id == CoveragePeriod.insured_id)
            .where(Insured.national_id.in_(nids))
            .order_by(CoveragePeriod.id),
            who,
        )
    ).all()
    out = []
    for c in rows:
        first = min((line.service_date for line in lines[c.id]), default=None)
        coverage = next(
            (
                p.id
                for p in periods
                if p.national_id == c.national_id
                and first is not None
                and p.start_date <= first
                and (p.end_date is None or first <= p.end_date)
            ),
            None,
        )
        facility = facilities[c.facility_id]
        out.append(
            cm.ClaimFacts(
                claim=c,
                lines=lines[c.id],
                facility_code=facility.code,
                facility_name=facility.name,
                patient_id=people.get(c.national_id),
                coverage_id=coverage,
            )
        )
    return out


def read(
    session: Session, who: Principal, *, resource_type: str, resource_id: str
) -> dict[str, Any]:
    """Claim, ClaimResponse or ExplanationOfBenefit of a claim; NotFound outside the scope."""
    rid = _int_id(resource_id)
    if rid is None:
        raise NotFound(f"no {resource_type} {resource_id} in your scope")
    try:
        claims.get_claim(session, who, claim_id=rid)  # the scope check
    except NotFound as exc:
        raise NotFound(f"no {resource_type} {resource_id} in your scope") from exc
    row = session.get(Claim, rid)
    assert row is not None
    return BUILDERS[resource_type](_facts(session, who, [row])[0])


# ------------------------------------------------------------------- search
def _bad(name: str, reason: str) -> SearchParameterInvalid:
    return SearchParameterInvalid(f"{name}: {reason}", [FieldProblem(name, reason)])


def _id(raw: str) -> ColumnElement[bool]:
    value = _int_id(raw)
    return Claim.id == value if value is not None else false()


def _token(system: str, column: Any) -> Callable[[str], ColumnElement[bool]]:
    def cond(raw: str) -> ColumnElement[bool]:
        wanted, value = params.split_token(raw)
        if wanted is not None and wanted != system:
            return false()
        return column == to_ascii_digits(value.strip()) if value else true()

    return cond


def _patient(raw: str) -> ColumnElement[bool]:
    parts = raw.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != "Patient":
        raise _bad("patient", f"expected a reference to Patient, got '{raw}'")
    value = _int_id(parts[-1])
    if value is None:
        return false()
    # Only narrows claims already in scope: the person's own scope does not matter here.
    return (
        Claim.national_id
        == select(Insured.national_id).where(Insured.id == value).scalar_subquery()
    )


def _provider(raw: str) -> ColumnElement[bool]:
    parts = raw.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != "Organization":
        raise _bad("provider", f"expected a reference to Organization, got '{raw}'")
    value = _int_id(parts[-1])
    return Claim.facility_id == value if value is not None else false()


def _status(raw: str) -> ColumnElement[bool]:
    if raw not in cm.FINANCIAL_STATUS:
        raise _bad("status", f"'{raw}' is not a FinancialResourceStatusCodes code")
    if raw == "draft":
        return Claim.status == ClaimStatus.DRAFT.value
    return Claim.status != ClaimStatus.DRAFT.value if raw == "active" else false()


SEARCH: dict[str, params.Param] = {
    p.name: p
    for p in (
        params.Param("_id", "token", "logical id", _id),
        params.Param("identifier", "token",
                     f"document number ({cm.CLAIM_DOCUMENT_SYSTEM}|number)",
                     _token(cm.CLAIM_DOCUMENT_SYSTEM, Claim.document_number)),
        params.Param("patient", "reference", "Patient/<id>", _patient),
        params.Param("patient:identifier", "token",
                     f"the patient's national id ({m.NATIONAL_ID_SYSTEM}|nnnnnnnnnn)",
                     _token(m.NATIONAL_ID_SYSTEM, Claim.national_id)),
        params.Param("provider", "reference", "Organization/<id>", _provider),
        params.Param("status", "token", "active or draft", _status),
    )
}  # fmt: skip


def documented(resource_type: str) -> list[params.Param]:
    """The search parameters of a claims type without modifier variants."""
    if resource_type != "Claim":
        return []
    return [p for p in SEARCH.values() if ":" not in p.name]


def _conditions(items: Sequence[tuple[str, str]]) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for key, raw in items:
        if key in params.RESULT_PARAMS or not raw:
            continue
        spec = SEARCH.get(key)
        if spec is None:
            known = ", ".join(sorted(SEARCH))
            raise _bad(key, f"not a search parameter of Claim here; known: {known}")
        values = [v.replace("\\,", ",") for v in re.split(r"(?<!\\),", raw) if v]
        if values:
            out.append(or_(*[spec.condition(v) for v in values]))
    return out


def search(
    session: Session, who: Principal, *, items: Sequence[tuple[str, str]], paging: params.Paging
) -> Matches:
    """The caller's claims matching every parameter, one page of them as Claims, by id."""
    query = claims_in_scope(select(Claim), who)
    for condition in _conditions(items):
        query = query.where(condition)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if paging.count == 0:
        return Matches([], int(total))
    rows = session.scalars(query.order_by(Claim.id).offset(paging.offset).limit(paging.count))
    return Matches([cm.claim(f) for f in _facts(session, who, list(rows))], int(total))
