"""Day arithmetic inside SQL on both databases, for the set-based indicator queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_from(FunctionElement[Any]):
    """``days_from(moment, day)``: whole days from the date ``day`` to the UTC date of the
    timestamp ``moment``."""

    type = Integer()
    inherit_cache = True
    name = "days_from"


@compiles(days_from, "sqlite")
def _sqlite(element: days_from, compiler: Any, **kw: Any) -> str:
    moment, day = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({moment})) - julianday(date({day})) AS INTEGER)"


@compiles(days_from, "postgresql")
def _postgresql(element: days_from, compiler: Any, **kw: Any) -> str:
    moment, day = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(({moment} AT TIME ZONE 'UTC') AS DATE) - CAST({day} AS DATE))"
