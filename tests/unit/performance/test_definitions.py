"""Indicator definitions as data, legends, periods and the scorecard's rules."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.common.errors import InvalidInput
from darman.performance import periods, rules
from darman.performance.definitions import parse, shipped
from darman.performance.enums import Colour, Direction

GOOD = """
version = "t1"
[[indicator]]
code = "delay"
name_fa = "تأخیر"
name_en = "Delay"
unit_fa = "روز"
numerator = "a"
denominator = "b"
factor = 1
direction = "lower"
period_type = "month"
source = "claims"
legend = [{ below = 60.0, colour = "green" }, { below = inf, colour = "red" }]
"""


def test_the_shipped_file_defines_at_least_twelve_indicators_with_unique_codes() -> None:
    defs = shipped()
    assert len(defs.indicators) >= 12
    assert len({i.code for i in defs.indicators}) == len(defs.indicators)
    assert {i.factor for i in defs.indicators} <= {1, 100, 1000, 10000}


def test_a_value_takes_the_colour_of_the_first_band_it_is_below() -> None:
    delay = parse(GOOD).get("delay")
    assert delay.colour(59.9) is Colour.GREEN
    assert delay.colour(60.0) is Colour.RED
    assert delay.colour(None) is None


def test_bands_that_do_not_rise_are_refused_naming_the_field() -> None:
    bad = GOOD.replace("below = 60.0", "below = 1e9")
    with pytest.raises(InvalidInput) as caught:
        parse(bad.replace("below = inf", "below = 5.0"))
    assert caught.value.problems[0].field.startswith("indicator.0")


def test_an_unknown_factor_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse(GOOD.replace("factor = 1", "factor = 7"))


def test_a_file_that_is_not_toml_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse("version = ")


def test_periods_read_months_quarters_and_years_with_persian_digits() -> None:
    assert periods.parse("۱۴۰۵/۰۷").code == "1405/07"
    assert periods.parse("1405/q3").code == "1405/Q3"
    assert periods.parse("1405").code == "1405"
    with pytest.raises(InvalidInput):
        periods.parse("1405/13")


def test_a_period_s_bounds_are_its_first_and_last_gregorian_day() -> None:
    start, end = periods.parse("1405/07").bounds()
    assert (start, end) == (dt.date(2026, 9, 23), dt.date(2026, 10, 22))  # 30 days of Mehr
    q_start, q_end = periods.parse("1405/Q1").bounds()
    assert q_start == dt.date(2026, 3, 21) and q_end == dt.date(2026, 6, 21)


def test_a_month_shifts_across_the_new_year() -> None:
    assert periods.parse("1405/02").shift(-3).code == "1404/11"
    assert periods.parse("1405/12").shift(1).code == "1406/01"


def test_the_gap_to_target_is_positive_while_short_of_it_in_either_direction() -> None:
    assert rules.gap_to_target(70, 80, Direction.HIGHER) == 10
    assert rules.gap_to_target(90, 60, Direction.LOWER) == 30
    assert rules.gap_to_target(50, 60, Direction.LOWER) == -10
    assert rules.gap_to_target(None, 60, Direction.LOWER) is None


def test_a_fall_is_an_improvement_for_a_lower_is_better_indicator() -> None:
    assert rules.improvement(40, 50, Direction.LOWER) == 10
    assert rules.improvement(40, 50, Direction.HIGHER) == -10


def test_a_ratio_without_a_denominator_has_no_value() -> None:
    assert rules.ratio(3, 0, 100) is None
    assert rules.ratio(1, 4, 100) == 25
