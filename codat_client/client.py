"""The Codat client: one method per call the provider needs, each one retried, limited and logged safely.

Here are the calls and what they share: the connection, the shared reads (``_cache``), paging (``_paging``). How
one call is sent and retried is ``_sending``; the error that ends it, ``_failures`` (the legacy endpoints' 404s,
``_legacy``); how its answer is read, ``_answers``; its log lines, ``_attempt_log``; its sockets, ``_transport``
and ``_bounds``.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel

from codat_settings import check_base_url, shown_url

from ._answers import parse, parse_credentials
from ._auth import Credential
from ._body import ACCEPT_ENCODING
from ._bounds import Bounds, CallGuard
from ._cache import ReadCache
from ._credentials import MaskedCredentials
from ._errors import api_path
from ._failures import stopped_error
from ._legacy import INTEGRATION_NOT_FOUND_NEXT, Legacy, no_credentials
from ._limiter import RateLimiter
from ._paging import Listing
from ._retry import RetryPolicy
from ._secrets import SecretHold, install_log_scrubbing
from ._sending import CallRules, Sender
from ._transport import GuardedTransport
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
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._sleep = sleep
        self._reads: ReadCache[httpx.Response] | None = ReadCache() if cache_reads else None
        if transport is None:  # one given (e.g. httpx.MockTransport) opens no sockets to bound
            transport = GuardedTransport(httpx.URL(self.base_url), _tls_for(self.base_url), self._guard)
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=self._timeout,
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": user_agent or f"codat-client-python/{__version__} httpx/{httpx.__version__}",
            },
        )
        self._sender = Sender(
            self._http,
            base_url=self.base_url,
            retry=retry or RetryPolicy(),
            limiter=limiter or RateLimiter(clock=clock, sleep=sleep),
            bounds=bounds or Bounds(),
            timeout=self._timeout,
            guard=self._guard,
            stopped=self._stopped,
            clock=clock,
            rng=rng,
        )

    @property
    def retry(self) -> RetryPolicy:
        return self._sender.retry

    @property
    def limiter(self) -> RateLimiter:
        return self._sender.limiter

    @property
    def bounds(self) -> Bounds:
        return self._sender.bounds

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
            "GET", f"/integrations/{_seg(platform_key)}", not_found_next=INTEGRATION_NOT_FOUND_NEXT
        )
        return parse(Integration, response)

    def list_integrations(
        self, query: str | None = None, order_by: str | None = None, page_size: int = 100
    ) -> Iterator[Integration]:
        """Every integration, page after page (lazily: errors surface while iterating)."""
        params = {k: v for k, v in (("query", query), ("orderBy", order_by)) if v is not None}
        return self._pages("/integrations", Integration, page_size, params)

    def get_branding(self, platform_key: str) -> Branding:
        response = self._call(
            "GET", f"/integrations/{_seg(platform_key)}/branding", not_found_next=INTEGRATION_NOT_FOUND_NEXT
        )
        return parse(Branding, response)

    # Credentials and the enabled toggle (legacy v1 endpoints) ---------------------------------------

    def get_credentials(self, platform_key: str) -> MaskedCredentials:
        """The stored credentials, each value `X`s and its last 4 characters; {} when none are set."""
        response = self._call(
            "GET",
            f"/integrations/credentials/{_seg(platform_key)}",
            legacy=Legacy("credentials", platform_key),
            mask_all=True,
        )
        return parse_credentials(response, self._secrets)

    def put_credentials(self, platform_key: str, credentials: Mapping[str, str]) -> MaskedCredentials:
        """Store credentials (e.g. ``{"clientId": ..., "clientSecret": ...}``); returns Codat's copy, masked.

        The values are held by the scrubber until the client is closed, and kept nowhere else.
        """
        body = dict(credentials)
        response = self._call(
            "PUT",
            f"/integrations/credentials/{_seg(platform_key)}",
            json=body,
            legacy=Legacy("credentials", platform_key),
            mask_all=True,
            sent_secrets=tuple(body.values()),
            promise=_STORED_CREDENTIALS,
        )
        return parse_credentials(response, self._secrets)

    def delete_credentials(self, platform_key: str) -> MaskedCredentials:
        """Delete the stored credentials; returns what was deleted (masked)."""
        response = self._call(
            "DELETE",
            f"/integrations/credentials/{_seg(platform_key)}",
            legacy=Legacy("credentials", platform_key),
            mask_all=True,
            # A retry finding nothing means an earlier attempt deleted it and only its answer was lost.
            gone_after_retry=no_credentials,
            promise=_DELETED_CREDENTIALS,
        )
        return MaskedCredentials() if response.status_code == 404 else parse_credentials(response, self._secrets)

    def set_enabled(self, platform_key: str, enabled: bool) -> Integration:
        response = self._call(
            "PUT",
            f"/integrations/{_seg(platform_key)}/enabled",
            json={"enabled": enabled},
            legacy=Legacy("enabled toggle", platform_key),
            promise=_SWITCHED,
        )
        return parse(Integration, response)

    # Profile -------------------------------------------------------------------------------------------

    def get_profile(self) -> Profile:
        return parse(Profile, self._call("GET", "/profile"))

    def put_profile(self, profile: Profile) -> Profile:
        """Replace the whole profile (Codat's PUT semantics: omitted optional fields are cleared)."""
        body = profile.model_dump(mode="json", by_alias=True, exclude_none=True)
        return parse(Profile, self._call("PUT", "/profile", json=body, promise=_SAVED_PROFILE))

    # Instance configuration -------------------------------------------------------------------------------

    def get_sync_settings(self) -> SyncSettings:
        return parse(SyncSettings, self._call("GET", "/profile/syncSettings"))

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
        return parse(AllowedOrigins, self._call("GET", "/corsSettings")).allowed_origins

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
        return parse(AllowedOrigins, response).allowed_origins

    def get_supplemental_data(self, platform_key: str, data_type: str) -> dict[str, SupplementalDataSource]:
        """The named source configurations of one platform and data type; {} when none."""
        response = self._call(
            "GET",
            f"/integrations/{_seg(platform_key)}/dataTypes/{_seg(data_type)}/supplementalDataConfig",
            not_found_next=INTEGRATION_NOT_FOUND_NEXT,
        )
        return parse(SupplementalDataConfiguration, response).supplemental_data_config

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
            not_found_next=INTEGRATION_NOT_FOUND_NEXT,
            promise=_OK_NO_BODY,
        )

    def get_custom_data_type(self, platform_key: str, identifier: str) -> CustomDataTypeConfiguration:
        """One custom data type's configuration (``NotFoundError`` when none is configured)."""
        response = self._call(
            "GET",
            f"/integrations/{_seg(platform_key)}/dataTypes/custom/{_seg(identifier)}",
            not_found_next=_CUSTOM_DATA_TYPE_NOT_FOUND_NEXT,
        )
        return parse(CustomDataTypeConfiguration, response)

    def put_custom_data_type(
        self, platform_key: str, identifier: str, configuration: CustomDataTypeConfiguration
    ) -> CustomDataTypeConfiguration:
        """Create or replace a custom data type; returns it as Codat stored it. Codat has no DELETE for them."""
        response = self._call(
            "PUT",
            f"/integrations/{_seg(platform_key)}/dataTypes/custom/{_seg(identifier)}",
            json=configuration.model_dump(mode="json", by_alias=True, exclude_none=True),
            not_found_next=INTEGRATION_NOT_FOUND_NEXT,
            promise=_SAVED_CUSTOM_DATA_TYPE,
        )
        return parse(CustomDataTypeConfiguration, response)

    # Webhooks ------------------------------------------------------------------------------------------

    def list_webhooks(self) -> Iterator[WebhookConsumer]:
        """Every webhook consumer (Codat allows at most 50 and does not page this list)."""
        page = parse(Page[WebhookConsumer], self._call("GET", "/webhooks"))
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
        return parse(WebhookConsumer, response)

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
            page = parse(Page[model], response)  # type: ignore[valid-type]
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
        legacy: Legacy | None = None,
        mask_all: bool = False,
        sent_secrets: Sequence[str] = (),
        not_found_next: str | None = None,
        gone_after_retry: Callable[[httpx.Response], bool] | None = None,
        promise: Promise | None = None,
    ) -> httpx.Response:
        """Send one logical call (``_sending``: attempts, waits and limits until a 2xx answer or a CodatError),
        through the shared reads when ``cache_reads`` is on.

        A request with a body asks for ``Connection: close``: a server may answer (429, 503) before reading the
        body, and on a kept-alive connection the unread bytes would become the start of the next request, the
        retry's included. Whether the server read the body cannot be seen from here, and httpx offers no public
        way to drop one pooled connection, so no connection that carried a body is reused; writes are few, so
        the extra handshakes cost little.
        """
        self._secrets.add(sent_secrets)

        def build() -> httpx.Request:
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
            return request

        if self._stopped.is_set():
            raise stopped_error(build(), None, "before the request was sent")
        rules = CallRules(legacy, mask_all, not_found_next, gone_after_retry, promise)

        def send() -> httpx.Response:
            return self._sender.send(build(), rules, self._wait)

        if self._reads is None:
            return send()
        if method != "GET":
            with self._reads.writing():
                return send()
        if mask_all:  # a credentials answer may hold secrets in clear: never kept
            return send()
        # Keyed by what names the answer, so a read that shares one builds no request of its own (building one
        # parses its URL: most of a shared read's cost when 50 resources read one list).
        response, shared = self._reads.get(f"{path}?{urlencode(params or {})}", send)
        if shared and log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s: shared answer (cache_reads)", method, api_path(response.request),
                      response.status_code)
        return response

    def _wait(self, seconds: float) -> None:
        """Sleep, or (without an injected ``sleep``) wait on the stop event, which ends the wait at once."""
        if self._sleep is None:
            self._stopped.wait(seconds)
        else:
            self._sleep(seconds)


_USAGE_FIELD: dict[str, str] = {
    ConnectionStatus.LINKED: "linked",
    ConnectionStatus.PENDING_AUTH: "pending",
    ConnectionStatus.UNLINKED: "unlinked",
    ConnectionStatus.DEAUTHORIZED: "deauthorized",
}


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
