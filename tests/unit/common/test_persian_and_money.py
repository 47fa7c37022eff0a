from __future__ import annotations

import pytest

from darman.common.money import format_toman, rials
from darman.common.persian import format_number, normalize_text, to_ascii_digits, to_persian_digits


def test_arabic_yeh_and_kaf_become_persian_and_spaces_collapse() -> None:
    assert normalize_text("  علي   كريمي ") == "علی کریمی"


def test_the_zero_width_non_joiner_is_kept() -> None:
    assert normalize_text("می\u200cروم") == "می\u200cروم"


def test_digits_convert_both_ways() -> None:
    assert to_ascii_digits("۱۲۳٤٥٦") == "123456"
    assert to_persian_digits(1405) == "۱۴۰۵"
    assert format_number(1234567) == "۱٬۲۳۴٬۵۶۷"


def test_amounts_are_shown_in_toman_from_integer_rials() -> None:
    assert format_toman(125_000) == "۱۲٬۵۰۰ تومان"
    assert format_toman(15) == "۲ تومان"


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        rials(10.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_toman(1.0)  # type: ignore[arg-type]
