"""``darman performance``: compute the indicators of a period, import targets, print the
scorecard and the ranking of provincial managers.

Tables in Persian; ``--out FILE.xlsx`` (or ``.csv``) writes the whole result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

if TYPE_CHECKING:
    from darman.performance import tables

app = typer.Typer(
    help="Performance: indicators, targets, scorecards, ranking of provincial managers",
    no_args_is_help=True,
)
targets_app = typer.Typer(help="Targets per indicator, province and period", no_args_is_help=True)
app.add_typer(targets_app, name="targets")
surveys_app = typer.Typer(help="Patient-experience surveys", no_args_is_help=True)
app.add_typer(surveys_app, name="surveys")
OUT_HELP = "also write the whole result to this .xlsx or .csv file"
PERIOD_HELP = "Jalali period: 1405/07 (month), 1405/Q3 (quarter) or 1405 (year)"


def _fa(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return to_persian_digits(f"{value:,.2f}")
    if isinstance(value, int) and not isinstance(value, bool):
        return to_persian_digits(f"{value:,}")
    return to_persian_digits(str(value))


def _show(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(title=title)
    for h in header:
        table.add_column(h)
    for row in rows:
        table.add_row(*(_fa(v) for v in row))
    console.print(table)


def _write(table: tables.Table, out: Path | None) -> None:
    if out is None:
        return
    from darman.common.tabular import TableFormat, write_table

    fmt = TableFormat.from_filename(out.name)
    out.write_bytes(write_table(table[0], table[1], fmt, sheet=out.stem))
    console.print(f"written: {out}")


def _period(period: str | None) -> str:
    if period:
        return period
    from darman.common.jalali import tehran_today
    from darman.performance.periods import last_complete_month

    return last_complete_month(tehran_today()).code


@app.command("compute")
def compute(
    period: str | None = typer.Option(None, help=PERIOD_HELP + "; last month if omitted"),
    months: int = typer.Option(1, help="also the months before it, this many in all (1-36)"),
) -> None:
    """Recompute every indicator of the period (or of the months ending with it) for every
    province and facility; replaces those periods' facts."""
    from darman.performance import service

    with unit_of_work() as uow, console.status("computing…"):
        results = service.compute(uow.session, SYSTEM, period=_period(period), months=months)
        uow.commit()
    for result in results:
        console.print(
            f"دوره {_fa(result.period)}: {_fa(len(result.indicators))} شاخص، "
            f"{_fa(result.province_facts)} مقدار استانی و {_fa(result.facility_facts)} مقدار مرکز"
        )


@targets_app.command("import")
def import_targets(
    file: Path = typer.Argument(..., help="CSV or Excel: indicator, province_code, period, value"),
) -> None:
    """Set targets from a file; any bad row refuses the whole file, each row named."""
    from darman.performance import service

    if not file.exists():
        raise InvalidInput("no such file", [FieldProblem("FILE", f"فایل «{file}» پیدا نشد")])
    with unit_of_work() as uow:
        rows, changed = service.import_targets(
            uow.session, SYSTEM, content=file.read_bytes(), filename=file.name
        )
        uow.commit()
    console.print(f"{_fa(rows)} ردیف خوانده شد، {_fa(changed)} هدف تغییر کرد")


@app.command("scorecard")
def scorecard(
    period: str = typer.Option(..., help=PERIOD_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Provinces by indicators: value, legend colour, target, distance to it, trends."""
    from darman.performance import service, tables

    with unit_of_work() as uow:
        card = service.scorecard(uow.session, SYSTEM, period=period)
    table = tables.scorecard_table(card)
    _show(f"کارنامه استان‌ها — {card.period_label_fa}", table[0], table[1])
    _write(table, out)


@app.command("rank")
def rank(
    period: str = typer.Option(..., help=PERIOD_HELP),
    sensitivity: int = typer.Option(0, "--sensitivity", help="Monte Carlo weight draws (+/-20%)"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Rank provincial managers by TOPSIS and the weighted sum, each rank explained."""
    from darman.performance import service, tables

    with unit_of_work() as uow, console.status("ranking…"):
        ranked = service.rank(uow.session, SYSTEM, period=period, draws=sensitivity)
    table = tables.ranking_table(ranked)
    _show(f"رتبه‌بندی مدیران درمان استان‌ها — {ranked.period_label_fa}", table[0], table[1])
    for note in ranked.notes:
        console.print(f"• {note}")
    for r in ranked.reversals:
        pairs = "، ".join(f"{a}↔{b}" for a, b in r.pairs)
        console.print(f"بدون استان {_fa(r.left_out)}: جابه‌جایی {pairs}")
    _write(table, out)


@app.command("definitions")
def set_definitions(
    file: Path = typer.Argument(
        ..., help="the insurer's indicators TOML (indicators.toml's shape)"
    ),
) -> None:
    """Replace the indicator definitions with the insurer's own (audited; raise its version)."""
    from darman.performance import service

    if not file.exists():
        raise InvalidInput("no such file", [FieldProblem("FILE", f"فایل «{file}» پیدا نشد")])
    with unit_of_work() as uow:
        version = service.set_definitions(
            uow.session, SYSTEM, text=file.read_text("utf-8"), name=file.name
        )
        uow.commit()
    console.print(f"تعریف شاخص‌ها، نسخه‌ی {_fa(version)}، در کار است")


@app.command("weight")
def weight(
    indicator: str = typer.Argument(..., help="indicator code"),
    value: float = typer.Argument(..., help="its weight in the ranking (0 leaves it out)"),
) -> None:
    """Set an indicator's weight in the managers' ranking (audited)."""
    from darman.performance import service

    with unit_of_work() as uow:
        service.set_weight(uow.session, SYSTEM, indicator=indicator, weight=value)
        uow.commit()
    console.print(f"وزن «{indicator}»: {_fa(value)}")


@surveys_app.command("import")
def import_surveys(
    file: Path = typer.Argument(
        ..., help="CSV or Excel: respondent, instrument, facility_code, answered_on, questions"
    ),
) -> None:
    """Import survey responses; any bad row refuses the file, each row named."""
    from darman.performance import responses

    if not file.exists():
        raise InvalidInput("no such file", [FieldProblem("FILE", f"فایل «{file}» پیدا نشد")])
    with unit_of_work() as uow:
        rows, added = responses.import_responses(
            uow.session, SYSTEM, content=file.read_bytes(), filename=file.name
        )
        uow.commit()
    console.print(f"{_fa(rows)} پاسخ خوانده شد، {_fa(added)} پاسخ تازه ثبت شد")


@surveys_app.command("scores")
def survey_scores(
    period: str = typer.Option(..., help=PERIOD_HELP),
    instrument: str = typer.Option("inpatient", help="instrument code"),
) -> None:
    """Scores (0-100) per province and facility with the number of responses."""
    from darman.performance import responses

    with unit_of_work() as uow:
        got = responses.scores(uow.session, SYSTEM, instrument=instrument, period=period)
    header = ["سطح", "کد", "نام", "پاسخ", "امتیاز کل", *got.composites.values()]
    rows = [
        [
            "استان" if u.level == "province" else "مرکز", u.code, u.name, u.responses,
            "پاسخ کم" if u.too_few else u.overall,
            *("پاسخ کم" if u.too_few else u.composites[c] for c in got.composites),
        ]
        for u in got.units
    ]  # fmt: skip
    _show(f"{got.name_fa} — {to_persian_digits(got.period)}", header, rows)
