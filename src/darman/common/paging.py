"""Paging parameters and the page envelope every list endpoint returns."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

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


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    size: int
