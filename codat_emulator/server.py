"""The HTTP side: sockets, Basic auth, the quota, injected faults, admin endpoints and request logs.

Stdlib only (ThreadingHTTPServer), so `serve` starts in a fraction of a second. HTTP/1.1 with
keep-alive, one thread per connection; all shared state is in the store (file + flock) or the
rate limiter (its own lock), so concurrent requests are safe.

Order of checks for an API request: injected faults (they emulate trouble in front of Codat), the
quota, then the API key, then routing. Paths under `/_emulator/` (which Codat does not have) are
the emulator's own: `health` needs no key, the others need a valid key and are neither counted
against the quota nor subject to faults, so a test can always repair what it broke. `requests` tells how
many API requests arrived, by method and path, so a test can see what a client really sent.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hmac
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import api, faults, resources, seed
from .errors import ApiError, EmulatorError, error_body
from .ratelimit import RateLimiter
from .store import Store

MAX_BODY = 1024 * 1024


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True  # an acknowledged change is already on disk: nothing to wait for on exit
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], store: Store, api_key: str, limiter: RateLimiter):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.store = store
        self.api_key = api_key
        self.limiter = limiter
        self.requests: Counter[str] = Counter()  # "GET /webhooks" -> how many arrived (admin paths excepted)
        self.requests_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def count_request(self, method: str, target: str) -> None:
        with self.requests_lock:
            self.requests[f"{method} {target}"] += 1

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can take seconds; skip it.
        socketserver.TCPServer.server_bind(self)
        host, self.server_port = self.server_address[:2]  # (host, port): an AF_INET address
        self.server_name = str(host)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "codat-emulator"
    timeout = 60  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle + delayed ACK would add 40 ms
    server: EmulatorServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: object = "-", size: object = "-") -> None:
        pass  # _handle logs one line per request itself

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"codat-emulator: {self.address_string()} {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed request lines and the like get Codat's error shape too, then the connection closes."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unparsable request line: still answer with headers
            self.request_version = "HTTP/1.0"
        self._send(code, error_body(code, message))

    # --- request flow -------------------------------------------------------------------------

    def _handle(self) -> None:
        started = time.monotonic()
        try:
            status = self._process()
        except (ConnectionError, socket.timeout):
            status = "disconnected"
        except EmulatorError as e:  # e.g. a data file someone else broke: say so, keep serving
            sys.stderr.write(f"codat-emulator: {e}\n")
            status = self._send(500, error_body(500, str(e)))
        except Exception:  # a bug: answer like Codat's 500 and keep serving
            traceback.print_exc(file=sys.stderr)
            status = 500
            try:
                self._send(500, error_body(500))
            except OSError:
                status = "disconnected"
        sys.stderr.write(f"codat-emulator: {self.command} {self.path} -> {status} "
                         f"({(time.monotonic() - started) * 1000:.1f} ms)\n")

    def _process(self) -> int | str:
        parts = urlsplit(self.path)
        path = parts.path or "/"
        admin = path == "/_emulator" or path.startswith("/_emulator/")
        if not admin:
            self.server.count_request(self.command, self.path)
        body = self._read_body()
        if isinstance(body, int):
            return body  # already answered
        if admin:
            return self._admin(path, body)
        fired = faults.select(self.server.store, self.command, path)
        delay = sum(f["latencyMs"] for f in fired if f["kind"] == "latency")
        if delay:
            time.sleep(delay / 1000)
        terminal = [f for f in fired if f["kind"] != "latency"]
        before = next((f for f in terminal if f.get("when", "before") == "before"), None)
        if before:
            return self._fault(before)
        allowed, quota = self.server.limiter.take()
        if not allowed:
            return self._send(429, error_body(429), quota)
        if not self._authorized(admin=False):
            return self._send(401, error_body(401), quota)
        query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        request = api.Request(self.command, path, query, body, {k.lower(): v for k, v in self.headers.items()})
        try:
            reply = api.dispatch(self.server.store, request)
        except ApiError as e:
            reply = api.Reply(e.status, e.body(), e.headers)
        after = next((f for f in terminal if f.get("when") == "after"), None)
        if after:
            return self._fault(after)
        return self._send(reply.status, reply.body, {**quota, **reply.headers})

    def _read_body(self) -> bytes | int:
        """The body, or the status of the error already sent (then the connection closes: the
        unread body would otherwise be taken for the next request)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return self._send(411, error_body(411, "Send the request body with a Content-Length."))
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self._send(413, error_body(413))
        return self.rfile.read(length) if length else b""

    def _authorized(self, admin: bool) -> bool:
        """`Basic base64(apiKey)`: Codat encodes the key alone, with no user name or colon."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            key = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not key:
            return False
        keys = [k["apiKey"] for k in self.server.store.state.read()["apiKeys"]]
        if admin:
            keys.append(self.server.api_key)  # the emulator's own key always opens the admin door
        return any(hmac.compare_digest(key.encode(), k.encode()) for k in keys)

    def _fault(self, fault: dict) -> int | str:
        if fault["kind"] == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return "dropped (fault)"
        if fault["kind"] == "rate-limit":
            retry = fault["retryAfter"]
            when = (email.utils.formatdate(time.time() + retry, usegmt=True) if fault["retryAfterHttpDate"]
                    else str(retry))
            return self._send(429, error_body(429), {"Retry-After": when})
        return self._send(fault["status"], error_body(fault["status"], fault.get("message")))

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> int:
        """Send one JSON reply; the quota headers go on every one (the current values unless given)."""
        headers = headers or {}
        if "X-Rate-Limit-Limit" not in headers:
            headers = {**self.server.limiter.peek(), **headers}
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)
        return status

    # --- admin --------------------------------------------------------------------------------

    def _admin(self, path: str, body: bytes) -> int:
        route = path.rstrip("/")
        methods = {"/_emulator/health": ("GET",), "/_emulator/faults": ("GET", "POST", "DELETE"),
                   "/_emulator/requests": ("GET", "DELETE"), "/_emulator/reset": ("POST",)}.get(route)
        if methods is None:
            return self._send(404, error_body(404, f"No endpoint was found at {path}."))
        if self.command not in methods:
            return self._send(405, error_body(405), {"Allow": ", ".join(methods)})
        if route == "/_emulator/health":
            return self._send(200, {"status": "ok"})
        if not self._authorized(admin=True):
            return self._send(401, error_body(401))
        store = self.server.store
        if route == "/_emulator/requests":
            with self.server.requests_lock:
                counted = dict(self.server.requests)
                if self.command == "DELETE":
                    self.server.requests.clear()
            return self._send(200, {"requests": {} if self.command == "DELETE" else counted})
        if route == "/_emulator/faults":
            if self.command == "GET":
                return self._send(200, {"faults": faults.active(store)})
            if self.command == "DELETE":
                faults.clear(store)
                return self._send(200, {"faults": []})
            try:
                return self._send(201, faults.add(store, json.loads(body or b"null")))
            except ValueError as e:
                return self._send(400, error_body(400, f"Invalid fault: {e}"))
        try:
            wipe = json.loads(body).get("all", False) if body.strip() else False
        except (ValueError, AttributeError):
            wipe = None
        if not isinstance(wipe, bool):
            return self._send(400, error_body(400, 'The body must be {"all": true|false} or empty.'))
        faults.clear(store)
        self.server.limiter.reset()
        if wipe:
            with store.state.transaction() as state:
                resources.reset(state)
                _register_key(state, self.server.api_key)
        return self._send(200, {"faults": "cleared", "data": "reset" if wipe else "kept"})


def _register_key(state: dict, api_key: str) -> None:
    """The key `serve` was given is the account's first key, as the Portal creates one for you."""
    if not any(k["apiKey"] == api_key for k in state["apiKeys"]):
        state["apiKeys"].append({"id": str(uuid.uuid4()), "name": None, "apiKey": api_key,
                                 "createdDate": resources.now(), "origin": "serve"})


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def serve(host: str, port: int, data_dir: str, api_key: str, ready_file: str | None,
          rate_limit: int, rate_window: float) -> int:
    store = Store(data_dir)
    with store.state.transaction() as state:
        _register_key(state, api_key)
        for name, value in seed.initial_state().items():
            state.setdefault(name, value)  # what a data folder from an older emulator lacks (e.g. clientId)
    try:
        server = EmulatorServer((host, port), store, api_key, RateLimiter(rate_limit, rate_window))
    except OSError as e:
        raise EmulatorError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.server_address[1]}"
    if ready_file:  # before stdout, so whoever reads the URL line can rely on the file too
        _write_atomically(ready_file, url + "\n")
    sys.stdout.write(url + "\n")
    sys.stdout.flush()
    sys.stderr.write(f"codat-emulator: serving {url} with data in {store.data_dir}\n")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
