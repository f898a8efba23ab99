"""A deliberately careless stand-in for Codat: small, standard library only, and impolite on purpose.

The emulator (`codat_emulator`) is polite: it reads every request whole and masks credentials. Codat, or a
proxy in front of it, need not be. This server, run on loopback in a thread of the test process:

- answers a planned fault (429 or 503, with `Retry-After`) *before reading the request body*, on a
  kept-alive connection, so the unread body becomes the start of the next request on that connection
  (Python's http.server then answers `501 Unsupported method ('<the body>...')`);
- quotes the request in the status line's reason phrase and in error bodies: the request line, the
  Authorization header and, once read, the body;
- returns credentials exactly as they were sent, unmasked.

It serves just what `codat_integration` uses: GET /integrations/{key}, PUT /integrations/{key}/enabled,
and GET, PUT, DELETE /integrations/credentials/{key}. Tests play the Portal by editing `integrations` and
`credentials` directly (under `lock`) and read `seen` to learn what arrived on which connection.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    method: str
    path: str
    status: int
    count: int
    retry_after: str | None
    early: bool  # answer before reading the body


@dataclass(frozen=True)
class Seen:
    """One request as the server understood it (a desynchronised one shows its garbled method)."""

    connection: int
    method: str
    path: str
    status: int


INTEGRATIONS = {
    "gbol": ("Xero", "Accounting"),
    "qhyg": ("QuickBooks Online", "Accounting"),
    "tgff": ("Sage Accounting", "Accounting"),
}


class CarelessCodat:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.integrations: dict[str, dict[str, Any]] = {
            key: {"key": key, "name": name, "sourceType": kind, "enabled": False}
            for key, (name, kind) in INTEGRATIONS.items()
        }
        self.credentials: dict[str, dict[str, str]] = {}
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.faulted = threading.Event()  # set once a planned fault has been answered
        self._connections = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.codat = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="careless-codat", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CarelessCodat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault(
        self, method: str, path: str, status: int, *, count: int = 1, retry_after: str | None = None,
        early: bool = True,
    ) -> None:
        """Answer the next `count` requests to `method path` with `status` (before reading their body when
        `early`), then serve normally."""
        with self.lock:
            self.faults.append(Fault(method, path, status, count, retry_after, early))

    def requests(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if method in (None, s.method) and path in (None, s.path)]

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.method == method and fault.path == path:
                    fault.count -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections alive
    server_version = "careless"

    def setup(self) -> None:
        super().setup()
        self.codat: CarelessCodat = self.server.codat  # type: ignore[attr-defined]
        self.number = next(self.codat._connections)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: `seen` is the log

    def finish(self) -> None:
        super().finish()
        # A lingering close (RFC 9112 9.6): read what the client still sends, so closing does not reset
        # the connection before it has read the answer. Careless, not hostile.
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            while self.connection.recv(65536):
                pass
        except OSError:
            pass

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    # ------------------------------------------------------------------------------------------------

    def _serve(self) -> None:
        codat, method, path = self.codat, self.command, self.path.split("?")[0]
        authorization = self.headers.get("Authorization", "")
        quoted = f"{self.requestline} with {authorization}"
        fault = codat.take_fault(method, path)
        if fault is not None and fault.early:
            self._answer(fault.status, {"error": f"Try again later: {quoted}"}, quoted, fault.retry_after)
            codat.faulted.set()
            return  # the body stays unread on the connection
        raw = self._read_body()
        quoted += f": {raw.decode('utf-8', 'replace')}" if raw else ""
        if fault is not None:
            self._answer(fault.status, {"error": f"Could not process {quoted}"}, quoted, fault.retry_after)
            codat.faulted.set()
            return
        expected = "Basic " + base64.b64encode(codat.api_key.encode()).decode()
        if authorization != expected:
            self._answer(401, {"error": f"Unauthorized: {quoted}"}, quoted)
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._answer(400, {"error": f"Not JSON: {quoted}"}, quoted)
            return
        status, answer = self._route(method, path.strip("/").split("/"), body)
        self._answer(status, answer, quoted if status >= 400 else None)

    def _route(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        codat = self.codat
        with codat.lock:
            if parts[:2] == ["integrations", "credentials"] and len(parts) == 3:
                key = parts[2]
                if key not in codat.integrations:
                    return 404, {"error": f"No integration was found with key {key}"}
                if method == "PUT" and isinstance(body, dict):
                    codat.credentials[key] = {str(k): str(v) for k, v in body.items()}
                    return 200, codat.credentials[key]  # as sent: unmasked
                held = codat.credentials.get(key)
                if held is None:
                    return 404, {"error": f"No credentials were found for integration {key}"}
                if method == "DELETE":
                    return 200, codat.credentials.pop(key)
                return 200, held
            if parts[:1] == ["integrations"] and len(parts) >= 2:
                integration = codat.integrations.get(parts[1])
                if integration is None:
                    return 404, {"error": f"No integration was found with key {parts[1]}"}
                if len(parts) == 2 and method == "GET":
                    return 200, integration
                if parts[2:] == ["enabled"] and method == "PUT" and isinstance(body, dict):
                    integration["enabled"] = bool(body.get("enabled"))
                    return 200, integration
        return 404, {"error": f"No route for {method} /{'/'.join(parts)}: {json.dumps(body)}"}

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: Any, quoted: str | None = None, retry_after: str | None = None) -> None:
        phrase = HTTPStatus(status).phrase
        if quoted:  # the careless part: the request, secrets and all, in the status line
            phrase = f"{phrase} ({quoted})"
        phrase = phrase.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
        payload = json.dumps({"statusCode": status, **body} if isinstance(body, dict) and status >= 400 else body)
        data = payload.encode()
        with self.codat.lock:
            self.codat.seen.append(Seen(self.number, self.command, self.path.split("?")[0], status))
        self.send_response(status, phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (e.g. "Unsupported method ('<leftover body>PUT')") are recorded too.
        with self.codat.lock:
            seen = Seen(self.number, str(getattr(self, "command", None)), str(getattr(self, "path", None)), code)
            self.codat.seen.append(seen)
        super().send_error(code, message, explain)
