"""The screenings' and programmes' data and the age and interval arithmetic, without a
database: boundaries worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.population import programmes, screenings

ON = dt.date(2026, 9, 22)  # 1405/06/31


def test_a_person_is_60_on_their_birthday_and_59_the_day_before() -> None:
    assert screenings.born_by(ON, 60) == dt.date(1966, 9, 22)
    assert screenings.age_on(dt.date(1966, 9, 22), ON) == 60
    assert screenings.age_on(dt.date(1966, 9, 23), ON) == 59


def test_a_29_february_reference_day_falls_back_to_the_28th() -> None:
    assert screenings.born_by(dt.date(2024, 2, 29), 65) == dt.date(1959, 2, 28)
    assert screenings.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert screenings.months_before(ON, 12) == dt.date(2025, 9, 22)
    assert screenings.months_before(ON, 36) == dt.date(2023, 9, 22)


def test_the_shipped_screenings_apply_by_age_and_sex() -> None:
    by_code = {s.code: s for s in screenings.shipped().items}
    assert by_code["fall_risk"].applies(age=65, sex="male")
    assert not by_code["fall_risk"].applies(age=64, sex="male")
    assert by_code["mammography"].applies(age=69, sex="female")
    assert not by_code["mammography"].applies(age=70, sex="female")
    assert not by_code["mammography"].applies(age=62, sex="male")
    assert screenings.shipped().elderly_from_age == 60


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('code = "x"\nmin_age = 60\nevery_months = 12\n', "service code or LOINC"),
        ('code = "x"\nmin_age = 60\nevery_months = 0\nloinc = ["8480-6"]\n', "every_months"),
        ('code = "x"\nmin_age = 60\nevery_months = 12\nloinc = ["1-1"]\n', "LOINC"),
        ('code = "x"\nmin_age = 60\nmax_age = 50\nevery_months = 12\nloinc = ["8480-6"]\n',
         "max_age"),
        ('code = "x"\nmin_age = 60\nsex = "f"\nevery_months = 12\nloinc = ["8480-6"]\n', "sex"),
    ],
)  # fmt: skip
def test_bad_screening_data_names_the_screening_and_field(body: str, named: str) -> None:
    with pytest.raises(ValueError, match=named) as bad:
        screenings.parse("[[screening]]\n" + body)
    assert "screening x" in str(bad.value)


def test_a_programme_window_runs_whole_jalali_months_up_to_the_day() -> None:
    shipped = {p.code: p for p in programmes.shipped(registers=("htn", "t2dm"))}
    assert shipped["elderly_bp"].window(ON) == (dt.date(2025, 9, 23), ON)  # 1404/07/01
    assert shipped["diabetes_a1c"].window(ON)[0] == dt.date(2026, 3, 21)  # 1405/01/01


def test_a_programme_on_an_unknown_register_or_without_a_target_is_refused() -> None:
    base = 'code = "p"\nmin_age = 18\nloinc = ["4548-4"]\nperiod_months = 6\n'
    with pytest.raises(ValueError, match="unknown register"):
        programmes.parse(
            "[[programme]]\n" + base + 'register = "copd"\ntarget_percent = 50\n', registers=()
        )
    with pytest.raises(ValueError, match="target_percent"):
        programmes.parse("[[programme]]\n" + base + "target_percent = 0\n", registers=())
