from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from darman.prescriptions import rules


def test_a_new_tracking_code_is_eleven_unambiguous_characters_with_a_valid_check() -> None:
    code = rules.new_tracking_code()
    assert len(code) == 11
    assert not set(code) & set("01OIL")
    assert rules.normalize_tracking_code(code) == code


def test_new_tracking_codes_do_not_repeat() -> None:
    assert len({rules.new_tracking_code() for _ in range(2000)}) == 2000


def test_a_typed_code_with_dashes_lower_case_and_persian_digits_is_understood() -> None:
    code = "ABCD2345XYZ"[:10]
    code += rules.check_character(code)
    typed = rules.display_tracking_code(code).lower().replace("2", "۲")
    assert rules.normalize_tracking_code(typed) == code


@given(st.text(alphabet=rules.ALPHABET, min_size=10, max_size=10), st.integers(0, 10))
def test_a_single_mistyped_character_is_caught(body: str, where: int) -> None:
    code = body + rules.check_character(body)
    for wrong in rules.ALPHABET:
        if wrong != code[where]:
            typo = code[:where] + wrong + code[where + 1 :]
            assert rules.normalize_tracking_code(typo) is None


@given(st.text(alphabet=rules.ALPHABET, min_size=10, max_size=10), st.integers(0, 9))
def test_two_swapped_neighbours_are_caught(body: str, where: int) -> None:
    code = body + rules.check_character(body)
    if code[where] != code[where + 1]:
        swapped = code[:where] + code[where + 1] + code[where] + code[where + 2 :]
        assert rules.normalize_tracking_code(swapped) is None


def test_codes_of_the_wrong_length_or_alphabet_are_refused() -> None:
    assert rules.normalize_tracking_code("") is None
    assert rules.normalize_tracking_code("ABC") is None
    assert rules.normalize_tracking_code("0000000000O") is None
