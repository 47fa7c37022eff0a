"""Survey scoring: linear 0-100 per item, composites as means, the minimum for a unit."""

from __future__ import annotations

import pytest

from darman.performance.surveys import shipped, unit_score


def test_an_answer_is_scored_linearly_from_the_lowest_to_the_highest() -> None:
    inst = shipped().get("inpatient")
    assert inst is not None
    q = inst.questions()
    # a 1-4 scale: 1 -> 0, 2 -> 33.3, 3 -> 66.7, 4 -> 100; a 0-10 scale: 7 -> 70
    assert [q["nurse_respect"].score(a) for a in (1, 2, 3, 4)] == pytest.approx(
        [0, 100 / 3, 200 / 3, 100]
    )
    assert q["overall"].score(7) == pytest.approx(70)


def test_a_composite_is_the_mean_of_its_answered_items_and_overall_of_composites() -> None:
    inst = shipped().get("inpatient")
    assert inst is not None
    answers = {"nurse_respect": 4, "nurse_explain": 2, "doctor_listen": 3, "overall": 8}
    got = inst.composites(answers)
    assert got["nursing"] == pytest.approx((100 + 100 / 3) / 2)
    assert got["doctors"] == pytest.approx(200 / 3)
    assert got["costs"] is None  # not answered
    assert got["rating"] == pytest.approx(80)
    expected = ((100 + 100 / 3) / 2 + 200 / 3 + 80) / 3
    assert inst.overall(answers) == pytest.approx(expected)


def test_a_unit_below_the_minimum_number_of_responses_has_no_score() -> None:
    assert unit_score([80.0, 60.0], 3) is None
    assert unit_score([80.0, 60.0, 70.0], 3) == pytest.approx(70)
    assert unit_score([], 1) is None
