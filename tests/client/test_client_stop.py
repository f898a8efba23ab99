"""stop() ends every wait of a call (Retry-After, backoff) and refuses later calls; requests with a body
never leave their connection open for the next request. Over MockTransport with the fake clock: a stop
arrives during a wait, as Terraform's StopProvider does."""

from __future__ import annotations

import httpx
import pytest

from codat_client import StoppedError


def stopping(h):
    """A sleep that stops the client the moment a wait begins."""
    def sleep(seconds: float) -> None:
        h.time.sleep(seconds)
        h.client.stop()

    return sleep


def test_a_stop_during_a_retry_after_wait_ends_the_call_without_sending_again(harness, codat_error_response):
    h = harness(codat_error_response(429, headers={"Retry-After": "30"}))
    h.client._sleep = stopping(h)
    with pytest.raises(StoppedError) as caught:
        h.client.put_credentials("gbol", {"clientId": "id-0001", "clientSecret": "secret-0001"})
    exc = caught.value
    assert len(h.script.requests) == 1 and exc.took_effect is False and exc.status_code == 429
    assert str(exc).startswith("PUT /integrations/credentials/gbol: stopped while waiting 30.0 s to retry after "
                               "Codat answered 429 Too Many Requests, so it did not take effect.")
    assert "secret-0001" not in str(exc)


def test_a_stop_during_a_backoff_after_a_5xx_says_the_effect_is_unknown(harness, codat_error_response):
    h = harness(codat_error_response(503))
    h.client._sleep = stopping(h)
    with pytest.raises(StoppedError) as caught:
        h.client.set_enabled("gbol", True)
    assert caught.value.took_effect is None and "whether it took effect is unknown" in str(caught.value)
    assert len(h.script.requests) == 1


def test_a_stopped_client_sends_nothing_more(harness):
    h = harness()
    h.client.stop()
    assert h.client.stopped
    with pytest.raises(StoppedError, match="GET /integrations/gbol: stopped before the request was sent"):
        h.client.get_integration("gbol")
    assert h.script.requests == []


def test_a_request_with_a_body_asks_to_close_its_connection(harness):
    integration = {"key": "gbol", "name": "Xero", "enabled": True}
    h = harness(httpx.Response(200, json=integration), httpx.Response(200, json=integration))
    h.client.set_enabled("gbol", True)
    h.client.get_integration("gbol")
    put, get = h.script.requests
    assert put.headers["Connection"] == "close"  # so a server that did not read it cannot desynchronise us
    assert get.headers.get("Connection") != "close"  # reads keep the connection alive
