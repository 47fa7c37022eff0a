"""Running the adjudication kernel on DuckDB over Arrow tables."""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import pyarrow as pa

from darman.claims.kernel import KernelInputs, adjudicate

HISTORY_SCHEMA = pa.schema(
    [
        ("national_id", pa.string()),
        ("facility_id", pa.int64()),
        ("code", pa.string()),
        ("service_date", pa.date32()),
    ]
)
TABLES = (
    "lines",
    "facilities",
    "insured",
    "coverage",
    "services",
    "drugs",
    "tariffs",
    "calendar",
    "history",
    "copay_rates",
    "referrals",
    "dispensings",
    "rollouts",
)


def empty_history() -> pa.Table:
    return HISTORY_SCHEMA.empty_table()


def run(tables: Mapping[str, pa.Table], *, threads: int | None = None) -> pa.Table:
    """Adjudicate ``tables['lines']`` against the reference tables; one row per line, by line_id."""
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise ValueError(f"the kernel needs tables {', '.join(missing)}")
    con = ibis.duckdb.connect()
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    inputs = KernelInputs(**{name: con.create_table(name, tables[name]) for name in TABLES})
    result = adjudicate(inputs).order_by("line_id").to_pyarrow()
    con.disconnect()
    return result
