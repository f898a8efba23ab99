"""Codat's error answers as exceptions whose text says what happened and what to do next.

Every message names the method, path and Codat's correlationId (what Codat support asks for). Every text
an exception carries is scrubbed when it is made (``CodatError.__init__``): Codat's ``error`` text, its
validation messages and the status line's reason phrase can all echo what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from ._secrets import scrub


class CodatError(Exception):
    """Base of every error this client raises."""

    #: The generic next step; a raise site may give a more precise one.
    next_step = "see Codat's error above; quote the correlationId to Codat support if it persists."

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status_code: int | None = None,
        error: str | None = None,
        correlation_id: str | None = None,
        validation_errors: Iterable[str] = (),
        can_be_retried: bool | None = None,
        service: str | None = None,
        detailed_error_code: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(scrub(message))
        self.method = method
        self.path = path
        self.status_code = status_code
        self.error = scrub(error) if error else error
        self.correlation_id = correlation_id
        self.validation_errors: list[str] = [scrub(v) for v in validation_errors]
        #: Codat's ``canBeRetried`` ("True"/"False"/"Unknown") as True/False/None.
        self.can_be_retried = can_be_retried
        self.service = service
        self.detailed_error_code = detailed_error_code
        self.attempts = attempts


class BadRequestError(CodatError):
    next_step = "Codat rejected the request as malformed: correct the values it lists and try again."


class AuthenticationError(CodatError):
    next_step = (
        "Codat rejected the API key: check CODAT_API_KEY / the api_key setting (a raw key or the whole "
        "'Basic ...' header value); valid keys are on the Portal's Developers > API keys page."
    )


class PaymentRequiredError(CodatError):
    next_step = (
        "the Codat account is over a plan limit or has a billing problem: check the plan and billing "
        "in the Codat Portal, or ask Codat support."
    )


class PermissionDeniedError(CodatError):
    next_step = (
        "this API key may not use this resource: check the key's permissions and that the product is "
        "enabled for the account (Portal: Developers > API keys), or use a key that may."
    )


class NotFoundError(CodatError):
    next_step = "check the id or platform key (it may be misspelt or already deleted)."


class ConflictError(CodatError):
    next_step = "the resource changed under this request: read it again (refresh / plan) and retry."


class RateLimitError(CodatError):
    next_step = (
        "Codat is rate limiting (1,000 requests a minute per IP; 1,000 x (1 + active companies) a day): "
        "wait and run again, lower concurrency (terraform -parallelism, RateLimiter) or raise "
        "RetryPolicy.deadline."
    )

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        #: Seconds Codat asked us to wait, when it said.
        self.retry_after = retry_after


class ServerError(CodatError):
    next_step = (
        "Codat had a server-side problem (503 usually means maintenance): try again later "
        "(status.codat.io); if it persists, give Codat support the correlationId."
    )


class TransportError(CodatError):
    next_step = (
        "check the network or proxy, that CODAT_BASE_URL / base_url is right, and that the service is up."
    )


class StoppedError(CodatError):
    """The call was stopped (``CodatClient.stop()``, e.g. Terraform interrupted) before it could finish.

    ``took_effect`` is False when the request was never sent or Codat refused it (a 4xx such as 429), and
    None when that is unknown (the last attempt got a 5xx or no answer).
    """

    next_step = "run the command again; the next read (plan, refresh) shows what Codat holds."

    def __init__(self, message: str, *, took_effect: bool | None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.took_effect = took_effect


class UnexpectedResponseError(CodatError):
    next_step = (
        "check that CODAT_BASE_URL / base_url points at the Codat API (e.g. https://api.codat.io), not the "
        "Portal or a proxy; if it does, Codat changed its answer: report it with the correlationId."
    )


class WriteNotAcknowledgedError(UnexpectedResponseError):
    """A write (PUT, POST, DELETE) got an answer Codat's contract does not allow for it: another status, an empty
    or non-JSON body where JSON is promised, a body of the wrong shape, too large to read, or still arriving when
    the call's deadline passed. Codat did not confirm the write, so it may or may not have been applied.

    The Terraform provider catches this class to read back what Codat holds instead of trusting the answer.
    """

    next_step = (
        "the next plan (or refresh) reads what Codat holds and shows any difference. Check that CODAT_BASE_URL / "
        "base_url points at the Codat API (e.g. https://api.codat.io), not the Portal or a proxy."
    )


class ResponseTooLargeError(UnexpectedResponseError):
    """An answer over ``Bounds.max_answer_bytes`` on the wire or ``Bounds.max_decoded_bytes`` once decoded."""

    next_step = (
        "check that CODAT_BASE_URL / base_url points at the Codat API, not a proxy or another service: Codat's "
        "answers are far smaller. If they really are this large, raise the caps (codat_client.Bounds)."
    )


class PagingError(UnexpectedResponseError):
    """A paged listing that would not end: over ``Bounds.max_pages``, or a ``next`` link that repeats or leaves
    the base URL's origin."""

    next_step = (
        "check that CODAT_BASE_URL / base_url points at the Codat API, not a proxy; if the account really holds "
        "that many, list with a larger page_size (up to 5000) or raise Bounds.max_pages."
    )


