"""A client-side limiter, so a busy process (a provider planning many resources on several threads) stays
under Codat's ceilings instead of learning about them from 429s: by default at most 10 requests in
flight and 1,000 started in any 60 seconds (Codat's per-IP limit)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Thread-safe concurrency cap plus sliding-window rate cap. ``None`` switches a cap off.

    Share one instance between clients that use the same API key from one process, so they share the
    budget. Every wait ends early when the caller's ``cancel`` event is set (``CodatClient.stop()``).
    ``clock`` and ``sleep`` are injectable so tests run instantly; without ``sleep`` the window wait is a
    wait on ``cancel``, so a stop ends it at once.
    """

    def __init__(
        self,
        max_concurrent: int | None = 10,
        max_per_window: int | None = 1000,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if max_concurrent is not None and max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1 (or None for no cap)")
        if max_per_window is not None and max_per_window < 1:
            raise ValueError("max_per_window must be at least 1 (or None for no cap)")
        if window <= 0:
            raise ValueError("window must be positive")
        self.max_concurrent = max_concurrent
        self.max_per_window = max_per_window
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._slots = threading.Condition()
        self._in_flight = 0
        self._window_lock = threading.Lock()
        self._started: deque[float] = deque()

    def __repr__(self) -> str:
        return (
            f"RateLimiter(max_concurrent={self.max_concurrent}, max_per_window={self.max_per_window}, "
            f"window={self.window})"
        )

    @property
    def in_flight(self) -> int:
        with self._slots:
            return self._in_flight

    def acquire(self, max_wait: float, cancel: threading.Event | None = None) -> bool:
        """Take a slot, waiting at most ``max_wait`` seconds; False (holding nothing) if that is too short
        or ``cancel`` is set meanwhile (call ``wake`` after setting it, so waiters notice at once)."""
        give_up_at = self._clock() + max_wait
        if not self._take_slot(max_wait, cancel):
            return False
        if not self._take_window_place(give_up_at, cancel):
            self.release()
            return False
        return True

    def wake(self) -> None:
        """Make every thread waiting for a slot look at its ``cancel`` event again."""
        with self._slots:
            self._slots.notify_all()

    def release(self) -> None:
        if self.max_concurrent is None:
            return
        with self._slots:
            self._in_flight -= 1
            self._slots.notify()

    def _take_slot(self, max_wait: float, cancel: threading.Event | None) -> bool:
        if self.max_concurrent is None:
            return not _is_set(cancel)
        cap = self.max_concurrent
        with self._slots:
            # A slot frees when another thread's request ends, so this wait is on real time.
            self._slots.wait_for(lambda: self._in_flight < cap or _is_set(cancel), timeout=max(0.0, max_wait))
            if self._in_flight >= cap or _is_set(cancel):
                return False
            self._in_flight += 1
            return True

    def _take_window_place(self, give_up_at: float, cancel: threading.Event | None) -> bool:
        if self.max_per_window is None:
            return True
        while True:
            with self._window_lock:
                now = self._clock()
                while self._started and self._started[0] <= now - self.window:
                    self._started.popleft()
                if len(self._started) < self.max_per_window:
                    self._started.append(now)
                    return True
                wait = self._started[0] + self.window - now
            if now + wait > give_up_at:
                return False
            if self._sleep is not None:
                self._sleep(wait)
            elif cancel is not None:
                cancel.wait(wait)
            else:
                time.sleep(wait)
            if _is_set(cancel):
                return False


def _is_set(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()
