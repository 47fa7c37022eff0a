"""``darman population epidemic``: the cost of an epidemic per province and ownership, and
the monthly statements to the government (issue, correct, save as Excel), in Persian."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from darman.cli.context import console, unit_of_work
from darman.security.principal import SYSTEM

if TYPE_CHECKING:
    from darman.population.epidemic_schemas import StatementRead

app = typer.Typer(help="The cost of an epidemic and its monthly statements to the government",
                  no_args_is_help=True)  # fmt: skip

OWNERSHIP_FA = {"owned": "ملکی", "contracted": "طرف قرارداد", None: "همه"}
EPISODE_HELP = "episode code, as in population/data/epidemics.toml"


def _print_statement(s: StatementRead, *, created: bool = True) -> None:
    from darman.common.jalali import format_month
    from darman.common.persian import format_number, to_persian_digits

    head = "صادر شد" if created else "پیش‌تر با همین ارقام صادر شده بود"
    console.print(
        f"صورت‌حساب {to_persian_digits(s.number)} ماه {format_month(s.month)} {head}: "
        f"{format_number(s.admissions)} بستری، {format_number(s.patient_days)} روز بستری، "
        f"{format_number(s.icu_days)} روز مراقبت ویژه، سهم سازمان "
        f"{format_number(s.insurer_rials)} ریال"
    )


@app.command("statement")
def statement(
    month: str = typer.Option(..., help="Jalali month of discharge, e.g. 1405/03"),
    episode: str = typer.Option("covid19", help=EPISODE_HELP),
    out: Path | None = typer.Option(None, help="also save the statement as Excel (.xlsx)"),
) -> None:
    """Issue the month's statement of the insurer's cost to claim from the government; the
    same month again with the same figures shows the statement issued before."""
    from darman.population import epidemic_statements as statements

    with unit_of_work() as uow:
        result = statements.issue(uow.session, SYSTEM, month=month, episode_code=episode)
        uow.commit()
    _print_statement(result.statement, created=result.created)
    if out is not None:
        _save(result.statement.id, out)


@app.command("correct")
def correct(
    statement_id: int = typer.Argument(..., min=1, help="the id of the statement to correct"),
    reason: str = typer.Option(..., help="why the statement is corrected (kept on it)"),
    out: Path | None = typer.Option(None, help="also save the correction as Excel (.xlsx)"),
) -> None:
    """Issue a correction of a statement with its month's current figures."""
    from darman.population import epidemic_statements as statements

    with unit_of_work() as uow:
        new = statements.correct(uow.session, SYSTEM, statement_id=statement_id, reason=reason)
        uow.commit()
    _print_statement(new)
    if out is not None:
        _save(new.id, out)


def _save(statement_id: int, out: Path) -> None:
    from darman.population import epidemic_statements as statements

    with unit_of_work() as uow:
        _, content = statements.workbook(uow.session, SYSTEM, statement_id=statement_id)
    out.write_bytes(content)
    console.print(f"پرونده‌ی اکسل: {out}")


@app.command("cost")
def cost(episode: str = typer.Option("covid19", help=EPISODE_HELP)) -> None:
    """Cost per admission and per day per province and ownership, with median and p90."""
    from rich.table import Table

    from darman.common.persian import format_decimal, format_number
    from darman.population import epidemic_service
    from darman.registry import service as registry_service

    with unit_of_work() as uow:
        summary = epidemic_service.cost_summary(uow.session, SYSTEM, episode_code=episode)
        provinces = {p.id: p.name_fa for p in registry_service.list_provinces(uow.session)}
    table = Table(title=f"هزینه‌ی {summary.episode.name_fa} به تفکیک استان و مالکیت")
    for h in ("استان", "مالکیت", "بستری", "روز بستری", "میانه‌ی مدت بستری", "مراقبت ویژه",
              "هزینه‌ی هر بستری", "هزینه‌ی هر روز", "میانه‌ی هزینه", "صدک ۹۰ هزینه",
              "سهم سازمان (ریال)"):  # fmt: skip
        table.add_column(h)
    for r in summary.rows:
        table.add_row(
            "همه‌ی استان‌ها" if r.province_id is None else provinces.get(r.province_id, "—"),
            OWNERSHIP_FA.get(r.ownership, r.ownership or ""), format_number(r.admissions),
            format_number(r.patient_days), format_decimal(r.median_los),
            format_number(r.icu_admissions), format_number(r.cost_per_admission),
            format_number(r.cost_per_day), format_number(r.median_cost),
            format_number(r.p90_cost), format_number(r.insurer_rials),
        )  # fmt: skip
    console.print(table)
