"""Bounds on one call whatever the server does: a deadline that covers the answer's headers and body, a stop
that ends a blocked read from another thread, and caps on the size of an answer and the length of a listing.

Why the socket reads themselves: httpx's read timeout restarts on every byte, so a server trickling one byte
every few seconds holds a call for as long as it likes, and a read blocked in ``recv`` cannot see a stop
request. So every connection the client opens is wrapped (``GuardedBackend``, which the client's own transport,
``_transport``, builds its pool on): each read waits in slices of ``SLICE`` seconds and, between them, asks the
client's ``CallGuard`` whether the call's deadline has passed or the client was stopped. Either ends the read
with an ``Interrupted`` exception, which httpcore and the transport pass through unchanged (they map only
httpcore's exceptions) after closing the connection.

Not sliced: connecting (DNS and the TCP and TLS handshakes, bounded by the connect timeout, which is capped
by what is left of the deadline) and sending a request body (the client's bodies are small enough for the
socket buffer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

MiB = 1024 * 1024
#: Longest a blocked read goes without looking at the stop request and the deadline.
SLICE = 0.1
#: After ``stop()``, an answer already on its way gets this long to arrive, so a write whose answer is
#: arriving is known to have taken effect; then the read ends.
GRACE = 0.5


@dataclass(frozen=True, slots=True)
class Bounds:
    """Caps on what one answer, or one listing, may cost (the time of a call is ``RetryPolicy.deadline``).

    ``max_answer_bytes`` counts the bytes on the wire, ``max_decoded_bytes`` the bytes once decompressed (a
    gzip answer may expand a thousandfold); both are checked as the body arrives, before it is all held.
    ``max_pages`` caps the pages one paged listing may take. The largest answer the provider asks for, a page
    of 5,000 companies with their connections, is about 10 MB.
    """

    max_answer_bytes: int = 32 * MiB
    max_decoded_bytes: int = 32 * MiB
    max_pages: int = 200

    def __post_init__(self) -> None:
        if min(self.max_answer_bytes, self.max_decoded_bytes, self.max_pages) < 1:
            raise ValueError("Bounds caps must be at least 1")


class Interrupted(Exception):
    """Ends a read of the client's own; caught inside the client and turned into a ``CodatError``."""


class StopRequested(Interrupted):
    pass


class DeadlinePassed(Interrupted):
    pass


class CallGuard:
    """One client's stop request, and the deadline of the call each thread is making."""

    def __init__(self, stopped: threading.Event, clock: Callable[[], float]) -> None:
        self._stopped = stopped
        self._clock = clock
        self._stopped_at: float | None = None
        self._calls = threading.local()

    def stop(self) -> None:
        self._stopped_at = time.monotonic()
        self._stopped.set()

    @contextmanager
    def call(self, deadline: float) -> Iterator[None]:
        """Reads in this thread, until the block ends, belong to a call that must end by ``deadline``."""
        self._calls.deadline = deadline
        try:
            yield
        finally:
            self._calls.deadline = None

    def check(self) -> None:
        """Raise ``StopRequested`` once the grace after ``stop()`` is over, ``DeadlinePassed`` past the deadline."""
        if self._stopped.is_set():
            stopped_at = self._stopped_at
            if stopped_at is None or time.monotonic() - stopped_at >= GRACE:
                raise StopRequested()
        deadline = getattr(self._calls, "deadline", None)
        if deadline is not None and self._clock() >= deadline:
            raise DeadlinePassed()


class GuardedStream(httpcore.NetworkStream):
    """A connection whose reads wait in slices and end on the guard's word (see the module doc)."""

    def __init__(self, inner: httpcore.NetworkStream, guard: CallGuard) -> None:
        self._inner = inner
        self._guard = guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        until = None if timeout is None else time.monotonic() + timeout
        while True:
            self._guard.check()
            step = SLICE
            if until is not None:
                left = until - time.monotonic()
                if left <= 0:
                    raise httpcore.ReadTimeout(f"no data for {timeout:g} s")
                step = min(step, left)
            try:
                return self._inner.read(max_bytes, step)
            except httpcore.ReadTimeout:
                continue  # nothing consumed: the socket is as it was

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._guard.check()
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return GuardedStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._guard)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, handing out ``GuardedStream`` connections."""

    def __init__(self, inner: httpcore.NetworkBackend, guard: CallGuard) -> None:
        self._inner = inner
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self._guard.check()
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return GuardedStream(stream, self._guard)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        self._guard.check()
        return GuardedStream(self._inner.connect_unix_socket(path, timeout, socket_options), self._guard)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

