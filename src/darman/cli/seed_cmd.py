from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.common.persian import format_number

if TYPE_CHECKING:
    from darman.synth.service import SeedResult


def run_seed(scale: float, seed: int) -> SeedResult:
    from darman.synth import service

    started = time.perf_counter()
    with (
        unit_of_work() as uow,
        Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as bar,
    ):
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, n: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.advance(tasks[stage], n)

        result = service.seed(uow.session, scale=scale, seed=seed, progress=progress)
        uow.commit()
    elapsed = time.perf_counter() - started
    table = Table(title=f"seeded scale {scale}, seed {seed} in {elapsed:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("ردیف", justify="right")
    for name, count in result.counts.items():
        table.add_row(name, f"{count:,}", format_number(count))
    table.add_row("total", f"{result.rows:,}", format_number(result.rows))
    console.print(table)
    return result


def seed(
    scale: float = typer.Option(
        0.01, help="fraction of the nation (1.0 = about 42 million insured)"
    ),
    seed: int = typer.Option(1405, help="random seed; the same scale and seed give the same data"),
) -> None:
    """Load the synthetic national dataset into an empty database."""
    run_seed(scale, seed)
