"""The care cascade of several quarters at once: the registers, visits and measurements are
read from the database once for the whole span, then the set-based kernel runs once per
quarter on the same Arrow tables (it windows them itself). What a trend chart, an export
or the benchmark needs, for the cost of one read instead of one per quarter."""

from __future__ import annotations

import duckdb
from sqlalchemy.orm import Session

from darman.population import kernel
from darman.population import service as cascade_service
from darman.population.periods import Window, parse_quarter
from darman.population.schemas import CascadeRead, CascadeRow
from darman.security.principal import Principal


def cascade_quarters(
    session: Session, who: Principal, *, quarters: list[str], province_id: int | None = None
) -> list[CascadeRead]:
    """``service.cascade`` for each of ``quarters`` (same rows, same scope filter), with one
    read of the tables covering them all. InvalidInput naming ``quarters`` on a malformed
    one; PermissionDenied for roles outside the readers."""
    who.require_role(*cascade_service.READERS)
    windows = [parse_quarter(q, field="quarters") for q in quarters]
    if not windows:
        return []
    span = Window(
        quarter=windows[-1].quarter,
        reference_month=max(w.reference_month for w in windows),
        start_12=min(w.start_12 for w in windows),
        start_3=min(w.start_3 for w in windows),
        end=max(w.end for w in windows),
    )
    # one read over the span, through the cascade service's own reading; the kernel keeps
    # each quarter's own window
    tables = cascade_service._cascade_inputs(session, span)
    out = []
    # one DuckDB connection for every quarter: the Arrow tables are registered once
    db = duckdb.connect()
    try:
        for name in ("entries", "visits", "measurements", "targets"):
            db.register(name, tables[name])
        for w in windows:
            params = {"start_12": w.start_12, "start_3": w.start_3, "end": w.end}
            result = db.sql(kernel.CASCADE_SQL, params=params).to_arrow_table()
            # the kernel's own rows: built without validating each again
            found = [CascadeRow.model_construct(**r) for r in result.to_pylist()]
            rows = cascade_service._visible(found, who, province_id)  # the same scope filter
            out.append(CascadeRead(quarter=w.quarter, reference_month=w.reference_month, rows=rows))
    finally:
        db.close()
    return out
