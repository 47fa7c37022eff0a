"""REST endpoints of planning: facts, equity, deprivation, allocation, service levelling.
Every result also downloads as Excel (``format=xlsx``) or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat, write_table
from darman.planning import allocation, scenario, service, tables
from darman.planning.deprivation import DeprivationRow, components_with
from darman.planning.enums import Population, Resource
from darman.planning.equity import EquityReport
from darman.planning.levelling import ProvinceLevelling
from darman.planning.schemas import AllocationRead, ProvinceFactsRead
from darman.security.deps import PrincipalDep, ReadUowDep

router = APIRouter(prefix="/api/v1/planning", tags=["planning"])
Format = Literal["json", "xlsx", "csv"]
# the JSON answer, or with ``format`` the same table as CSV or Excel
TABLES: dict[int | str, dict[str, Any]] = {200: {"content": DOWNLOAD_CONTENT}}


def _download(table: tables.Table, fmt: str, name: str) -> Response:
    header, rows = table
    content = write_table(header, rows, TableFormat(fmt), sheet=name)
    return Response(
        content,
        media_type=MEDIA_TYPES[TableFormat(fmt)],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/facts", response_model=list[ProvinceFactsRead], responses=TABLES)
def facts(who: PrincipalDep, uow: ReadUowDep, format: Format = "json") -> object:
    """Per province: census population and beds, insured and their age, beds, equipment and
    staff of registered centres (owned and contracted), treatment spending."""
    rows = service.province_facts(uow.session, who)
    if format != "json":
        return _download(tables.facts_table(rows), format, "province-facts")
    return [ProvinceFactsRead.of(f) for f in rows]


@router.get("/equity", response_model=EquityReport, responses=TABLES)
def equity(
    who: PrincipalDep,
    uow: ReadUowDep,
    resource: Resource = Resource.ICU_BEDS_1396,
    population: Population = Population.TOTAL,
    ownership: Literal["all", "owned", "contracted"] = "all",
    need_weighted: bool = False,
    norm_per_10k: Annotated[float | None, Query(ge=0, le=100_000)] = None,
    format: Format = "json",
) -> object:
    """Gini, Theil and the Lorenz curve of a resource per head of a population, with and
    without Tehran, and each province's ratio and shortfall against the norm (the
    national ratio unless ``norm_per_10k`` is given)."""
    report = service.equity_report(
        uow.session, who, resource=resource, population=population, ownership=ownership,
        need_weighted=need_weighted, norm_per_10k=norm_per_10k,
    )  # fmt: skip
    if format != "json":
        return _download(tables.equity_table(report), format, f"equity-{resource.value}")
    return report


Weight = Annotated[float, Query(ge=0, le=100)]


@router.get("/deprivation", response_model=list[DeprivationRow], responses=TABLES)
def deprivation(
    who: PrincipalDep,
    uow: ReadUowDep,
    icu_beds: Weight = 0.30,
    beds: Weight = 0.20,
    spending: Weight = 0.20,
    physicians: Weight = 0.15,
    nurses: Weight = 0.15,
    format: Format = "json",
) -> object:
    """Provinces from the most deprived down, with each component's contribution. The
    weights default to those documented in ``planning.deprivation``."""
    components = components_with(
        icu_beds=icu_beds, beds=beds, spending=spending, physicians=physicians, nurses=nurses
    )
    rows = service.deprivation_ranking(uow.session, who, components=components)
    if format != "json":
        return _download(tables.deprivation_table(rows), format, "deprivation")
    return rows


@router.get("/scenarios/example", response_model=scenario.Scenario)
def example_scenario(who: PrincipalDep) -> scenario.Scenario:
    """The seeds' year as a scenario, to copy and edit."""
    who.require_role(*service.READERS)
    return scenario.shipped()


@router.post("/allocations", response_model=AllocationRead, responses=TABLES)
def allocate(
    who: PrincipalDep,
    uow: ReadUowDep,
    body: Annotated[dict[str, object] | None, Body()] = None,
    sensitivity_runs: Annotated[int, Query(ge=0, le=20)] = 0,
    format: Format = "json",
) -> object:
    """Solve a scenario (the body; the seeds' example when empty): whole units per budget
    line and province, each province's shortfall before and after and why it got less
    than its need; Gini and Theil before and after. ``sensitivity_runs`` re-solves under
    perturbed weights and marks which allocations hold. Nothing is stored."""
    chosen = scenario.shipped() if not body else scenario.parse(body)
    problem, solution, lines = service.allocate(uow.session, who, scenario=chosen)
    stable = (
        service.stability(uow.session, who, scenario=chosen, runs=sensitivity_runs)
        if sensitivity_runs
        else None
    )
    if format != "json":
        return _download(tables.allocation_table(lines, stable), format, "allocation")
    return AllocationRead(
        scenario=chosen.name,
        year=chosen.year,
        status=solution.status,
        solve_seconds=solution.seconds,
        mip_gap=solution.mip_gap,
        objective=solution.objective,
        greedy_objective=allocation.objective_of(problem, allocation.greedy(problem)),
        lines=lines,
        stability=stable,
    )


@router.get("/levelling", response_model=list[ProvinceLevelling], responses=TABLES)
def levelling(
    who: PrincipalDep,
    uow: ReadUowDep,
    province_code: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    format: Format = "json",
) -> object:
    """Level-2 and level-3 services available and missing per province, where its insured
    travel for the missing ones, and for each gap: expand an owned centre or build."""
    rows = service.service_levelling(uow.session, who, province_code=province_code)
    if format != "json":
        return _download(tables.levelling_table(rows), format, "levelling")
    return rows
