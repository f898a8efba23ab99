"""Fixtures for the client's tests: a scripted fake Codat (httpx.MockTransport) with a fake clock, and the
recording setup for the cassettes (replayed by default; `tests/client/record_cassettes.sh` re-records)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from client_recording import (
    CLIENT_CASSETTES,
    EMULATOR,
    EMULATOR_ORIGIN,
    LIVE,
    RECORDING_API_KEY,
    REPLAY_BASE_URL,
    REPO,
    SECRET_HEADERS,
    Target,
    recording_source,
    redact_request,
    redact_response,
    replayable_sources,
    rewritten_origins,
)
from codat_client import CodatClient, RateLimiter, RetryPolicy  # noqa: E402

API_KEY = "unit-test-api-key-5f1c9a"

# --- scripted fake Codat ------------------------------------------------------------------------------


@dataclass
class FakeTime:
    """A clock that only moves when the client sleeps, so retry waits are exact and instant."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler answering from a list, one reply per request; records what it was sent."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply


def codat_error(status: int, error: str = "Something failed", **extra: Any) -> httpx.Response:
    """An error answer shaped like Codat's (statusCode, service, error, correlationId, canBeRetried...)."""
    headers = extra.pop("headers", {})
    body = {
        "statusCode": status,
        "service": "PublicApi",
        "error": error,
        "correlationId": extra.pop("correlationId", f"corr-{status}"),
        "validation": extra.pop("validation", None),
        "canBeRetried": extra.pop("canBeRetried", "Unknown"),
        "detailedErrorCode": 0,
        **extra,
    }
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class Harness:
    script: Script
    time: FakeTime
    client: CodatClient


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def harness(fake_time: FakeTime) -> Iterator[Callable[..., Harness]]:
    """``harness(*replies, **client_kwargs)``: a client wired to a Script and the fake clock, no jitter."""
    made: list[CodatClient] = []

    def make(*replies: Reply, **kwargs: Any) -> Harness:
        script = Script(*replies)
        kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0, deadline=60.0))
        kwargs.setdefault("rng", lambda: 0.0)
        kwargs.setdefault("limiter", RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep))
        client = CodatClient(
            "https://api.codat.io",
            kwargs.pop("api_key", API_KEY),
            transport=httpx.MockTransport(script),
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            **kwargs,
        )
        made.append(client)
        return Harness(script, fake_time, client)

    yield make
    for client in made:
        client.close()


@pytest.fixture
def codat_error_response() -> Callable[..., httpx.Response]:
    return codat_error


# --- recorded HTTP (pytest-recording) ----------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every recorded test runs once per source (tests/cassettes/client/<source>/): when replaying, each source
    with cassettes; when recording, the one being recorded (``client_recording.recording_source``)."""
    if "cassette_source" in metafunc.fixturenames:
        recording = metafunc.config.getoption("--record-mode") != "none"
        sources = [recording_source()] if recording else replayable_sources()
        metafunc.parametrize("cassette_source", sources, scope="session")


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    # Tests without a source (the scans of the cassettes themselves) open no cassette.
    source = request.getfixturevalue("cassette_source") if "cassette_source" in request.fixturenames else EMULATOR
    return str(CLIENT_CASSETTES / source)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's name, without the source its id carries (the folder says that)."""
    return request.node.originalname


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        # No scheme/host/port: a cassette replays whatever address it was recorded on.
        "match_on": ("method", "path", "query", "body"),
        "filter_headers": list(SECRET_HEADERS),
        "before_record_request": redact_request,
        "before_record_response": redact_response,
        "decode_compressed_response": True,  # so the secret scan sees every body in clear
    }


def _listening(url: str) -> bool:
    parsed = httpx.URL(url)
    try:
        with socket.create_connection((parsed.host, parsed.port or 80), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def codat_target(
    cassette_source: str, record_mode: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """Where the cassette tests talk to. Replaying: nowhere real. Recording live: the account named by
    CODAT_BASE_URL + CODAT_API_KEY (only with CODAT_RECORD_WRITES=yes, as recording writes). Recording the
    emulator: the one a loopback CODAT_BASE_URL names, else a fresh one seeded with companies and connections."""
    if record_mode == "none":
        yield Target(REPLAY_BASE_URL[cassette_source], RECORDING_API_KEY)
        return
    url, key = os.environ.get("CODAT_BASE_URL"), os.environ.get("CODAT_API_KEY")
    if cassette_source == LIVE:
        assert url and key
        if os.environ.get("CODAT_RECORD_WRITES") != "yes":
            pytest.exit(
                "Recording against a live Codat account writes to it (fake Xero credentials on gbol, the "
                "enabled toggle, a temporary webhook, CORS origins, supplemental data, and a custom data type "
                "that cannot be deleted). Use a test account and set CODAT_RECORD_WRITES=yes.",
                returncode=2,
            )
        yield Target(url.rstrip("/"), key)
        return
    if url and key:  # an emulator of your own, on this machine
        rewritten_origins[_origin(url)] = EMULATOR_ORIGIN
        yield Target(url.rstrip("/"), key)
        return
    data = tmp_path_factory.mktemp("codat-emulator-data")
    process, url = _start_emulator(data)
    try:
        rewritten_origins[_origin(url)] = EMULATOR_ORIGIN
        yield Target(url.rstrip("/"), RECORDING_API_KEY)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path="/", query=None, fragment=None)).rstrip("/")


def _emulator(*args: str) -> list[str]:
    return [sys.executable, "-m", "codat_emulator", *args]


def _start_emulator(data: Path) -> tuple[subprocess.Popen[str], str]:
    for company, status in (("Cassette Linked Ltd", "Linked"), ("Cassette Pending Ltd", "PendingAuth")):
        subprocess.run(
            _emulator(
                "portal",
                "add-company",
                company,
                "--platform",
                "gbol",
                "--status",
                status,
                "--data",
                str(data),
            ),
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
    process = subprocess.Popen(
        _emulator(
            "serve", "--host", "127.0.0.1", "--port", "0", "--data", str(data), "--api-key", RECORDING_API_KEY
        ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    deadline = time.monotonic() + 15
    # A raw socket, not HTTP, checks readiness: an HTTP probe would end up in a cassette.
    while not (url.startswith("http") and _listening(url)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the emulator did not start (first line {url!r})")
        time.sleep(0.05)
    return process, url


@pytest.fixture
def recorded_client(codat_target: Target) -> Iterator[CodatClient]:
    """A client for cassette tests: no waiting on replays, real waits only when recording."""
    with codat_target.client(retry=RetryPolicy(max_attempts=3, base_delay=0.2, deadline=60.0)) as client:
        yield client
