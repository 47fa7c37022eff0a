"""The panel's intraclass correlation on Shrout & Fleiss's own example, and the
adverse-impact report on tables worked by hand."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from darman.appointments import agreement, fairness

# Shrout & Fleiss (1979), Table 2: six targets, four judges
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
)


def test_icc_2_1_and_2_k_match_shrout_and_fleiss_table_4() -> None:
    single, mean = agreement.icc2(SHROUT_FLEISS)
    assert single == pytest.approx(0.29, abs=0.005)
    assert mean == pytest.approx(0.62, abs=0.005)


def test_a_panel_below_the_threshold_is_flagged_and_gaps_are_left_out() -> None:
    marks = {
        i: {f"J{j}": float(v) for j, v in enumerate(row)} for i, row in enumerate(SHROUT_FLEISS)
    }
    marks[99] = {"J0": 5.0}  # one rater only: not in the full table
    got = agreement.panel_agreement(marks)
    assert (got.candidates, got.raters) == (6, 4)
    assert got.flagged  # 0.29 < 0.5
    agreeing = {i: {"a": float(i), "b": float(i) + 0.1, "c": float(i)} for i in range(5)}
    assert not agreement.panel_agreement(agreeing).flagged


def _fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher p by hand: every table with the same margins as likely or less."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return comb(col1, x) * comb(n - col1, row1 - x) / comb(n, row1)

    seen = prob(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return sum(prob(x) for x in range(lo, hi + 1) if prob(x) <= seen * (1 + 1e-7))


def test_a_group_selected_at_three_fifths_of_the_best_rate_fails_the_rule() -> None:
    outcomes = [("A", i < 50) for i in range(100)] + [("B", i < 30) for i in range(100)]
    a, b = fairness.adverse_impact(outcomes)
    assert (a.group, a.rate, a.impact_ratio, a.four_fifths, a.shortfall) == ("A", 0.5, 1.0, True, 0)
    assert b.rate == 0.3 and b.impact_ratio == pytest.approx(0.6)
    assert b.four_fifths is False
    # 0.8 x 0.5 x 100 = 40 needed, 30 selected
    assert b.shortfall == 10
    assert b.fisher_p == pytest.approx(_fisher_two_sided(30, 70, 50, 50))
    assert b.fisher_p < 0.05 and b.adverse


def test_a_small_group_is_reported_as_small_without_a_four_fifths_verdict() -> None:
    outcomes = [("A", i < 50) for i in range(100)] + [("C", i < 1) for i in range(10)]
    _, c = fairness.adverse_impact(outcomes)
    assert c.small and c.four_fifths is None
    assert c.impact_ratio == pytest.approx(0.2) and c.shortfall == 3  # ceil(4) - 1
    assert c.fisher_p == pytest.approx(_fisher_two_sided(1, 9, 50, 50))
    assert not c.adverse
