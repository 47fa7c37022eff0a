"""Paging parameters, the page envelope every list endpoint returns, and ``page_of``,
the one way a service reads a page of rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000
# Row ids are int4 on PostgreSQL: a larger id cannot exist, so it is refused as input.
MAX_ID = 2_147_483_647


class PageParams(BaseModel):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PageParams:
    """The ``page`` and ``size`` query parameters of every list endpoint."""
    return PageParams(page=page, size=size)


PagingDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """How many pages of this size hold every row; one for an empty list."""
        return max(1, -(-self.total // self.size))


def page_of(
    session: Session,
    query: Select[Any],
    page: PageParams,
    order_by: Any,
    to_read: Callable[[Any], ItemT] | None = None,
    *,
    to_reads: Callable[[Sequence[Any]], list[ItemT]] | None = None,
) -> Page[ItemT]:
    """The ``page`` of ``query``'s rows in ``order_by`` order (one column or a tuple), each
    made an item by ``to_read``, or all of the page's rows at once by ``to_reads`` (for
    items that read related rows in one query), with the count of every row of ``query``.
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    keys = order_by if isinstance(order_by, tuple) else (order_by,)
    rows = session.scalars(query.order_by(*keys).offset(page.offset).limit(page.size)).all()
    if to_reads is not None:
        items = to_reads(rows)
    elif to_read is not None:
        items = [to_read(r) for r in rows]
    else:
        raise TypeError("page_of needs to_read or to_reads")
    return Page(items=items, total=int(total or 0), page=page.page, size=page.size)
