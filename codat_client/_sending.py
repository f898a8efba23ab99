"""The retry loop: the attempts of one logical call, each inside a limiter slot and the call's bounds, until a
2xx answer or the ``CodatError`` that ends it.

GET, PUT and DELETE may be repeated; a POST only when it carries an ``Idempotency-Key`` (sent unchanged on every
attempt, as the request is built once), never blindly. A write's 2xx answer must keep its promise (``_writes``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from ._attempt_log import log_attempt, log_retry
from ._body import Unreadable, read_body, with_body
from ._bounds import Bounds, CallGuard, Interrupted
from ._failures import (
    Cut,
    Outcome,
    cut_error,
    limiter_error,
    not_acknowledged,
    status_error,
    stopped_error,
    transport_error,
)
from ._legacy import Legacy
from ._limiter import RateLimiter
from ._retry import RetryPolicy, wait_hint
from ._writes import Promise

# Worth another try: the request may not have arrived, or the server may answer next time. Others
# (a malformed URL, an unsupported scheme, a proxy refusing us) fail the same way every time.
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_NOT_IDEMPOTENT = (
    "Not retried: a POST without an Idempotency-Key may already have taken effect, "
    "so check before repeating it"
)


class CallRules:
    """What one call expects of its answers, beyond a 2xx status.

    ``legacy``: a legacy v1 endpoint (its 404/405 read as ``_legacy`` says); ``mask_all``: log no value of either
    body (credentials); ``not_found_next``: the next step a 404's message gives; ``gone_after_retry``: an answer
    that, on a retry, means an earlier attempt did the job (a DELETE finding nothing); ``promise``: a write's
    documented success (``_writes``). A class with slots, not a dataclass, which would add about 0.4 ms to every
    import of codat_client (the provider's first call pays it).
    """

    __slots__ = ("gone_after_retry", "legacy", "mask_all", "not_found_next", "promise")

    def __init__(
        self,
        legacy: Legacy | None,
        mask_all: bool,
        not_found_next: str | None,
        gone_after_retry: Callable[[httpx.Response], bool] | None,
        promise: Promise | None,
    ) -> None:
        self.legacy = legacy
        self.mask_all = mask_all
        self.not_found_next = not_found_next
        self.gone_after_retry = gone_after_retry
        self.promise = promise


class Sender:
    """Sends a client's requests as its ``retry`` policy, ``limiter`` and ``bounds`` say; ``stopped`` is the
    client's stop event."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        retry: RetryPolicy,
        limiter: RateLimiter,
        bounds: Bounds,
        timeout: httpx.Timeout,
        guard: CallGuard,
        stopped: threading.Event,
        clock: Callable[[], float],
        rng: Callable[[], float],
    ) -> None:
        self.retry = retry
        self.limiter = limiter
        self.bounds = bounds
        self._http = http
        self._base_url = base_url
        self._timeout = timeout
        self._guard = guard
        self._stopped = stopped
        self._clock = clock
        self._rng = rng

    def send(self, request: httpx.Request, rules: CallRules, wait: Callable[[float], None]) -> httpx.Response:
        """The attempts of one call: until a 2xx answer, or the CodatError that ends it. ``wait(seconds)`` is
        how the client waits before a retry (a sleep, or a wait on its stop event)."""
        method = request.method
        repeatable = method != "POST" or "Idempotency-Key" in request.headers
        policy = self.retry
        started = self._clock()
        deadline = started + policy.deadline
        attempt = 0
        last: Outcome | None = None
        while True:
            attempt += 1
            try:
                response, failure = self._attempt(request, attempt, deadline, rules.mask_all, last)
            except Cut as cut:
                raise cut_error(request, cut, last, attempt, rules.promise, policy.deadline) from None
            last = Outcome(response, failure)
            if response is not None and response.is_success:
                if rules.promise is not None:
                    broken = rules.promise.broken_by(response)
                    if broken is not None:
                        raise not_acknowledged(request, broken, attempt, response)
                return response
            if (
                response is not None
                and attempt > 1
                and rules.gone_after_retry is not None
                and rules.gone_after_retry(response)
            ):
                return response
            if response is not None:
                retryable = response.status_code in policy.retry_statuses
            else:
                retryable = isinstance(failure, _RETRYABLE_TRANSPORT)
            hint = None
            if retryable and response is not None:
                hint = wait_hint(response.status_code, response.headers)
            pause = (
                policy.backoff(attempt, self._rng())
                if hint is None
                else policy.after_server_hint(hint, self._rng())
            )
            if not retryable:
                tried = f"Gave up after {attempt} attempts" if attempt > 1 else ""
            elif not repeatable:
                tried = _NOT_IDEMPOTENT
            elif attempt >= policy.max_attempts:
                tried = f"Gave up after {attempt} attempts over {self._clock() - started:.1f} s"
            elif self._clock() + pause > deadline:
                tried = (
                    f"Gave up after {attempt} attempt(s): the next try would be in {pause:.1f} s, past the "
                    f"call's {policy.deadline:g} s deadline (RetryPolicy.deadline)"
                )
            else:
                log_retry(request, pause, attempt, policy.max_attempts, last)
                wait(pause)
                self._raise_if_stopped(request, last, f"while waiting {pause:.1f} s to retry")
                continue
            if response is None:
                raise transport_error(request, failure, tried, attempt, self._base_url)
            raise status_error(response, tried, attempt, rules.legacy, rules.not_found_next)

    def _raise_if_stopped(self, request: httpx.Request, last: Outcome | None, when: str) -> None:
        if self._stopped.is_set():
            raise stopped_error(request, last, when)

    def _attempt(
        self, request: httpx.Request, attempt: int, deadline: float, mask_all: bool, last: Outcome | None
    ) -> tuple[httpx.Response | None, httpx.RequestError | None]:
        """One try inside a limiter slot: the whole answer, headers and body read within the bounds, or the
        transport failure. Raises ``Cut`` when the answer was cut short (stop, deadline, unreadable body)."""
        remaining = deadline - self._clock()
        if not self.limiter.acquire(max(0.0, remaining), cancel=self._stopped):
            self._raise_if_stopped(request, last, "while waiting for the client-side limiter")
            raise limiter_error(request, attempt, self.limiter, self.retry.deadline)
        sent_at = self._clock()
        head: httpx.Response | None = None
        response: httpx.Response | None = None
        failure: httpx.RequestError | None = None
        cut: Interrupted | Unreadable | None = None
        try:
            request.extensions["timeout"] = self._attempt_timeout(max(remaining, 0.001))
            with self._guard.call(deadline):
                head = self._http.send(request, stream=True)
                try:
                    response = with_body(head, read_body(head, self.bounds, self._guard.check))
                finally:
                    head.close()  # before the whole body arrived, this closes the connection
        except httpx.RequestError as exc:
            failure = exc
        except (Interrupted, Unreadable) as exc:
            cut = exc
        finally:
            self.limiter.release()
        outcome = Outcome(response, failure or cut)
        log_attempt(request, outcome, self._clock() - sent_at, attempt, self.retry.max_attempts, mask_all)
        if cut is not None:
            raise Cut(cut, head)
        return response, failure

    def _attempt_timeout(self, remaining: float) -> dict[str, float | None]:
        """The configured timeouts, none longer than what is left of the call's deadline."""
        timeout = self._timeout.as_dict()
        return {k: remaining if v is None else min(v, remaining) for k, v in timeout.items()}

