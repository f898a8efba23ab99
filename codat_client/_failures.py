"""What ends a call, as the ``CodatError`` its caller gets: an error status, a transport failure, a full limiter,
a stop, a deadline, or a write Codat did not confirm. Each message names the call, says what happened (for a
write, whether it took effect) and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from codat_settings import shown_url

from . import _errors
from ._body import Unreadable
from ._bounds import DeadlinePassed, Interrupted, StopRequested
from ._errors import (
    CodatError,
    DeadlineExceededError,
    RateLimitError,
    ResponseTooLargeError,
    StoppedError,
    TransportError,
    UnexpectedResponseError,
    WriteNotAcknowledgedError,
    api_path,
)
from ._legacy import Legacy, legacy_error
from ._limiter import RateLimiter
from ._retry import wait_hint
from ._writes import Promise


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: an answer, or a transport failure."""

    response: httpx.Response | None
    failure: Exception | None

    @property
    def text(self) -> str:
        """e.g. "429 Too Many Requests" or "ConnectError (...)"; scrubbed wherever it is shown."""
        if self.response is not None:
            return f"{self.response.status_code} {self.response.reason_phrase}".rstrip()
        failure = self.failure
        return type(failure).__name__ + (f" ({failure})" if str(failure) else "")

    @property
    def took_effect(self) -> bool | None:
        """False when Codat refused the request (a 4xx), None when unknown (a 5xx or no answer)."""
        if self.response is not None and 400 <= self.response.status_code < 500:
            return False
        return None


