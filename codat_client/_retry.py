"""When to try again and how long to wait: the retry policy and the server's wait hints."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Codat's own spec (x-speakeasy-retries) retries 408, 429 and 5XX; 501/505 never get better by waiting.
_DEFAULT_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_EPOCH_SECONDS_FLOOR = 1e9  # a bare number this large is a Unix time, not a number of seconds to wait
_EPOCH_MILLIS_FLOOR = 1e12


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one logical call tries. All times are seconds.

    ``deadline`` bounds the whole call (all attempts and waits); ``jitter`` in [0, 1] is the fraction of
    each backoff that is randomised (0 = deterministic, 1 = "full jitter"), so parallel callers that fail
    together do not retry together.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    deadline: float = 120.0
    jitter: float = 0.5
    retry_statuses: frozenset[int] = field(default=_DEFAULT_RETRY_STATUSES)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline <= 0:
            raise ValueError("RetryPolicy delays must be >= 0 and deadline > 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("RetryPolicy.jitter must be between 0 and 1")

    def backoff(self, attempt: int, rnd: float) -> float:
        """Exponential backoff after the given (1-based) failed attempt; ``rnd`` is a uniform [0, 1) draw."""
        delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (1.0 - self.jitter * rnd)

    def after_server_hint(self, hint: float, rnd: float) -> float:
        """The server's wait plus a little jitter: waiting less than it asked is pointless, exactly as
        long would make every waiting thread return in the same instant."""
        return hint + self.jitter * rnd * self.base_delay


def server_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait (``Retry-After``, else ``X-Rate-Limit-Reset``), or None.

    ``now`` is the Unix time the answer was produced (the response's ``Date`` when present, so a skewed
    local clock does not stretch or shrink the wait). Both headers may hold seconds or an HTTP date;
    ``X-Rate-Limit-Reset`` is undocumented in format, so a Unix time (seconds or ms) and ISO 8601 are
    accepted as well.
    """
    for name in ("retry-after", "x-rate-limit-reset"):
        value = headers.get(name)
        if value:
            wait = _seconds_until(value, now)
            if wait is not None:
                return max(0.0, wait)
    return None


def wait_hint(status: int, headers: Mapping[str, str]) -> float | None:
    """Seconds an answer asks the client to wait before trying again, or None. A 429's ``Retry-After``, else
    its ``X-Rate-Limit-Reset``; any other answer's ``Retry-After`` only: ``X-Rate-Limit-Reset`` rides on every
    answer (the daily quota), and only a 429 makes it a wait."""
    now = response_time(headers, fallback=time.time())
    if status == 429:
        return server_wait(headers, now)
    retry_after = headers.get("retry-after")
    return server_wait({"retry-after": retry_after}, now) if retry_after else None


def response_time(headers: Mapping[str, str], fallback: float) -> float:
    """The Unix time in the response's ``Date`` header, or ``fallback`` when absent or unreadable."""
    value = headers.get("date")
    moment = _parse_date(value) if value else None
    return moment.timestamp() if moment else fallback


def _seconds_until(value: str, now: float) -> float | None:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        moment = _parse_date(text)
        return None if moment is None else moment.timestamp() - now
    if number >= _EPOCH_MILLIS_FLOOR:
        return number / 1000.0 - now
    if number >= _EPOCH_SECONDS_FLOOR:
        return number - now
    return number


def _parse_date(text: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
