"""Paging arithmetic: which rows a page holds, how many pages a list has, and the page a
web address names."""

from __future__ import annotations

import pytest

from darman.common.paging import MAX_PAGE, Page, PageParams
from darman.web.paging import BadPageNumber, page_number


def test_the_third_page_of_twenty_starts_after_forty_rows() -> None:
    assert PageParams(page=3, size=20).offset == 40


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (51, 25, 3)]
)
def test_a_list_has_enough_pages_for_every_row_and_at_least_one(
    total: int, size: int, pages: int
) -> None:
    assert Page[int](items=[], total=total, page=1, size=size).pages == pages


@pytest.mark.parametrize(("text", "page"), [("4", 4), ("1", 1), ("", 1), ("۳", 3), (" 12 ", 12)])
def test_a_web_address_names_its_page_in_either_script(text: str, page: int) -> None:
    assert page_number(text) == page


@pytest.mark.parametrize("text", ["0", "-2", "abc", "1.5", "²", "1e3", str(MAX_PAGE + 1), "9" * 40])
def test_a_malformed_page_number_is_a_persian_400_naming_it(text: str) -> None:
    with pytest.raises(BadPageNumber) as raised:
        page_number(text)
    assert raised.value.status == 400
    assert "شماره‌ی صفحه" in raised.value.detail and "پذیرفته نیست" in raised.value.detail
    assert text[:20] in raised.value.detail
