"""cache_reads=True: each GET is sent once until the next write, callers asking at the same time share one
request and its outcome (errors included, never kept), writes make the next read ask again, stop() still
stops. Over MockTransport; the concurrent cases block the fake Codat on events, never on sleeps."""

from __future__ import annotations

import threading

import httpx
import pytest

from codat_client import NotFoundError, RetryPolicy, ServerError, StoppedError

XERO = {"key": "gbol", "name": "Xero", "enabled": True}
HOOK = {"id": "hook-1", "url": "https://hooks.example.com/1", "eventTypes": ["DataSyncCompleted"]}
HOOK2 = {"id": "hook-2", "url": "https://hooks.example.com/2", "eventTypes": ["DataSyncCompleted"]}
WAIT = 30  # seconds an event may take on a loaded machine before the test gives up


def _sent(h) -> list[str]:
    return [f"{r.method} {r.url.raw_path.decode()}" for r in h.script.requests]


def test_a_read_is_sent_once_and_shared_until_a_write(harness):
    h = harness(
        httpx.Response(200, json=XERO),
        httpx.Response(200, json={"results": [HOOK]}),
        httpx.Response(201, json=HOOK2),
        httpx.Response(200, json={"results": [HOOK, HOOK2]}),
        cache_reads=True,
    )
    assert h.client.get_integration("gbol").enabled
    assert h.client.get_integration("gbol").name == "Xero"  # shared: no second request
    assert [c.id for c in h.client.list_webhooks()] == ["hook-1"]
    assert [c.id for c in h.client.list_webhooks()] == ["hook-1"]
    h.client.create_webhook("https://hooks.example.com/2", ["DataSyncCompleted"])
    assert [c.id for c in h.client.list_webhooks()] == ["hook-1", "hook-2"]  # the write is seen
    assert _sent(h) == ["GET /integrations/gbol", "GET /webhooks", "POST /webhooks", "GET /webhooks"]


def test_each_question_has_its_own_answer(harness):
    qhyg = {"key": "qhyg", "name": "QuickBooks Online", "enabled": False}
    page = {"results": [XERO], "pageNumber": 1, "pageSize": 100, "totalResults": 1}
    h = harness(httpx.Response(200, json=XERO), httpx.Response(200, json=qhyg), httpx.Response(200, json=page),
                httpx.Response(200, json=page), cache_reads=True)
    assert h.client.get_integration("gbol").name == "Xero"
    assert h.client.get_integration("qhyg").name == "QuickBooks Online"
    assert [i.key for i in h.client.list_integrations()] == ["gbol"]
    assert [i.key for i in h.client.list_integrations(query="enabled=true")] == ["gbol"]  # another query
    assert [i.key for i in h.client.list_integrations()] == ["gbol"]
    assert len(h.script.requests) == 4


def test_without_cache_reads_every_call_is_sent(harness):
    h = harness(httpx.Response(200, json=XERO), httpx.Response(200, json=XERO))
    h.client.get_integration("gbol")
    h.client.get_integration("gbol")
    assert len(h.script.requests) == 2


def test_a_failed_write_still_makes_the_next_read_ask_again(harness, codat_error_response):
    """A 5xx may have taken effect: what was read before it is no longer trusted."""
    h = harness(httpx.Response(200, json=XERO), codat_error_response(500), httpx.Response(200, json=XERO),
                cache_reads=True, retry=RetryPolicy(max_attempts=1))
    h.client.get_integration("gbol")
    with pytest.raises(ServerError):
        h.client.set_enabled("gbol", False)
    h.client.get_integration("gbol")
    assert _sent(h) == ["GET /integrations/gbol", "PUT /integrations/gbol/enabled", "GET /integrations/gbol"]


def test_credential_writes_clear_the_cache_and_credential_reads_are_never_kept(harness):
    masked = {"clientId": "XXXXXXXX0001", "clientSecret": "XXXXXXXX0002"}
    h = harness(httpx.Response(200, json=XERO), httpx.Response(200, json=masked), httpx.Response(200, json=masked),
                httpx.Response(200, json=masked), httpx.Response(200, json=XERO), cache_reads=True)
    h.client.get_integration("gbol")
    h.client.get_credentials("gbol")
    h.client.get_credentials("gbol")  # may hold secrets in clear: never kept, so asked again
    h.client.put_credentials("gbol", {"clientId": "client-0001", "clientSecret": "secret-0002"})
    h.client.get_integration("gbol")
    assert _sent(h) == ["GET /integrations/gbol", "GET /integrations/credentials/gbol",
                        "GET /integrations/credentials/gbol", "PUT /integrations/credentials/gbol",
                        "GET /integrations/gbol"]


def test_an_error_is_not_kept(harness, codat_error_response):
    h = harness(codat_error_response(404, "No integration was found with key gbol"), httpx.Response(200, json=XERO),
                cache_reads=True)
    with pytest.raises(NotFoundError):
        h.client.get_integration("gbol")
    assert h.client.get_integration("gbol").name == "Xero"
    assert len(h.script.requests) == 2


