from __future__ import annotations

import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from darman.cli.cells import cell, month, table, verbatim
from darman.cli.context import console, session_factory, unit_of_work
from darman.common.errors import FieldProblem
from darman.common.money import format_rials, format_toman
from darman.common.persian import format_number
from darman.security.principal import SYSTEM

app = typer.Typer(
    help="Claims: submit, adjudicate, check against synthetic truth", no_args_is_help=True
)


@app.command("submit")
def submit(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    log_batches: bool = typer.Option(False, help="print a line as each batch is committed"),
) -> None:
    """Submit a bulk file (.ndjson, .csv, .xlsx); each batch is committed as it is read,
    so what was acknowledged survives a crash and resending the file stores nothing twice."""
    from darman.claims import bulk
    from darman.claims.submission import submit_stream

    fmt = bulk.format_of(path.name)
    accepted = unchanged = conflicts = problem_count = 0
    problems: list[FieldProblem] = []  # the first 50, to show
    started = time.perf_counter()
    factory = session_factory()
    with path.open("rb") as stream, console.status("در حال ارسال…") as status:
        for ack in submit_stream(factory, SYSTEM, stream, fmt):
            if log_batches:
                print(f"committed records 1..{ack.last_record}", flush=True)
            accepted += ack.accepted
            unchanged += ack.unchanged
            conflicts += ack.conflicts
            problem_count += len(ack.problems)
            problems.extend(ack.problems[: 50 - len(problems)])
            status.update(f"در حال ارسال… {format_number(ack.last_record)} سند خوانده شد")
    elapsed = time.perf_counter() - started
    console.print(
        f"{format_number(accepted)} سند پذیرفته شد، {format_number(unchanged)} از پیش ثبت "
        f"بود، {format_number(conflicts)} ناسازگار، {format_number(problem_count)} ایراد؛ "
        f"در {cell(elapsed)} ثانیه"
    )
    if problems:
        console.print(
            table(
                "ایرادها (۵۰ مورد نخست)",
                ("ردیف", "ستون", "ایراد"),
                ((p.row, p.field or "", verbatim(p.reason)) for p in problems),
            )
        )
        raise typer.Exit(2)


ENGINES = ("duckdb", "spark")


@app.command("adjudicate")
def adjudicate(
    engine: str = typer.Option(
        "duckdb", help="duckdb (in process) or spark (over an export: --input, --output)"
    ),
    input_dir: Path | None = typer.Option(
        None, "--input", file_okay=False, help="an export (darman claims export --parquet)"
    ),
    output_dir: Path | None = typer.Option(
        None, "--output", file_okay=False, help="where the decisions are written as Parquet"
    ),
    master: str = typer.Option(
        "local[2]", help="Spark master when run here (spark-submit sets its own)"
    ),
    partition_lines: int = typer.Option(
        1_000_000, min=1, help="most pending lines decided in one transaction"
    ),
) -> None:
    """Adjudicate every submitted claim with the batch kernel, partition by partition
    (day of submission, province), committing each; with --input and --output, decide an
    export's lines on DuckDB or Spark and write the decisions as Parquet, for darman claims
    import-decisions (the database is not touched)."""
    from darman.common.errors import InvalidInput

    if engine not in ENGINES:
        raise InvalidInput(f"موتور {engine!r} شناخته نیست: duckdb یا spark")
    if input_dir is None and output_dir is None and engine == "duckdb":
        _adjudicate_pending(partition_lines)
        return
    if input_dir is None or output_dir is None:
        raise InvalidInput(
            "برای اجرا روی فایل‌ها هر دو گزینه --input و --output لازم است"
            " (ورودی: خروجی darman claims export --parquet)"
        )
    _adjudicate_export(engine, input_dir, output_dir, master)


def _adjudicate_pending(partition_lines: int) -> None:
    from darman.claims import backlog
    from darman.referrals.reading import claims_register

    with console.status("در حال رسیدگی…") as status:
        run = backlog.adjudicate_backlog(
            session_factory(),
            actor="cli",
            referrals=claims_register,
            max_lines=partition_lines,
            progress=status.update,
        )
    header = ("خطوط", "پذیرفته", "کسور", "رد")
    console.print(
        table(
            f"رسیدگی به {format_number(run.claims)} سند",
            header,
            [(run.lines, run.accepted, run.partial, run.rejected)],
            numeric=header,
        )
    )


