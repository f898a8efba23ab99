"""The Codat client: one method per call the provider needs, each one retried, limited and logged safely."""

from __future__ import annotations

import functools
import logging
import random
import ssl
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from codat_settings import check_base_url, shown_url

from . import _errors
from ._auth import Credential
from ._body import ACCEPT_ENCODING, Unreadable, read_body, with_body
from ._bounds import Bounds, CallGuard, DeadlinePassed, Interrupted, StopRequested, guard_connections
from ._cache import ReadCache
from ._credentials import MaskedCredentials, reduce_credentials
from ._errors import (
    CodatError,
    DeadlineExceededError,
    LegacyEndpointUnavailableError,
    NotFoundError,
    PagingError,
    RateLimitError,
    ResponseTooLargeError,
    StoppedError,
    TransportError,
    UnexpectedResponseError,
    WriteNotAcknowledgedError,
)
from ._limiter import RateLimiter
from ._paging import Listing
from ._redact import describe_body, mask_headers
from ._retry import RetryPolicy, response_time, server_wait
from ._secrets import SecretHold, install_log_scrubbing
from ._writes import Promise
from .models import (
    AllowedOrigins,
    Branding,
    Company,
    Connection,
    ConnectionStatus,
    ConnectionUsage,
    CustomDataTypeConfiguration,
    Integration,
    Page,
    Profile,
    SupplementalDataConfiguration,
    SupplementalDataSource,
    SyncSettings,
    WebhookConsumer,
)

__version__ = "0.1.0"

DEFAULT_BASE_URL = "https://api.codat.io"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_PAGE_SIZE = 5000

log = logging.getLogger("codat_client")

M = TypeVar("M", bound=BaseModel)

# Worth another try: the request may not have arrived, or the server may answer next time. Others
# (a malformed URL, an unsupported scheme, a proxy refusing us) fail the same way every time.
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_NOT_IDEMPOTENT = (
    "Not retried: a POST without an Idempotency-Key may already have taken effect, "
    "so check before repeating it"
)
_INTEGRATION_NOT_FOUND_NEXT = (
    "check the platform key: 4 lowercase letters (Xero is gbol); list_integrations() lists the ones "
    "this account has."
)
_CUSTOM_DATA_TYPE_NOT_FOUND_NEXT = (
    "check the platform key (4 lowercase letters, Xero is gbol) and the identifier (case-sensitive); "
    "put_custom_data_type() creates a custom data type."
)


# What each write's success looks like (``_writes``); the statuses are those Codat's specs document.
_STORED_CREDENTIALS = Promise(200, "the stored credentials")
_DELETED_CREDENTIALS = Promise(200, "the deleted credentials")
_SWITCHED = Promise(200, "the integration")
_SAVED_PROFILE = Promise(200, "the saved profile")
_SAVED_ORIGINS = Promise(200, "the saved allowed origins")
_SAVED_CUSTOM_DATA_TYPE = Promise(200, "the saved custom data type")
_CREATED_WEBHOOK = Promise(201, "the created webhook consumer")
_OK_NO_BODY = Promise(200, None)
_NO_CONTENT = Promise(204, None)


@dataclass(frozen=True, slots=True)
class _Legacy:
    """Marks a call to one of the legacy v1 write endpoints (see ``_legacy_error``)."""

    what: str  # "credentials" or "enabled toggle", for the message
    platform_key: str


