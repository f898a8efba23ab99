"""The client's bounds against a careless Codat over real loopback HTTP, where they are about sockets: a body
trickling one byte every 5 s, an answer that never comes, stop() from another thread, a 1 GiB gzip bomb (peak
memory measured), an HTML 200 to a write, listings that never end, and secrets in Retry-After and Location."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codat_client import (
    CodatClient,
    DeadlineExceededError,
    PagingError,
    RetryPolicy,
    StoppedError,
    UnexpectedResponseError,
    WriteNotAcknowledgedError,
)
from codat_settings import shown_url
from codat_settings.secrets import SecretHold
from tests.careless.careless_server import CarelessCodat, gzip_bomb, html_page

API_KEY = "careless-bounds-api-key-7c1d"
ENABLED = "/integrations/gbol/enabled"
GENEROUS = 30.0  # seconds: an upper bound on a loaded 2-core machine, never the expected duration
STOP_BOUND = 3.0  # seconds from stop() to the call's end (expected: the 0.5 s grace and a 0.1 s read slice)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def codat() -> Iterator[CarelessCodat]:
    with CarelessCodat(API_KEY) as server:
        yield server


def timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    """The exception ``call`` raised and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        call()
    return caught.value, time.monotonic() - started


# ------------------------------------------------------------------------------- the call's deadline


@pytest.mark.parametrize("trickle", ["headers", "body"])
def test_the_deadline_ends_a_call_whatever_the_server_holds_back(codat, trickle):
    codat.fault("GET", "/integrations/gbol", 200, trickle=trickle)
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(deadline=2.0)) as client:
        error, took = timed(lambda: client.get_integration("gbol"))
    assert isinstance(error, DeadlineExceededError), error
    assert 1.9 <= took < 2.0 + GENEROUS
    arrived = "Codat answered 200 OK and 1 byte of its body had arrived" if trickle == "body" else "no answer had begun"
    assert ("within the call's 2 s deadline (RetryPolicy.deadline, which covers the answer's headers and body and "
            f"every retry): {arrived}.") in str(error)
    assert codat.released.wait(GENEROUS), "the client never closed the held connection"


def test_a_write_whose_200_body_trickles_past_the_deadline_is_not_acknowledged(codat):
    codat.fault("PUT", ENABLED, 200, trickle="body")
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(deadline=2.0)) as client:
        error, _ = timed(lambda: client.set_enabled("gbol", True))
    assert isinstance(error, WriteNotAcknowledgedError), error
    assert "Codat did not confirm the write: it answered 200 OK and 1 byte of its body had arrived when the call's " \
           "2 s deadline" in str(error)


def test_the_read_timeout_still_ends_one_attempt_and_the_next_one_is_answered(codat):
    codat.fault("GET", "/integrations/gbol", 200, trickle="headers")
    retry = RetryPolicy(deadline=60.0, base_delay=0.01)
    with CodatClient(codat.url, API_KEY, timeout=1.0, retry=retry) as client:
        assert client.get_integration("gbol").name == "Xero"
    assert [s.status for s in codat.requests("GET")] == [200, 200]


# ------------------------------------------------------------------------------- stop() from another thread


def stopped_in_flight(
    client: CodatClient, call: Callable[[], object], codat: CarelessCodat
) -> tuple[StoppedError, float]:
    """Run ``call`` in a thread, stop the client once the server holds the answer, and return the StoppedError
    and the seconds from stop() to the call's end."""
    outcome: list[BaseException] = []
    ended = threading.Event()

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)
        ended.set()

    threading.Thread(target=run, daemon=True).start()
    assert codat.faulted.wait(GENEROUS), "the call never reached the held answer"
    stopped_at = time.monotonic()
    client.stop()
    assert ended.wait(GENEROUS), "stop() did not end the call"
    took = time.monotonic() - stopped_at
    [raised] = outcome
    assert isinstance(raised, StoppedError), raised
    return raised, took


@pytest.mark.parametrize("trickle, when", [
    ("headers", "stopped while waiting for Codat's answer, "),
    ("body", "stopped while reading Codat's answer (200 OK and 1 byte of its body had arrived), "),
])
def test_stop_ends_a_write_blocked_on_its_answer_within_a_second(codat, trickle, when):
    codat.fault("PUT", ENABLED, 200, trickle=trickle)
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(deadline=600.0)) as client:
        error, took = stopped_in_flight(client, lambda: client.set_enabled("gbol", True), codat)
    assert took < STOP_BOUND, f"stop() took {took:.2f} s"
    assert f"PUT {ENABLED}: {when}so whether it took effect is unknown." in str(error)
    assert error.took_effect is None
    assert codat.released.wait(GENEROUS), "the stopped call left its connection open"


def test_stop_ends_a_read_of_a_trickling_body(codat):
    codat.fault("GET", "/integrations/gbol", 200, trickle="body")
    with CodatClient(codat.url, API_KEY, retry=RetryPolicy(deadline=600.0)) as client:
        error, took = stopped_in_flight(client, lambda: client.get_integration("gbol"), codat)
    assert took < STOP_BOUND and error.took_effect is False  # a read changes nothing
    assert "stopped while reading Codat's answer" in str(error)


# ------------------------------------------------------------------------------- sizes


