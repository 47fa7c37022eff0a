"""Planning use cases: the province facts, equity of a resource, the deprivation ranking,
budget allocation with its sensitivity, and service levelling.

Everything here is about provinces as wholes (no person's or provider's own data), so
national and provincial staff read all provinces: equity only means something against
the whole country. Facility desks and clinicians are refused. Running an allocation reads
and computes; it changes nothing stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits
from darman.planning import allocation, deprivation, equity, facts, levelling, sensitivity
from darman.planning.enums import Population, Resource
from darman.planning.scenario import Scenario
from darman.registry.enums import Ownership
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

READERS = roles_that(Act.READ_PLANNING)
# The national statistics (beds of 1396) count the whole population's beds: over the
# registry's insured they mean something only when the registry holds (nearly) all of
# the insured, at least this share of the census population (about half, nationally).
WHOLE_REGISTRY_SHARE = 0.10
NATIONAL_STATISTICS = (Resource.BEDS_1396, Resource.ICU_BEDS_1396)


def province_facts(
    session: Session, who: Principal, *, on: dt.date | None = None
) -> list[facts.ProvinceFacts]:
    """Every province's facts (see ``facts``). National and provincial staff."""
    who.require_role(*READERS)
    return facts.gather(session, on=on)


def _ownership(ownership: str | None) -> str | None:
    if ownership in (None, "", "all"):
        return None
    if ownership not in {o.value for o in Ownership}:
        raise InvalidInput("unknown ownership", [FieldProblem("ownership", "owned or contracted")])
    return ownership


def equity_report(
    session: Session,
    who: Principal,
    *,
    resource: Resource,
    population: Population = Population.TOTAL,
    ownership: str | None = None,
    need_weighted: bool = False,
    norm_per_10k: float | None = None,
    on: dt.date | None = None,
    rows: list[facts.ProvinceFacts] | None = None,
) -> equity.EquityReport:
    """Equity of a resource per head of a population across provinces, with and without
    Tehran. Raises InvalidInput naming ``population`` when it is empty everywhere (the
    insured before any are registered), or ``norm_per_10k`` when negative. ``rows``: facts
    already gathered for the caller (one page shows several results of the same facts)."""
    if norm_per_10k is not None and norm_per_10k < 0:
        raise InvalidInput("a negative norm", [FieldProblem("norm_per_10k", "0 or more")])
    if rows is None:
        rows = province_facts(session, who, on=on)
    else:
        who.require_role(*READERS)
    _refuse_statistics_over_a_sample(rows, resource, population)
    try:
        return equity.report(
            rows,
            resource=resource,
            population=population,
            ownership=_ownership(ownership),
            need_weighted=need_weighted,
            norm_per_10k=norm_per_10k,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldProblem("population", str(exc))]) from exc


def _refuse_statistics_over_a_sample(
    rows: list[facts.ProvinceFacts], resource: Resource, population: Population
) -> None:
    """Refuse a national statistic per insured person when the registry's insured are a
    sample of the country (the demo's 1 %): whole-country beds over a sample's head count
    give figures a hundred times too large (222 intensive-care beds per 10,000)."""
    if resource not in NATIONAL_STATISTICS or population is not Population.INSURED:
        return
    insured = sum(r.insured for r in rows)
    people = sum(r.population for r in rows)
    if people and insured < WHOLE_REGISTRY_SHARE * people:
        share = to_persian_digits(f"{insured * 100 / people:.1f}".replace(".", "٫"))
        reason = (
            f"بیمه‌شدگان ثبت‌شده فقط ٪{share} جمعیت کشورند (داده‌ی نمایشی یا ثبت ناتمام) و آمار "
            "کشوری تخت‌ها برای همه‌ی مردم است؛ نسبت این دو معنایی ندارد. جمعیت کل را "
            "برگزینید یا منبعی از ثبت مراکز."
        )
        raise InvalidInput(reason, [FieldProblem("population", reason)])


def deprivation_ranking(
    session: Session,
    who: Principal,
    *,
    components: tuple[deprivation.Component, ...] = deprivation.DEFAULT_COMPONENTS,
    on: dt.date | None = None,
    rows: list[facts.ProvinceFacts] | None = None,
) -> list[deprivation.DeprivationRow]:
    """Provinces from the most deprived down, each component's contribution shown."""
    if rows is None:
        rows = province_facts(session, who, on=on)
    else:
        who.require_role(*READERS)
    try:
        return deprivation.rank(rows, components)
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldProblem("weights", str(exc))]) from exc


def allocate(
    session: Session,
    who: Principal,
    *,
    scenario: Scenario,
    on: dt.date | None = None,
) -> tuple[allocation.Problem, allocation.Solution, list[allocation.LineResult]]:
    """Solve the scenario on today's facts: units per line and province, each explained.
    Raises InvalidInput naming the line whose bounds cannot all be met."""
    rows = province_facts(session, who, on=on)
    problem = allocation.prepare(scenario, rows)
    solution = allocation.solve(problem)
    return problem, solution, allocation.explain(problem, solution.units)


def stability(
    session: Session,
    who: Principal,
    *,
    scenario: Scenario,
    runs: int = 10,
    spread: float = 0.2,
    seed: int = 1404,
    on: dt.date | None = None,
) -> list[sensitivity.Stability]:
    """Which allocations hold when the policy weights move by up to ``spread``."""
    rows = province_facts(session, who, on=on)
    try:
        return sensitivity.analyse(scenario, rows, runs=runs, spread=spread, seed=seed)
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldProblem("runs", str(exc))]) from exc


def service_levelling(
    session: Session,
    who: Principal,
    *,
    province_code: str | None = None,
    costs: levelling.Costs | None = None,
    on: dt.date | None = None,
) -> list[levelling.ProvinceLevelling]:
    """Level-2 and level-3 services available, missing and travelled for, per province,
    with a proposal (expand or build) for every gap."""
    who.require_role(*READERS)
    return levelling.assess(session, province_code=province_code, costs=costs, on=on)
