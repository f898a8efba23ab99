"""The client against a careless Codat over real loopback HTTP: unread bodies, echoed secrets, unmasked
credentials, long waits that must stop, and addresses that must never be shown in full."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from codat_client import (
    CodatClient,
    CodatError,
    RateLimiter,
    RetryPolicy,
    ServerError,
    StoppedError,
    TransportError,
    scrub,
)
from codat_settings import SettingError
from tests.careless.careless_server import CarelessCodat

API_KEY = "careless-api-key-5e3f7a1c"
KEY_B64 = base64.b64encode(API_KEY.encode()).decode()
CLIENT_ID = "00112233445566778899AABBCCDDEEFF"
SECRET = "careless-client-secret-91ab"
PORTAL_SECRET = "typed-in-the-portal-secret-3d2f"
CREDENTIALS = {"clientId": CLIENT_ID, "clientSecret": SECRET}
CREDENTIALS_PATH = "/integrations/credentials/gbol"
GENEROUS = 30.0  # seconds a stopped call may take to return on a loaded machine; its waits are >= 100 s


@pytest.fixture
def codat() -> Iterator[CarelessCodat]:
    with CarelessCodat(API_KEY) as server:
        yield server


@pytest.fixture
def client(codat: CarelessCodat) -> Iterator[CodatClient]:
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(base_delay=0.01, jitter=0.0)) as made:
        yield made


def assert_clean(text: str, *secrets: str) -> None:
    for secret in (API_KEY, KEY_B64, SECRET, *secrets):
        assert secret not in text, "a secret leaked"


# ------------------------------------------------------------------------------- unread bodies


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_an_early_answer_goes_out_on_a_fresh_connection(codat, client, status):
    codat.fault("PUT", CREDENTIALS_PATH, status, retry_after="0")
    codat.fault("PUT", "/integrations/gbol/enabled", status, retry_after="0")

    client.put_credentials("gbol", CREDENTIALS)
    client.set_enabled("gbol", True)
    assert client.get_integration("gbol").enabled is True

    seen = codat.requests()
    assert [s.status for s in seen] == [status, 200, status, 200, 200], seen  # no 501 from unread bytes
    first, retry = codat.requests("PUT", CREDENTIALS_PATH)
    assert first.connection != retry.connection
    assert codat.credentials["gbol"] == CREDENTIALS


# ------------------------------------------------------------------------------- echoed secrets


def test_nothing_the_server_echoes_reaches_an_error_or_any_log_line(codat, caplog):
    # A careless server quotes the whole request (Authorization header, body) in its reason phrase and body.
    codat.fault("PUT", CREDENTIALS_PATH, 503, count=2, early=False)
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    with caplog.at_level(1), CodatClient(codat.url, API_KEY, retry=retry) as client:
        with pytest.raises(ServerError) as caught:
            client.put_credentials("gbol", CREDENTIALS)
    exc = caught.value
    assert "Codat answered 503 Service Unavailable (PUT /integrations/credentials/gbol HTTP/1.1 with ***" in str(exc)
    assert_clean(str(exc) + repr(exc) + (exc.error or ""))
    logged = caplog.text
    assert "HTTP Request: PUT" in logged  # httpx's own line (with the reason phrase) was logged ...
    assert "receive_response_headers.complete" in logged  # ... and httpcore's header tuples
    assert_clean(logged)


def test_the_answer_to_desynchronised_bytes_is_scrubbed_too(codat, caplog):
    # What an unfixed client met: http.server reads the unread body as the next request line and quotes it.
    body = ('{"clientId":"%s","clientSecret":"%s"}' % (CLIENT_ID, SECRET)).encode()
    with socket.create_connection(("127.0.0.1", int(codat.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(body + b"GET /integrations/gbol HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        status_line = raw.makefile("rb").readline().decode("latin-1")
    assert status_line.startswith("HTTP/1.1 501 Unsupported method") and SECRET in status_line
    with caplog.at_level(logging.DEBUG), CodatClient(codat.url, API_KEY) as client:
        client.put_credentials("gbol", CREDENTIALS)  # the secret is one this process has sent
        logging.getLogger("httpx").info("HTTP Request: %s", status_line)  # as httpx logs a reason phrase
        assert_clean(scrub(status_line))
    assert "Unsupported method" in caplog.text
    assert_clean(caplog.text)


# ------------------------------------------------------------------------------- unmasked credentials


def test_credentials_returned_in_clear_are_reduced_and_named_once(codat, client, caplog):
    with caplog.at_level(logging.WARNING, logger="codat_client"):
        stored = client.put_credentials("gbol", CREDENTIALS)
    assert stored == {"clientId": "X" * 28 + "EEFF", "clientSecret": "X" * (len(SECRET) - 4) + "91ab"}
    assert stored.unmasked == ("clientId", "clientSecret")
    [warning] = caplog.records
    assert "clientId, clientSecret unmasked" in warning.getMessage()
    assert_clean(caplog.text, CLIENT_ID)

    # Someone types another secret into the Portal; Codat returns it in clear to a read that never sent it.
    with codat.lock:
        codat.credentials["gbol"] = {"clientId": CLIENT_ID, "clientSecret": PORTAL_SECRET}
    held = client.get_credentials("gbol")
    assert held["clientSecret"].endswith("3d2f") and PORTAL_SECRET not in repr(held)
    # From now on it is scrubbed wherever it reappears, e.g. in a later httpcore line.
    with caplog.at_level(logging.DEBUG, logger="httpcore.http11"):
        logging.getLogger("httpcore.http11").debug("receive_response_headers %s", PORTAL_SECRET.encode())
    assert_clean(caplog.text, PORTAL_SECRET)
    deleted = client.delete_credentials("gbol")
    assert deleted["clientSecret"] == "X" * (len(PORTAL_SECRET) - 4) + "3d2f"


def test_masked_answers_pass_without_a_warning_in_one_form(codat, client, caplog):
    with codat.lock:
        codat.credentials["gbol"] = {"clientId": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXEEFF", "clientSecret": "XXXX...91ab"}
    with caplog.at_level(logging.WARNING, logger="codat_client"):
        held = client.get_credentials("gbol")
    assert held == {"clientId": "X" * 28 + "EEFF", "clientSecret": "XXXXXXX91ab"} and held.unmasked == ()
    assert caplog.records == []


# ------------------------------------------------------------------------------- stopping


class WatchedLimiter(RateLimiter):
    """A limiter that says when a call has reached it (so a test stops a call that is really waiting)."""

    def __init__(self, **caps: int | None) -> None:
        super().__init__(**caps, window=600.0)
        self.entered = threading.Event()

    def acquire(self, max_wait: float, cancel: threading.Event | None = None) -> bool:
        self.entered.set()
        return super().acquire(max_wait, cancel)


def stopped_while(client: CodatClient, call: Callable[[], object], reached: threading.Event) -> StoppedError:
    """Run `call` in a thread, stop the client once `reached` is set, and return the StoppedError it raised."""
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert reached.wait(GENEROUS), "the call never reached its wait"
    client.stop()
    worker.join(GENEROUS)
    assert not worker.is_alive(), "stop() did not end the wait"
    [raised] = outcome
    assert isinstance(raised, StoppedError), raised
    return raised


def test_stop_ends_a_long_retry_after_wait(codat):
    codat.fault("PUT", CREDENTIALS_PATH, 429, retry_after="100")
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(deadline=600, jitter=0)) as client:
        exc = stopped_while(client, lambda: client.put_credentials("gbol", CREDENTIALS), codat.faulted)
        assert "stopped while waiting 100.0 s to retry after Codat answered 429 Too Many Requests" in str(exc)
        assert "so it did not take effect" in str(exc) and exc.took_effect is False and exc.status_code == 429
        with pytest.raises(StoppedError, match="stopped before the request was sent"):
            client.get_integration("gbol")  # stopping is for good
    assert codat.credentials == {} and len(codat.requests()) == 1
    assert_clean(str(exc))


def test_stop_ends_a_backoff_and_says_a_5xx_leaves_the_effect_unknown(codat):
    codat.fault("PUT", "/integrations/gbol/enabled", 503, early=False)
    retry = RetryPolicy(base_delay=100, max_delay=100, deadline=600, jitter=0)
    with CodatClient(codat.url, API_KEY, retry=retry) as client:
        exc = stopped_while(client, lambda: client.set_enabled("gbol", True), codat.faulted)
    assert "whether it took effect is unknown" in str(exc) and exc.took_effect is None


@pytest.mark.parametrize("caps", [{"max_concurrent": 1}, {"max_per_window": 1}])
def test_stop_ends_a_wait_for_the_limiter(codat, caps):
    limiter = WatchedLimiter(**{"max_concurrent": None, "max_per_window": None, **caps})
    assert limiter.acquire(1.0)  # another call holds the only slot (or used the window's one request)
    with CodatClient(codat.url, API_KEY, limiter=limiter, retry=RetryPolicy(deadline=900)) as client:
        exc = stopped_while(client, lambda: client.get_integration("gbol"), limiter.entered)
    assert "stopped while waiting for the client-side limiter" in str(exc)
    assert codat.requests() == []


# ------------------------------------------------------------------------------- addresses


def test_a_transport_error_shows_scheme_and_host_only():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/tenant-{API_KEY}"
    with CodatClient(url, API_KEY, retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(TransportError) as caught:
            client.get_integration("gbol")
        assert repr(client) == f"CodatClient(base_url='http://127.0.0.1:{port}', api_key=***)"
    assert f"no answer from http://127.0.0.1:{port} (" in str(caught.value)
    assert "tenant" not in str(caught.value)


@pytest.mark.parametrize(
    "base_url",
    [
        API_KEY,  # CODAT_BASE_URL and CODAT_API_KEY swapped
        "http://codat.example.com",  # the key would travel in clear
        f"http://user:{API_KEY}@127.0.0.1:1",  # a key in the URL
        f"https://api.codat.io/?key={API_KEY}",
    ],
)
def test_the_client_refuses_a_bad_base_url_before_any_request_without_showing_it(codat, base_url):
    with pytest.raises(SettingError) as caught:
        CodatClient(base_url, API_KEY)
    assert "base_url" in str(caught.value)
    assert_clean(str(caught.value))
    assert codat.requests() == []


def test_every_error_is_a_codat_error_and_none_shows_the_key(codat):
    with CodatClient(codat.url, "not-the-key-1234", retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(CodatError) as caught:
            client.get_integration("gbol")
    assert caught.value.status_code == 401
    assert "not-the-key-1234" not in str(caught.value)
    assert base64.b64encode(b"not-the-key-1234").decode() not in str(caught.value)
