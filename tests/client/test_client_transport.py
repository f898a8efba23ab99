"""The client's own transport (codat_client/_transport.py): the proxy it takes from the environment, chosen as
httpx.Client chose it, and every connection, proxied or not, still bounded by stop() and the call's deadline.

Over real sockets on loopback: a forward proxy in a thread of the test process that answers requests itself.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec

import httpx
import pytest

from codat_client import CodatClient, RetryPolicy, StoppedError, TransportError
from codat_client._transport import environment_proxy

XERO = {"key": "gbol", "name": "Xero", "enabled": True}
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment with no proxy variable in either letter case."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def chosen(url: str) -> str | None:
    proxy = environment_proxy(httpx.URL(url))
    return None if proxy is None else str(proxy.url)


# --------------------------------------------------------------------------- which proxy, as httpx chose it


def test_the_scheme_s_proxy_else_all_proxy(monkeypatch):
    assert chosen("https://api.codat.io") is None
    monkeypatch.setenv("HTTP_PROXY", "http://plain-proxy:3128")
    assert chosen("https://api.codat.io") is None  # HTTP_PROXY is for http:// URLs only
    assert chosen("http://127.0.0.1:8080") == "http://plain-proxy:3128"
    monkeypatch.setenv("ALL_PROXY", "corporate-proxy:8080")  # a bare host:port means http
    assert chosen("https://api.codat.io") == "http://corporate-proxy:8080"
    monkeypatch.setenv("HTTPS_PROXY", "https://secure-proxy:8443")
    assert chosen("https://api.codat.io") == "https://secure-proxy:8443"


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("*", "https://api.codat.io", True),
        ("codat.io", "https://api.codat.io", True),  # the domain and its subdomains
        ("codat.io", "https://codat.io", True),
        ("codat.io", "https://notcodat.io", False),
        (".codat.io", "https://api.codat.io", True),  # subdomains only
        (".codat.io", "https://codat.io", False),
        ("127.0.0.1", "http://127.0.0.1:8080", True),
        ("127.0.0.1", "http://127.0.0.2:8080", False),
        ("::1", "http://[::1]:8080", True),
        ("localhost", "http://localhost:8080", True),
        ("example.com, api.codat.io", "https://api.codat.io", True),  # a list, spaces allowed
        ("api.codat.io:8443", "https://api.codat.io", False),  # another port
        ("https://api.codat.io", "https://api.codat.io", True),  # a scheme://host entry
        ("http://api.codat.io", "https://api.codat.io", False),
    ],
)
def test_no_proxy_follows_curl_s_rules_as_httpx_read_them(monkeypatch, no_proxy, url, direct):
    monkeypatch.setenv("ALL_PROXY", "http://corporate-proxy:8080")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert chosen(url) == (None if direct else "http://corporate-proxy:8080")


def test_a_proxy_url_httpx_cannot_use_is_refused_when_the_client_is_made(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "ftp://old-proxy:21")
    with pytest.raises(ValueError, match="proxy"):
        CodatClient("https://api.codat.io", "proxy-test-key-0001")


def test_a_socks_proxy_without_socksio_is_refused_when_the_client_is_made(monkeypatch):
    if find_spec("socksio") is not None:
        pytest.skip("socksio is installed here (requirements.txt does not install it): httpcore could use SOCKS")
    monkeypatch.setenv("ALL_PROXY", "socks5://socks-proxy:1080")
    with pytest.raises(ImportError, match="socksio"):
        CodatClient("https://api.codat.io", "proxy-test-key-0001")


# --------------------------------------------------------------------------- through a real proxy


class ForwardProxy(ThreadingHTTPServer):
    """A forward proxy that answers every request itself: Codat's integration, or (``hold``) nothing until it
    closes. ``seen`` records the request lines it received."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: list[str] = []
        self.hold = False
        self.closing = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ForwardProxy

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.seen.append(self.requestline)
        if self.server.hold:
            self.server.closing.wait(30)
            return
        body = json.dumps(XERO).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()


# Nothing listens here: only a proxy can answer for it.
UNREACHABLE = "http://127.0.0.1:9"


def test_requests_go_through_the_environment_s_proxy(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with CodatClient(UNREACHABLE, "proxy-test-key-0001", retry=RetryPolicy(max_attempts=1)) as client:
        assert client.get_integration("gbol").name == "Xero"
    assert proxy.seen == [f"GET {UNREACHABLE}/integrations/gbol HTTP/1.1"]  # absolute form: to a proxy


def test_no_proxy_sends_the_request_directly(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", UNREACHABLE)  # a proxy that would refuse the connection
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with CodatClient(proxy.url, "proxy-test-key-0001", retry=RetryPolicy(max_attempts=1)) as client:
        assert client.get_integration("gbol").name == "Xero"
    assert proxy.seen == ["GET /integrations/gbol HTTP/1.1"]  # origin form: straight to the server


def test_a_proxy_that_holds_the_answer_is_ended_by_stop(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    proxy.hold = True
    client = CodatClient(UNREACHABLE, "proxy-test-key-0001", retry=RetryPolicy(max_attempts=1))
    failures: list[BaseException] = []

    def call() -> None:
        try:
            client.get_integration("gbol")
        except StoppedError as exc:
            failures.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    while not proxy.seen:
        time.sleep(0.01)
    stopped_at = time.monotonic()
    client.stop()
    worker.join(timeout=10)
    assert not worker.is_alive(), "stop() did not end a read from the proxy"
    assert time.monotonic() - stopped_at < 5  # the grace (0.5 s) and a read slice, with a wide margin
    assert failures and "while waiting for Codat's answer" in str(failures[0])
    client.close()


def test_a_proxy_that_holds_the_answer_is_ended_by_the_deadline(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    proxy.hold = True
    started = time.monotonic()
    with CodatClient(UNREACHABLE, "proxy-test-key-0001", retry=RetryPolicy(max_attempts=1, deadline=0.5)) as client:
        # The deadline, or the read timeout it caps: whichever the clock reaches first.
        with pytest.raises(TransportError, match="GET /integrations/gbol"):
            client.get_integration("gbol")
    assert time.monotonic() - started < 5
