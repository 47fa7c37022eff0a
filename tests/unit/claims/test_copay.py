from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from darman.claims.rules import copay


@given(st.integers(min_value=1_000, max_value=10**15), st.integers(min_value=0, max_value=100))
def test_a_review_cut_recovers_the_policys_own_percentage(allowed: int, percent: int) -> None:
    # what claims.review does before re-applying copayment to a cut amount
    recovered = (copay(allowed, percent) * 100 + allowed // 2) // allowed
    assert recovered == percent


def test_copayment_rounds_half_up_to_whole_rials() -> None:
    assert copay(15, 10) == 2 and copay(14, 10) == 1 and copay(1_000_000, 30) == 300_000
