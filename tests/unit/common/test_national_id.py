from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darman.common import national_id
from darman.common.errors import InvalidInput


def test_a_known_valid_id_passes() -> None:
    # 049937089 -> weights 10..2: 0+36+72+63+18+35+0+24+18 = 266; 266 % 11 = 2 -> 11-2 = 9
    assert national_id.check_digit("049937089") == 9
    assert national_id.problem("0499370899") is None
    assert national_id.check_digit("000000005") == 1  # 5*2 = 10; 10 % 11 = 10 -> 11-10 = 1
    assert national_id.check_digit("000000006") == 1  # 6*2 = 12; 12 % 11 = 1, below 2: kept as is


def test_a_wrong_check_digit_is_named_as_the_reason() -> None:
    assert "رقم کنترل" in (national_id.problem("0499370898") or "")


def test_persian_and_arabic_indic_digits_are_accepted() -> None:
    assert national_id.normalize("۰۴۹۹۳۷۰۸۹۹") == "0499370899"
    assert national_id.normalize("٠٤٩٩٣٧٠٨٩٩") == "0499370899"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("123", "۱۰ رقم"),
        ("12345678901", "۱۰ رقم"),
        ("00123a5678", "فقط رقم"),
        ("1111111111", "تکرار"),
    ],
)
def test_malformed_ids_are_rejected_with_a_clear_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        national_id.normalize(raw, field="national_id")
    assert err.value.problems[0].field == "national_id"
    assert reason in err.value.problems[0].reason


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_made_id_validates_and_any_single_digit_change_of_the_check_breaks_it(
    body: int,
) -> None:
    made = national_id.make(body)
    if len(set(made)) == 1:
        return
    assert national_id.problem(made) is None
    wrong = made[:9] + str((int(made[9]) + 1) % 10)
    assert national_id.problem(wrong) is not None
