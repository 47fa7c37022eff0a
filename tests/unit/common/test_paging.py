"""Paging arithmetic: which rows a page holds, how many pages a list has, and the page a
web address names."""

from __future__ import annotations

import pytest

from darman.common.paging import MAX_PAGE, Page, PageParams


def test_the_third_page_of_twenty_starts_after_forty_rows() -> None:
    assert PageParams(page=3, size=20).offset == 40


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (51, 25, 3)]
)
def test_a_list_has_enough_pages_for_every_row_and_at_least_one(
    total: int, size: int, pages: int
) -> None:
    assert Page[int](items=[], total=total, page=1, size=size).pages == pages


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("4", 4),
        ("1", 1),
        ("0", 1),
        ("-2", 1),
        ("", 1),
        ("abc", 1),
        ("۳", 1),
        (str(MAX_PAGE + 1), 1),
    ],
)
def test_a_web_address_names_its_page_or_falls_back_to_the_first(text: str, page: int) -> None:
    got = PageParams.from_text(text, 25)
    assert (got.page, got.size) == (page, 25)