class DeadlineExceededError(TransportError):
    """The call's deadline (``RetryPolicy.deadline``) passed while waiting for an answer or reading its body."""

    next_step = (
        "Codat, or a proxy in front of it, answered too slowly: try again later and check CODAT_BASE_URL / "
        "base_url; raise RetryPolicy.deadline only if Codat is known to be this slow."
    )


class LegacyEndpointUnavailableError(CodatError):
    """A legacy write endpoint (credentials, enabled toggle) is missing on this account or API version."""

    next_step = "set it in the Codat Portal instead."


_BY_STATUS: dict[int, type[CodatError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def class_for_status(status: int) -> type[CodatError]:
    if status >= 500:
        return ServerError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return CodatError if 400 <= status < 500 else UnexpectedResponseError


def compose(
    method: str,
    path: str,
    what: str,
    next_step: str,
    *,
    correlation_id: str | None = None,
    validation_errors: Iterable[str] = (),
    tried: str = "",
) -> str:
    """One message layout for every error: what happened, Codat's details, what to do next."""
    parts = [f"{method} {path}: {what}"]
    errors = list(validation_errors)
    if errors:
        parts.append("; ".join(errors[:10]) + (f" (+{len(errors) - 10} more)" if len(errors) > 10 else ""))
    text = ". ".join(p.rstrip(".") for p in parts) + "."
    if tried:
        text += f" {tried}."
    text += f" Next: {next_step}"
    if correlation_id:
        text += f" (correlationId {correlation_id})"
    return text


def from_response(
    response: httpx.Response,
    *,
    cls: type[CodatError] | None = None,
    next_step: str | None = None,
    tried: str = "",
    **extra: Any,
) -> CodatError:
    """The exception for a non-2xx answer (or a 2xx one we cannot read, when ``cls`` says so)."""
    request = response.request
    method, path = request.method, api_path(request)
    body = _error_body(response)
    error = _str(body.get("error"))
    validation = _validation_messages(body.get("validation"))
    correlation_id = _str(body.get("correlationId")) or correlation_header(response)
    status = response.status_code
    cls = cls or class_for_status(status)
    what = f"Codat answered {status} {response.reason_phrase}".rstrip()
    if error:
        what += f": {error}"
    message = compose(
        method,
        path,
        what,
        next_step or cls.next_step,
        correlation_id=correlation_id,
        validation_errors=validation,
        tried=tried,
    )
    return cls(
        message,
        method=method,
        path=path,
        status_code=status,
        error=error,
        correlation_id=correlation_id,
        validation_errors=validation,
        can_be_retried=_tri_state(body.get("canBeRetried")),
        service=_str(body.get("service")),
        detailed_error_code=body.get("detailedErrorCode")
        if isinstance(body.get("detailedErrorCode"), int)
        else None,
        **extra,
    )


def api_path(request: httpx.Request) -> str:
    """The path (and query) as the client called it, without the base URL's own path, which messages
    never show (scheme and host name where the API is)."""
    return request.extensions.get("codat_path") or request.url.raw_path.decode("ascii", "replace")


def error_text(response: httpx.Response) -> str | None:
    """Codat's ``error`` text of an answer, unscrubbed: for classifying, never for showing."""
    return _str(_error_body(response).get("error"))


def _error_body(response: httpx.Response) -> dict[str, Any]:
    """Codat's error JSON, or {} when the body is not that (a proxy's HTML page, an empty 502...)."""
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _validation_messages(validation: Any) -> list[str]:
    if not isinstance(validation, dict):
        return []
    messages: list[str] = []
    for item in validation.get("errors") or []:
        if isinstance(item, dict) and item.get("message"):
            item_id = item.get("itemId")
            messages.append(f"{item_id}: {item['message']}" if item_id else str(item["message"]))
    return messages


def _tri_state(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def correlation_header(response: httpx.Response) -> str | None:
    for name in ("x-correlation-id", "correlation-id", "x-request-id"):
        if response.headers.get(name):
            return response.headers[name]
    return None
