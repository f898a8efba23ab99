"""A deliberately careless stand-in for Codat: small, standard library only, and impolite on purpose.

The emulator (`codat_emulator`) is polite: it reads every request whole and masks credentials. Codat, or a
proxy in front of it, need not be. This server, run on loopback in a thread of the test process:

- answers a planned fault (429 or 503, with `Retry-After`) *before reading the request body*, on a
  kept-alive connection, so the unread body becomes the start of the next request on that connection
  (Python's http.server then answers `501 Unsupported method ('<the body>...')`);
- quotes the request in the status line's reason phrase and in error bodies: the request line, the
  Authorization header and, once read, the body;
- returns credentials exactly as they were sent, unmasked;
- when told (`fault(...)`): answers with any headers (a secret in `Retry-After`, a redirect's `Location`) and
  any raw body (`html_page()`, `gzip_bomb()`), holds the answer back for ever (`trickle="headers"`) or sends
  its headers and then one body byte every few seconds (`trickle="body"`);
- pages `GET /integrations` as Codat does, or (`paging`) with a `next` link that never ends, repeats, or
  points at another host.

It serves just what `codat_integration`, `codat_supplemental_data` and the `codat_integrations` data source
use: GET /integrations (paged), GET /integrations/{key}, PUT /integrations/{key}/enabled, GET, PUT, DELETE
/integrations/credentials/{key}, and GET, PUT /integrations/{key}/dataTypes/{dataType}/supplementalDataConfig.
Tests play the Portal by editing `integrations`, `credentials` and `supplemental` directly (under `lock`) and
read `seen` to learn what arrived on which connection.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import select
import socket
import struct
import threading
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Fault:
    method: str
    path: str
    status: int
    count: int
    retry_after: str | None
    early: bool  # answer before reading the body
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # a raw answer body in place of the JSON error quoting the request
    trickle: str | None = None  # "headers": never answer; "body": headers, then one body byte every TRICKLE_EVERY s


@dataclass(frozen=True)
class Seen:
    """One request as the server understood it (a desynchronised one shows its garbled method)."""

    connection: int
    method: str
    path: str
    status: int


SUPPLEMENTAL = "supplementalDataConfig"
TRICKLE_EVERY = 5.0  # seconds between the bytes of a trickled body
PAGINGS = ("codat", "endless", "loop", "foreign")

INTEGRATIONS = {
    "gbol": ("Xero", "Accounting"),
    "qhyg": ("QuickBooks Online", "Accounting"),
    "tgff": ("Sage Accounting", "Accounting"),
}


class LoopbackServer:
    """An HTTP server of a test's own on 127.0.0.1, served from a daemon thread while used as a context manager;
    its handler finds this object as ``self.server.owner``. ``closing`` is set on exit, to end held answers."""

    def _listen(self, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self.closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()


class CarelessCodat(LoopbackServer):
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.integrations: dict[str, dict[str, Any]] = {
            key: {"key": key, "name": name, "sourceType": kind, "enabled": False}
            for key, (name, kind) in INTEGRATIONS.items()
        }
        self.credentials: dict[str, dict[str, str]] = {}
        self.supplemental: dict[tuple[str, str], dict[str, Any]] = {}
        self.paging = "codat"  # or "endless", "loop", "foreign" (see PAGINGS)
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.faulted = threading.Event()  # set once a planned fault has been answered (or its trickle began)
        self.released = threading.Event()  # set when a client closed the connection of a held or trickled answer
        self._connections = itertools.count(1)
        self._listen(_Handler, "careless-codat")  # `closing` ends every held answer and trickle

    def fault(
        self, method: str, path: str, status: int, *, count: int = 1, retry_after: str | None = None,
        early: bool = True, headers: dict[str, str] | None = None, body: bytes | None = None,
        trickle: str | None = None,
    ) -> None:
        """Answer the next `count` requests to `method path` with `status` (before reading their body when
        `early`), with `headers` and a raw `body` when given, held back or trickled when `trickle` says so;
        then serve normally."""
        assert trickle in (None, "headers", "body")
        with self.lock:
            self.faults.append(
                Fault(method, path, status, count, retry_after, early, dict(headers or {}), body, trickle)
            )

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
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the body until the
        # client's delayed ACK (40 ms a request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.codat: CarelessCodat = self.server.owner  # type: ignore[attr-defined]
        self.number = next(self.codat._connections)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: `seen` is the log

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:
            pass  # the client closed mid-answer (a refused body, a stopped call): nothing to tell it

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
        if fault is not None and fault.trickle is not None:
            self._read_body()
            self._trickle(fault)
            return
        if fault is not None and fault.body is not None:
            self._read_body()
            self._answer_raw(fault)
            return
        if fault is not None and fault.early:
            error = {"error": f"Try again later: {quoted}"}
            self._answer(fault.status, error, quoted, fault.retry_after, fault.headers)
            codat.faulted.set()
            return  # the body stays unread on the connection
        raw = self._read_body()
        quoted += f": {raw.decode('utf-8', 'replace')}" if raw else ""
        if fault is not None:
            error = {"error": f"Could not process {quoted}"}
            self._answer(fault.status, error, quoted, fault.retry_after, fault.headers)
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
        query = dict(part.partition("=")[::2] for part in self.path.partition("?")[2].split("&") if part)
        status, answer = self._route(method, path.strip("/").split("/"), body, query)
        self._answer(status, answer, quoted if status >= 400 else None)

    def _route(self, method: str, parts: list[str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        codat = self.codat
        with codat.lock:
            if parts == ["integrations"] and method == "GET":
                return 200, self._page(query)
            if parts[:1] == ["integrations"] and parts[2:3] == ["dataTypes"] and parts[4:] == [SUPPLEMENTAL]:
                if parts[1] not in codat.integrations:
                    return 404, {"error": f"No integration was found with key {parts[1]}"}
                held = (parts[1], parts[3])
                if method == "PUT" and isinstance(body, dict):
                    codat.supplemental[held] = body.get("supplementalDataConfig") or {}
                    return 200, None  # Codat's 200 for this PUT has no body
                return 200, {"supplementalDataConfig": codat.supplemental.get(held, {})}
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

    def _page(self, query: dict[str, str]) -> dict[str, Any]:
        """A page of integrations as Codat pages them, or with the `next` link `paging` asks for."""
        number, size = int(query.get("page") or 1), int(query.get("pageSize") or 100)
        every = list(self.codat.integrations.values())
        paging = self.codat.paging
        if paging == "codat":
            results = every[(number - 1) * size: number * size]
            more = number * size < len(every)
        else:
            results, more = every[:size], True  # a full page every time: never the last
        page: dict[str, Any] = {"results": results, "pageNumber": number, "pageSize": size, "totalResults": len(every),
                                "_links": {"self": {"href": "/integrations"}}}
        if more:
            following = {"codat": number + 1, "endless": number + 1, "loop": 2, "foreign": number + 1}[paging]
            href = f"/integrations?page={following}&pageSize={size}"
            page["_links"]["next"] = {"href": f"https://elsewhere.example{href}" if paging == "foreign" else href}
        return page

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(
        self, status: int, body: Any, quoted: str | None = None, retry_after: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        phrase = HTTPStatus(status).phrase
        if quoted:  # the careless part: the request, secrets and all, in the status line
            phrase = f"{phrase} ({quoted})"
        phrase = phrase.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
        if body is None:
            data = b""
        else:
            payload = json.dumps({"statusCode": status, **body} if isinstance(body, dict) and status >= 400 else body)
            data = payload.encode()
        extra = {"Retry-After": retry_after} if retry_after is not None else {}
        self._send(status, phrase, {"Content-Type": "application/json", **extra, **(headers or {})}, data)

    def _answer_raw(self, fault: Fault) -> None:
        assert fault.body is not None
        self._send(fault.status, HTTPStatus(fault.status).phrase, fault.headers, fault.body)
        self.codat.faulted.set()

    def _send(self, status: int, phrase: str, headers: dict[str, str], data: bytes) -> None:
        with self.codat.lock:
            self.codat.seen.append(Seen(self.number, self.command, self.path.split("?")[0], status))
        self.send_response(status, phrase)
        for name, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _trickle(self, fault: Fault) -> None:
        """Hold the answer back ("headers"), or send its headers and a 1,000-byte body one byte every
        TRICKLE_EVERY seconds ("body"), until the client goes away or the server closes."""
        codat = self.codat
        with codat.lock:
            codat.seen.append(Seen(self.number, self.command, self.path.split("?")[0], fault.status))
        if fault.trickle == "body":
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
        codat.faulted.set()
        self.close_connection = True
        polls = 0
        while not codat.closing.wait(0.2):
            polls += 1
            try:
                if _client_left(self.connection):
                    break
                if fault.trickle == "body" and polls % round(TRICKLE_EVERY / 0.2) == 0:
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                break  # the client closed the connection
        else:
            return
        codat.released.set()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (e.g. "Unsupported method ('<leftover body>PUT')") are recorded too.
        with self.codat.lock:
            seen = Seen(self.number, str(getattr(self, "command", None)), str(getattr(self, "path", None)), code)
            self.codat.seen.append(seen)
        super().send_error(code, message, explain)


def _client_left(connection: socket.socket) -> bool:
    """Whether the client closed its end (readable, and nothing to read)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def html_page() -> bytes:
    """What a proxy or a login wall answers with status 200."""
    return b"<!doctype html><html><head><title>Sign in</title></head><body>Please sign in.</body></html>"


@functools.cache
def gzip_bomb(decoded: int = 1 << 30) -> bytes:
    """A valid gzip body of about 1 MB that inflates to `decoded` zero bytes (1 GiB by default).

    After a full flush a deflate stream starts afresh, so every further MiB of zeros compresses to the same
    block: the bomb is that block repeated, built in a fraction of a second instead of compressing 1 GiB."""
    mib = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    count = decoded // len(mib)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * count + deflate.flush() + struct.pack("<II", crc, (count << 20) & 0xFFFFFFFF)
