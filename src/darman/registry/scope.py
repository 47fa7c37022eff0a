"""Row filters that keep each caller inside their province or facility.

Reference data (provinces, catalogues, tariffs) is open to every signed-in
user; people and providers are not.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, exists, select

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


def facilities(query: Q, who: Principal) -> Q:
    if who.scope_level is ScopeLevel.FACILITY:
        return query.where(Facility.id == who.facility_id)
    if who.scope_level is ScopeLevel.PROVINCE:
        return query.where(Facility.province_id == who.province_id)
    return query


def insured(query: Q, who: Principal) -> Q:
    """A facility user sees the insured of the facility's province (eligibility at the desk)."""
    if who.is_national:
        return query
    return query.where(Insured.province_id == who.province_id)


def coverage(query: Q, who: Principal) -> Q:
    if who.is_national:
        return query
    return query.where(
        CoveragePeriod.insured_id.in_(
            select(Insured.id).where(Insured.province_id == who.province_id)
        )
    )


def practitioners(query: Q, who: Principal) -> Q:
    if who.scope_level is ScopeLevel.FACILITY:
        return query.where(
            exists().where(
                PractitionerFacility.practitioner_id == Practitioner.id,
                PractitionerFacility.facility_id == who.facility_id,
            )
        )
    if who.scope_level is ScopeLevel.PROVINCE:
        return query.where(Practitioner.province_id == who.province_id)
    return query
