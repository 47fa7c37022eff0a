"""A table cell reads the same in every command: Persian digits grouped in thousands,
Jalali dates, months as year/month, «بله»/«خیر», a dash for nothing."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from darman.cli.cells import cell, month, verbatim
from darman.common.jalali import format_period_end, format_period_start
from darman.common.solver import status_fa


def test_numbers_are_persian_with_thousands_separators() -> None:
    assert cell(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert cell(1234.56) == "۱٬۲۳۴٫۶"
    assert cell(0.5, 3) == "۰٫۵۰۰"


def test_dates_are_jalali_and_yes_no_and_nothing_are_words() -> None:
    assert cell(dt.date(2026, 3, 21)) == "۱۴۰۵/۰۱/۰۱"
    assert cell(True) == "بله" and cell(False) == "خیر" and cell(None) == "—"


def test_codes_get_persian_digits_but_a_verbatim_cell_is_kept_as_typed() -> None:
    assert str(cell("NT-1405-01")) == "NT-۱۴۰۵-۰۱"
    assert str(cell(verbatim("pass-1405"))) == "pass-1405"
    assert isinstance(cell(verbatim("[bold]x")), Text)


def test_a_month_is_written_year_slash_month() -> None:
    assert month(140508) == "۱۴۰۵/۰۸" and month("140412") == "۱۴۰۴/۱۲"


def test_open_ended_periods_are_said_in_words() -> None:
    assert format_period_start(dt.date(1900, 1, 1)) == "از ابتدا"
    assert format_period_end(dt.date(2100, 12, 31)) == "بدون پایان"
    assert format_period_end(None) == "بدون پایان"
    assert format_period_start(dt.date(2026, 3, 21)) == "۱۴۰۵/۰۱/۰۱"
    assert format_period_end(dt.date(2027, 3, 20)) == "۱۴۰۵/۱۲/۲۹"


def test_the_solvers_english_status_is_said_in_persian() -> None:
    assert status_fa("Optimization terminated successfully. (HiGHS Status 7: Optimal)") == "بهینه"
    assert "سقف زمان" in status_fa("Time limit reached. (HiGHS Status 13: Time limit reached)")
    assert "ناشدنی" in status_fa("The problem is infeasible. (HiGHS Status 8: Infeasible)")
    assert status_fa("something new") == "پاسخ حل‌کننده: something new"
