"""Row filters that keep each caller inside their province or facility.

Reference data (provinces, catalogues, tariffs) is open to every signed-in
user; people and providers are not. Every domain restricts its queries through
``restrict`` (and its reports through ``report_province``), so what each scope
level sees is decided in this one module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import QueryableAttribute

from darman.common.errors import PermissionDenied
from darman.registry.models import (
    CoveragePeriod,
    Facility,
    Insured,
    Practitioner,
    PractitionerFacility,
)
from darman.security.enums import ScopeLevel
from darman.security.principal import Principal

AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)
# Where a row is: a column holding the province's or facility's id, or, when that is
# not one column's equality (a practitioner works at several facilities), a function
# from the caller's id to the condition on the rows.
Place = ColumnElement[Any] | QueryableAttribute[Any] | Callable[[int | None], ColumnElement[bool]]


def _at(place: Place, place_id: int | None) -> ColumnElement[bool]:
    if isinstance(place, ColumnElement | QueryableAttribute):
        return place == place_id
    return place(place_id)


# Deny by default: a rater's account reaches only the pages of their own scorecards.
OWN_REFUSED = "این حساب فقط به کارهای خود دارنده‌اش دسترسی دارد"


def own_records_only(who: Principal) -> bool:
    """The caller reads only records linked to their own account (a rater)."""
    return who.scope_level is ScopeLevel.OWN


def at_facility(who: Principal) -> bool:
    """The caller works at one facility (a desk, a physician, a pharmacy)."""
    return who.scope_level is ScopeLevel.FACILITY


def provincial(who: Principal) -> bool:
    """The caller works for one province's directorate."""
    return who.scope_level is ScopeLevel.PROVINCE


def restrict(
    query: Q,
    who: Principal,
    *,
    province: Place | None = None,
    facility: Place | None = None,
    facility_refused: str | None = None,
) -> Q:
    """``query`` narrowed to the caller's place: everything for national users, the rows
    whose ``province`` column is theirs for provincial users, and for facility users the
    rows whose ``facility`` column is their facility. Rows that have no facility column
    are, for a facility user, those of the facility's province (the desk checks anyone
    of its province's insured), unless ``facility_refused`` says why a facility may not
    read them at all: then PermissionDenied with that reason.

    A caller whose scope is their own records (a rater) has no place: PermissionDenied,
    whatever the query. A level that needs a column the caller did not give is a
    programming error (ValueError), never an unfiltered query."""
    if who.scope_level is ScopeLevel.NATIONAL:
        return query
    if who.scope_level is ScopeLevel.OWN:
        raise PermissionDenied(OWN_REFUSED)
    if who.scope_level is ScopeLevel.FACILITY:
        if facility_refused is not None:
            raise PermissionDenied(facility_refused)
        if facility is not None:
            return query.where(_at(facility, who.facility_id))
    if province is None:
        raise ValueError(f"no province column to restrict a {who.scope_level} caller by")
    return query.where(_at(province, who.province_id))


def report_province(who: Principal, asked: int | None, *, refused: str) -> int | None:
    """The province a staff report or list is about: a provincial user's own (asking for
    another is PermissionDenied), for national staff the one asked (None: every province).
    Facility users get PermissionDenied with ``refused``, callers of their own records
    only (raters) PermissionDenied."""
    if who.scope_level is ScopeLevel.OWN:
        raise PermissionDenied(OWN_REFUSED)
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied(refused)
    if who.scope_level is ScopeLevel.PROVINCE:
        if asked is not None and asked != who.province_id:
            raise PermissionDenied("that province is outside your scope")
        return who.province_id
    return asked


def facilities(query: Q, who: Principal) -> Q:
    return restrict(query, who, province=Facility.province_id, facility=Facility.id)


def insured(query: Q, who: Principal) -> Q:
    """A facility user sees the insured of the facility's province (eligibility at the desk)."""
    return restrict(query, who, province=Insured.province_id)


def _covers_province(province_id: int | None) -> ColumnElement[bool]:
    return CoveragePeriod.insured_id.in_(
        select(Insured.id).where(Insured.province_id == province_id)
    )


def coverage(query: Q, who: Principal) -> Q:
    return restrict(query, who, province=_covers_province)


def _works_at(facility_id: int | None) -> ColumnElement[bool]:
    return exists().where(
        PractitionerFacility.practitioner_id == Practitioner.id,
        PractitionerFacility.facility_id == facility_id,
    )


def practitioners(query: Q, who: Principal) -> Q:
    return restrict(query, who, province=Practitioner.province_id, facility=_works_at)
