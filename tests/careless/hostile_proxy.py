"""A hostile proxy in front of the emulator: Codat's answers, with whatever a test tells it to put in them.

Standard library only, run on loopback in a thread of the test process. Every request goes on to the emulator
(`upstream`) unless a rule answers it first, and every answer comes back through the rules:

- `inject(path, field, value)`: in JSON answers to requests whose path starts with `path`, every value of the key
  `field` (at any depth) becomes `value`: a secret in an integration's `name`, a branding `alt`, a `logoUrl`, or
  a sync schedule Codat never stored;
- `header(name, value)`: a header on every answer (say `Retry-After` holding a secret);
- `fail(method, path, status, text)`: the next `count` such requests are answered `status` with `text` as Codat's
  error message, and never reach the emulator (an error quoting `clientSecret=...`);
- `unacknowledged(method, path, forward)`: the next such request is answered 200 with an HTML page, after the
  emulator got it (`forward=True`: the write happened) or without it (the write never happened);
- `hold(method, path)`: the next such request reaches the emulator, then its answer is held back until the proxy
  closes; `held` is set once the emulator has answered, so a test can kill the client at exactly that point.

`seen` records each request as (method, path, status answered).
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.careless.careless_server import LoopbackServer

HTML = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon.</body></html>"
# Hop-by-hop and framing headers: the proxy frames its own answers.
_NOT_PASSED = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass
class _Rule:
    method: str
    path: str
    count: int


@dataclass
class _Failure(_Rule):
    status: int
    text: str


@dataclass
class _Unacknowledged(_Rule):
    forward: bool


class HostileProxy(LoopbackServer):
    def __init__(self, upstream: str, api_key: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.api_key = api_key  # the harness reads `url` and `api_key`, as of the emulator
        self.lock = threading.Lock()
        self.injections: list[tuple[str, str, Any]] = []
        self.headers: list[tuple[str, str]] = []
        self.failures: list[_Failure] = []
        self.unacknowledged_writes: list[_Unacknowledged] = []
        self.holds: list[_Rule] = []
        self.held = threading.Event()
        self.seen: list[tuple[str, str, int]] = []
        self._listen(_Handler, "hostile-proxy")

    # ------------------------------------------------------------------ what tests ask for

    def inject(self, path: str, field: str, value: Any) -> None:
        with self.lock:
            self.injections.append((path, field, value))

    def header(self, name: str, value: str) -> None:
        with self.lock:
            self.headers.append((name, value))

    def fail(self, method: str, path: str, status: int, text: str, *, count: int = 1) -> None:
        with self.lock:
            self.failures.append(_Failure(method, path, count, status, text))

    def unacknowledged(self, method: str, path: str, *, forward: bool, count: int = 1) -> None:
        with self.lock:
            self.unacknowledged_writes.append(_Unacknowledged(method, path, count, forward))

    def hold(self, method: str, path: str) -> None:
        with self.lock:
            self.holds.append(_Rule(method, path, 1))

    def requests(self, method: str | None = None, path: str | None = None) -> list[tuple[str, str, int]]:
        with self.lock:
            return [s for s in self.seen if method in (None, s[0]) and path in (None, s[1])]

    # ------------------------------------------------------------------ used by the handler

    def take(self, rules: list, method: str, path: str):
        with self.lock:
            for rule in rules:
                if rule.count > 0 and rule.method == method and rule.path == path:
                    rule.count -= 1
                    return rule
        return None

    def rewrite(self, path: str, body: Any) -> Any:
        with self.lock:
            wanted = [(field, value) for prefix, field, value in self.injections if path.startswith(prefix)]
        for field, value in wanted:
            body = _replaced(body, field, value)
        return body


def _replaced(body: Any, field: str, value: Any) -> Any:
    if isinstance(body, dict):
        return {k: (value if k == field else _replaced(v, field, value)) for k, v in body.items()}
    if isinstance(body, list):
        return [_replaced(v, field, value) for v in body]
    return body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: `seen` is the log

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        proxy: HostileProxy = self.server.owner  # type: ignore[attr-defined]
        method, path = self.command, self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        failure = proxy.take(proxy.failures, method, path)
        if failure is not None:
            payload = json.dumps({"statusCode": failure.status, "service": "PublicApi", "error": failure.text})
            self._answer(proxy, failure.status, [("Content-Type", "application/json")], payload.encode())
            return
        unacknowledged = proxy.take(proxy.unacknowledged_writes, method, path)
        if unacknowledged is not None:
            if unacknowledged.forward:
                self._forward(proxy, body)
            self._answer(proxy, 200, [("Content-Type", "text/html; charset=utf-8")], HTML)
            return
        held = proxy.take(proxy.holds, method, path)
        status, headers, answer = self._forward(proxy, body)
        if held is not None:
            with proxy.lock:
                proxy.seen.append((method, path, 0))
            proxy.held.set()
            proxy.closing.wait()
            self.close_connection = True
            return
        if answer and "json" in dict((k.lower(), v) for k, v in headers).get("content-type", ""):
            answer = json.dumps(proxy.rewrite(path, json.loads(answer))).encode()
        self._answer(proxy, status, headers, answer)

    def _forward(self, proxy: HostileProxy, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*proxy.upstream, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_PASSED}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _answer(self, proxy: HostileProxy, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        with proxy.lock:
            proxy.seen.append((self.command, self.path.split("?")[0], status))
            extra = list(proxy.headers)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _NOT_PASSED and name.lower() != "date" and name.lower() != "server":
                self.send_header(name, value)
        for name, value in extra:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(body)
        self.wfile.flush()
