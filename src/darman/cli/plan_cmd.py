"""``darman plan``: province facts, equity, deprivation, budget allocation, service levelling.

Every command prints a readable table and, with ``--out FILE.xlsx`` (or ``.csv``), writes
the whole result to a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from darman.cli import cells
from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.solver import status_fa
from darman.planning.enums import POPULATION_LABELS_FA, RESOURCE_LABELS_FA, Population, Resource
from darman.security.principal import SYSTEM

if TYPE_CHECKING:
    from darman.planning import tables

app = typer.Typer(
    help="Fair distribution of beds and equipment: equity, allocation, service levelling",
    no_args_is_help=True,
)
OUT_HELP = "also write the whole result to this .xlsx or .csv file"


def _write(table: tables.Table, out: Path | None, sheet: str) -> None:
    if out is None:
        return
    from darman.common.tabular import TableFormat, write_table

    try:
        fmt = TableFormat.from_filename(out.name)
    except ValueError as exc:
        problem = FieldProblem("--out", str(exc))
        raise InvalidInput("--out must end in .xlsx or .csv", [problem]) from exc
    out.write_bytes(write_table(table[0], table[1], fmt, sheet=sheet))
    console.print(f"نوشته شد: {out}")


def _num(value: object, digits: int = 2) -> str:
    return str(cells.cell(value, digits))


def _show(
    title: str, header: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 2
) -> None:
    console.print(cells.table(title, header, rows, digits=digits))


@app.command("facts")
def facts(out: Path | None = typer.Option(None, "--out", help=OUT_HELP)) -> None:
    """Per province: census population and beds, insured, spending, registered centres."""
    from darman.planning import service, tables

    with unit_of_work() as uow:
        rows = service.province_facts(uow.session, SYSTEM)
    table = tables.facts_table(rows)
    _show("واقعیت‌های استان‌ها", table[0][:11], [r[:11] for r in table[1]])
    _write(table, out, "province-facts")


@app.command("equity")
def equity(
    resource: Resource = typer.Option(Resource.ICU_BEDS_1396, help="what is distributed"),
    population: Population = typer.Option(Population.TOTAL, help="population or insured"),
    ownership: str = typer.Option("all", help="all, owned or contracted centres"),
    need_weighted: bool = typer.Option(False, help="count people over 60 three times"),
    norm: float | None = typer.Option(None, help="units per 10,000; national ratio if omitted"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Gini, Theil and each province's ratio and shortfall, with and without Tehran."""
    from darman.planning import service, tables

    with unit_of_work() as uow:
        report = service.equity_report(
            uow.session, SYSTEM, resource=resource, population=population,
            ownership=ownership, need_weighted=need_weighted, norm_per_10k=norm,
        )  # fmt: skip
    title = f"{RESOURCE_LABELS_FA[resource]} / {POPULATION_LABELS_FA[population]}"
    table = tables.equity_table(report)
    _show(title, table[0], table[1])
    console.print(
        f"هنجار: {_num(report.norm_per_10k)} در ۱۰٬۰۰۰ نفر"
        + (" (میانگین کشور)" if report.norm_is_national else "")
    )
    _write(table, out, "equity")


@app.command("deprivation")
def deprivation(
    icu_beds: float = typer.Option(0.30, help="weight of intensive-care beds per 10,000"),
    beds: float = typer.Option(0.20, help="weight of active beds per 10,000"),
    spending: float = typer.Option(0.20, help="weight of treatment spending per insured"),
    physicians: float = typer.Option(0.15, help="weight of physicians per 10,000 insured"),
    nurses: float = typer.Option(0.15, help="weight of nurses per 10,000 insured"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Provinces from the most deprived down, with each component's contribution."""
    from darman.planning import service, tables
    from darman.planning.deprivation import components_with

    components = components_with(
        icu_beds=icu_beds, beds=beds, spending=spending, physicians=physicians, nurses=nurses
    )
    with unit_of_work() as uow:
        rows = service.deprivation_ranking(uow.session, SYSTEM, components=components)
    table = tables.deprivation_table(rows)
    _show("رتبه‌ی محرومیت", table[0], table[1])
    _write(table, out, "deprivation")


@app.command("allocate")
def allocate(
    scenario_file: Path | None = typer.Argument(
        None, help="a scenario TOML file; the seeds' 1404 example when omitted"
    ),
    sensitivity: int = typer.Option(0, help="re-solve this many times with perturbed weights"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Whole units per budget line and province, within the budgets, explained."""
    from darman.planning import allocation, scenario, service, tables

    chosen = scenario.shipped() if scenario_file is None else scenario.load(scenario_file)
    with unit_of_work() as uow:
        problem, solution, lines = service.allocate(uow.session, SYSTEM, scenario=chosen)
        stable = (
            service.stability(uow.session, SYSTEM, scenario=chosen, runs=sensitivity)
            if sensitivity
            else None
        )
    greedy = allocation.objective_of(problem, allocation.greedy(problem))
    console.print(
        f"{chosen.name}: {status_fa(solution.status)}؛ {_num(solution.seconds, 3)} ثانیه؛ "
        f"فاصله‌ی بهینگی {_num(solution.mip_gap, 6)}؛ هدف {_num(solution.objective, 4)} "
        f"(حریصانه {_num(greedy, 4)})"
    )
    for line in lines:
        rows = [
            [p.code, p.name_fa, p.need, p.given, p.after, tables.binding_fa(p.binding)]
            for p in line.provinces
            if p.given or p.need
        ]
        _show(
            f"{line.label_fa}: {_num(line.units_given)} از {_num(line.cap)} واحد؛ "
            f"جینی {_num(line.gini_before, 4)} ← {_num(line.gini_after, 4)}",
            ["کد", "استان", "کمبود پیش", "تخصیص", "کمبود پس", "دلیل"],
            rows,
        )
    if stable is not None:
        labels = {line.key: line.label_fa for line in chosen.lines}
        table = tables.stability_table(stable, labels)
        _show("پایداری تخصیص", table[0], table[1])
    _write(tables.allocation_table(lines, stable), out, "allocation")


@app.command("levelling")
def levelling(
    province: str | None = typer.Option(None, help="province code; every province if omitted"),
    scenario_file: Path | None = typer.Option(
        None, "--scenario", help="take the expand and build costs from this scenario"
    ),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Missing level-2 and level-3 services per province, with expand-or-build proposals."""
    from darman.planning import scenario, service, tables
    from darman.planning.levelling import Costs

    chosen = scenario.shipped() if scenario_file is None else scenario.load(scenario_file)
    costs = Costs.of(chosen.levelling)
    with unit_of_work() as uow:
        rows = service.service_levelling(uow.session, SYSTEM, province_code=province, costs=costs)
    summary = [
        [
            r.province_code,
            r.province_name_fa,
            r.available[2],
            r.needed[2],
            r.available[3],
            r.needed[3],
            len(r.gaps),
        ]
        for r in rows
    ]
    _show(
        "سطح‌بندی خدمات",
        ["کد", "استان", "سطح ۲ موجود", "سطح ۲ لازم", "سطح ۳ موجود", "سطح ۳ لازم", "کمبود"],
        summary,
    )
    table = tables.levelling_table(rows)
    _show("کمبودها", [table[0][i] for i in (1, 3, 4, 6, 8)], [
        [r[i] for i in (1, 3, 4, 6, 8)] for r in table[1]
    ])  # fmt: skip
    _write(table, out, "levelling")
