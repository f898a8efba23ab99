"""The HTTP envelope: auth, unknown paths and methods, the error shape, quota headers and 429s."""

from __future__ import annotations

import base64
import socket
import time

import httpx
import pytest

from emulator_support import API_KEY, assert_error, basic


def test_health_needs_no_key(emu):
    reply = httpx.get(f"{emu.url}/_emulator/health")
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}


@pytest.mark.parametrize("header", [
    None,
    "",
    "Basic",
    "Bearer " + base64.b64encode(API_KEY.encode()).decode(),
    "Basic " + base64.b64encode(b"wrong-key").decode(),
    "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode(),  # user:password form, as for other APIs
    "Basic " + base64.b64encode(f":{API_KEY}".encode()).decode(),
    "Basic " + API_KEY,  # not base64-encoded
    "Basic !!!",
])
def test_bad_or_missing_key_is_401(emu, header):
    headers = {} if header is None else {"Authorization": header}
    with httpx.Client(base_url=emu.url, headers=headers) as anonymous:
        for method, path in (("GET", "/integrations"), ("PUT", "/integrations/gbol/enabled"), ("GET", "/nowhere"),
                             ("GET", "/_emulator/faults")):
            assert_error(anonymous.request(method, path, json={"enabled": True}), 401, "Unauthorized")
    assert emu.get("/integrations/gbol").json()["enabled"] is False


def test_scheme_is_case_insensitive(emu):
    token = base64.b64encode(API_KEY.encode()).decode()
    assert httpx.get(f"{emu.url}/profile", headers={"Authorization": f"basic {token}"}).status_code == 200


def test_unknown_path_is_404(emu):
    for path in ("/nowhere", "/integrations/gbol/nothing", "/", "/_emulator/nothing"):
        assert_error(emu.get(path), 404)


def test_wrong_method_is_405(emu):
    reply = emu.post("/integrations/gbol", json={})
    assert_error(reply, 405)
    assert reply.headers["Allow"] == "GET"
    assert set(emu.delete("/profile").headers["Allow"].split(", ")) == {"GET", "PUT"}
    assert_error(emu.request("PATCH", "/webhooks", json={}), 405)
    assert_error(emu.post("/_emulator/health"), 405)


def test_routes_ignore_case_and_trailing_slash(emu):
    assert emu.get("/Integrations/gbol/").json()["key"] == "gbol"


def test_rate_limit_headers_on_every_response(emu):
    for reply in (emu.get("/integrations"), emu.get("/nowhere"), httpx.get(f"{emu.url}/integrations"),
                  httpx.get(f"{emu.url}/_emulator/health")):
        assert int(reply.headers["X-Rate-Limit-Limit"]) == 1000
        assert 0 <= int(reply.headers["X-Rate-Limit-Remaining"]) <= 1000
        assert int(reply.headers["X-Rate-Limit-Reset"]) >= int(time.time())
    first = int(emu.get("/profile").headers["X-Rate-Limit-Remaining"])
    assert int(emu.get("/profile").headers["X-Rate-Limit-Remaining"]) == first - 1


def test_quota_gives_429_with_retry_after(spawn_emulator):
    emulator = spawn_emulator("--rate-limit", "5", "--rate-window", "600")
    remaining = [int(emulator.get("/profile").headers["X-Rate-Limit-Remaining"]) for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    limited = emulator.get("/profile")
    assert_error(limited, 429, "too many requests")
    assert 590 <= int(limited.headers["Retry-After"]) <= 600
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    # Admin and health calls are not counted and still work.
    assert emulator.get("/_emulator/faults").status_code == 200


def test_quota_window_ends(spawn_emulator):
    # A 3 s window: the two requests land in it even on a loaded machine; Retry-After is then enough to wait.
    emulator = spawn_emulator("--rate-limit", "1", "--rate-window", "3")
    assert emulator.get("/profile").status_code == 200
    limited = emulator.get("/profile")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 3
    time.sleep(int(limited.headers["Retry-After"]))
    assert emulator.get("/profile").status_code == 200


def test_admin_reset_restores_the_quota(spawn_emulator):
    emulator = spawn_emulator("--rate-limit", "2", "--rate-window", "600")
    emulator.get("/profile"), emulator.get("/profile")
    assert emulator.get("/profile").status_code == 429
    assert emulator.post("/_emulator/reset").json() == {"faults": "cleared", "data": "kept"}
    assert emulator.get("/profile").status_code == 200


def test_admin_reset_body_is_checked(emu):
    assert_error(emu.post("/_emulator/reset", json={"all": "yes"}), 400)
    assert_error(emu.post("/_emulator/reset", content=b"[1]"), 400)


def test_head_and_unsupported_methods(emu):
    reply = emu.request("HEAD", "/integrations")
    assert reply.status_code == 405 and reply.content == b""


def test_oversized_body_is_rejected(emu):
    reply = emu.put("/integrations/credentials/gbol", content=b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert_error(reply, 413)
    assert emu.get("/integrations/credentials/gbol").json() == {}


def test_malformed_request_line_gets_codat_error_shape(emu):
    host, port = emu.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GARBAGE\r\n\r\n")
        data = b""
        while chunk := raw.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0]
    assert b'"service": "PublicApi"' in body


def test_keep_alive_serves_many_requests_on_one_connection(emu):
    with httpx.Client(base_url=emu.url, headers=basic(API_KEY)) as client:
        for _ in range(20):
            assert client.get("/integrations/gbol").status_code == 200


def test_correlation_ids_are_fresh(emu):
    ids = {emu.get("/nowhere").json()["correlationId"] for _ in range(5)}
    assert len(ids) == 5
