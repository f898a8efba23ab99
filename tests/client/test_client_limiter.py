"""The client-side limiter: a concurrency cap across threads and a requests-per-window cap."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from codat_client import CodatClient, RateLimiter, RateLimitError, RetryPolicy

XERO = {"key": "gbol", "name": "Xero", "enabled": True}


def test_concurrent_calls_never_exceed_the_cap():
    """20 threads share one client; the fake Codat counts how many requests it holds at once."""
    lock = threading.Lock()
    in_flight, peak = 0, 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)  # hold each request open, so without the cap all 20 would overlap
        with lock:
            in_flight -= 1
        return httpx.Response(200, json=XERO)

    limiter = RateLimiter(max_concurrent=3, max_per_window=None)
    client = CodatClient(
        "https://api.codat.io", "key-123456", transport=httpx.MockTransport(handler), limiter=limiter
    )
    with client, ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: client.get_integration("gbol"), range(20)))
    assert len(results) == 20 and all(r.key == "gbol" for r in results)
    assert peak == 3
    assert limiter.in_flight == 0


def test_the_window_cap_waits_for_the_oldest_request_to_age_out(harness, fake_time):
    limiter = RateLimiter(
        max_concurrent=None, max_per_window=3, window=60.0, clock=fake_time.clock, sleep=fake_time.sleep
    )
    h = harness(*[httpx.Response(200, json=XERO)] * 4, limiter=limiter, retry=RetryPolicy(deadline=120))
    for _ in range(3):
        h.client.get_integration("gbol")
        fake_time.now += 5
    h.client.get_integration("gbol")
    # Requests went out at t=0, 5, 10; the 4th (at t=15) waits until the first is 60 s old.
    assert fake_time.sleeps == [45.0]


def test_a_window_wait_past_the_deadline_fails_fast(harness, fake_time):
    limiter = RateLimiter(
        max_concurrent=None, max_per_window=1, window=60.0, clock=fake_time.clock, sleep=fake_time.sleep
    )
    h = harness(httpx.Response(200, json=XERO), limiter=limiter, retry=RetryPolicy(deadline=10))
    h.client.get_integration("gbol")
    with pytest.raises(RateLimitError) as caught:
        h.client.get_integration("gbol")
    assert fake_time.sleeps == [] and caught.value.status_code is None
    assert "client-side limiter" in str(caught.value) and "GET /integrations/gbol" in str(caught.value)


def test_no_free_slot_before_the_deadline_fails():
    limiter = RateLimiter(max_concurrent=1, max_per_window=None)
    assert limiter.acquire(1.0)
    assert not limiter.acquire(0.01)
    limiter.release()
    assert limiter.acquire(0.01)


def test_failed_attempts_give_their_slot_back(harness, fake_time):
    limiter = RateLimiter(max_concurrent=1, max_per_window=None, clock=fake_time.clock, sleep=fake_time.sleep)
    h = harness(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=XERO),
        limiter=limiter,
    )
    h.client.get_integration("gbol")
    assert limiter.in_flight == 0


def test_one_limiter_can_be_shared_by_clients():
    shared = RateLimiter(max_concurrent=2)
    with (
        CodatClient(api_key="key-123456", limiter=shared) as a,
        CodatClient(api_key="key-123456", limiter=shared) as b,
    ):
        assert a.limiter is b.limiter is shared


def test_limiter_rejects_nonsense():
    with pytest.raises(ValueError):
        RateLimiter(max_concurrent=0)
    with pytest.raises(ValueError):
        RateLimiter(max_per_window=0)
    with pytest.raises(ValueError):
        RateLimiter(window=0)
