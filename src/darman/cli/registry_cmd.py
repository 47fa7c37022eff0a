from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from darman.cli import cells
from darman.cli.context import console, unit_of_work
from darman.common.persian import format_number
from darman.registry.enums import TransferTable
from darman.security.principal import SYSTEM

app = typer.Typer(help="Registry tables: import and export", no_args_is_help=True)


@app.command("import")
def import_(
    table: str = typer.Argument(..., help=", ".join(TransferTable)),
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    all_or_nothing: bool = typer.Option(False, help="keep nothing if any row is bad"),
) -> None:
    """Import a CSV or Excel file; good rows are kept, bad rows listed by row and column."""
    from darman.common.tabular import TableFormat, read_table
    from darman.registry import transfer

    header, rows = read_table(
        path.read_bytes(), TableFormat.from_filename(path.name), name=str(path)
    )
    with (
        unit_of_work() as uow,
        Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar,
    ):
        task = bar.add_task(f"ورود {table}", total=len(rows))
        report = transfer.import_rows(
            uow.session,
            SYSTEM,
            table=table,
            header=header,
            rows=rows,
            progress=lambda n: bar.advance(task, n),
        )
        keep = not (all_or_nothing and report.problems)
        if keep:
            uow.commit()
    console.print(
        f"{format_number(report.rows_read)} ردیف خوانده شد، "
        f"{format_number(report.accepted if keep else 0)} وارد شد، "
        f"{format_number(report.rejected_rows)} رد شد"
        + ("" if keep else " — هیچ ردیفی نگه داشته نشد (همه یا هیچ)")
    )
    if report.problems:
        console.print(
            cells.table(
                "ردیف‌های ردشده",
                ("ردیف", "ستون", "ایراد"),
                ((p.row, p.field or "", p.reason) for p in report.problems[:200]),
            )
        )
        raise typer.Exit(2)


@app.command("export")
def export(
    table: str = typer.Argument(..., help=", ".join(TransferTable)),
    path: Path = typer.Argument(..., dir_okay=False),
) -> None:
    """Export a table as CSV or Excel (by the file's extension)."""
    from darman.common.tabular import TableFormat
    from darman.registry import transfer

    with unit_of_work() as uow:
        content = transfer.export_table(
            uow.session, SYSTEM, table=table, fmt=TableFormat.from_filename(path.name)
        )
    path.write_bytes(content)
    console.print(f"{path} نوشته شد ({format_number(len(content))} بایت)")
