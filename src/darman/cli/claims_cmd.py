from __future__ import annotations

import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from darman.cli.context import console, session_factory, unit_of_work
from darman.common.errors import FieldProblem
from darman.common.money import format_toman
from darman.common.persian import to_persian_digits
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
    with path.open("rb") as stream, console.status("submitting…") as status:
        for ack in submit_stream(factory, SYSTEM, stream, fmt):
            if log_batches:
                print(f"committed records 1..{ack.last_record}", flush=True)
            accepted += ack.accepted
            unchanged += ack.unchanged
            conflicts += ack.conflicts
            problem_count += len(ack.problems)
            problems.extend(ack.problems[: 50 - len(problems)])
            status.update(f"submitting… {ack.last_record:,} records read")
    elapsed = time.perf_counter() - started
    console.print(
        f"{accepted:,} claims accepted, {unchanged:,} already stored, {conflicts:,} conflicts, "
        f"{problem_count:,} problems in {elapsed:.1f} s"
    )
    if problems:
        table = Table(title="problems (first 50)")
        for col in ("row", "field", "reason"):
            table.add_column(col)
        for p in problems:
            table.add_row(str(p.row), p.field or "", p.reason)
        console.print(table)
        raise typer.Exit(2)


@app.command("adjudicate")
def adjudicate(
    partition_lines: int = typer.Option(
        1_000_000, min=1, help="most pending lines decided in one transaction"
    ),
) -> None:
    """Adjudicate every submitted claim with the batch kernel, partition by partition
    (day of submission, province), committing each."""
    from darman.claims import backlog
    from darman.referrals.reading import claims_register

    with console.status("adjudicating…") as status:
        run = backlog.adjudicate_backlog(
            session_factory(),
            actor="cli",
            referrals=claims_register,
            max_lines=partition_lines,
            progress=status.update,
        )
    table = Table(title=f"adjudicated {run.claims:,} claims")
    for col in ("lines", "accepted", "partial", "rejected"):
        table.add_column(col, justify="right")
    table.add_row(f"{run.lines:,}", f"{run.accepted:,}", f"{run.partial:,}", f"{run.rejected:,}")
    console.print(table)


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
    table = Table(title=f"{lines:,} lines in {elapsed:.1f} s: injected (rows) x detected (columns)")
    table.add_column("injected", no_wrap=True)
    for col in header[1:]:
        table.add_column(col, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    # a confusion matrix is unreadable folded: print it at full width
    Console(width=max(console.width, 140)).print(table)
    console.print(
        f"missed violations: {len(report.missed)}; clean lines flagged or deducted: "
        f"{len(report.false_alarms)}"
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
        f"{result.selected:,} claims to review, {result.approved:,} approved, "
        f"{result.rejected:,} rejected"
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
    table = Table(
        title=f"payment run {result.run_id} ({result.run_key})"
        + (" — already run, nothing paid now" if result.repeated else "")
    )
    for col in (
        "claims paid",
        "paid (rials)",
        "paid (toman)",
        "budget (rials)",
        "ledger debit = credit",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        f"{result.claims_paid:,}",
        f"{result.paid_rials:,}",
        format_toman(result.paid_rials),
        f"{result.budget_rials:,}",
        f"{debit:,} = {credit:,}",
    )
    console.print(table)


@app.command("aging")
def aging_report(by: str = typer.Option("province", help="province or facility")) -> None:
    """Unpaid claims of contracted centres by age, and the payment delay by Jalali month."""
    from darman.claims import aging
    from darman.common.jalali import tehran_today

    with unit_of_work() as uow:
        rows = aging.aging(uow.session, SYSTEM, as_of=tehran_today(), by=by)
        delay = aging.payment_delay(uow.session, SYSTEM)
    table = Table(title="unpaid claims by age (million rials)")
    table.add_column(by)
    for b, _ in aging.BUCKETS:
        table.add_column(f"{b} mo", justify="right")
    table.add_column("total", justify="right")
    for r in rows[:40]:
        table.add_row(
            r.label,
            *[f"{r.buckets[b] / 1e6:,.0f}" for b, _ in aging.BUCKETS],
            f"{r.total_rials / 1e6:,.0f}",
        )
    Console(width=max(console.width, 140)).print(table)
    if delay:
        d = Table(title="payment delay of paid claims (days)")
        for col in ("month", "paid claims", "mean", "p90"):
            d.add_column(col, justify="right")
        for row in delay:
            d.add_row(
                to_persian_digits(row.month),
                f"{row.paid_claims:,}",
                f"{row.mean_days:.1f}",
                f"{row.p90_days:.1f}",
            )
        console.print(d)
