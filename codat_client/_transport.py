"""The client's own httpx transport: httpcore's connection pool on the guarded network backend (``_bounds``).

Why not ``httpx.HTTPTransport``: it builds its pool on httpcore's default backend and has no public setting for
another, and the guard must sit under every socket read. So this transport builds the pool itself through
httpcore's public API and does what ``HTTPTransport`` does around it: the request and the answer translated
between the two libraries, and httpcore's exceptions raised as httpx's (the guard's own ``Interrupted`` passes
through unchanged, as the client expects).

Proxies: httpx.Client takes them from the environment only for the transport it builds itself, so this one does
the same, the same way (``environment_proxy``): HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY, read through the
standard library's ``getproxies``. The client only ever talks to its base URL, so the choice is made once.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.request import getproxies

import httpcore
import httpx

from ._bounds import CallGuard, GuardedBackend

# httpx.Client's defaults for the pool it would have built.
_MAX_CONNECTIONS = 100
_MAX_KEEPALIVE_CONNECTIONS = 20
_KEEPALIVE_EXPIRY = 5.0

# httpcore's exceptions and httpx's counterparts, each subclass before its base, so the first match is the
# most specific one.
_AS_HTTPX: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _AS_HTTPX:
            if isinstance(exc, theirs):
                raise ours(str(exc)) from exc
        raise


class GuardedTransport(httpx.BaseTransport):
    """Every connection to ``base_url`` (directly, or through the environment's proxy) read under ``guard``;
    ``verify`` as httpx takes it (True: certificate checks against certifi's CA bundle, or SSL_CERT_FILE)."""

    def __init__(self, base_url: httpx.URL, verify: ssl.SSLContext | bool, guard: CallGuard) -> None:
        proxy = environment_proxy(base_url)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            proxy=None if proxy is None else _core_proxy(proxy),
            max_connections=_MAX_CONNECTIONS,
            max_keepalive_connections=_MAX_KEEPALIVE_CONNECTIONS,
            keepalive_expiry=_KEEPALIVE_EXPIRY,
            network_backend=GuardedBackend(httpcore.SyncBackend(), guard),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # a SyncByteStream: an iterable of bytes
            extensions=request.extensions,
        )
        with _httpx_errors():
            answer = self._pool.handle_request(sent)
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        with _httpx_errors():
            self._pool.close()


class _Body(httpx.SyncByteStream):
    """An answer's body as httpcore streams it, its failures raised as httpx's."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._chunks

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def environment_proxy(url: httpx.URL) -> httpx.Proxy | None:
    """The proxy httpx.Client would take from the environment for ``url``, or None to connect directly:
    HTTPS_PROXY or HTTP_PROXY by the URL's scheme, else ALL_PROXY (a bare ``host:port`` means http), unless a
    NO_PROXY entry covers the URL (curl's rules, as httpx reads them: ``*`` covers everything, ``example.com``
    the domain and its subdomains, ``.example.com`` its subdomains only, an IP address or ``localhost`` itself)."""
    found = getproxies()
    if any(_covers(entry.strip(), url) for entry in found.get("no", "").split(",") if entry.strip()):
        return None
    chosen = found.get(url.scheme) or found.get("all")
    if not chosen:
        return None
    proxy = httpx.Proxy(chosen if "://" in chosen else f"http://{chosen}")
    # httpcore needs socksio for a SOCKS proxy (an httpx extra); httpx refused such a client when made, so do we.
    from importlib.util import find_spec

    if proxy.url.scheme.startswith("socks") and find_spec("socksio") is None:
        raise ImportError(
            "Using SOCKS proxy, but the 'socksio' package is not installed. "
            "Make sure to install httpx using `pip install httpx[socks]`."
        )
    return proxy


def _covers(entry: str, url: httpx.URL) -> bool:
    """Whether one NO_PROXY entry covers ``url``."""
    if entry == "*":
        return True
    if "://" in entry:
        pattern = entry
    elif _is_ip(entry):
        pattern = f"all://[{entry}]" if ":" in entry else f"all://{entry}"
    elif entry.lower() == "localhost":
        pattern = f"all://{entry}"
    else:
        pattern = f"all://*{entry}"
    try:
        parsed = httpx.URL(pattern)
    except httpx.InvalidURL:
        return False
    if parsed.scheme not in ("all", url.scheme) or (parsed.port is not None and parsed.port != url.port):
        return False
    host = parsed.host
    if host.startswith("*."):
        return url.host.endswith(host[1:]) and len(url.host) > len(host) - 1
    if host.startswith("*"):
        return url.host == host[1:] or url.host.endswith("." + host[1:])
    return not host or url.host == host


def _is_ip(entry: str) -> bool:
    try:
        ipaddress.ip_address(entry.split("/")[0])
    except ValueError:
        return False
    return True


def _core_proxy(proxy: httpx.Proxy) -> httpcore.Proxy:
    url = proxy.url
    return httpcore.Proxy(
        url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
        ssl_context=proxy.ssl_context,
    )