def test_a_stopped_client_does_not_answer_from_the_cache(harness):
    h = harness(httpx.Response(200, json=XERO), cache_reads=True)
    h.client.get_integration("gbol")
    h.client.stop()
    with pytest.raises(StoppedError, match="stopped before the request was sent"):
        h.client.get_integration("gbol")


class Gate:
    """Holds each request at the fake Codat until released, and says when one arrives."""

    def __init__(self) -> None:
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()

    def reply(self, response: httpx.Response):
        def held(request: httpx.Request) -> httpx.Response:
            self.arrived.release()
            assert self.release.wait(WAIT), "the test never released the request"
            return response

        return held


def _in_threads(count: int, call) -> tuple[list, list[threading.Thread]]:
    results: list = []

    def run() -> None:
        try:
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    return results, threads


def _asked_at_once(gate: Gate, call, followers: int) -> tuple[list, list]:
    """One caller's request held at the fake Codat, then `followers` more callers asking the same; released only
    after none of them sent a request of its own. Returns the leader's and the followers' outcomes."""
    leader, first = _in_threads(1, call)
    assert gate.arrived.acquire(timeout=WAIT)
    others, rest = _in_threads(followers, call)
    # Without sharing, a follower's own request would reach the fake Codat while the first one is held.
    assert not gate.arrived.acquire(timeout=0.5)
    gate.release.set()
    for thread in first + rest:
        thread.join(WAIT)
    return leader, others


def test_callers_asking_at_once_share_one_request(harness):
    gate = Gate()
    h = harness(gate.reply(httpx.Response(200, json={"results": [HOOK, HOOK2]})), cache_reads=True)
    client = h.client
    leader, followers = _asked_at_once(gate, lambda: [c.id for c in client.list_webhooks()], 49)
    assert leader + followers == [["hook-1", "hook-2"]] * 50
    assert len(h.script.requests) == 1


def test_callers_asking_at_once_share_the_error_each_with_its_own_copy(harness, codat_error_response):
    gate = Gate()
    h = harness(gate.reply(codat_error_response(404, "No integration was found with key gbol")),
                httpx.Response(200, json=XERO), cache_reads=True)
    client = h.client
    leader, followers = _asked_at_once(gate, lambda: client.get_integration("gbol"), 9)
    errors = leader + followers
    assert all(isinstance(e, NotFoundError) for e in errors) and len({id(e) for e in errors}) == 10
    assert {str(e) for e in errors} == {str(leader[0])} and "No integration was found" in str(leader[0])
    assert {e.correlation_id for e in errors} == {"corr-404"}
    assert len(h.script.requests) == 1
    assert client.get_integration("gbol").name == "Xero"  # the error was not kept
    assert len(h.script.requests) == 2


def test_a_read_in_flight_across_a_write_is_not_kept(harness):
    """The read began before the write and may hold what Codat had before it: its caller gets it, but a read
    that starts after the write asks again, even when the old read's answer arrives last."""
    read_gate, write_gate = Gate(), Gate()
    h = harness(read_gate.reply(httpx.Response(200, json={"results": [HOOK]})),
                write_gate.reply(httpx.Response(201, json=HOOK2)),
                httpx.Response(200, json={"results": [HOOK, HOOK2]}), cache_reads=True)
    client = h.client
    before, reader = _in_threads(1, lambda: [c.id for c in client.list_webhooks()])
    assert read_gate.arrived.acquire(timeout=WAIT)
    created, writer = _in_threads(1, lambda: client.create_webhook("https://hooks.example.com/2").id)
    assert write_gate.arrived.acquire(timeout=WAIT)
    write_gate.release.set()
    writer[0].join(WAIT)
    read_gate.release.set()  # the old answer arrives after the write ended
    reader[0].join(WAIT)
    assert before == [["hook-1"]] and created == ["hook-2"]
    assert [c.id for c in client.list_webhooks()] == ["hook-1", "hook-2"]
    assert _sent(h) == ["GET /webhooks", "POST /webhooks", "GET /webhooks"]


def test_callers_sharing_a_request_are_stopped_with_it(harness, codat_error_response):
    """Terraform interrupted while the shared request waits to retry: every caller ends at once, stopped."""
    gate = Gate()
    h = harness(gate.reply(codat_error_response(429, headers={"Retry-After": "30"})), cache_reads=True)
    client = h.client

    def stop_while_waiting(seconds: float) -> None:
        h.time.sleep(seconds)
        client.stop()

    client._sleep = stop_while_waiting
    leader, followers = _asked_at_once(gate, lambda: client.get_integration("gbol"), 4)
    assert [type(e) for e in leader + followers] == [StoppedError] * 5
    assert all("stopped while waiting 30.0 s to retry" in str(e) for e in leader + followers)
    assert len(h.script.requests) == 1
