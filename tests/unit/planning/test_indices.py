"""Gini, Theil and the Lorenz curve against documented examples and textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darman.planning import indices

EULER_GAMMA = 0.5772156649015329


def test_gini_matches_the_ineq_documented_example_of_seven_values() -> None:
    # phylotools' gini (the ineq algorithm): gini(c(1,3,2,1,1,1,4)) is 0.3076923
    values = [1, 3, 2, 1, 1, 1, 4]
    assert indices.gini(values, [1] * 7) == pytest.approx(0.3076923, abs=1e-7)


def test_population_weights_count_as_people_nine_at_10_and_one_at_100() -> None:
    # ineq(rep(c(10, 100), times = c(9, 1))) is 0.4263158 (Statistics Slam Dunk, ch. 12)
    assert indices.gini([10 * 9, 100], [9, 1]) == pytest.approx(0.4263158, abs=1e-7)
    assert indices.gini([10] * 9 + [100], [1] * 10) == pytest.approx(0.4263158, abs=1e-7)


def test_the_mean_log_deviation_matches_reats_stoermann_example() -> None:
    # REAT::theil(c(10,10,10,20,50)) is 0.2326302 (Stoermann 2009), the mean log deviation
    assert indices.theil_l([10, 10, 10, 20, 50], [1] * 5) == pytest.approx(0.2326302, abs=1e-7)


def test_exponential_incomes_give_gini_one_half_and_theil_t_one_minus_gamma() -> None:
    n = 200_000
    q = (np.arange(n) + 0.5) / n
    incomes = -np.log(1 - q)  # quantiles of the exponential distribution
    ones = np.ones(n)
    assert indices.gini(incomes, ones) == pytest.approx(0.5, abs=1e-4)
    assert indices.theil_t(incomes, ones) == pytest.approx(1 - EULER_GAMMA, abs=1e-4)


def test_equal_ratios_are_zero_and_one_holder_is_the_extreme() -> None:
    assert indices.gini([5, 10, 20], [50, 100, 200]) == pytest.approx(0.0, abs=1e-12)
    assert indices.theil_t([5, 10, 20], [50, 100, 200]) == pytest.approx(0.0, abs=1e-12)
    # one of N equal provinces holds everything: T = ln N, Gini = 1 - 1/N
    assert indices.theil_t([0, 0, 0, 7], [1, 1, 1, 1]) == pytest.approx(math.log(4))
    assert indices.gini([0, 0, 0, 7], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert indices.theil_l([0, 0, 0, 7], [1, 1, 1, 1]) == math.inf


def test_the_lorenz_curve_runs_from_the_lowest_ratio_to_the_highest() -> None:
    curve = indices.lorenz([30, 10, 0], [100, 100, 200])
    assert curve.order == [2, 1, 0]
    assert curve.population_share == pytest.approx([0, 0.5, 0.75, 1.0])
    assert curve.resource_share == pytest.approx([0, 0, 0.25, 1.0])


def test_shortfall_ratio_and_bad_input() -> None:
    assert indices.shortfall(4, 100_000, 1.0) == 6
    assert indices.shortfall(10, 100_000, 1.0) == 0
    assert indices.shortfall(9.0, 30_000, 3.0) == 0  # exactly at the norm
    assert indices.ratio_to_mean([10, 30], [100, 100]) == pytest.approx([0.5, 1.5])
    assert indices.national_ratio([10, 30], [10_000, 30_000]) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        indices.gini([1, 2], [1])
    with pytest.raises(ValueError):
        indices.gini([-1, 2], [1, 1])


@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 1_000_000)), min_size=2, max_size=40)
)
def test_indices_stay_in_range_and_ignore_the_order_of_provinces(rows) -> None:
    r = [a for a, _ in rows]
    p = [b for _, b in rows]
    g = indices.gini(r, p)
    assert 0 <= g < 1
    assert indices.gini(r[::-1], p[::-1]) == pytest.approx(g, abs=1e-9)
    t = indices.theil_t(r, p)
    assert -1e-9 <= t <= math.log(sum(p) / min(p)) + 1e-9
    # scaling the resource changes no index
    assert indices.gini([3 * v for v in r], p) == pytest.approx(g, abs=1e-9)
