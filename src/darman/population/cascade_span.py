"""The care cascade of several quarters at once: the registers, visits and measurements are
read from the database once for the whole span, then the set-based kernel computes every
quarter in one pass over the same Arrow tables (it windows them itself). What a trend
chart, an export or the benchmark needs, for the cost of one read instead of one per
quarter."""

from __future__ import annotations

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
    # each quarter's own window, all of them in one pass
    tables = cascade_service._cascade_inputs(session, span)
    found = kernel.cascade_windows(
        entries=tables["entries"], visits=tables["visits"], measurements=tables["measurements"],
        targets=tables["targets"], windows=[(w.start_12, w.start_3, w.end) for w in windows],
    )  # fmt: skip
    by_window: list[list[CascadeRow]] = [[] for _ in windows]
    for r in found.to_pylist():
        # the kernel's own rows: built without validating each again
        by_window[r.pop("w")].append(CascadeRow.model_construct(**r))
    return [
        CascadeRead(
            quarter=w.quarter,
            reference_month=w.reference_month,
            rows=cascade_service._visible(rows, who, province_id),  # the same scope filter
        )
        for w, rows in zip(windows, by_window, strict=True)
    ]
