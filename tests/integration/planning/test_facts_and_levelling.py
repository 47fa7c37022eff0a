"""Province facts from the registry and claims, equity on them, and service levelling, on
both databases."""

from __future__ import annotations

import pytest

from darman.common.errors import InvalidInput, PermissionDenied
from darman.planning import service
from darman.planning.enums import Population, Resource
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.planning.world import CT, KNEE, MRI, TODAY, build


@pytest.fixture
def world(session):
    return build(session)


def _by_code(rows):
    return {r.code: r for r in rows}


def test_facts_split_owned_and_contracted_and_count_covered_insured_by_age(session, world) -> None:
    facts = _by_code(service.province_facts(session, SYSTEM, on=TODAY))
    assert len(facts) == 31
    qom, tehran = facts["19"], facts["08"]
    assert (qom.insured, qom.insured_over_60) == (6, 3)  # the uncovered one is left out
    assert qom.share_over_60 == pytest.approx(0.5)
    assert qom.units("beds_icu") == 2 and qom.owned_centres == 1
    assert tehran.units("beds_general", "owned") == 300
    assert tehran.units("beds_general", "contracted") == 100
    assert tehran.units("mri_scanners") == 2 and tehran.contracted_centres == 1
    # spending is by where the insured live: Qom's MRIs in Tehran count for Qom
    assert qom.spending_rials == 2 * 20_000_000 + 5_000_000
    assert tehran.spending_rials == 4 * 10_000_000
    assert qom.spending_per_insured == pytest.approx(45_000_000 / 6)
    assert qom.population > 1_000_000 and qom.icu_beds_1396 > 0  # census context


def test_equity_on_the_census_shows_qom_lowest_in_intensive_care(session, world) -> None:
    report = service.equity_report(
        session, SYSTEM, resource=Resource.ICU_BEDS_1396, population=Population.TOTAL
    )
    rows = _by_code(report.rows)
    assert rows["19"].rank == 1  # fewest intensive-care beds per 10,000 people
    assert rows["19"].ratio_to_mean < 0.5 and rows["19"].shortfall > 0
    assert 0 < report.all_provinces.gini < 1
    assert report.norm_is_national
    assert report.without_tehran.gini != report.all_provinces.gini
    owned = service.equity_report(
        session, SYSTEM, resource=Resource.BEDS_ICU, population=Population.INSURED,
        ownership="owned",
    )  # fmt: skip
    assert {r.code for r in owned.rows} == {"19", "08"}  # only provinces with insured people
    with pytest.raises(InvalidInput) as caught:
        service.equity_report(session, SYSTEM, resource=Resource.BEDS_ICU, ownership="mine")
    assert caught.value.problems[0].field == "ownership"


def test_need_weighting_counts_qoms_older_people_more(session, world) -> None:
    plain = service.equity_report(
        session, SYSTEM, resource=Resource.BEDS_GENERAL, population=Population.INSURED
    )
    weighted = service.equity_report(
        session, SYSTEM, resource=Resource.BEDS_GENERAL, population=Population.INSURED,
        need_weighted=True,
    )  # fmt: skip
    # factors 2 (half over 60) and 1, rescaled by their mean 1.6 so the total stays 10
    assert _by_code(weighted.rows)["19"].population == pytest.approx(6 * 2 / 1.6)
    assert _by_code(weighted.rows)["08"].population == pytest.approx(4 / 1.6)
    assert sum(r.population for r in weighted.rows) == pytest.approx(10)
    assert _by_code(weighted.rows)["19"].per_10k < _by_code(plain.rows)["19"].per_10k


def test_levelling_finds_qoms_missing_mri_and_where_its_people_go(session, world) -> None:
    rows = _by_code_levelling(service.service_levelling(session, SYSTEM, on=TODAY))
    qom = rows["19"]
    missing = {g.code: g for g in qom.gaps}
    assert MRI in missing and CT not in missing  # Qom's own hospital billed a CT
    assert KNEE in missing  # needed for 1.3 million people, offered nowhere
    mri = missing[MRI]
    assert [(t.province_code, t.lines) for t in mri.travel] == [("08", 2)]
    assert mri.action == "build" and mri.level == 3  # Qom has no owned level-3 centre
    assert mri.cost_rials == 6_000_000_000_000
    tehran = rows["08"]
    assert MRI not in {g.code for g in tehran.gaps}
    assert tehran.available[3] == 1 and tehran.available[2] == 1
    knee = {g.code: g for g in tehran.gaps}[KNEE]
    assert knee.action == "expand" and knee.facility_code == world.tehran_tertiary.code
    assert service.service_levelling(session, SYSTEM, province_code="19")[0].province_code == "19"


def _by_code_levelling(rows):
    return {r.province_code: r for r in rows}


def test_planning_is_for_staff_only(session, world) -> None:
    desk = f.user(
        session, role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
        facility_id=world.qom_hospital.id,
    )  # fmt: skip
    from darman.security import service as security

    who = security.principal_of(desk)
    with pytest.raises(PermissionDenied):
        service.province_facts(session, who)
    with pytest.raises(PermissionDenied):
        service.service_levelling(session, who)


def test_planning_reads_the_latest_fiscal_year_that_has_claims(session) -> None:
    from darman.claims.models import Claim
    from darman.common.jalali import fiscal_year, fiscal_year_bounds
    from darman.db.base import utcnow
    from darman.planning.facts import claims_year

    this_year = fiscal_year(TODAY)
    assert claims_year(session, TODAY) == this_year - 1  # no claims at all: last year
    old = fiscal_year_bounds(this_year - 3)[0]
    hospital = f.facility(session, province_code="19")
    session.add(
        Claim(
            facility_id=hospital.id, province_id=hospital.province_id, document_number="OLD1",
            national_id="0000000000", nid_valid=False, visit_type="outpatient", status="paid",
            content_hash="x", submitted_at=utcnow(), submitted_on=old,
        )
    )  # fmt: skip
    session.flush()
    assert claims_year(session, TODAY) == this_year - 3  # the last year has none: the latest
