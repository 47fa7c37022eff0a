from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from darman.cli.context import console, err_console, unit_of_work

if TYPE_CHECKING:
    from darman.audit.checkpoint import Checkpoint
    from darman.audit.verification import VerifyReport

app = typer.Typer(help="The audit log", no_args_is_help=True)
# what broke the chain, by the verifier's kind of break
KIND_FA = {
    "missing": "شماره‌ای بی‌ورودی",
    "link": "پیوند گسسته",
    "altered": "محتوای دگرگون‌شده",
    "unkeyed_head": "سرِ ورودی‌های بی‌کلید دگرگون شده",
    "cut": "بریده از پایان",
    "rewritten": "سرِ نقطه‌ی وارسی بازنویسی شده",
    "prefix_changed": "ورودی‌های بی‌کلید دگرگون شده",
}

CheckpointFile = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint",
        exists=True,
        dir_okay=False,
        help="a file of checkpoints (`darman audit checkpoint --out`); each is checked",
    ),
]


def _read_checkpoints(path: Path | None) -> list[Checkpoint]:
    from darman.audit import checkpoint
    from darman.audit.exceptions import CheckpointRefused
    from darman.common.errors import FieldProblem

    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointRefused(
            f"cannot read {path}", [FieldProblem(field=None, reason=str(exc))]
        ) from None
    return checkpoint.parse(text)


def _report_table(report: VerifyReport) -> Table:
    from darman.common.persian import to_persian_digits

    table = Table(title="وارسی دفتر ممیزی", show_header=False)
    table.add_column("")
    table.add_column("", overflow="fold")
    table.add_row("نتیجه", "[green]سالم[/]" if report.ok else "[bold red]شکسته[/]")
    table.add_row("ورودی‌های سالم از آغاز", to_persian_digits(report.entries))
    table.add_row("ورودی‌های بی‌کلید (پیش از ارتقا)", to_persian_digits(report.unkeyed_entries))
    table.add_row("مهر آخرین ورودی سالم", report.head_hash)
    table.add_row("نقطه‌های وارسی سنجیده", to_persian_digits(report.checkpoints))
    if report.problem is not None:
        table.add_row("نخستین ورودی آسیب‌دیده", to_persian_digits(report.problem.seq))
        table.add_row("یافته", report.problem.reason)
    return table


@app.command("verify")
def verify(checkpoint: CheckpointFile = None) -> None:
    """Check every entry's keyed seal and link, and the log against each checkpoint in
    --checkpoint: name the first entry altered, missing or cut. Exit 1 if broken."""
    from darman.audit import verification
    from darman.common.persian import to_persian_digits

    points = _read_checkpoints(checkpoint)
    with unit_of_work() as uow:
        report = verification.verify(uow.session, checkpoints=points)
    if report.ok:
        console.print(f"دفتر ممیزی سالم است: {to_persian_digits(report.entries)} ورودی وارسی شد")
        console.print(_report_table(report))
        if not points:
            console.print(
                "بی نقطهٔ وارسی، ورودی‌هایی که از پایان دفتر حذف شوند دیده نمی‌شوند "
                "(--checkpoint FILE)"
            )
        return
    assert report.problem is not None
    err_console.print(
        f"[bold red]دفتر ممیزی در ورودی {to_persian_digits(report.problem.seq)} شکسته است[/] "
        f"({KIND_FA.get(report.problem.kind.value, report.problem.kind.value)}؛ "
        f"{to_persian_digits(report.entries)} ورودی پیش از آن "
        "سالم است)"
    )
    err_console.print(_report_table(report))
    raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint_(
    out: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="append the checkpoint to this file, after checking the log against the "
            "checkpoints already in it; without it the checkpoint is printed alone",
        ),
    ] = None,
) -> None:
    """Sign the log's head (entry count and last seal) once the whole chain verifies. Keep
    the line outside the database: a file on other storage, or an external log."""
    from darman.audit import checkpoint, verification
    from darman.common.jalali import TEHRAN, format_jalali
    from darman.common.persian import to_persian_digits

    earlier = _read_checkpoints(out) if out is not None and out.exists() else []
    with unit_of_work() as uow:
        point = verification.take_checkpoint(uow.session, against=earlier)
    line = checkpoint.to_line(point)
    if out is None:
        # stdout carries the line alone, so it can be piped into an external log
        print(line, flush=True)
        return
    with out.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
    local = point.taken_at.astimezone(TEHRAN)
    table = Table(title="نقطهٔ وارسی دفتر ممیزی", show_header=False)
    table.add_column("")
    table.add_column("", overflow="fold")
    table.add_row("ورودی‌ها", to_persian_digits(point.entries))
    table.add_row("مهر آخرین ورودی", point.head_hash)
    table.add_row("ورودی‌های بی‌کلید", to_persian_digits(point.unkeyed_entries))
    table.add_row(
        "زمان", f"{format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"
    )
    table.add_row("پرونده", str(out))
    console.print(table)
    console.print(f"نقطه‌ی وارسی {to_persian_digits(point.entries)} ورودی به {out} افزوده شد")


@app.command("list")
def list_(entity: str | None = None, limit: int = 20) -> None:
    """The newest entries."""
    from darman.audit import service
    from darman.cli.cells import table
    from darman.common.persian import format_number

    with unit_of_work() as uow:
        rows, total = service.list_entries(uow.session, entity=entity, limit=limit)
        body = [(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id) for r in rows]
    console.print(
        table(
            f"دفتر ممیزی ({format_number(total)} ورودی)",
            ("شماره", "زمان", "کنشگر", "کنش", "موجودیت", "شناسه"),
            body,
            numeric=("شماره",),
        )
    )