class CodatClient:
    """A synchronous, thread-safe Codat API client.

    ``api_key`` is the raw API key or the Portal's ready-made ``Basic ...`` header value. ``retry``,
    ``limiter`` and ``timeout`` tune resilience; ``transport`` (e.g. ``httpx.MockTransport``), ``clock``,
    ``sleep`` and ``rng`` (a uniform [0, 1) draw for jitter) exist so tests run every retry path instantly.
    Without ``sleep``, every wait is a wait on the client's stop event, so ``stop()`` ends it at once.

    ``bounds`` caps what one answer or listing may cost (``Bounds``: 32 MiB on the wire and decoded, 200 pages);
    ``retry.deadline`` bounds each call's time, headers, body and retries together.

    ``cache_reads=True`` shares reads within one short run (e.g. one Terraform plan): each GET is sent once
    until the next write, and callers asking at the same time share one request (rules in ``_cache``).

    Every secret the client sends (the key in all its forms, credential values) and every credential Codat
    returns in clear is held by the process-wide scrubber (``codat_client.scrub``) until ``close()`` or
    collection, so no exception, log line of the client, httpx or httpcore, or Terraform log shows it.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        rng: Callable[[], float] = random.random,
        cache_reads: bool = False,
        bounds: Bounds | None = None,
    ) -> None:
        self.base_url = _checked_base_url(base_url)
        self._credential = Credential(api_key or "")
        install_log_scrubbing()
        self._secrets = SecretHold()
        self._secrets.add(self._credential.secrets)
        # Collected without close(): its secrets are released all the same (no reference to self here).
        self._release_secrets = weakref.finalize(self, self._secrets.release)
        self._stopped = threading.Event()
        self._guard = CallGuard(self._stopped, clock)
        self.bounds = bounds or Bounds()
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._reads: ReadCache[httpx.Response] | None = ReadCache() if cache_reads else None
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            verify=_tls_for(self.base_url),
            timeout=self._timeout,
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": user_agent or f"codat-client-python/{__version__} httpx/{httpx.__version__}",
            },
        )
        guard_connections(self._http, self._guard)

    def __repr__(self) -> str:
        return f"CodatClient(base_url={shown_url(self.base_url)!r}, api_key=***)"

    def __enter__(self) -> CodatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections, then let the scrubber forget this client's secrets (httpx and httpcore
        log while closing, so not before)."""
        self._http.close()
        if self._reads is not None:
            self._reads.clear()
        self._release_secrets()

    def stop(self) -> None:
        """Stop every call in progress and every later one, from any thread: a wait (Retry-After, backoff,
        the limiter) ends at once and its call raises ``StoppedError``. A call waiting for an answer or reading
        one gets ``GRACE`` (0.5 s) for an answer already on its way, so a write whose answer is arriving is
        known to have taken effect; then its connection is closed and it raises ``StoppedError`` too (about
        0.6 s in all). Not undone."""
        self._guard.stop()
        self.limiter.wake()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    # Integrations (documented, read-only) ------------------------------------------------------------

    def get_integration(self, platform_key: str) -> Integration:
        response = self._call(
            "GET", f"/integrations/{_seg(platform_key)}", not_found_next=_INTEGRATION_NOT_FOUND_NEXT
        )
        return self._parse(Integration, response)

    def list_integrations(
        self, query: str | None = None, order_by: str | None = None, page_size: int = 100
    ) -> Iterator[Integration]:
        """Every integration, page after page (lazily: errors surface while iterating)."""
        params = {k: v for k, v in (("query", query), ("orderBy", order_by)) if v is not None}
        return self._pages("/integrations", Integration, page_size, params)

    def get_branding(self, platform_key: str) -> Branding:
        response = self._call(
            "GET", f"/integrations/{_seg(platform_key)}/branding", not_found_next=_INTEGRATION_NOT_FOUND_NEXT
        )
        return self._parse(Branding, response)

    # Credentials and the enabled toggle (legacy v1 endpoints) ---------------------------------------

    def get_credentials(self, platform_key: str) -> MaskedCredentials:
        """The stored credentials, each value `X`s and its last 4 characters; {} when none are set."""
        response = self._call(
            "GET",
            f"/integrations/credentials/{_seg(platform_key)}",
            legacy=_Legacy("credentials", platform_key),
            mask_all=True,
        )
        return self._parse_credentials(response)

    def put_credentials(self, platform_key: str, credentials: Mapping[str, str]) -> MaskedCredentials:
        """Store credentials (e.g. ``{"clientId": ..., "clientSecret": ...}``); returns Codat's copy, masked.

        The values are held by the scrubber until the client is closed, and kept nowhere else.
        """
        body = dict(credentials)
        response = self._call(
            "PUT",
            f"/integrations/credentials/{_seg(platform_key)}",
            json=body,
            legacy=_Legacy("credentials", platform_key),
            mask_all=True,
            sent_secrets=tuple(body.values()),
            promise=_STORED_CREDENTIALS,
        )
        return self._parse_credentials(response)

    def delete_credentials(self, platform_key: str) -> MaskedCredentials:
        """Delete the stored credentials; returns what was deleted (masked)."""
        response = self._call(
            "DELETE",
            f"/integrations/credentials/{_seg(platform_key)}",
            legacy=_Legacy("credentials", platform_key),
            mask_all=True,
            # A retry finding nothing means an earlier attempt deleted it and only its answer was lost.
            gone_after_retry=_no_credentials,
            promise=_DELETED_CREDENTIALS,
        )
        return MaskedCredentials() if response.status_code == 404 else self._parse_credentials(response)

    def set_enabled(self, platform_key: str, enabled: bool) -> Integration:
        response = self._call(
            "PUT",
            f"/integrations/{_seg(platform_key)}/enabled",
            json={"enabled": enabled},
            legacy=_Legacy("enabled toggle", platform_key),
            promise=_SWITCHED,
        )
        return self._parse(Integration, response)

    # Profile -------------------------------------------------------------------------------------------

    def get_profile(self) -> Profile:
        return self._parse(Profile, self._call("GET", "/profile"))

    def put_profile(self, profile: Profile) -> Profile:
        """Replace the whole profile (Codat's PUT semantics: omitted optional fields are cleared)."""
        body = profile.model_dump(mode="json", by_alias=True, exclude_none=True)
        return self._parse(Profile, self._call("PUT", "/profile", json=body, promise=_SAVED_PROFILE))

    # Instance configuration -------------------------------------------------------------------------------

    def get_sync_settings(self) -> SyncSettings:
        return self._parse(SyncSettings, self._call("GET", "/profile/syncSettings"))

    def set_sync_settings(self, settings: SyncSettings, *, idempotency_key: str | None = None) -> None:
        """Replace the whole sync settings object (Codat answers 204): data types left out of
        ``settings.settings`` are gone. Send the ``client_id`` that ``get_sync_settings`` answered.
        One ``Idempotency-Key`` per call, reused on its retries, makes retrying this POST safe."""
        body = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
        self._call(
            "POST",
            "/profile/syncSettings",
            json=body,
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            promise=_NO_CONTENT,
        )

    def get_cors_origins(self) -> list[str]:
        """The origins allowed to call Codat from a browser (embedded Link), from ``/corsSettings``.

        Design choice: ``/corsSettings`` is the current path; the older ``/connectionManagement/corsSettings``
        (which Codat's Python SDK still calls) is deprecated and due to be removed, and both hold one list."""
        return self._parse(AllowedOrigins, self._call("GET", "/corsSettings")).allowed_origins

    def set_cors_origins(self, origins: Sequence[str], *, idempotency_key: str | None = None) -> list[str]:
        """Replace the whole list of allowed origins; returns the list Codat saved. Retried safely with one
        ``Idempotency-Key`` per call, like ``create_webhook``."""
        response = self._call(
            "POST",
            "/corsSettings",
            json={"allowedOrigins": list(origins)},
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            promise=_SAVED_ORIGINS,
        )
        return self._parse(AllowedOrigins, response).allowed_origins

    def get_supplemental_data(self, platform_key: str, data_type: str) -> dict[str, SupplementalDataSource]:
        """The named source configurations of one platform and data type; {} when none."""
        response = self._call(
            "GET",
            f"/integrations/{_seg(platform_key)}/dataTypes/{_seg(data_type)}/supplementalDataConfig",
            not_found_next=_INTEGRATION_NOT_FOUND_NEXT,
        )
        return self._parse(SupplementalDataConfiguration, response).supplemental_data_config

    def put_supplemental_data(
        self, platform_key: str, data_type: str, sources: Mapping[str, SupplementalDataSource]
    ) -> None:
        """Replace the whole configuration of that platform and data type ({} clears it; Codat has no
        DELETE). Codat answers 200 with no body."""
        body = SupplementalDataConfiguration(supplemental_data_config=dict(sources))
        self._call(
            "PUT",
            f"/integrations/{_seg(platform_key)}/dataTypes/{_seg(data_type)}/supplementalDataConfig",
            json=body.model_dump(mode="json", by_alias=True, exclude_none=True),
            not_found_next=_INTEGRATION_NOT_FOUND_NEXT,
            promise=_OK_NO_BODY,
        )

    def get_custom_data_type(self, platform_key: str, identifier: str) -> CustomDataTypeConfiguration:
        """One custom data type's configuration (``NotFoundError`` when none is configured)."""
        response = self._call(
            "GET",
            f"/integrations/{_seg(platform_key)}/dataTypes/custom/{_seg(identifier)}",
            not_found_next=_CUSTOM_DATA_TYPE_NOT_FOUND_NEXT,
        )
        return self._parse(CustomDataTypeConfiguration, response)

    def put_custom_data_type(
        self, platform_key: str, identifier: str, configuration: CustomDataTypeConfiguration
    ) -> CustomDataTypeConfiguration:
        """Create or replace a custom data type; returns it as Codat stored it. Codat has no DELETE for them."""
        response = self._call(
            "PUT",
            f"/integrations/{_seg(platform_key)}/dataTypes/custom/{_seg(identifier)}",
            json=configuration.model_dump(mode="json", by_alias=True, exclude_none=True),
            not_found_next=_INTEGRATION_NOT_FOUND_NEXT,
            promise=_SAVED_CUSTOM_DATA_TYPE,
        )
        return self._parse(CustomDataTypeConfiguration, response)

    # Webhooks ------------------------------------------------------------------------------------------

    def list_webhooks(self) -> Iterator[WebhookConsumer]:
        """Every webhook consumer (Codat allows at most 50 and does not page this list)."""
        page = self._parse(Page[WebhookConsumer], self._call("GET", "/webhooks"))
        return iter(page.results)

    def create_webhook(
        self,
        url: str,
        event_types: Sequence[str] = (),
        company_tags: Sequence[str] = (),
        disabled: bool = False,
        *,
        idempotency_key: str | None = None,
    ) -> WebhookConsumer:
        """Create a consumer. One ``Idempotency-Key`` per call, reused on its retries, makes retrying safe:
        Codat answers a repeated key with the first result instead of creating a second consumer."""
        body: dict[str, Any] = {"url": url, "eventTypes": list(event_types), "disabled": disabled}
        if company_tags:
            body["companyTags"] = list(company_tags)
        response = self._call(
            "POST",
            "/webhooks",
            json=body,
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            promise=_CREATED_WEBHOOK,
        )
        return self._parse(WebhookConsumer, response)

    def delete_webhook(self, id: str) -> None:
        # A 404 on a retry means an earlier attempt did delete it and only its answer was lost.
        self._call(
            "DELETE",
            f"/webhooks/{_seg(id)}",
            gone_after_retry=lambda r: r.status_code == 404,
            promise=_NO_CONTENT,
        )

    # Companies and connections -----------------------------------------------------------------------

    def list_companies(self, page_size: int = 100) -> Iterator[Company]:
        return self._pages("/companies", Company, page_size)

    def list_connections(self, company_id: str, page_size: int = 100) -> Iterator[Connection]:
        return self._pages(f"/companies/{_seg(company_id)}/connections", Connection, page_size)

    def connection_usage(self) -> dict[str, ConnectionUsage]:
        """Connections per platform key over all companies, by status.

        A company listed with its ``dataConnections`` is counted from that (one request for up to 5,000
        companies); one listed without them costs a ``list_connections`` call.
        """
        counts: dict[str, dict[str, int]] = {}
        for company in self.list_companies(page_size=MAX_PAGE_SIZE):
            connections: Iterable[Connection] = (
                company.data_connections
                if "data_connections" in company.model_fields_set
                else self.list_connections(company.id, page_size=MAX_PAGE_SIZE)
            )
            for connection in connections:
                if connection.integration_key:
                    per_status = counts.setdefault(connection.integration_key, {})
                    field = _USAGE_FIELD.get(connection.status or "", "other")
                    per_status[field] = per_status.get(field, 0) + 1
        return {key: ConnectionUsage(**per_status) for key, per_status in counts.items()}

    # Plumbing ------------------------------------------------------------------------------------------

    def _pages(
        self, path: str, model: type[M], page_size: int, params: Mapping[str, str] | None = None
    ) -> Iterator[M]:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        return self._iter_pages(path, model, page_size, dict(params or {}))

    def _iter_pages(self, path: str, model: type[M], page_size: int, params: dict[str, Any]) -> Iterator[M]:
        page_number, seen = 1, 0
        listing = Listing(self.base_url, path, self.bounds.max_pages)
        while True:
            listing.before(page_number)
            response = self._call("GET", path, params={**params, "page": page_number, "pageSize": page_size})
            page = self._parse(Page[model], response)  # type: ignore[valid-type]
            yield from page.results
            seen += len(page.results)
            if page.links is not None:
                more = page.links.next is not None
                listing.after(page_number, page.links.next.href if page.links.next is not None else None)
            else:
                more = page.total_results is not None and seen < page.total_results
            if not more or not page.results:
                return
            page_number += 1

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        legacy: _Legacy | None = None,
        mask_all: bool = False,
        sent_secrets: Sequence[str] = (),
        not_found_next: str | None = None,
        gone_after_retry: Callable[[httpx.Response], bool] | None = None,
        promise: Promise | None = None,
    ) -> httpx.Response:
        """Send one logical call: attempts, waits and limits until a 2xx answer or a CodatError. A write's
        2xx answer must keep its ``promise`` (``_writes``), else ``WriteNotAcknowledgedError``.

        GET, PUT and DELETE may be repeated; a POST only when it carries an ``Idempotency-Key`` (sent
        unchanged on every attempt, as the request is built once), never blindly.

        A request with a body asks for ``Connection: close``: a server may answer (429, 503) before reading
        the body, and on a kept-alive connection the unread bytes would become the start of the next
        request, the retry's included. Whether the server read the body cannot be seen from here, and
        httpx offers no public way to drop one pooled connection, so no connection that carried a body is
        reused; writes are few, so the extra handshakes cost little.
        """
        self._secrets.add(sent_secrets)
        extra = {"Connection": "close"} if json is not None else {}
        request = self._http.build_request(
            method,
            path,
            params=params,
            json=json,
            headers={**(headers or {}), **extra, "Authorization": self._credential.header},
        )
        # Messages name the API path ("/integrations/gbol"), not whatever path base_url adds in front.
        prefix = self._http.base_url.raw_path.rstrip(b"/")
        request.extensions["codat_path"] = request.url.raw_path[len(prefix) :].decode("ascii", "replace")
        self._raise_if_stopped(request, None, "before the request was sent")
        send = functools.partial(self._send, request, legacy, mask_all, not_found_next, gone_after_retry, promise)
        if self._reads is None:
            return send()
        if method != "GET":
            with self._reads.writing():
                return send()
        if mask_all:  # a credentials answer may hold secrets in clear: never kept
            return send()
        response, shared = self._reads.get(str(request.url), send)
        if shared and log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s: shared answer (cache_reads)", method, _path_of(request), response.status_code)
        return response

    def _send(
        self,
        request: httpx.Request,
        legacy: _Legacy | None,
        mask_all: bool,
        not_found_next: str | None,
        gone_after_retry: Callable[[httpx.Response], bool] | None,
        promise: Promise | None,
    ) -> httpx.Response:
        """The attempts of one call: until a 2xx answer, or the CodatError that ends it."""
        method = request.method
        repeatable = method != "POST" or "Idempotency-Key" in request.headers
        policy = self.retry
        started = self._clock()
        deadline = started + policy.deadline
        attempt = 0
        last: _Outcome | None = None
        while True:
            attempt += 1
            try:
                response, failure = self._attempt(request, attempt, deadline, mask_all, last)
            except _Cut as cut:
                raise self._cut_error(request, cut, last, attempt, promise) from None
            last = _Outcome(response, failure)
            if response is not None and response.is_success:
                if promise is not None:
                    self._check_acknowledged(response, promise, attempt)
                return response
            if (
                response is not None
                and attempt > 1
                and gone_after_retry is not None
                and gone_after_retry(response)
            ):
                return response
            if response is not None:
                retryable = response.status_code in policy.retry_statuses
            else:
                retryable = isinstance(failure, _RETRYABLE_TRANSPORT)
            hint = self._server_hint(response) if retryable and response is not None else None
            wait = (
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
            elif self._clock() + wait > deadline:
                tried = (
                    f"Gave up after {attempt} attempt(s): the next try would be in {wait:.1f} s, past the "
                    f"call's {policy.deadline:g} s deadline (RetryPolicy.deadline)"
                )
            else:
                log.info(
                    "retrying %s %s in %.2f s: attempt %d/%d got %s",
                    method,
                    _path_of(request),
                    wait,
                    attempt,
                    policy.max_attempts,
                    last.text,
                )
                self._wait(wait)
                self._raise_if_stopped(request, last, f"while waiting {wait:.1f} s to retry")
                continue
            if response is None:
                raise self._transport_error(request, failure, tried, attempt)
            raise self._status_error(response, tried, attempt, legacy, not_found_next)

    def _wait(self, seconds: float) -> None:
        """Sleep, or (without an injected ``sleep``) wait on the stop event, which ends the wait at once."""
        if self._sleep is None:
            self._stopped.wait(seconds)
        else:
            self._sleep(seconds)

    def _raise_if_stopped(self, request: httpx.Request, last: _Outcome | None, when: str) -> None:
        if self._stopped.is_set():
            raise _stopped_error(request, last, when)

    def _attempt(
        self, request: httpx.Request, attempt: int, deadline: float, mask_all: bool, last: _Outcome | None
    ) -> tuple[httpx.Response | None, httpx.RequestError | None]:
        """One try inside a limiter slot: the whole answer, headers and body read within the bounds, or the
        transport failure. Raises ``_Cut`` when the answer was cut short (stop, deadline, unreadable body)."""
        remaining = deadline - self._clock()
        if not self.limiter.acquire(max(0.0, remaining), cancel=self._stopped):
            self._raise_if_stopped(request, last, "while waiting for the client-side limiter")
            raise self._limiter_error(request, attempt)
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
        self._log_attempt(request, response, failure or cut, self._clock() - sent_at, attempt, mask_all)
        if cut is not None:
            raise _Cut(cut, head)
        return response, failure

    def _check_acknowledged(self, response: httpx.Response, promise: Promise, attempts: int) -> None:
        broken = promise.broken_by(response)
        if broken is not None:
            raise _not_acknowledged(response.request, broken, attempts, response)

    def _cut_error(
        self, request: httpx.Request, cut: _Cut, last: _Outcome | None, attempts: int, promise: Promise | None
    ) -> CodatError:
        """The error for an attempt whose answer was cut short (see ``_Cut``)."""
        method, path = request.method, _path_of(request)
        head, cause = cut.head, cut.cause
        status = None if head is None else head.status_code
        line = "" if head is None else f"{head.status_code} {head.reason_phrase}".rstrip()
        received = "" if head is None else f"{line} and {_bytes(head.num_bytes_downloaded)} of its body had arrived"
        deadline = (f"the call's {self.retry.deadline:g} s deadline (RetryPolicy.deadline, which covers the answer's "
                    "headers and body and every retry)")
        if isinstance(cause, StopRequested):
            when = "while waiting for Codat's answer" if head is None else f"while reading Codat's answer ({received})"
            return _stopped_error(request, last, when, in_flight=True, head=head)
        if promise is not None and head is not None and head.is_success:
            if isinstance(cause, DeadlinePassed):
                return _not_acknowledged(request, f"it answered {received} when {deadline} passed", attempts, head)
            return _not_acknowledged(request, f"it answered {line}, but {cause}", attempts, head)
        if isinstance(cause, DeadlinePassed):
            what = f"no complete answer within {deadline}: " + (f"Codat answered {received}" if head else "no answer had begun")
            if method != "GET":
                what += ", so whether it took effect is unknown"
            cls: type[CodatError] = DeadlineExceededError
        else:
            what = f"Codat answered {line}, but {cause}"
            cls = ResponseTooLargeError if isinstance(cause, Unreadable) and cause.too_large else UnexpectedResponseError
        return cls(
            _errors.compose(method, path, what, cls.next_step),
            method=method, path=path, status_code=status, attempts=attempts,
        )

    def _server_hint(self, response: httpx.Response) -> float | None:
        headers = response.headers
        now = response_time(headers, fallback=time.time())
        if response.status_code == 429:
            return server_wait(headers, now)
        # X-Rate-Limit-Reset rides on every answer (the daily quota); only a 429 makes it a wait.
        retry_after = headers.get("retry-after")
        return server_wait({"retry-after": retry_after}, now) if retry_after else None

    def _attempt_timeout(self, remaining: float) -> dict[str, float | None]:
        """The configured timeouts, none longer than what is left of the call's deadline."""
        timeout = self._timeout.as_dict()
        return {k: remaining if v is None else min(v, remaining) for k, v in timeout.items()}

    def _status_error(
        self,
        response: httpx.Response,
        tried: str,
        attempts: int,
        legacy: _Legacy | None,
        not_found_next: str | None,
    ) -> CodatError:
        status = response.status_code
        if legacy is not None and status in (404, 405):
            return _legacy_error(response, legacy, tried, attempts)
        if status == 429:
            return _errors.from_response(
                response, tried=tried, attempts=attempts, retry_after=self._server_hint(response)
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

    def _transport_error(
        self, request: httpx.Request, failure: httpx.RequestError | None, tried: str, attempts: int
    ) -> CodatError:
        method, path = request.method, _path_of(request)
        detail = f"{type(failure).__name__}: {failure}".rstrip(": ")
        if isinstance(failure, httpx.TransportError):
            what = f"no answer from {shown_url(self.base_url)} ({detail})"
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

    def _limiter_error(self, request: httpx.Request, attempt: int) -> RateLimitError:
        method, path = request.method, _path_of(request)
        limiter = self.limiter
        what = (
            f"the client-side limiter ({limiter.max_concurrent} in flight, {limiter.max_per_window} per "
            f"{limiter.window:g} s) had no free slot before the call's {self.retry.deadline:g} s deadline"
        )
        next_step = (
            "lower concurrency (terraform -parallelism), or raise RetryPolicy.deadline or the limiter caps."
        )
        return RateLimitError(
            _errors.compose(method, path, what, next_step), method=method, path=path, attempts=attempt
        )

    def _parse(self, model: type[M], response: httpx.Response) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._shape_error(response, model.__name__, exc) from None

    def _parse_credentials(self, response: httpx.Response) -> MaskedCredentials:
        """Codat's credential map, reduced to masks before anyone else sees it (see ``_credentials``)."""
        content = response.content.strip()
        if (not content or content == b"null") and response.request.method == "GET":
            return MaskedCredentials()
        try:
            answer = _string_map().validate_json(content)
        except ValidationError as exc:
            raise self._shape_error(response, "a map of strings", exc) from None
        masked = reduce_credentials(answer)
        if masked.unmasked:
            # Learned in clear: from now on the scrubber removes them wherever they reappear.
            self._secrets.add(answer[field] for field in masked.unmasked)
            log.warning(
                "%s %s: Codat returned %s unmasked; only X's and the last 4 characters are kept",
                response.request.method,
                _path_of(response.request),
                ", ".join(masked.unmasked),
            )
        return masked

    def _shape_error(
        self, response: httpx.Response, expected: str, exc: ValidationError
    ) -> UnexpectedResponseError:
        """A 2xx answer whose body is not what the call expects; for a write, an unacknowledged one."""
        # Without input values: they could be secrets.
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        ]
        if response.request.method != "GET":
            why = f"it answered {response.status_code}, but its body does not read as {expected} ({'; '.join(problems[:5])})"
            return _not_acknowledged(response.request, why, 1, response)
        return _errors.from_response(
            response, cls=UnexpectedResponseError, tried=f"Expected {expected}; {'; '.join(problems[:5])}"
        )

    def _log_attempt(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        failure: Exception | None,
        elapsed: float,
        attempt: int,
        mask_all: bool,
    ) -> None:
        if not log.isEnabledFor(logging.DEBUG):
            return
        sent = describe_body(request.content, request.headers.get("content-type", ""), mask_all=mask_all)
        request_part = f"headers={mask_headers(request.headers.multi_items())} body={sent}"
        if response is not None:
            response_part = describe_body(
                response.content, response.headers.get("content-type", ""), mask_all=mask_all
            )
        else:
            response_part = "-"
        log.debug(
            "%s %s -> %s in %.0f ms (attempt %d/%d) request: %s response: %s",
            request.method,
            _path_of(request),
            _Outcome(response, failure).text,
            elapsed * 1000,
            attempt,
            self.retry.max_attempts,
            request_part,
            response_part,
        )


class _Cut(Exception):
    """An attempt whose answer was cut short: stopped, past the call's deadline, or with a body the client will
    not take (``cause``); ``head`` is the answer's status and headers when they had arrived."""

    def __init__(self, cause: Interrupted | Unreadable, head: httpx.Response | None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.head = head


def _not_acknowledged(
    request: httpx.Request, why: str, attempts: int, response: httpx.Response
) -> WriteNotAcknowledgedError:
    method, path = request.method, _path_of(request)
    what = f"Codat did not confirm the write: {why}. It may or may not have been applied"
    return WriteNotAcknowledgedError(
        _errors.compose(method, path, what, WriteNotAcknowledgedError.next_step),
        method=method,
        path=path,
        status_code=response.status_code,
        correlation_id=_errors.correlation_header(response),
        attempts=attempts,
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
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


def _stopped_error(
    request: httpx.Request,
    last: _Outcome | None,
    when: str,
    *,
    in_flight: bool = False,
    head: httpx.Response | None = None,
) -> StoppedError:
    """``in_flight``: the request was on the wire when it was stopped (``head``: the answer's status line, when
    it had arrived), so a write's effect is unknown; otherwise ``last`` is the attempt before the stopped wait."""
    method, path = request.method, _path_of(request)
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


_USAGE_FIELD: dict[str, str] = {
    ConnectionStatus.LINKED: "linked",
    ConnectionStatus.PENDING_AUTH: "pending",
    ConnectionStatus.UNLINKED: "unlinked",
    ConnectionStatus.DEAUTHORIZED: "deauthorized",
}


def _legacy_error(
    response: httpx.Response, legacy: _Legacy, tried: str, attempts: int
) -> CodatError:
    """Design choice: the legacy endpoints answer 404 both for an unknown platform key and (on accounts or
    API versions that lack them) for the route itself; 405 means the route exists for other methods only.
    Codat's "No integration was found with key ..." names the first case, which stays a NotFoundError like
    everywhere else; so does "No credentials were found ...", which proves the endpoint exists. Any other
    404/405 means the endpoint is unavailable, so the user is sent to the Portal, the only other place
    these settings can be made."""
    error = _errors.error_text(response)
    if legacy.what == "credentials" and _says_not_found(error, "credentials"):
        # "No credentials were found for integration gbol": the endpoint is there, the credentials are not.
        next_step = f"no credentials are stored for {legacy.platform_key}; nothing to read or delete."
        return _errors.from_response(
            response, cls=NotFoundError, next_step=next_step, tried=tried, attempts=attempts
        )
    if _says_not_found(error, "integration"):
        return _errors.from_response(
            response,
            cls=NotFoundError,
            next_step=_INTEGRATION_NOT_FOUND_NEXT,
            tried=tried,
            attempts=attempts,
        )
    next_step = (
        f"the legacy {legacy.what} endpoint is not available on this Codat account or API version, so set "
        f"the {legacy.what} in the Codat Portal: Settings > Integrations > {legacy.platform_key}. Reading "
        "the integration (and drift of its enabled flag) keeps working without it."
    )
    return _errors.from_response(
        response,
        cls=LegacyEndpointUnavailableError,
        next_step=next_step,
        tried=tried,
        attempts=attempts,
    )


def _no_credentials(response: httpx.Response) -> bool:
    return response.status_code == 404 and _says_not_found(_errors.error_text(response), "credentials")


def _says_not_found(error: str | None, subject: str) -> bool:
    """Codat's wording: "No integration was found with key xxxx", "Data connection ... not found"."""
    text = (error or "").lower()
    return f"no {subject}" in text or (subject in text and ("not found" in text or "not be found" in text))


@functools.cache
def _string_map() -> TypeAdapter[dict[str, str]]:
    return TypeAdapter(dict[str, str])  # built on first use, like the models (defer_build)


def _bytes(count: int) -> str:
    return f"{count:,} byte" + ("" if count == 1 else "s")


def _path_of(request: httpx.Request) -> str:
    return _errors.api_path(request)


def _seg(value: str) -> str:
    """A path segment, escaped so an id can never change which endpoint is called."""
    if not value:
        raise ValueError("an empty id or platform key cannot name a Codat resource")
    return quote(value, safe="")


def _tls_for(base_url: str) -> ssl.SSLContext | bool:
    """httpx's default (certificate checks against certifi's CA bundle) for https. A plain-HTTP base URL, which
    the base URL rule allows only to this machine, never uses TLS: loading the bundle there cost ~17 ms on every
    Terraform plan for nothing, so it gets a context with no trust anchors, on which any TLS would fail."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if base_url.startswith("http://") else True


def _checked_base_url(base_url: str) -> str:
    # The one rule every entry point applies (codat_settings): https, or http only to this machine.
    checked = check_base_url(base_url, "base_url (CODAT_BASE_URL or the provider's base_url)")
    return str(httpx.URL(checked))
