"""The guard against guessing access codes, on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from darman.appointments.attempts import ResultGuard, SlidingWindow
from darman.common.errors import TooManyAttempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_lets_the_limit_through_and_counts_down_from_the_oldest_attempt() -> None:
    clock = Clock()
    window = SlidingWindow(limit=3, window=60, clock=clock)
    for step in (0, 10, 20):
        clock.now = 1000 + step
        assert window.wait("k") == 0
        window.add("k")
    assert window.wait("k") == pytest.approx(40)  # the first, at 1000, leaves at 1060
    clock.now = 1060
    assert window.wait("k") == 0  # the first has left; the two others remain
    window.add("k")
    assert window.wait("k") == pytest.approx(10)  # the one at 1010 leaves at 1070
    assert window.wait("other") == 0


def test_a_window_forgets_the_least_recent_keys_beyond_its_bound() -> None:
    window = SlidingWindow(limit=1, window=60, clock=Clock(), max_keys=2)
    for key in ("a", "b", "c"):
        window.add(key)
    assert window.wait("a") == 0 and window.wait("b") > 0 and window.wait("c") > 0


def test_five_wrong_codes_stop_a_national_id_for_the_window_and_a_right_one_clears_it() -> None:
    clock = Clock()
    guard = ResultGuard(per_candidate=5, per_address=100, window=900, clock=clock)
    for _ in range(4):
        guard.admit(national_id="1", address="a")
        guard.failed(national_id="1")
    guard.admit(national_id="1", address="a")
    guard.succeeded(national_id="1")  # the fifth was right: the count starts again
    for _ in range(5):
        guard.admit(national_id="1", address="a")
        guard.failed(national_id="1")
    clock.now += 60
    with pytest.raises(TooManyAttempts) as refused:
        guard.admit(national_id="1", address="b")  # another address does not help
    assert refused.value.status == 429 and refused.value.retry_after == 840
    assert "۱۴ دقیقه" in refused.value.detail and "این کد ملی" in refused.value.detail
    guard.admit(national_id="2", address="b")  # another candidate is not held up
    clock.now += 840
    guard.admit(national_id="1", address="b")


def test_one_address_is_stopped_after_its_attempts_whatever_national_ids_it_tries() -> None:
    clock = Clock()
    guard = ResultGuard(per_candidate=5, per_address=3, window=900, clock=clock)
    for nid in ("1", "2", "3"):
        guard.admit(national_id=nid, address="10.0.0.9")
    with pytest.raises(TooManyAttempts) as refused:
        guard.admit(national_id="4", address="10.0.0.9")
    assert "این نشانی" in refused.value.detail
    guard.admit(national_id="4", address="10.0.0.10")
