"""Injected faults, through the admin endpoint and the CLI: each kind, scoping, limits and reset."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import pytest

from emulator_support import assert_error


def add(emu, **fault) -> dict:
    reply = emu.post("/_emulator/faults", json=fault)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_latency(emu):
    # Lower bounds only hold whatever the load; the upper one is the injected delay itself (1.5 s), far above
    # a loopback request on a busy 2-core machine, and the fault list shows the count was used up.
    add(emu, kind="latency", latencyMs=1500, count=1)
    started = time.monotonic()
    assert emu.get("/profile").status_code == 200
    assert time.monotonic() - started >= 1.5
    assert emu.get("/_emulator/faults").json() == {"faults": []}
    started = time.monotonic()
    emu.get("/profile")
    assert time.monotonic() - started < 1.5


def test_share_of_5xx_is_exact(emu):
    add(emu, kind="error", status=503, rate=0.5, count=10)
    codes = [emu.get("/profile").status_code for _ in range(12)]
    assert codes == [200, 503] * 5 + [200, 200]


def test_error_defaults_to_500_in_codat_shape(emu):
    add(emu, kind="error", count=1)
    body = assert_error(emu.get("/profile"), 500)
    assert body["error"] == "There is a problem with our server. Please try again later."


def test_error_carries_a_message_and_is_scoped(emu):
    add(emu, kind="error", status=404, message="Not found", pathPrefix="/integrations/credentials", method="PUT")
    emu.put("/integrations/gbol/enabled", json={"enabled": True})  # other path: untouched
    assert emu.get("/integrations/credentials/gbol").status_code == 200  # other method: untouched
    for _ in range(3):
        assert_error(emu.put("/integrations/credentials/gbol", json={"clientId": "abc"}), 404, "Not found")
    assert emu.get("/integrations/credentials/gbol").json() == {}


def test_credentials_unavailable_as_405(emu):
    add(emu, kind="error", status=405, pathPrefix="/integrations/credentials")
    for method in ("GET", "PUT", "DELETE"):
        assert_error(emu.request(method, "/integrations/credentials/gbol", json={"a": "b"}), 405)
    assert emu.get("/integrations/gbol").status_code == 200  # read-only paths keep working


def test_toggle_fails_after_credentials_succeeded(emu):
    add(emu, kind="error", status=500, pathPrefix="/integrations/gbol/enabled", method="PUT", count=1)
    stored = emu.put("/integrations/credentials/gbol", json={"clientId": "id-1234", "clientSecret": "s-5678"})
    assert stored.status_code == 200
    assert_error(emu.put("/integrations/gbol/enabled", json={"enabled": True}), 500)
    assert emu.get("/integrations/gbol").json()["enabled"] is False
    assert emu.get("/integrations/credentials/gbol").json()["clientSecret"] == "XX5678"
    assert emu.put("/integrations/gbol/enabled", json={"enabled": True}).json()["enabled"] is True


def test_rate_limit_burst(emu):
    add(emu, kind="rate-limit", retryAfter=7, count=3)
    for _ in range(3):
        reply = emu.get("/integrations")
        assert_error(reply, 429)
        assert reply.headers["Retry-After"] == "7"
        assert "X-Rate-Limit-Limit" in reply.headers
    assert emu.get("/integrations").status_code == 200


def test_rate_limit_with_http_date(emu):
    add(emu, kind="rate-limit", retryAfter=30, retryAfterHttpDate=True, count=1)
    reply = emu.get("/integrations")
    when = email.utils.parsedate_to_datetime(reply.headers["Retry-After"]).timestamp()
    assert 20 <= when - time.time() <= 40


def test_dropped_connection_before(emu):
    add(emu, kind="drop", method="PUT", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        emu.put("/integrations/gbol/enabled", json={"enabled": True})
    assert emu.get("/integrations/gbol").json()["enabled"] is False  # never carried out
    assert emu.put("/integrations/gbol/enabled", json={"enabled": True}).status_code == 200


def test_dropped_reply_after_the_change_was_saved(emu):
    """A reply lost in transit: the retry with the same Idempotency-Key gets the saved reply."""
    add(emu, kind="drop", when="after", method="POST", pathPrefix="/webhooks", count=1)
    body = {"url": "https://example.com/lost-reply"}
    with pytest.raises(httpx.RemoteProtocolError):
        emu.post("/webhooks", json=body, headers={"Idempotency-Key": "lost-1"})
    retried = emu.post("/webhooks", json=body, headers={"Idempotency-Key": "lost-1"})
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert [w["id"] for w in emu.get("/webhooks").json()["results"]] == [retried.json()["id"]]


def test_error_after_the_change_was_saved(emu):
    add(emu, kind="error", status=502, when="after", count=1)
    assert_error(emu.put("/integrations/gbol/enabled", json={"enabled": True}), 502)
    assert emu.get("/integrations/gbol").json()["enabled"] is True


def test_time_limited_fault(emu):
    """Active for its seconds, never ended early (only lower time bounds: they hold on a loaded machine)."""
    added = time.monotonic()
    add(emu, kind="error", status=503, seconds=2)
    assert emu.get("/profile").status_code == 503
    deadline = added + 30
    while emu.get("/profile").status_code == 503:
        assert time.monotonic() < deadline, "the fault never expired"
        time.sleep(0.1)
    assert time.monotonic() - added >= 2
    assert emu.get("/_emulator/faults").json() == {"faults": []}


def test_admin_endpoints_are_never_faulted(emu):
    add(emu, kind="drop")
    assert emu.get("/_emulator/faults").status_code == 200
    assert httpx.get(f"{emu.url}/_emulator/health").status_code == 200
    assert emu.delete("/_emulator/faults").json() == {"faults": []}
    assert emu.get("/profile").status_code == 200


@pytest.mark.parametrize("fault", [{}, {"kind": "explode"}, {"kind": "latency"}, {"kind": "latency", "latencyMs": -1},
                                   {"kind": "error", "status": 200}, {"kind": "error", "rate": 0},
                                   {"kind": "error", "rate": 1.5}, {"kind": "drop", "count": 0},
                                   {"kind": "drop", "seconds": -1}, {"kind": "drop", "pathPrefix": "profile"},
                                   {"kind": "drop", "status": 500}, {"kind": "error", "when": "during"}, [1]])
def test_invalid_faults_are_400(emu, fault):
    assert_error(emu.post("/_emulator/faults", json=fault), 400, "Invalid fault")
    assert emu.get("/_emulator/faults").json() == {"faults": []}


def test_reset_clears_faults_but_keeps_data(emu):
    emu.put("/integrations/gbol/enabled", json={"enabled": True})
    add(emu, kind="error", status=500)
    assert emu.post("/_emulator/reset").json() == {"faults": "cleared", "data": "kept"}
    assert emu.get("/integrations/gbol").json()["enabled"] is True
    assert emu.post("/_emulator/reset", json={"all": True}).json()["data"] == "reset"
    assert emu.get("/integrations/gbol").json()["enabled"] is False


def test_faults_from_the_cli(emu):
    done = emu.cli("faults", "add", "error", "--status", "503", "--path-prefix", "/profile", "--method", "get",
                   "--count", "2")
    assert done.returncode == 0, done.stderr
    fault = json.loads(done.stdout)
    assert fault["kind"] == "error" and fault["status"] == 503 and fault["method"] == "GET" and fault["remaining"] == 2
    listed = json.loads(emu.cli("faults", "list").stdout)
    assert [f["id"] for f in listed] == [fault["id"]]
    assert [emu.get("/profile").status_code for _ in range(3)] == [503, 503, 200]
    emu.cli("faults", "add", "latency", "--latency-ms", "10")
    emu.cli("faults", "add", "rate-limit", "--retry-after", "3", "--retry-after-http-date", "--seconds", "60")
    assert emu.get("/profile").status_code == 429
    done = emu.cli("reset")
    assert done.returncode == 0 and json.loads(emu.cli("faults", "list").stdout) == []
    assert emu.get("/profile").status_code == 200


@pytest.mark.parametrize("args, message", [
    (("faults", "add", "latency"), "latencyMs"),
    (("faults", "add", "error", "--status", "700"), "status"),
    (("faults", "add", "drop", "--rate", "2"), "rate"),
    (("faults", "add", "drop", "--latency-ms", "5"), "does not apply"),
])
def test_cli_fault_errors_are_one_line(emu, args, message):
    done = emu.cli(*args)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
