"""Read and search FHIR resources within the caller's scope.

Rule: a row reaches a caller only through a registry service read (which
checks scope and answers NotFound outside it) or through a query that starts
from the registry's scope filter for that caller; search parameters only
narrow such a query further. An out-of-scope row is therefore
indistinguishable from a missing one: 404 on read, absent from searches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from darman.common.errors import NotFound, PermissionDenied
from darman.common.paging import MAX_ID
from darman.fhir import mapping as m
from darman.fhir import params
from darman.fhir.errors import UnsupportedResourceType
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.models import CoveragePeriod, Facility, Insured, Practitioner
from darman.security.principal import Principal

RESOURCE_TYPES = ("Organization", "Location", "Patient", "Coverage", "Practitioner")

Scoper = Callable[[Select[Any], Principal], Select[Any]]
_SCOPED: dict[str, tuple[Any, Scoper]] = {
    "Organization": (Facility, scope.facilities),
    "Location": (Facility, scope.facilities),
    "Patient": (Insured, scope.insured),
    "Coverage": (CoveragePeriod, scope.coverage),
    "Practitioner": (Practitioner, scope.practitioners),
}


@dataclass(frozen=True)
class Matches:
    resources: list[dict[str, Any]]
    total: int


def require_type(resource_type: str) -> None:
    """UnsupportedResourceType unless the facade serves ``resource_type``."""
    if resource_type not in RESOURCE_TYPES:
        raise UnsupportedResourceType(
            f"resource type '{resource_type}' is not served here; "
            f"served: {', '.join(RESOURCE_TYPES)}"
        )


def _province_names(session: Session) -> dict[int, str]:
    return {p.id: p.name_fa for p in registry.list_provinces(session)}


def read(
    session: Session, who: Principal, *, resource_type: str, resource_id: str
) -> dict[str, Any]:
    """The resource of that type and id; NotFound when absent or outside the caller's scope."""
    require_type(resource_type)
    value = resource_id.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise NotFound(f"no {resource_type} {resource_id} in your scope")
    rid = int(value)
    if resource_type in ("Organization", "Location"):
        facility = registry.get_facility(session, who, facility_id=rid)
        if resource_type == "Organization":
            return m.organization(facility)
        return m.location(facility, _province_names(session)[facility.province_id])
    if resource_type == "Patient":
        person = registry.get_insured_row(session, who, insured_id=rid)
        return m.patient(person, _province_names(session)[person.province_id])
    if resource_type == "Coverage":
        period = registry.get_coverage_row(session, who, coverage_id=rid)
        owner = registry.get_insured_row(session, who, insured_id=period.insured_id)
        return m.coverage(period, owner)
    return m.practitioner(registry.get_practitioner_row(session, who, practitioner_id=rid))


# At a facility desk, people are looked up one at a time, never browsed.
_DESK_KEYS = {"Patient": ("identifier", "_id"), "Coverage": ("beneficiary", "patient", "_id")}


def _desk_lookup_only(who: Principal, resource_type: str, items: Sequence[tuple[str, str]]) -> None:
    keys = _DESK_KEYS.get(resource_type)
    if keys is None or not scope.at_facility(who):
        return
    if not any(name.split(":")[0] in keys and value.strip() for name, value in items):
        raise PermissionDenied(
            f"at a facility, search {resource_type} by {' or '.join(keys)}; browsing is not allowed"
        )


def search(
    session: Session,
    who: Principal,
    *,
    resource_type: str,
    items: Sequence[tuple[str, str]],
    paging: params.Paging,
) -> Matches:
    """The in-scope rows matching every search parameter, one page of them, ordered by id.

    Raises UnsupportedResourceType for a type the facade does not serve and
    SearchParameterInvalid for an unknown or malformed parameter.
    """
    require_type(resource_type)
    _desk_lookup_only(who, resource_type, items)
    model, scoped = _SCOPED[resource_type]
    query = scoped(select(model), who)
    for condition in params.conditions(resource_type, items):
        query = query.where(condition)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if paging.count == 0:
        return Matches([], int(total))
    rows = session.scalars(query.order_by(model.id).offset(paging.offset).limit(paging.count)).all()
    return Matches(_map(session, who, resource_type, rows), int(total))


def _map(
    session: Session, who: Principal, resource_type: str, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    if resource_type == "Organization":
        return [m.organization(f) for f in rows]
    if resource_type == "Practitioner":
        return [m.practitioner(p) for p in rows]
    if resource_type == "Coverage":
        ids = {c.insured_id for c in rows}
        # Coverage is scoped by its owner's province, so every owner passes this
        # filter too; it is applied anyway so no person is read unscoped.
        owners = {
            p.id: p
            for p in session.scalars(scope.insured(select(Insured).where(Insured.id.in_(ids)), who))
        }
        return [m.coverage(c, owners[c.insured_id]) for c in rows]
    names = _province_names(session)
    if resource_type == "Location":
        return [m.location(f, names[f.province_id]) for f in rows]
    return [m.patient(p, names[p.province_id]) for p in rows]
