"""page_of: the one way a service reads a page of rows, on both databases."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.paging import PageParams, page_of
from darman.registry.models import Facility
from tests import factories as f


@pytest.fixture
def five(session: Session) -> list[str]:
    codes = ["P1", "P2", "P3", "P4", "P5"]
    for code in codes:
        f.facility(session, code=code, province_code="24" if code == "P5" else "01")
    return codes


def test_the_second_page_holds_the_rows_after_the_first_and_counts_them_all(
    session: Session, five: list[str]
) -> None:
    got = page_of(
        session, select(Facility), PageParams(page=2, size=2), Facility.code, lambda r: r.code
    )
    assert (got.items, got.total, got.page, got.size) == (["P3", "P4"], 5, 2, 2)


def test_the_last_page_is_short_and_a_page_past_the_end_is_empty(
    session: Session, five: list[str]
) -> None:
    def codes(page: int) -> list[str]:
        params = PageParams(page=page, size=2)
        return page_of(session, select(Facility), params, Facility.code, lambda r: r.code).items

    assert codes(3) == ["P5"]
    assert codes(4) == []


def test_the_total_counts_the_filtered_rows_not_the_table(
    session: Session, five: list[str]
) -> None:
    query = select(Facility).where(Facility.code != "P5")
    got = page_of(session, query, PageParams(page=1, size=10), Facility.code, lambda r: r.code)
    assert (got.items, got.total) == (["P1", "P2", "P3", "P4"], 4)


def test_a_tuple_orders_by_each_key_and_to_reads_gets_the_page_at_once(
    session: Session, five: list[str]
) -> None:
    calls: list[int] = []

    def reads(rows: Sequence[Facility]) -> list[str]:
        calls.append(len(rows))
        return [r.code for r in rows]

    # Qom's id (24) sorts after Tehran's (1): P5 first when descending by province
    got = page_of(
        session,
        select(Facility),
        PageParams(page=1, size=3),
        (Facility.province_id.desc(), Facility.code),
        to_reads=reads,
    )
    assert got.items == ["P5", "P1", "P2"]
    assert calls == [3]