PEAK_PROBE = """
import os, sys
from codat_client import CodatClient, ResponseTooLargeError, WriteNotAcknowledgedError
with CodatClient(sys.argv[1], os.environ["PROBE_KEY"]) as client:
    for call, expected in ((lambda: client.get_integration("gbol"), ResponseTooLargeError),
                           (lambda: client.set_enabled("gbol", True), WriteNotAcknowledgedError)):
        try:
            call()
        except expected as exc:
            print(type(exc).__name__, exc)
        else:
            print("no error")
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print("peak KiB", peak)
"""


def test_a_gzip_bomb_is_refused_at_the_cap_and_the_process_stays_small(codat):
    bomb = gzip_bomb()  # about 1 MB that inflates to 1 GiB
    for method, path in (("GET", "/integrations/gbol"), ("PUT", ENABLED)):
        codat.fault(method, path, 200, body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/json"})
    # A fresh process, so its peak resident memory is the client's alone.
    probe = subprocess.run([sys.executable, "-c", PEAK_PROBE, codat.url], cwd=REPO, capture_output=True, text=True,
                           timeout=120, env={"PROBE_KEY": API_KEY, "PATH": "/usr/bin:/bin"})
    assert probe.returncode == 0, probe.stderr
    read, write, peak = probe.stdout.splitlines()
    assert read.startswith("ResponseTooLargeError GET /integrations/gbol: Codat answered 200 OK, but the answer was "
                           "larger than the client's 32 MiB cap once decoded (Bounds.max_decoded_bytes)."), read
    assert write.startswith(f"WriteNotAcknowledgedError PUT {ENABLED}: Codat did not confirm the write: it answered "
                            "200 OK, but the answer was larger than the client's 32 MiB cap once decoded"), write
    peak_mib = int(peak.split()[-1]) / 1024
    print(f"peak RSS with a 1 GiB gzip bomb read and written: {peak_mib:.0f} MiB")
    assert peak_mib < 300
    assert codat.integrations["gbol"]["enabled"] is False


def test_an_html_200_to_a_write_is_not_taken_as_done(codat):
    codat.fault("PUT", ENABLED, 200, body=html_page(), headers={"Content-Type": "text/html; charset=utf-8"})
    with CodatClient(codat.url, API_KEY) as client:
        with pytest.raises(WriteNotAcknowledgedError) as caught:
            client.set_enabled("gbol", True)
    assert str(caught.value).startswith(
        f"PUT {ENABLED}: Codat did not confirm the write: it answered 200 with 91 bytes of text/html that are not "
        "JSON, where Codat's contract promises 200 with the integration as JSON. It may or may not have been applied.")
    assert len(codat.requests("PUT", ENABLED)) == 1 and codat.integrations["gbol"]["enabled"] is False


# ------------------------------------------------------------------------------- listings


@pytest.mark.parametrize("paging, requests, says", [
    ("endless", 200, "still had a next page after 200 pages, the client's cap on one listing (Bounds.max_pages)"),
    ("loop", 2, "page 2's next link repeats page 1's, so the listing would never end"),
    ("foreign", 1, "page 1's next link leads to https://elsewhere.example, away from the base URL http://127.0.0.1:"),
])
def test_a_listing_that_would_not_end_is_refused(codat, paging, requests, says):
    codat.paging = paging
    with CodatClient(codat.url, API_KEY) as client:
        with pytest.raises(PagingError) as caught:
            list(client.list_integrations(page_size=2))
    assert f"GET /integrations: gave up listing: Codat's answer {says}" in str(caught.value)
    assert len(codat.requests("GET", "/integrations")) == requests


def test_a_listing_as_codat_pages_it_is_read_whole(codat):
    with CodatClient(codat.url, API_KEY) as client:
        assert [i.key for i in client.list_integrations(page_size=2)] == ["gbol", "qhyg", "tgff"]
    assert len(codat.requests("GET", "/integrations")) == 2


# ------------------------------------------------------------------------------- secrets in headers

HEADER_SECRET = "Learned-Elsewhere-Secret-8e2F"  # e.g. a client secret the provider knows from TF_VAR_
HOST_SECRET = "Tenant-Key-9F3aB7c2d1"


def test_a_secret_in_retry_after_or_location_reaches_no_log_line_or_error(codat, caplog):
    # Secrets this process holds but never sends: the provider learns them from its environment.
    hold = SecretHold()
    hold.add([HEADER_SECRET, HOST_SECRET])
    try:
        codat.fault("GET", "/integrations/gbol", 503, early=False, headers={"Retry-After": HEADER_SECRET})
        codat.fault("GET", "/integrations/gbol", 302, early=False,
                    headers={"Location": f"https://{HOST_SECRET}.example/v1/?key={HEADER_SECRET}"})
        retry = RetryPolicy(max_attempts=2, base_delay=0.01)
        with caplog.at_level(1), CodatClient(codat.url, API_KEY, retry=retry) as client:
            with pytest.raises(UnexpectedResponseError) as caught:
                client.get_integration("gbol")
    finally:
        hold.release()
    message = str(caught.value)
    assert "the API redirected to https://***.example: set CODAT_BASE_URL" in message, message
    logged = caplog.text
    assert "Retry-After" in logged and "Location" in logged  # httpcore logged the header tuples ...
    for secret in (HEADER_SECRET, HOST_SECRET):
        for form in (secret, secret.lower(), secret.upper()):
            assert form not in logged and form not in message  # ... scrubbed, in any case


def test_shown_url_keeps_the_host_as_given():
    assert shown_url(f"https://user:pw@{HOST_SECRET}.Example:8443/p?q") == f"https://{HOST_SECRET}.Example:8443"
    assert shown_url("http://[::1]:9/x") == "http://[::1]:9"
