"""Shared reads: one GET per URL until the next write, and one request for callers asking at the same time.

Why in the client and not in the provider: every call, read or write, passes through ``CodatClient._call``,
so a write cannot forget to invalidate and a new list-only endpoint is shared without any code of its own;
the key is the exact request (path and query), so two callers share an answer only when they asked the same
question. Opt-in (``CodatClient(cache_reads=True)``): it suits one short run, such as a Terraform provider
process, which serves one plan or one apply; a long-lived client would keep old answers until its next write.

Rules:
- Only successful answers are kept. An error is never kept: the next caller sends the request again.
- Callers that ask while the same request is in flight wait for it and share its outcome, the error
  included (each gets its own copy of the exception). The leader has already retried as the retry policy
  says; a waiter retrying on its own would multiply the load exactly when Codat is failing or rate limiting.
- Every write (any other method) empties the cache when it starts and again when it ends, whatever its
  outcome (a failed write may have taken effect). A read in flight across a write keeps its answer for the
  callers already waiting on it but does not store it, so no read that starts after a write returns sees
  what Codat held before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    """One request in flight and the callers waiting for its outcome."""

    __slots__ = ("done", "error", "generation", "result")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        self.done.wait()
        if self.error is not None:
            raise _copy(self.error)
        return self.result  # type: ignore[return-value]


class ReadCache(Generic[T]):
    """Answers by key, with single-flight fetching and invalidation by writes (rules in the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, T] = {}
        self._flights: dict[str, _Flight[T]] = {}
        self._generation = 0

    def get(self, key: str, fetch: Callable[[], T]) -> tuple[T, bool]:
        """The answer for ``key`` and whether it was shared (kept, or fetched for another caller);
        ``fetch`` runs only when this caller leads a new flight."""
        with self._lock:
            if key in self._answers:
                return self._answers[key], True
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(self._generation)
        if not leader:
            return flight.outcome(), True
        try:
            flight.result = fetch()
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
                if flight.error is None and flight.generation == self._generation:
                    self._answers[key] = flight.result  # type: ignore[assignment]
            flight.done.set()
        return flight.result, False

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write: everything known before it is forgotten when it starts and when it ends."""
        self.clear()
        try:
            yield
        finally:
            self.clear()

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._answers.clear()
            self._flights.clear()  # their callers still get their outcome; new callers start afresh


def _copy(error: BaseException) -> BaseException:
    """A copy of ``error`` for one waiter (one exception object raised in several threads would share its
    traceback): same type, arguments and attributes, so the same message and fields."""
    try:
        clone = type(error).__new__(type(error), *error.args)
        clone.__dict__.update(error.__dict__)
    except (TypeError, AttributeError):
        return error
    return clone
