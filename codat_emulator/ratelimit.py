"""The request quota: a fixed window per server process, announced on every response.

Codat sends `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` on every
response and answers 429 with `Retry-After` once the quota is spent. The reset header is a Unix
timestamp in seconds (the form public Codat client libraries parse); Retry-After is in seconds.
"""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._start = 0.0
        self._used = 0

    def _roll(self, now: float) -> None:
        if now >= self._start + self.window:
            self._start, self._used = now, 0

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it may proceed and the headers to send."""
        with self._lock:
            now = time.time()
            self._roll(now)
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            headers = self._headers()
            if not allowed:
                headers["Retry-After"] = str(max(1, math.ceil(self._start + self.window - now)))
            return allowed, headers

    def peek(self) -> dict[str, str]:
        """The headers without counting (admin and health requests are not API traffic)."""
        with self._lock:
            self._roll(time.time())
            return self._headers()

    def reset(self) -> None:
        with self._lock:
            self._start, self._used = 0.0, 0

    def _headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(max(0, self.limit - self._used)),
            "X-Rate-Limit-Reset": str(math.ceil(self._start + self.window)),
        }
