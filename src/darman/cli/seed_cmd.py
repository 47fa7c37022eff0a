from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from darman.cli.cells import cell, table, verbatim
from darman.cli.context import console, unit_of_work
from darman.common.persian import to_persian_digits

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
            TextColumn("{task.completed:,.0f} ردیف"),
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
    body: list[tuple[object, int]] = [(verbatim(n), count) for n, count in result.counts.items()]
    body.append(("جمع", result.rows))
    console.print(
        table(
            f"داده‌ی نمونه با مقیاس {to_persian_digits(scale)} و بذر {to_persian_digits(seed)} "
            f"در {cell(elapsed)} ثانیه بار شد",
            ("جدول", "ردیف"),
            body,
            numeric=("ردیف",),
        )
    )
    return result


def seed(
    scale: float = typer.Option(
        0.01, help="fraction of the nation (1.0 = about 42 million insured)"
    ),
    seed: int = typer.Option(1405, help="random seed; the same scale and seed give the same data"),
) -> None:
    """Load the synthetic national dataset into an empty database."""
    run_seed(scale, seed)
