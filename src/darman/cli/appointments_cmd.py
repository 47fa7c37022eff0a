"""``darman appointments``: import candidates and exam scores, rank a post, the fairness
report of a call, the synthetic call of the seeds' size.

Tables in Persian; ``--out FILE.xlsx`` (or ``.csv``) writes the whole result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

app = typer.Typer(
    help="Merit-based appointment of managers: imports, ranking, fairness", no_args_is_help=True
)
OUT_HELP = "also write the whole result to this .xlsx or .csv file"


def _fa(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return to_persian_digits(f"{value:,.2f}".rstrip("0").rstrip("."))
    if isinstance(value, int) and not isinstance(value, bool):
        return to_persian_digits(f"{value:,}")
    return to_persian_digits(value)


def _show(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(title=title)
    for h in header:
        table.add_column(h)
    for row in rows:
        table.add_row(*(_fa(v) for v in row))
    console.print(table)


def _write(header: Sequence[str], rows: Sequence[Sequence[object]], out: Path | None) -> None:
    if out is None:
        return
    from darman.common.tabular import TableFormat, write_table

    fmt = TableFormat.from_filename(out.name)
    out.write_bytes(write_table(header, rows, fmt, sheet=out.stem))
    console.print(f"written: {out}")


def _import(kind: str, file: Path, all_or_nothing: bool) -> None:
    from darman.appointments import service

    if not file.is_file():
        raise InvalidInput(f"فایل «{file}» پیدا نشد", [FieldProblem("FILE", str(file))])
    run = service.import_candidates if kind == "candidates" else service.import_exam
    with unit_of_work() as uow:
        report = run(
            uow.session, SYSTEM, content=file.read_bytes(), name=file.name,
            all_or_nothing=all_or_nothing,
        )  # fmt: skip
        uow.commit()
    console.print(
        f"ردیف‌ها {_fa(report.rows)}؛ نوشته‌شده {_fa(report.written)}؛ "
        f"بی‌تغییر {_fa(report.unchanged)}؛ تغییرکرده {_fa(report.changed)}؛ "
        f"ردیف‌های نادرست {_fa(len({p.row for p in report.problems}))}"
    )
    if report.problems:
        _show(
            "خطاها — rows refused",
            ["ردیف", "ستون", "خطا"],
            [[p.row, p.field, p.reason] for p in report.problems[:200]],
        )
        raise typer.Exit(1)


@app.command("import-candidates")
def import_candidates(
    file: Path = typer.Argument(..., help=".csv or .xlsx with one application per row"),
    all_or_nothing: bool = typer.Option(False, help="write nothing if any row is bad"),
) -> None:
    """Candidates and their applications; each bad row is reported with its reason."""
    _import("candidates", file, all_or_nothing)


@app.command("import-exam")
def import_exam(
    file: Path = typer.Argument(..., help=".csv or .xlsx: call_code, national_id, score"),
    all_or_nothing: bool = typer.Option(False, help="write nothing if any row is bad"),
) -> None:
    """Written-exam scores (0-100); a changed score is audited."""
    _import("exam", file, all_or_nothing)


@app.command("rank")
def rank(
    post: str = typer.Option(..., "--post", help="post code, e.g. HOSP-19"),
    version: int | None = typer.Option(None, help="read the ranking stored under this version"),
    store: bool = typer.Option(True, help="rank under the current rule and store it first"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Rank a post by its published rule (quotas after ranking) and show it."""
    from darman.appointments import service, tables

    with unit_of_work() as uow:
        found = service.get_post(uow.session, SYSTEM, post)
        if store and version is None:
            call = service.call_code_of(uow.session, found)
            service.store_ranking(uow.session, SYSTEM, call_code=call, post_code=post)
            uow.commit()
        p, rule, lines = service.read_ranking(uow.session, SYSTEM, post_code=post, version=version)
        header, rows = tables.ranking_table(lines)
        title = f"رتبه‌بندی {p.title_fa} ({p.code}) — نسخه‌ی {rule.version} قاعده"
    _show(title, header, rows[:60])
    if len(rows) > 60:
        console.print(f"{_fa(60)} of {_fa(len(rows))} rows shown; --out writes them all")
    _write(header, rows, out)


@app.command("panel")
def panel(
    post: str = typer.Option(..., "--post", help="post code, e.g. HOSP-19"),
    rater: list[str] = typer.Option(..., "--rater", help="rater code; repeat for each rater"),
    panel: str = typer.Option("", "--panel", help="panel code to seat them on, e.g. P1"),
    unseat: bool = typer.Option(
        False, "--unseat", help="take the raters off the post's panel instead"
    ),
) -> None:
    """Seat raters on a post's interview panel, or take them off it with --unseat (audited;
    doing it again changes nothing; a rater who has scored on the post stays)."""
    from darman.appointments import service

    with unit_of_work() as uow:
        if unseat:
            changed = service.unseat_raters(uow.session, SYSTEM, post_code=post, rater_codes=rater)
        else:
            changed = service.seat_raters(
                uow.session, SYSTEM, post_code=post, panel=panel, rater_codes=rater
            )
        uow.commit()
        seats = service.seats(uow.session, SYSTEM, post_code=post)
    done = "جایگاه‌های آزادشده" if unseat else "جایگاه‌های تازه یا جابه‌جاشده"
    console.print(f"{done}: {_fa(changed)}")
    _show(f"هیئت‌های مصاحبه‌ی {post}", ["هیئت", "ارزیاب", "نام"],
          [[s.panel, s.rater_code, s.rater_name] for s in seats])  # fmt: skip


@app.command("fairness")
def fairness(
    call: str = typer.Option(..., "--call", help="call code, e.g. MGR-1405"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Adverse impact per stage and overall by sex, province of origin and age band."""
    from darman.appointments import service, tables

    with unit_of_work() as uow, console.status("computing…"):
        report = service.fairness_report(uow.session, SYSTEM, call_code=call)
        panels = service.panels(uow.session, SYSTEM, call_id=report.call.id)
        title = f"گزارش اثر نامطلوب — {report.call.title_fa}"
    header, rows = tables.fairness_table(report)
    shown = [r for r in rows if r[1] != "استان محل تولد"]
    _show(title, header, shown)
    console.print("استان‌ها در --out آمده‌اند" if len(shown) < len(rows) else "")
    for line in tables.adverse_lines(report) or ["شاهدی از اثر نامطلوب نیست"]:
        console.print(to_persian_digits(line))
    flagged = [p for p in panels if p.agreement.flagged]
    console.print(
        f"هیئت‌های مصاحبه: {_fa(len(panels))}؛ نیازمند بازبینی (ICC(2,1) < ۰٫۵): {_fa(len(flagged))}"
    )
    _write(header, rows, out)


@app.command("synthetic")
def synthetic_call(
    seed: int = typer.Option(1405, help="the same seed gives the same call"),
) -> None:
    """Load the synthetic call of the seeds' size (7,000 candidates, 150 openings)."""
    from darman.appointments import demo, synthetic
    from darman.registry import provinces

    with unit_of_work() as uow:
        provinces.ensure_loaded(uow.session)
        world = synthetic.generate([p.code for p in provinces.read_facts()], seed=seed)
        counts = demo.load(uow.session, SYSTEM, world)
        uow.commit()
    console.print(
        f"{synthetic.CALL_CODE}: " + "؛ ".join(f"{k} {_fa(v)}" for k, v in counts.items())
    )