def _adjudicate_export(engine: str, input_dir: Path, output_dir: Path, master: str) -> None:
    import pyarrow.compute as pc

    from darman.claims import engine as claims_engine
    from darman.claims import handoff

    started = time.perf_counter()
    with console.status(f"رسیدگی به {input_dir} با {engine}…"):
        if engine == "duckdb":
            handoff.write_decisions(claims_engine.run(handoff.read_inputs(input_dir)), output_dir)
        else:
            _run_on_spark(input_dir, output_dir, master)
        decided = handoff.read_decisions(output_dir)
    elapsed = time.perf_counter() - started
    counts = {v["values"]: v["counts"] for v in pc.value_counts(decided["outcome"]).to_pylist()}
    header = ("خطوط", "پذیرفته", "کسور", "رد")
    console.print(
        table(
            f"تصمیم‌های {engine} در {output_dir} ({cell(elapsed)} ثانیه)",
            header,
            [(decided.num_rows, *(counts.get(o, 0) for o in OUTCOMES))],
            numeric=header,
        )
    )
    console.print(f"ثبت در پایگاه: darman claims import-decisions {output_dir}")


OUTCOMES = ("accepted", "partial", "rejected")


def _run_on_spark(input_dir: Path, output_dir: Path, master: str) -> None:
    import re

    from darman.claims import spark_engine
    from darman.common.errors import InvalidInput

    found = re.fullmatch(r"local\[(\d+)\]", master)
    if found is None:
        raise InvalidInput(
            f"--master {master!r}: اینجا فقط local[N]؛ برای خوشه spark-submit (docs/spark.md)"
        )
    spark = spark_engine.local_session(cores=int(found.group(1)))
    try:
        spark_engine.run(spark, input_dir, output_dir)
    finally:
        spark.stop()


@app.command("export")
def export(
    parquet: Path = typer.Option(..., "--parquet", file_okay=False, help="an empty or new folder"),
) -> None:
    """Write every pending line and the reference tables the kernel needs as Parquet, for
    darman claims adjudicate --engine spark (docs/spark.md); the claims stay pending."""
    from darman.claims import handoff
    from darman.referrals.reading import claims_register

    with unit_of_work() as uow, console.status("در حال نوشتن خروجی…"):
        counts = handoff.export_pending(
            uow.session, actor="cli", referrals=claims_register(), directory=parquet
        )
        uow.commit()
    if counts is None:
        console.print("پرونده در انتظار رسیدگی نیست؛ چیزی نوشته نشد")
        return
    console.print(
        table(
            f"خروجی Parquet در {parquet}",
            ("جدول", "ردیف"),
            ((verbatim(name), rows) for name, rows in counts.items()),
            numeric=("ردیف",),
        )
    )


@app.command("import-decisions")
def import_decisions(
    directory: Path = typer.Argument(..., exists=True, file_okay=False),
) -> None:
    """Write back decisions made over an export (darman claims adjudicate --output): only
    lines still pending are written, so importing twice changes nothing."""
    from darman.claims import handoff

    with unit_of_work() as uow, console.status("در حال ثبت تصمیم‌ها…"):
        recorded = handoff.import_decisions(uow.session, actor="cli", directory=directory)
        uow.commit()
    run = recorded.run
    header = ("خطوط", "پذیرفته", "کسور", "رد", "کنارگذاشته")
    console.print(
        table(
            f"ثبت تصمیم‌ها: {format_number(run.claims)} پرونده",
            header,
            [(run.lines, run.accepted, run.partial, run.rejected, recorded.skipped)],
            numeric=header,
        )
    )
    if recorded.skipped:
        console.print(
            f"{format_number(recorded.skipped)} تصمیم مربوط به خطوطی بود که دیگر "
            "در انتظار نیستند و ثبت نشد"
        )


