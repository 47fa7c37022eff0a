"""Counts on many days in one grouped scan, by runs of day indexes.

Against a list of ascending days d0 < d1 < ... < d(n-1), a row that holds a stretch of
consecutive days is reduced to a run ``[first, gone)`` of day indexes: ``first`` is the
first index on which it has begun, ``gone`` the first on which it has ended (``n`` when
never within the days). Conditions that hold together intersect their runs (the later
first, the earlier gone). The rows are then grouped by their run, a few hundred groups,
and each day's count is the weighted sum of the groups whose run covers it: each row is
compared with the days only until its first match, not once per day as a per-day flag is.

A count of rows is a count of people only where one person's rows never hold the same
day: a caller says why that holds for its rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Integer, Select, Subquery, and_, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def day_index(
    days: Sequence[dt.date], reached: Callable[[dt.date], Any], *, never: Any = None
) -> Any:
    """The index of the first of ``days`` on which ``reached(d)`` is true, ``len(days)``
    when none is. ``reached`` must stay true on every later day once it is true, and be
    false (never null) where it is not. ``never``, when given, is a cheap test that it is
    not reached on any of the days (an open end), tried first so that such rows are not
    compared with every day."""
    if list(days) != sorted(set(days)):
        raise ValueError("day_index needs distinct days in ascending order")
    whens = [(reached(d), i) for i, d in enumerate(days)]
    if never is not None:
        whens.insert(0, (never, len(days)))
    return case(*whens, else_=len(days))


class later(FunctionElement[Any]):
    """``later(a, b, ...)``: the greatest of day indexes (none null)."""

    type = Integer()
    inherit_cache = True
    name = "later"


class earlier(FunctionElement[Any]):
    """``earlier(a, b, ...)``: the least of day indexes (none null)."""

    type = Integer()
    inherit_cache = True
    name = "earlier"


@compiles(later, "sqlite")
def _later_sqlite(element: later, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(later, "postgresql")
def _later_pg(element: later, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(earlier, "sqlite")
def _earlier_sqlite(element: earlier, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(earlier, "postgresql")
def _earlier_pg(element: earlier, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


def run(first: Sequence[Any], gone: Sequence[Any]) -> tuple[Any, Any]:
    """The run of rows that hold while every condition does: the latest of the firsts and
    the earliest of the gones."""
    start = first[0] if len(first) == 1 else later(*first)
    stop = gone[0] if len(gone) == 1 else earlier(*gone)
    return start, stop


def counts_by_day(runs: Subquery, n: int, keys: Sequence[str]) -> Select[Any]:
    """``(*keys, count on day 0, ..., count on day n-1)`` from a subquery of rows with the
    columns ``keys``, ``first_day``, ``gone_day`` and ``weight``: on day i, the summed
    weight of rows with ``first_day <= i < gone_day``."""
    key_cols = [runs.c[k] for k in keys]
    grouped = (
        select(
            *key_cols,
            runs.c.first_day,
            runs.c.gone_day,
            func.sum(runs.c.weight).label("weight"),
        )
        .where(runs.c.first_day < runs.c.gone_day)
        .group_by(*key_cols, runs.c.first_day, runs.c.gone_day)
        .subquery()
    )
    held = [
        func.sum(
            case(
                (and_(grouped.c.first_day <= i, grouped.c.gone_day > i), grouped.c.weight),
                else_=0,
            )
        )
        for i in range(n)
    ]
    group_by = [grouped.c[k] for k in keys]
    return select(*group_by, *held).group_by(*group_by)


def labelled(keys: dict[str, Any], first: Any, gone: Any, weight: int) -> list[Any]:
    """The columns of one source of runs, named as ``counts_by_day`` reads them."""
    return [
        *(value.label(name) for name, value in keys.items()),
        first.label("first_day"),
        gone.label("gone_day"),
        literal_column(str(int(weight)), Integer).label("weight"),
    ]
