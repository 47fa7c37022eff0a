"""The registry the synthetic seed loaded, as the demo's prescribing and referring read
it: practitioners by province and their family physicians, pharmacies, insured people
and the drugs' facts, read once and shared by ``prescriptions_seed`` and
``referrals_seed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.prescriptions import rules, tables
from darman.registry.models import Drug, Facility, Insured, Practitioner, PractitionerFacility

FAMILY = ("پزشک خانواده", "پزشک عمومی")
ACTOR = "demo"


@dataclass(frozen=True)
class World:
    """The registry the synthetic seed loaded, as the prescribing and referring read it."""

    fac: dict[int, Any]  # facility id -> (id, kind, level, ownership, province_id)
    by_province: dict[int, list[tuple[int, str, int]]]  # practitioner, specialty, facility
    family: dict[int, list[tuple[int, int]]]  # family physicians: practitioner, facility
    doc_province: dict[int, int]
    pharmacies: dict[int, list[int]]
    people: dict[str, tuple[int, int]]  # national ID -> insured id, province
    facts: dict[str, rules.DrugFacts]
    permitted: dict[str, frozenset[str]]
    interactions: rules.InteractionTable


def read(session: Session) -> World:
    """The registry as ``World`` holds it, read once for all the demo's links."""
    fac = {
        r.id: r
        for r in session.execute(
            select(Facility.id, Facility.kind, Facility.level, Facility.ownership,
                   Facility.province_id)
        )
    }  # fmt: skip
    staff = session.execute(
        select(Practitioner.id, Practitioner.specialty, PractitionerFacility.facility_id)
        .join(PractitionerFacility, PractitionerFacility.practitioner_id == Practitioner.id)
        .order_by(Practitioner.id)
    ).all()
    by_province, family = _practitioners(staff, fac)
    pharmacies: dict[int, list[int]] = defaultdict(list)
    for row in fac.values():
        if row.kind == "pharmacy":
            pharmacies[row.province_id].append(row.id)
    people = {
        r.national_id: (r.id, r.province_id)
        for r in session.execute(select(Insured.national_id, Insured.id, Insured.province_id))
    }
    facts = {
        d.generic_code: rules.DrugFacts(
            d.generic_code, d.name_fa, d.covered, d.max_quantity, d.max_days_supply,
            d.specialist_only, d.price_rials,
        )
        for d in session.scalars(select(Drug))
    }  # fmt: skip
    return World(
        fac=fac,
        by_province=by_province,
        family=family,
        doc_province={p: fac[f].province_id for p, _, f in staff},
        pharmacies=pharmacies,
        people=people,
        facts=facts,
        permitted=tables.permitted_specialties(),
        interactions=tables.interactions(),
    )


def _practitioners(
    staff: Sequence[Any], fac: dict[int, Any]
) -> tuple[dict[int, list[tuple[int, str, int]]], dict[int, list[tuple[int, int]]]]:
    """Practitioners by province, each at their first facility, and the family
    physicians among them."""
    by_province: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    family: dict[int, list[tuple[int, int]]] = defaultdict(list)
    seen_doc: set[int] = set()
    for pid, specialty, facility_id in staff:
        if pid in seen_doc:
            continue
        seen_doc.add(pid)
        province = fac[facility_id].province_id
        by_province[province].append((pid, specialty, facility_id))
        if specialty == FAMILY[0]:
            family[province].append((pid, facility_id))
    for province, docs in by_province.items():
        if not family.get(province):  # no family-physician centre: general practitioners
            family[province] = [(p, f) for p, s, f in docs if s == FAMILY[1]]
    return by_province, family
