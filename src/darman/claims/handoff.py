"""Handing the pending lines to another engine and taking its decisions back, as Parquet.

An export directory holds one Parquet dataset per kernel table (``engine.TABLES``), each
in a folder of its name: ``lines/`` partitioned by month of service in Hive's layout
(``service_month=2026-03/part-0.parquet``, lines without a date under
``service_month=__HIVE_DEFAULT_PARTITION__``), every reference table one file
(``facilities/part-0.parquet``), and ``manifest.json`` with each table's row count. Spark,
DuckDB and PyArrow read that layout as it is. The decisions come back as a Parquet
dataset of ``decisions.KERNEL_DECISIONS`` (Spark writes one ``part-*.parquet`` per task).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import Select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import decisions, engine, service
from darman.common.errors import InvalidInput

MONTH = "service_month"
MANIFEST = "manifest.json"
LAYOUT_VERSION = 1


def write_inputs(tables: dict[str, pa.Table], directory: Path) -> dict[str, int]:
    """Write the kernel's tables into ``directory``, which must be absent or empty (so an
    export never mixes with an older one); the rows written per table."""
    _refuse_unless_empty(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in engine.TABLES:
        table = tables[name]
        counts[name] = table.num_rows
        if name == "lines":
            month = pc.strftime(table["service_date"], format="%Y-%m")
            ds.write_dataset(
                table.append_column(MONTH, month),
                directory / name,
                format="parquet",
                partitioning=ds.partitioning(pa.schema([(MONTH, pa.string())]), flavor="hive"),
                basename_template="part-{i}.parquet",
            )
        else:
            (directory / name).mkdir()
            pq.write_table(table, directory / name / "part-0.parquet")
    manifest = {"layout": LAYOUT_VERSION, "tables": counts}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return counts


def _refuse_unless_empty(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise InvalidInput(f"پوشه {directory} خالی نیست؛ خروجی در پوشه‌ای خالی یا تازه نوشته می‌شود")


def read_inputs(directory: Path) -> dict[str, pa.Table]:
    """The kernel's tables from an export directory, lines without their month column."""
    missing = [name for name in engine.TABLES if not (directory / name).is_dir()]
    if missing:
        raise InvalidInput(
            f"پوشه {directory} خروجی کامل darman claims export نیست: "
            f"جدول {', '.join(missing)} در آن نیست"
        )
    tables = {}
    for name in engine.TABLES:
        data = ds.dataset(directory / name, format="parquet", partitioning="hive")
        table = data.to_table()
        if name == "lines":
            table = table.drop_columns([MONTH]).cast(service.LINE_SCHEMA)
        tables[name] = table
    return tables


def read_decisions(directory: Path) -> pa.Table:
    """The decisions in a directory of Parquet files, by line_id."""
    if not directory.is_dir() or not any(directory.glob("*.parquet")):
        raise InvalidInput(f"در پوشه {directory} فایل Parquet تصمیم‌ها نیست")
    table = ds.dataset(directory, format="parquet").to_table()
    return table.sort_by("line_id")


def write_decisions(decided: pa.Table, directory: Path) -> None:
    """Decisions made here (DuckDB) in the layout Spark writes: Parquet files in a folder."""
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(decided, directory / "part-0.parquet")


def export_pending(
    session: Session,
    *,
    actor: str,
    referrals: Select[str, str, dt.date, dt.date],
    directory: Path,
) -> dict[str, int] | None:
    """Write every pending line and the reference tables the kernel needs for them, exactly
    what ``service.adjudicate_pending`` would read (``service.pending_tables``), into
    ``directory``; None when nothing is pending (nothing is written). Nothing changes in
    the database; the export is in the audit log, since it carries people's data out.
    Raises InvalidInput when the directory is not empty."""
    _refuse_unless_empty(directory)  # before reading anything
    tables = service.pending_tables(session, referrals=referrals)
    if tables is None:
        return None
    counts = write_inputs(tables, directory)
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="claims",
        entity_id="pending",
        after={"directory": str(directory), "tables": counts},
    )
    return counts


def import_decisions(
    session: Session, *, actor: str, directory: Path
) -> decisions.RecordedDecisions:
    """Write back the decisions in ``directory`` through ``decisions.record_decisions``."""
    return decisions.record_decisions(session, actor=actor, decided=read_decisions(directory))
