"""The ranking's arithmetic against hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darman.common.errors import InvalidInput
from darman.performance.enums import Direction
from darman.performance.ranking import Criterion, rank

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


def _three() -> tuple[list[Criterion], np.ndarray]:
    criteria = [
        Criterion("c1", "یک", 5, HIGHER),
        Criterion("c2", "دو", 3, LOWER),
        Criterion("c3", "سه", 2, HIGHER),
    ]
    matrix = np.array([[1, 2, 3], [2, 3, 1], [3, 1, 2]], dtype=float)
    return criteria, matrix


def test_topsis_matches_a_hand_worked_three_by_three_case() -> None:
    # weights 5:3:2 -> 0.5, 0.3, 0.2. Min-max normalised, c2 a cost (inverted):
    #   A: 0, .5, 1    B: .5, 0, 0    C: 1, 1, .5
    # weighted: A 0, .15, .2; B .25, 0, 0; C .5, .3, .1; ideal (.5, .3, .2), anti-ideal 0
    # A: D+ = sqrt(.25 + .0225) , D- = sqrt(.0225 + .04) = .25
    # B: D+ = sqrt(.0625 + .09 + .04), D- = .25
    # C: D+ = sqrt(.01) = .1, D- = sqrt(.25 + .09 + .01)
    criteria, matrix = _three()
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix)
    by = {p.key: p for p in result.provinces}
    d_plus = {"A": math.sqrt(0.2725), "B": math.sqrt(0.1925), "C": 0.1}
    d_minus = {"A": 0.25, "B": 0.25, "C": math.sqrt(0.35)}
    for key in "ABC":
        assert by[key].distance_to_ideal == pytest.approx(d_plus[key])
        assert by[key].distance_to_anti_ideal == pytest.approx(d_minus[key])
        expected = d_minus[key] / (d_minus[key] + d_plus[key])
        assert by[key].topsis == pytest.approx(expected)
    assert [p.key for p in result.provinces] == ["C", "B", "A"]
    assert [p.rank for p in result.provinces] == [1, 2, 3]


def test_the_weighted_sum_adds_each_indicator_s_weighted_normalised_value() -> None:
    # A: .5 x .3 + 1 x .2 = .35; B: .5 x .5 = .25; C: .5 + .3 + .5 x .2 = .9
    criteria, matrix = _three()
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix)
    by = {p.key: p for p in result.provinces}
    assert by["A"].weighted_sum == pytest.approx(0.35)
    assert by["B"].weighted_sum == pytest.approx(0.25)
    assert by["C"].weighted_sum == pytest.approx(0.9)
    assert (by["C"].weighted_sum_rank, by["A"].weighted_sum_rank) == (1, 2)
    assert sum(c.weighted for c in by["A"].contributions) == pytest.approx(0.35)


def test_a_cost_indicator_ranks_the_lowest_value_first() -> None:
    criteria = [Criterion("delay", "تأخیر", 1, LOWER)]
    result = rank(["A", "B"], ["الف", "ب"], criteria, np.array([[90.0], [30.0]]))
    assert [p.key for p in result.provinces] == ["B", "A"]


def test_a_constant_indicator_is_dropped_with_a_note_not_divided_by_zero() -> None:
    criteria = [Criterion("same", "ثابت", 1, HIGHER), Criterion("x", "ایکس", 1, HIGHER)]
    result = rank(["A", "B"], ["الف", "ب"], criteria, np.array([[5.0, 1.0], [5.0, 2.0]]))
    assert [c.code for c in result.criteria] == ["x"]
    assert any("ثابت" in n and "یکسان" in n for n in result.notes)


def test_nothing_left_to_rank_on_is_refused() -> None:
    criteria = [Criterion("same", "ثابت", 1, HIGHER)]
    with pytest.raises(InvalidInput):
        rank(["A", "B"], ["الف", "ب"], criteria, np.array([[5.0], [5.0]]))


def test_a_missing_value_takes_the_median_of_the_others_with_a_note() -> None:
    criteria = [Criterion("x", "ایکس", 1, HIGHER), Criterion("y", "ایگرگ", 1, HIGHER)]
    matrix = np.array([[1.0, 1.0], [2.0, np.nan], [3.0, 5.0]])
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix)
    by = {p.key: p for p in result.provinces}
    assert by["B"].contributions[1].value == 3.0  # median of 1 and 5
    assert any("ب" in n and "میانه" in n for n in result.notes)


def test_the_move_up_is_the_smallest_change_that_passes_the_province_above() -> None:
    # equal weights; x: A 1, B 2, C 3; y: A 3, B 1, C 2. Normalised and weighted (x .5):
    #   A (0, .5) -> .5;  B (.25, 0) -> .25 / (.25 + sqrt(.3125));  C (.5, .25) first.
    # B must pass A (.5). Raising x to C's 3 only ties A (B (.5, 0): D+ = D- = .5).
    # Raising y to t > 2 makes C the lowest y: B (.25, .5(t - 2)), and B's D- > D+ when
    # (t - 2) > 1 - (t - 2), so t > 2.5.
    criteria = [Criterion("x", "ایکس", 1, HIGHER), Criterion("y", "ایگرگ", 1, HIGHER)]
    matrix = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix)
    by = {p.key: p for p in result.provinces}
    assert [p.key for p in result.provinces] == ["C", "A", "B"]
    assert by["C"].move_up is None
    move = by["B"].move_up
    assert move is not None and move.code == "y"
    assert move.from_value == 1.0
    assert move.to_value == pytest.approx(2.5, abs=1e-6)


def test_weight_draws_give_each_province_a_rank_interval_and_flag_none_when_clear() -> None:
    # C dominates on every indicator, A is dominated: no weights can change their places
    criteria = [Criterion("x", "ایکس", 1, HIGHER), Criterion("y", "ایگرگ", 1, HIGHER)]
    matrix = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix, draws=200)
    by = {p.key: p for p in result.provinces}
    assert by["C"].interval == (1, 1)
    assert by["A"].interval == (3, 3)
    assert not any(p.unstable for p in result.provinces)


def test_close_provinces_swap_places_under_weight_draws() -> None:
    # A is best on x, B on y, equally weighted and mirrored: a small tilt of the weights
    # decides which is first, so both span ranks 1 to 2
    criteria = [Criterion("x", "ایکس", 1, HIGHER), Criterion("y", "ایگرگ", 1, HIGHER)]
    matrix = np.array([[10.0, 0.0], [0.0, 10.0], [4.0, 4.0]])
    result = rank(["A", "B", "C"], ["الف", "ب", "ج"], criteria, matrix, draws=500)
    by = {p.key: p for p in result.provinces}
    assert by["A"].extremes == (1, 2)
    assert by["B"].extremes == (1, 2)


def test_leaving_one_province_out_reports_the_pairs_that_reverse() -> None:
    # TOPSIS is not independent of the others: leaving C (the only one low on y) out
    # rescales y, and A overtakes B
    criteria = [Criterion("x", "ایکس", 1, HIGHER), Criterion("y", "ایگرگ", 1, HIGHER)]
    matrix = np.array([[10.0, 9.0], [8.0, 10.0], [0.0, 0.0], [5.0, 9.5]])
    result = rank(["A", "B", "C", "D"], ["الف", "ب", "ج", "د"], criteria, matrix)
    full = {p.key: p.rank for p in result.provinces}
    for reversal in result.reversals:
        for was_above, now_above in reversal.pairs:
            assert full[was_above] < full[now_above]