@app.command("check-synthetic")
def check_synthetic(
    lines: int = typer.Option(200_000, help="synthetic claim lines to generate"),
    scale: float = typer.Option(0.002, help="registry scale the claims draw people from"),
    seed: int = typer.Option(1405),
    violation_share: float = typer.Option(0.1, help="share of lines with one injected violation"),
) -> None:
    """Generate claims with known violations, adjudicate them, print the confusion matrix.
    Exits 1 if any injected violation is missed or any clean line is touched."""
    from darman.claims import engine as claims_engine
    from darman.claims import synthetic_check
    from darman.synth import claims as synthetic
    from darman.synth import claims_reference as synthetic_reference

    ref = synthetic_reference.reference(scale=scale, seed=seed)
    made = synthetic.claims(ref, n_lines=lines, seed=seed, violation_share=violation_share)
    tables = synthetic.kernel_tables(ref, made)
    started = time.perf_counter()
    decided = claims_engine.run(tables)
    elapsed = time.perf_counter() - started
    report = synthetic_check.check(made.truth, decided)
    header, rows = synthetic_check.matrix_rows(report)
    table = Table(
        title=f"{format_number(lines)} خط در {cell(elapsed)} ثانیه: "
        "تخلف گذاشته‌شده (ردیف‌ها) × تخلف یافته (ستون‌ها)"
    )
    table.add_column("گذاشته \\ یافته", no_wrap=True)
    for col in header[1:]:
        table.add_column(col, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(row[0], *(cell(int(v)) if v else "" for v in row[1:]))
    # a confusion matrix is unreadable folded: print it at full width
    Console(width=max(console.width, 140)).print(table)
    console.print(
        f"تخلف‌های نایافته: {format_number(len(report.missed))}؛ خطوط سالمِ پرچم‌خورده یا "
        f"کسرشده: {format_number(len(report.false_alarms))}"
    )
    if not report.ok:
        raise typer.Exit(1)


@app.command("review-select")
def review_select() -> None:
    """Send adjudicated claims to medical review or approval."""
    from darman.claims import review

    with unit_of_work() as uow:
        result = review.select_for_review(uow.session, actor="cli")
        uow.commit()
    console.print(
        f"{format_number(result.selected)} سند برای بررسی پزشکی، "
        f"{format_number(result.approved)} تأیید، {format_number(result.rejected)} رد"
    )


@app.command("pay")
def pay(
    budget_rials: int = typer.Option(..., help="budget of this run, in rials"),
    province: str | None = typer.Option(None, help="province code (nation-wide if omitted)"),
    run_key: str | None = typer.Option(None, help="idempotency key; defaults to a new one"),
) -> None:
    """Pay approved claims of contracted centres, oldest first, within the budget."""
    from darman.claims import payment
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        province_id = (
            registry_service_support.province_id_for(uow.session, province) if province else None
        )
        result = payment.pay(
            uow.session,
            SYSTEM,
            run_key=run_key or f"cli-{uuid.uuid4().hex}",
            budget_rials=budget_rials,
            province_id=province_id,
        )
        uow.commit()
        debit, credit = payment.ledger_balance(uow.session, run_id=result.run_id)
    header = (
        "سند پرداخت‌شده",
        "پرداخت (ریال)",
        "پرداخت (تومان)",
        "بودجه (ریال)",
        "بدهکار = بستانکار دفتر",
    )
    title = f"اجرای پرداخت {cell(result.run_id)} ({result.run_key})" + (
        " — پیش‌تر اجرا شده بود؛ اکنون چیزی پرداخت نشد" if result.repeated else ""
    )
    console.print(
        table(
            title,
            header,
            [
                (
                    result.claims_paid,
                    result.paid_rials,
                    format_toman(result.paid_rials),
                    result.budget_rials,
                    f"{format_number(debit)} = {format_number(credit)}",
                )
            ],
            numeric=header,
        )
    )
    if result.why_fa:
        unspent = format_rials(result.budget_rials - result.paid_rials)
        console.print(f"{unspent} از بودجه خرج نشد: {result.why_fa}.")


@app.command("aging")
def aging_report(by: str = typer.Option("province", help="province or facility")) -> None:
    """Unpaid claims of contracted centres by age, and the payment delay by Jalali month."""
    from darman.claims import aging
    from darman.common.jalali import tehran_today

    with unit_of_work() as uow:
        rows = aging.aging(uow.session, SYSTEM, as_of=tehran_today(), by=by)
        delay = aging.payment_delay(uow.session, SYSTEM)
    by_fa = {"province": "استان", "facility": "مرکز"}.get(by, by)
    header = (by_fa, *(f"{_bucket_fa(b)} ماه" for b, _ in aging.BUCKETS), "جمع")
    body = (
        (
            r.label,
            *(round(r.buckets[b] / 1e6) for b, _ in aging.BUCKETS),
            round(r.total_rials / 1e6),
        )
        for r in rows[:40]
    )
    Console(width=max(console.width, 140)).print(
        table("مطالبات پرداخت‌نشده بر پایه‌ی سن (میلیون ریال)", header, body, numeric=header[1:])
    )
    if delay:
        header = ("ماه", "سند پرداخت‌شده", "میانگین", "صدک ۹۰")
        console.print(
            table(
                "فاصله‌ی ارسال تا پرداخت اسناد پرداخت‌شده (روز)",
                header,
                (
                    (month(row.month.replace("/", "")), row.paid_claims, row.mean_days,
                     row.p90_days)
                    for row in delay
                ),
                numeric=header,
            )
        )  # fmt: skip


def _bucket_fa(bucket: str) -> str:
    """``1-3`` as ``۱ تا ۳``, ``<1`` as ``کمتر از ۱``, ``>18`` as ``بیش از ۱۸``."""
    if bucket.startswith("<"):
        return f"کمتر از {cell(int(bucket[1:]))}"
    if bucket.startswith(">"):
        return f"بیش از {cell(int(bucket[1:]))}"
    low, high = bucket.split("-")
    return f"{cell(int(low))} تا {cell(int(high))}"
