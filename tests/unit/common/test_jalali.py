from __future__ import annotations

import datetime as dt

import pytest

from darman.common import jalali
from darman.common.errors import InvalidInput
from darman.common.jalali import (
    fiscal_year,
    fiscal_year_bounds,
    format_jalali,
    format_jalali_long,
    parse_jalali,
)


def test_nowruz_1403_is_20_march_2024_and_the_day_before_is_the_last_of_1402() -> None:
    assert format_jalali(dt.date(2024, 3, 20), persian_digits=False) == "1403/01/01"
    assert format_jalali(dt.date(2024, 3, 19), persian_digits=False) == "1402/12/29"


def test_1403_is_a_leap_year_ending_on_esfand_30() -> None:
    assert format_jalali(dt.date(2025, 3, 20), persian_digits=False) == "1403/12/30"
    assert format_jalali(dt.date(2025, 3, 21), persian_digits=False) == "1404/01/01"
    assert fiscal_year_bounds(1403) == (dt.date(2024, 3, 20), dt.date(2025, 3, 20))


def test_the_fiscal_year_turns_at_nowruz_not_on_1_january() -> None:
    assert fiscal_year(dt.date(2025, 1, 1)) == 1403
    assert fiscal_year(dt.date(2025, 3, 20)) == 1403
    assert fiscal_year(dt.date(2025, 3, 21)) == 1404


def test_dates_shown_to_users_use_persian_digits_and_month_names() -> None:
    assert format_jalali(dt.date(2024, 3, 20)) == "۱۴۰۳/۰۱/۰۱"
    assert format_jalali_long(dt.date(2024, 3, 20)) == "۱ فروردین ۱۴۰۳"


def test_parsing_accepts_any_digit_script_and_round_trips() -> None:
    assert parse_jalali("۱۴۰۳/۱۲/۳۰") == dt.date(2025, 3, 20)
    assert parse_jalali("1403-1-1") == dt.date(2024, 3, 20)


def test_esfand_30_of_a_common_year_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a real Jalali date"):
        parse_jalali("1404/12/30")


def test_a_pinned_day_holds_until_unpinned() -> None:
    session_day = jalali.tehran_today()
    try:
        jalali.pin_today(dt.date(2025, 3, 20))
        assert jalali.tehran_today() == dt.date(2025, 3, 20)
        jalali.pin_today(None)
        assert jalali.tehran_today() == jalali.tehran_now().date()
    finally:
        jalali.pin_today(session_day)
