"""Date arithmetic inside SQL on both databases, for conditions that would otherwise be
applied row by row in Python after fetching every candidate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_before(FunctionElement[Any]):
    """``days_before(day, n)``: the date ``n`` days before ``day`` (``n`` may be a column)."""

    type = Date()
    inherit_cache = True
    name = "days_before"


@compiles(days_before, "sqlite")
def _sqlite(element: days_before, compiler: Any, **kw: Any) -> str:
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    # ISO text in, ISO text out: compares with stored dates as they are kept
    return f"date({day}, '-' || {n} || ' days')"


@compiles(days_before, "postgresql")
def _postgresql(element: days_before, compiler: Any, **kw: Any) -> str:
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({day} AS DATE) - {n})"