class Cut(Exception):
    """An attempt whose answer was cut short: stopped, past the call's deadline, or with a body the client will
    not take (``cause``); ``head`` is the answer's status and headers when they had arrived."""

    def __init__(self, cause: Interrupted | Unreadable, head: httpx.Response | None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.head = head


def status_error(
    response: httpx.Response, tried: str, attempts: int, legacy: Legacy | None, not_found_next: str | None
) -> CodatError:
    """The error for a non-2xx answer the call gives up on."""
    status = response.status_code
    if legacy is not None and status in (404, 405):
        return legacy_error(response, legacy, tried, attempts)
    if status == 429:
        return _errors.from_response(
            response, tried=tried, attempts=attempts, retry_after=wait_hint(status, response.headers)
        )
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        shown = shown_url(location) if "://" in location else "another address"
        return _errors.from_response(
            response,
            cls=UnexpectedResponseError,
            next_step=f"the API redirected to {shown}: set CODAT_BASE_URL / base_url to the API's "
            "own address (e.g. https://api.codat.io).",
            attempts=attempts,
        )
    next_step = not_found_next if status == 404 else None
    return _errors.from_response(response, next_step=next_step, tried=tried, attempts=attempts)


def transport_error(
    request: httpx.Request, failure: httpx.RequestError | None, tried: str, attempts: int, base_url: str
) -> CodatError:
    """The error for an attempt that got no answer, or one that could not be read."""
    method, path = request.method, api_path(request)
    detail = f"{type(failure).__name__}: {failure}".rstrip(": ")
    if isinstance(failure, httpx.TransportError):
        what = f"no answer from {shown_url(base_url)} ({detail})"
        return TransportError(
            _errors.compose(method, path, what, TransportError.next_step, tried=tried),
            method=method,
            path=path,
            attempts=attempts,
        )
    what = f"the answer could not be read ({detail})"
    return UnexpectedResponseError(
        _errors.compose(method, path, what, UnexpectedResponseError.next_step, tried=tried),
        method=method,
        path=path,
        attempts=attempts,
    )


def limiter_error(request: httpx.Request, attempt: int, limiter: RateLimiter, deadline: float) -> RateLimitError:
    """The error for a call whose client-side limiter had no free slot before its ``deadline`` (seconds)."""
    method, path = request.method, api_path(request)
    what = (
        f"the client-side limiter ({limiter.max_concurrent} in flight, {limiter.max_per_window} per "
        f"{limiter.window:g} s) had no free slot before the call's {deadline:g} s deadline"
    )
    next_step = (
        "lower concurrency (terraform -parallelism), or raise RetryPolicy.deadline or the limiter caps."
    )
    return RateLimitError(
        _errors.compose(method, path, what, next_step), method=method, path=path, attempts=attempt
    )


def cut_error(
    request: httpx.Request,
    cut: Cut,
    last: Outcome | None,
    attempts: int,
    promise: Promise | None,
    deadline: float,
) -> CodatError:
    """The error for an attempt whose answer was cut short (see ``Cut``); ``deadline`` is the call's, in seconds."""
    method, path = request.method, api_path(request)
    head, cause = cut.head, cut.cause
    status = None if head is None else head.status_code
    line = "" if head is None else f"{head.status_code} {head.reason_phrase}".rstrip()
    received = "" if head is None else f"{line} and {_bytes(head.num_bytes_downloaded)} of its body had arrived"
    within = (f"the call's {deadline:g} s deadline (RetryPolicy.deadline, which covers the answer's "
              "headers and body and every retry)")
    if isinstance(cause, StopRequested):
        when = "while waiting for Codat's answer" if head is None else f"while reading Codat's answer ({received})"
        return stopped_error(request, last, when, in_flight=True, head=head)
    if promise is not None and head is not None and head.is_success:
        if isinstance(cause, DeadlinePassed):
            return not_acknowledged(request, f"it answered {received} when {within} passed", attempts, head)
        return not_acknowledged(request, f"it answered {line}, but {cause}", attempts, head)
    if isinstance(cause, DeadlinePassed):
        begun = f"Codat answered {received}" if head is not None else "no answer had begun"
        what = f"no complete answer within {within}: {begun}"
        if method != "GET":
            what += ", so whether it took effect is unknown"
        cls: type[CodatError] = DeadlineExceededError
    else:
        what = f"Codat answered {line}, but {cause}"
        too_large = isinstance(cause, Unreadable) and cause.too_large
        cls = ResponseTooLargeError if too_large else UnexpectedResponseError
    return cls(
        _errors.compose(method, path, what, cls.next_step),
        method=method, path=path, status_code=status, attempts=attempts,
    )


def not_acknowledged(
    request: httpx.Request, why: str, attempts: int, response: httpx.Response
) -> WriteNotAcknowledgedError:
    """The error for a write whose answer did not keep its promise (``_writes``)."""
    method, path = request.method, api_path(request)
    what = f"Codat did not confirm the write: {why}. It may or may not have been applied"
    return WriteNotAcknowledgedError(
        _errors.compose(method, path, what, WriteNotAcknowledgedError.next_step),
        method=method,
        path=path,
        status_code=response.status_code,
        correlation_id=_errors.correlation_header(response),
        attempts=attempts,
    )


def stopped_error(
    request: httpx.Request,
    last: Outcome | None,
    when: str,
    *,
    in_flight: bool = False,
    head: httpx.Response | None = None,
) -> StoppedError:
    """``in_flight``: the request was on the wire when it was stopped (``head``: the answer's status line, when
    it had arrived), so a write's effect is unknown; otherwise ``last`` is the attempt before the stopped wait."""
    method, path = request.method, api_path(request)
    if method == "GET":
        took_effect: bool | None = False
    elif in_flight:
        took_effect = None
    else:
        took_effect = False if last is None else last.took_effect
    if in_flight:
        what = f"stopped {when}" + (f" (the attempt before got {last.text})" if last is not None else "")
        status_code = head.status_code if head is not None else None
    else:
        what = f"stopped {when}" if last is None else f"stopped {when} after Codat answered {last.text}"
        status_code = last.response.status_code if last is not None and last.response is not None else None
    if method != "GET":  # a read changes nothing either way
        what += ", so it did not take effect" if took_effect is False else ", so whether it took effect is unknown"
    return StoppedError(
        _errors.compose(method, path, what, StoppedError.next_step),
        took_effect=took_effect,
        method=method,
        path=path,
        status_code=status_code,
    )


def _bytes(count: int) -> str:
    return f"{count:,} byte" + ("" if count == 1 else "s")
