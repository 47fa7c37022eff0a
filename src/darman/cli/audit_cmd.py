from __future__ import annotations

import typer
from rich.table import Table

from darman.cli.context import console, err_console, unit_of_work

app = typer.Typer(help="The audit log", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check the hash chain; name the first altered or missing entry. Exit 1 if broken."""
    from darman.audit import service

    with unit_of_work() as uow:
        report = service.verify(uow.session)
    if report.ok:
        console.print(f"audit log intact: {report.entries} entries checked")
        return
    assert report.problem is not None
    err_console.print(
        f"[bold red]audit log broken at entry {report.problem.seq}[/]: "
        f"{report.problem.reason} ({report.entries} entries before it are intact)"
    )
    raise typer.Exit(1)


@app.command("list")
def list_(entity: str | None = None, limit: int = 20) -> None:
    """The newest entries."""
    from darman.audit import service
    from darman.common.jalali import format_jalali

    with unit_of_work() as uow:
        rows, total = service.list_entries(uow.session, entity=entity, limit=limit)
        table = Table(title=f"audit log ({total} entries)")
        for col in ("seq", "when (Jalali)", "actor", "action", "entity", "id"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                str(r.seq),
                format_jalali(r.at) + " " + r.at.strftime("%H:%M"),
                r.actor,
                r.action,
                r.entity,
                r.entity_id,
            )
        console.print(table)
