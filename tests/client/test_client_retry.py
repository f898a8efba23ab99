"""Every retry path, on a fake clock: what is retried, how long the client waits, and when it gives up."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from codat_client import (
    CodatError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from codat_client._retry import server_wait

XERO = {"key": "gbol", "name": "Xero", "enabled": True}
DATE = "Wed, 21 Oct 2026 07:28:00 GMT"
DATE_EPOCH = email.utils.parsedate_to_datetime(DATE).timestamp()


def ok() -> httpx.Response:
    return httpx.Response(200, json=XERO)


def test_429_waits_the_retry_after_seconds(harness, codat_error_response):
    h = harness(codat_error_response(429, headers={"Retry-After": "7"}), ok())
    assert h.client.get_integration("gbol").key == "gbol"
    assert h.time.sleeps == [7.0]
    assert len(h.script.requests) == 2


def test_429_waits_until_the_retry_after_http_date(harness, codat_error_response):
    later = email.utils.formatdate(DATE_EPOCH + 12, usegmt=True)
    h = harness(codat_error_response(429, headers={"Retry-After": later, "Date": DATE}), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [12.0]


@pytest.mark.parametrize(
    "reset",
    [
        "9",  # seconds from now
        str(int(DATE_EPOCH + 9)),  # Unix time
        str(int(DATE_EPOCH + 9) * 1000),  # Unix time in ms
        email.utils.formatdate(DATE_EPOCH + 9, usegmt=True),  # HTTP date
        "2026-10-21T07:28:09Z",  # ISO 8601
    ],
)
def test_429_with_only_x_rate_limit_reset_waits_until_the_reset(harness, codat_error_response, reset):
    h = harness(codat_error_response(429, headers={"X-Rate-Limit-Reset": reset, "Date": DATE}), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [pytest.approx(9.0)]


def test_retry_after_wins_over_x_rate_limit_reset(harness, codat_error_response):
    h = harness(codat_error_response(429, headers={"Retry-After": "2", "X-Rate-Limit-Reset": "50"}), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [2.0]


def test_429_without_hints_backs_off_exponentially(harness, codat_error_response):
    h = harness(codat_error_response(429), codat_error_response(429), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [0.5, 1.0]


def test_x_rate_limit_reset_on_a_5xx_is_not_a_wait(harness, codat_error_response):
    """Every answer carries X-Rate-Limit-Reset (the daily quota): only a 429 makes it a wait."""
    h = harness(codat_error_response(503, headers={"X-Rate-Limit-Reset": "3600"}), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [0.5]


def test_5xx_backs_off_exponentially_then_succeeds(harness, codat_error_response):
    h = harness(codat_error_response(500), codat_error_response(502), codat_error_response(503), ok())
    assert h.client.get_integration("gbol").name == "Xero"
    assert h.time.sleeps == [0.5, 1.0, 2.0]


def test_503_retry_after_is_honoured(harness, codat_error_response):
    h = harness(codat_error_response(503, headers={"Retry-After": "4"}), ok())
    h.client.get_integration("gbol")
    assert h.time.sleeps == [4.0]


def test_backoff_is_capped_and_jittered(harness, codat_error_response):
    policy = RetryPolicy(max_attempts=6, base_delay=1.0, max_delay=3.0, deadline=600, jitter=0.5)
    h = harness(*[codat_error_response(500)] * 5, ok(), retry=policy, rng=lambda: 0.5)
    h.client.get_integration("gbol")
    # min(3, 1 * 2**n) then minus up to 50 % jitter (here exactly 25 %).
    assert h.time.sleeps == [0.75, 1.5, 2.25, 2.25, 2.25]


def test_exhaustion_raises_the_last_error_saying_so(harness, codat_error_response):
    h = harness(*[codat_error_response(503, "Down for maintenance")] * 4)
    with pytest.raises(ServerError) as caught:
        h.client.get_integration("gbol")
    exc = caught.value
    assert exc.status_code == 503 and exc.attempts == 4
    assert "Gave up after 4 attempts" in str(exc)
    assert "Down for maintenance" in str(exc) and "status.codat.io" in str(exc)
    assert len(h.time.sleeps) == 3


def test_a_wait_past_the_deadline_fails_at_once(harness, codat_error_response):
    h = harness(codat_error_response(429, headers={"Retry-After": "3600"}), retry=RetryPolicy(deadline=30))
    with pytest.raises(RateLimitError) as caught:
        h.client.get_integration("gbol")
    assert h.time.sleeps == []
    assert caught.value.retry_after == 3600.0
    assert "30 s deadline" in str(caught.value) and "RetryPolicy.deadline" in str(caught.value)


def test_the_deadline_bounds_the_whole_call(harness, codat_error_response):
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=100, deadline=10.0, jitter=0)
    h = harness(*[codat_error_response(500)] * 10, retry=policy)
    with pytest.raises(ServerError) as caught:
        h.client.get_integration("gbol")
    assert h.time.sleeps == [1.0, 2.0, 4.0]  # the next 8 s would end past 10 s
    assert sum(h.time.sleeps) <= 10.0 and caught.value.attempts == 4


def test_each_attempt_timeout_is_capped_by_what_is_left_of_the_deadline(harness, codat_error_response):
    seen: list[dict] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return codat_error_response(500) if len(seen) == 1 else ok()

    policy = RetryPolicy(base_delay=4.0, deadline=20.0, jitter=0)
    h = harness(record, record, retry=policy, timeout=httpx.Timeout(30.0, connect=5.0))
    h.client.get_integration("gbol")
    assert seen[0] == {"connect": 5.0, "read": 20.0, "write": 20.0, "pool": 20.0}
    assert seen[1] == {"connect": 5.0, "read": 16.0, "write": 16.0, "pool": 16.0}


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
def test_connection_errors_are_retried(harness, failure):
    h = harness(failure, ok())
    assert h.client.get_integration("gbol").key == "gbol"
    assert h.time.sleeps == [0.5]


def test_connection_errors_exhausted_raise_transport_error(harness):
    h = harness(*[httpx.ConnectError("connection refused")] * 4)
    with pytest.raises(TransportError) as caught:
        h.client.get_integration("gbol")
    text = str(caught.value)
    assert caught.value.status_code is None and caught.value.attempts == 4
    assert "GET /integrations/gbol" in text and "https://api.codat.io" in text
    assert "ConnectError" in text and "Gave up after 4 attempts" in text and "CODAT_BASE_URL" in text


def test_a_failure_that_cannot_improve_is_not_retried(harness):
    h = harness(httpx.UnsupportedProtocol("no"))
    with pytest.raises(TransportError):
        h.client.get_integration("gbol")
    assert h.time.sleeps == []


def test_an_unreadable_answer_is_unexpected_not_transport(harness):
    h = harness(httpx.DecodingError("bad gzip"))
    with pytest.raises(UnexpectedResponseError):
        h.client.get_integration("gbol")


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 409])
def test_client_errors_are_not_retried(harness, codat_error_response, status):
    h = harness(codat_error_response(status))
    with pytest.raises(CodatError):
        h.client.get_integration("gbol")
    assert len(h.script.requests) == 1 and h.time.sleeps == []


def test_408_is_retried(harness, codat_error_response):
    h = harness(codat_error_response(408), ok())
    h.client.get_integration("gbol")
    assert len(h.script.requests) == 2


def test_put_and_delete_are_retried(harness, codat_error_response):
    h = harness(
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json={"clientId": "XXXX2a6b"}),
        codat_error_response(502),
        httpx.Response(200, json={}),
    )
    assert h.client.put_credentials("gbol", {"clientId": "abcd2a6b"}) == {"clientId": "XXXX2a6b"}
    assert h.client.delete_credentials("gbol") == {}
    assert [r.method for r in h.script.requests] == ["PUT", "PUT", "DELETE", "DELETE"]


def test_a_post_without_idempotency_key_is_never_retried(harness, codat_error_response):
    h = harness(codat_error_response(503), ok())
    with pytest.raises(ServerError) as caught:
        h.client._call("POST", "/companies", json={"name": "Acme"})
    assert len(h.script.requests) == 1 and h.time.sleeps == []
    assert "Not retried" in str(caught.value) and "Idempotency-Key" in str(caught.value)


def test_a_post_without_idempotency_key_is_not_retried_after_a_timeout(harness):
    h = harness(httpx.ReadTimeout("timed out"), ok())
    with pytest.raises(TransportError) as caught:
        h.client._call("POST", "/companies", json={"name": "Acme"})
    assert len(h.script.requests) == 1
    assert "may already have taken effect" in str(caught.value)


def test_create_webhook_retries_with_the_same_idempotency_key(harness, codat_error_response):
    created = {
        "id": "w1",
        "url": "https://example.com/hook",
        "eventTypes": ["DataSyncCompleted"],
        "disabled": False,
    }
    h = harness(
        httpx.ReadTimeout("timed out"),
        codat_error_response(503),
        httpx.Response(201, json=created),
    )
    consumer = h.client.create_webhook("https://example.com/hook", event_types=["DataSyncCompleted"])
    assert consumer.id == "w1" and consumer.event_types == ["DataSyncCompleted"]
    keys = {r.headers["Idempotency-Key"] for r in h.script.requests}
    assert len(h.script.requests) == 3 and len(keys) == 1 and keys != {""}


def test_each_create_webhook_call_has_its_own_idempotency_key(harness):
    created = {"id": "w1", "url": "https://example.com/hook"}
    h = harness(httpx.Response(201, json=created), httpx.Response(201, json=created))
    h.client.create_webhook("https://example.com/hook")
    h.client.create_webhook("https://example.com/hook")
    first, second = (r.headers["Idempotency-Key"] for r in h.script.requests)
    assert first != second


def test_create_webhook_can_take_the_callers_idempotency_key(harness):
    h = harness(httpx.Response(201, json={"id": "w1", "url": "https://example.com/hook"}))
    h.client.create_webhook("https://example.com/hook", idempotency_key="plan-42")
    assert h.script.requests[0].headers["Idempotency-Key"] == "plan-42"


def test_delete_webhook_404_after_a_lost_answer_means_done(harness, codat_error_response):
    h = harness(httpx.ReadTimeout("timed out"), codat_error_response(404, "Webhook not found"))
    assert h.client.delete_webhook("w1") is None
    assert len(h.script.requests) == 2


def test_delete_webhook_404_at_first_try_is_not_found(harness, codat_error_response):
    h = harness(codat_error_response(404, "Webhook not found"))
    with pytest.raises(NotFoundError):
        h.client.delete_webhook("w1")


def test_server_wait_ignores_unreadable_hints():
    assert server_wait({"retry-after": "soon"}, 0.0) is None
    assert server_wait({"retry-after": "-5"}, 0.0) == 0.0
    assert server_wait({}, 0.0) is None


def test_retry_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)
    with pytest.raises(ValueError):
        RetryPolicy(deadline=0)
