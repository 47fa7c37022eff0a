"""Against guessing a candidate's access code: attempts counted in a sliding window per
national ID and per network address. Pure: no database, no HTTP.

An access code is eight digits. Five wrong codes a quarter-hour for one national ID leave
about 480 guesses a day, some 280 years on average to find one code; thirty attempts a
quarter-hour from one address keep one machine from walking many national IDs, and from
spending the server's time on the slow hash checks.

The counts are kept in the serving process, which every request of that process shares
(no table, no new dependency); a server run with several worker processes lets each
count its own, so the limits multiply by the workers, still far from a guess.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from darman.common.errors import TooManyAttempts
from darman.common.persian import to_persian_digits

Clock = Callable[[], float]


class SlidingWindow:
    """At most ``limit`` attempts per key in any ``window`` seconds. Only the ``max_keys``
    most recently seen keys are remembered, so a flood of made-up keys cannot fill memory
    (it can only forget old keys, each of which had at most ``limit`` attempts)."""

    def __init__(
        self, *, limit: int, window: float, clock: Clock = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # sync routes run on a pool of threads

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            times = self._recent(key)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, times[0] + self.window - self.clock())

    def add(self, key: str) -> None:
        with self._lock:
            times = self._recent(key)
            times.append(self.clock())
            self._seen[key] = times
            self._seen.move_to_end(key)
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        times = self._seen.get(key, deque())
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times


class ResultGuard:
    """Who may try an access code now: wrong codes counted per national ID, every attempt
    per address. A right code clears its national ID's count."""

    def __init__(
        self,
        *,
        per_candidate: int = 5,
        per_address: int = 30,
        window: float = 15 * 60,
        clock: Clock = time.monotonic,
    ) -> None:
        self.failures = SlidingWindow(limit=per_candidate, window=window, clock=clock)
        self.attempts = SlidingWindow(limit=per_address, window=window, clock=clock)

    def admit(self, *, national_id: str, address: str) -> None:
        """Count an attempt from ``address`` for ``national_id``, or refuse it.
        Raises TooManyAttempts (with the seconds to wait) before any code is checked."""
        for window, key, whose in (
            (self.failures, national_id, "برای این کد ملی"),
            (self.attempts, address, "از این نشانی"),
        ):
            seconds = window.wait(key)
            if seconds > 0:
                minutes = max(1, math.ceil(seconds / 60))
                raise TooManyAttempts(
                    f"تلاش‌های نادرست بسیار {whose}؛ {to_persian_digits(minutes)} دقیقه‌ی دیگر "
                    "دوباره بیازمایید. اگر کد دسترسی را ندارید، از دبیرخانه‌ی فراخوان کد تازه "
                    "بخواهید.",
                    retry_after=math.ceil(seconds),
                )
        self.attempts.add(address)

    def failed(self, *, national_id: str) -> None:
        self.failures.add(national_id)

    def succeeded(self, *, national_id: str) -> None:
        self.failures.forget(national_id)
