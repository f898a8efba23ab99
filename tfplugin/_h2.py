"""A small gRPC-over-HTTP/2 server (RFC 9113 subset a gRPC server needs).

Why not grpcio: ``import grpc`` alone takes 110-190 ms on a small machine (it pulls
in asyncio), and Terraform starts a provider about three times per plan. This
server imports only the standard library, and ``ssl`` only when TLS is used.

Scope: server side only; unary RPCs plus server-streaming/bidi streams that are
kept open (go-plugin's stdio and broker streams); HPACK with Huffman; flow control
in both directions; PING, SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY, CONTINUATION,
padding. Threads: one reader per connection, and a pool of workers that run the
requests (a thread starts only when none is idle); all socket writes (and every use
of the TLS object) happen under one lock per connection.

At the limits it answers as RFC 9113 and gRPC say: a message over the receive limit
gets status RESOURCE_EXHAUSTED; a length prefix that does not match the body, INTERNAL;
streams beyond the advertised SETTINGS_MAX_CONCURRENT_STREAMS are refused
(RST_STREAM REFUSED_STREAM); a request whose bytes take those held by the connection's requests in
progress past ``max_held`` gets RESOURCE_EXHAUSTED, unless it is alone (then the message limit is its
bound); a header block over MAX_HEADER_LIST bytes (HEADERS plus
CONTINUATIONs, or decoded) ends the connection (GOAWAY ENHANCE_YOUR_CALM) instead of
being buffered; flow-control and framing errors are stream or connection errors as
the RFC assigns them. Other streams and connections keep being served.
"""
from __future__ import annotations

import struct
import threading
from queue import Empty as _Empty, SimpleQueue

from . import _hpack
from ._cmodules import sockets

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from _socket import socket as Socket  # what socket.socket extends: either may be served
    from collections.abc import Callable, Iterable
    from typing import Any, TypeAlias

    from ._tls import TlsContext

    Handler: TypeAlias = Callable[[memoryview], bytes]  # a unary method: request message -> response message
    Handlers: TypeAlias = dict[str, Handler]  # {gRPC path: handler}
    # Run once per accepted connection: that connection's handlers, and what to call when it ends.
    ConnectionHandlers: TypeAlias = Callable[[], tuple[Handlers, Callable[[], None] | None]]
    # {path: (request message, response message, client streaming, server streaming)}
    Methods: TypeAlias = dict[str, tuple[str, str, bool, bool]]

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

SETTINGS_HEADER_TABLE_SIZE = 0x1
SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6

# HTTP/2 error codes (RFC 9113 section 7)
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR = 0x0, 0x1, 0x2, 0x3
FRAME_SIZE_ERROR, REFUSED_STREAM, COMPRESSION_ERROR, ENHANCE_YOUR_CALM = 0x6, 0x7, 0x9, 0xB
STREAM_CLOSED = 0x5

MAX_WINDOW = (1 << 31) - 1
DEFAULT_WINDOW = 65535
OUR_MAX_FRAME = 16384  # we never advertise more, so incoming frames are at most this
MAX_CONCURRENT_STREAMS = 1000  # advertised and enforced; Terraform runs 10 RPCs at a time by default
MAX_HEADER_LIST = 1 << 20  # advertised and enforced (Terraform sends ~200 bytes; Go's net/http allows 1 MB)
DEFAULT_MAX_MESSAGE = 256 << 20  # as terraform-plugin-go's servers; Terraform's client sends up to 2 GiB
# What the requests in progress on one connection may hold together (docs/tfplugin.md, "Limits"): Terraform
# keeps at most -parallelism (10) requests of a few KB in progress per provider process; a request alone may
# still be as large as the message limit.
DEFAULT_MAX_HELD = 64 << 20

# gRPC status codes
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT = 0, 1, 2, 3
RESOURCE_EXHAUSTED = 8
UNIMPLEMENTED, INTERNAL, UNAVAILABLE = 12, 13, 14

_HDR = struct.Struct(">I")
# The header blocks every unary response sends, encoded once.
_RESPONSE_HEADERS = _hpack.encode([(":status", "200"), ("content-type", "application/grpc")])
_OK_TRAILERS = _hpack.encode([("grpc-status", "0")])


class GrpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ConnectionClosed(Exception):
    pass


class PeerError(Exception):
    """The peer broke RFC 9113 in a way it makes a connection error: GOAWAY with ``code``, then close."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _frame(ftype: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    n = len(payload)
    return bytes(((n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF, ftype, flags)) + _HDR.pack(stream_id) + payload


def _pct(msg: str) -> str:
    """grpc-message is percent-encoded (RFC 3986 unreserved and printable ASCII kept)."""
    out = []
    for b in msg.encode("utf-8"):
        if 0x20 <= b <= 0x7E and b != 0x25:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


class Stream:
    __slots__ = ("id", "path", "body", "held", "send_window", "closed", "recv_unacked", "dispatched")

    def __init__(self, sid: int, path: str, send_window: int) -> None:
        self.id = sid
        self.path = path
        self.body = bytearray()
        self.held = 0  # bytes counted against the connection's MAX_HELD for this request, until it ends
        self.send_window = send_window
        self.closed = False  # reset (by either side), or our response finished: send nothing more
        self.recv_unacked = 0
        self.dispatched = False


class Connection:
    """One HTTP/2 connection. ``run()`` is the reader loop (its own thread)."""

    def __init__(self, sock: Socket, server: Server, tls_context: TlsContext | None = None,
                 handlers: Handlers | None = None, on_close: Callable[[], None] | None = None) -> None:
        self.sock = sock
        self.server = server
        self.tls_context = tls_context
        self.handlers = handlers if handlers is not None else {}  # {path: fn(request bytes) -> response bytes}
        self._on_close = on_close  # called once when the connection ends (a provider instance per connection)
        self.lock = threading.Lock()  # socket writes + TLS object
        self.fc = threading.Condition(threading.Lock())  # send flow control
        self.streams: dict[int, Stream] = {}  # open streams (not finished, not reset)
        self.last_stream_id = 0  # the highest stream the peer opened (refused ones included)
        self.conn_send_window = DEFAULT_WINDOW
        self.peer_initial_window = DEFAULT_WINDOW
        self.peer_max_frame = 16384
        self.decoder = _hpack.Decoder()
        self.held = 0  # bytes the requests in progress hold (sum of Stream.held)
        self.held_lock = threading.Lock()
        self.closed = False
        self.conn_recv_unacked = 0
        # The TLS object and its memory BIOs (tfplugin._tls.TlsContext.wrap_bio), once TLS is set up.
        self._sslobj: Any = None
        self._in: Any = None
        self._out: Any = None
        self._rbuf = bytearray()
        self._header_block: tuple[int, int, bytearray] | None = None  # while CONTINUATIONs arrive
        self.established = False  # TLS (if any) and the HTTP/2 preface went through

    # ------------------------------------------------------------------ transport

    def _tls_handshake(self, ctx: TlsContext) -> None:
        self._in, self._out = ctx.new_bios()
        self._sslobj = ctx.wrap_bio(self._in, self._out, server_side=True)
        self._want_read = ctx.WantRead
        self._tls_closed = ctx.Closed
        while True:
            try:
                self._sslobj.do_handshake()
                break
            except ctx.WantRead:
                pending = self._out.read()
                if pending:
                    self.sock.sendall(pending)
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionClosed("EOF during TLS handshake") from None
                self._in.write(data)
        pending = self._out.read()
        if pending:
            self.sock.sendall(pending)
        if self._sslobj.selected_alpn_protocol() not in (None, "h2"):
            raise ConnectionClosed("peer did not negotiate h2")

    def _recv(self) -> bytes:
        if self._sslobj is None:
            return self.sock.recv(65536)
        while True:
            with self.lock:
                try:
                    data: bytes | None = self._sslobj.read(65536)
                except self._want_read:
                    data = None
                except self._tls_closed:
                    return b""
                pending = self._out.read()
                if pending:
                    self.sock.sendall(pending)
            if data:
                return data
            raw = self.sock.recv(65536)
            if not raw:
                return b""
            with self.lock:
                self._in.write(raw)

    def send(self, data: bytes, st: Stream | None = None) -> None:
        """Write frames; with ``st``, only while that stream is open (checked under the write lock)."""
        with self.lock:
            if st is not None and st.closed:
                raise ConnectionClosed("stream closed")
            self._write(data)

    def _write(self, data: bytes) -> None:  # holding self.lock
        if self.closed:
            raise ConnectionClosed("connection closed")
        if self._sslobj is not None:
            self._sslobj.write(data)
            data = self._out.read()
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.closed = True
            raise ConnectionClosed(str(e)) from None

    def _read_exact(self, n: int) -> bytes:
        buf = self._rbuf
        while len(buf) < n:
            chunk = self._recv()
            if not chunk:
                raise ConnectionClosed("EOF")
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out

    # ------------------------------------------------------------------ reader loop

    def run(self) -> None:
        try:
            if self.tls_context is not None:
                self._tls_handshake(self.tls_context)
            if self._read_exact(len(PREFACE)) != PREFACE:
                raise ConnectionClosed("bad HTTP/2 preface")
            self.established = True
            settings = struct.pack(">HIHIHIHI", SETTINGS_MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS,
                                   SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW,
                                   SETTINGS_MAX_FRAME_SIZE, OUR_MAX_FRAME,
                                   SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST)
            self.send(_frame(SETTINGS, 0, 0, settings) +
                      _frame(WINDOW_UPDATE, 0, 0, _HDR.pack(MAX_WINDOW - DEFAULT_WINDOW)))
            while not self.closed:
                head = self._read_exact(9)
                length = (head[0] << 16) | (head[1] << 8) | head[2]
                ftype, flags = head[3], head[4]
                sid = _HDR.unpack_from(head, 5)[0] & 0x7FFFFFFF
                if length > OUR_MAX_FRAME:
                    raise PeerError(FRAME_SIZE_ERROR, "frame too large")
                payload = self._read_exact(length) if length else b""
                self._on_frame(ftype, flags, sid, payload)
        except (ConnectionClosed, OSError):
            pass
        except PeerError as e:
            self._goaway(e.code, e.message)
        except _hpack.HeaderListTooLarge as e:
            self._goaway(ENHANCE_YOUR_CALM, str(e))
        except _hpack.HpackError as e:
            self._goaway(COMPRESSION_ERROR, f"HPACK: {e}")
        except Exception:  # noqa: BLE001 - never let a protocol bug kill the process
            self.server.log_exception("HTTP/2 connection failed")
            self._goaway(INTERNAL_ERROR, "internal error")
        finally:
            self._close()

    def _goaway(self, code: int, msg: str) -> None:
        try:
            self.send(_frame(GOAWAY, 0, 0, struct.pack(">II", self.last_stream_id, code) + msg.encode()[:200]))
        except Exception:  # noqa: BLE001
            pass

    def _reset(self, sid: int, code: int) -> None:
        """A stream error (RFC 9113 5.4.2): RST_STREAM, and nothing more is sent or read on that stream."""
        st = self.streams.get(sid)
        with self.lock:
            if st is not None:
                st.closed = True
            self._write(_frame(RST_STREAM, 0, sid, _HDR.pack(code)))
        with self.fc:
            self.streams.pop(sid, None)
            self.fc.notify_all()
        if st is not None and not st.dispatched:  # a dispatched request is released by its worker
            self.release(st)

    def _close(self) -> None:
        with self.fc:
            self.closed = True
            self.fc.notify_all()
        try:
            self.sock.close()
        except OSError:
            pass
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            try:
                on_close()
            except Exception:  # noqa: BLE001 - a connection's end must not take the server down
                self.server.log_exception("closing the connection's provider failed")
        self.server.connection_closed(self)

    def _on_frame(self, ftype: int, flags: int, sid: int, payload: bytes) -> None:
        if self._header_block is not None and ftype != CONTINUATION:
            raise PeerError(PROTOCOL_ERROR, "expected CONTINUATION")
        if ftype == DATA:
            if sid == 0:
                raise PeerError(PROTOCOL_ERROR, "DATA on stream 0")
            self._on_data(flags, sid, payload)
        elif ftype == HEADERS:
            if sid == 0:
                raise PeerError(PROTOCOL_ERROR, "HEADERS on stream 0")
            pos = 1 if flags & PADDED else 0
            end = len(payload) - (payload[0] if flags & PADDED and payload else 0)
            if flags & PRIORITY_FLAG:
                pos += 5
            if end < pos:
                raise PeerError(PROTOCOL_ERROR, "padding longer than the HEADERS frame")
            block = bytearray(payload[pos:end])
            if flags & END_HEADERS:
                self._on_headers(sid, flags, bytes(block))
            else:
                self._header_block = (sid, flags, block)
        elif ftype == CONTINUATION:
            if self._header_block is None or self._header_block[0] != sid:
                raise PeerError(PROTOCOL_ERROR, "unexpected CONTINUATION")
            block = self._header_block[2]
            block.extend(payload)
            if len(block) > MAX_HEADER_LIST:
                raise PeerError(ENHANCE_YOUR_CALM, f"header block over {MAX_HEADER_LIST} bytes")
            if flags & END_HEADERS:
                hsid, hflags, _ = self._header_block
                self._header_block = None
                self._on_headers(hsid, hflags, bytes(block))
        elif ftype == SETTINGS:
            if sid != 0:
                raise PeerError(PROTOCOL_ERROR, "SETTINGS on a stream")
            if flags & ACK:
                if payload:
                    raise PeerError(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
            else:
                self._on_settings(payload)
                self.send(_frame(SETTINGS, ACK, 0))
        elif ftype == PING:
            if len(payload) != 8:
                raise PeerError(FRAME_SIZE_ERROR, "PING payload is not 8 bytes")
            if not flags & ACK:
                self.send(_frame(PING, ACK, 0, payload))
        elif ftype == WINDOW_UPDATE:
            self._on_window_update(sid, payload)
        elif ftype == RST_STREAM:
            if len(payload) != 4:
                raise PeerError(FRAME_SIZE_ERROR, "RST_STREAM payload is not 4 bytes")
            with self.fc:
                st = self.streams.pop(sid, None)
                if st is not None:
                    st.closed = True
                self.fc.notify_all()
            if st is not None and not st.dispatched:
                self.release(st)
        elif ftype == GOAWAY:
            pass  # the peer will close the socket when its streams finish
        # PRIORITY, PUSH_PROMISE and unknown frame types are ignored

    def _on_window_update(self, sid: int, payload: bytes) -> None:
        """RFC 9113 6.9: an increment of 0 is a PROTOCOL_ERROR, a window past 2^31-1 a FLOW_CONTROL_ERROR;
        stream errors on a stream, connection errors on stream 0."""
        if len(payload) != 4:
            raise PeerError(FRAME_SIZE_ERROR, "WINDOW_UPDATE payload is not 4 bytes")
        inc = _HDR.unpack(payload)[0] & 0x7FFFFFFF
        with self.fc:
            if sid == 0:
                if inc == 0:
                    raise PeerError(PROTOCOL_ERROR, "WINDOW_UPDATE with an increment of 0")
                if self.conn_send_window + inc > MAX_WINDOW:
                    raise PeerError(FLOW_CONTROL_ERROR, "connection window past 2^31-1")
                self.conn_send_window += inc
                self.fc.notify_all()
                return
            st = self.streams.get(sid)
            if st is None:
                return  # a stream already closed: allowed, nothing to do
            error = (PROTOCOL_ERROR if inc == 0 else
                     FLOW_CONTROL_ERROR if st.send_window + inc > MAX_WINDOW else None)
            if error is None:
                st.send_window += inc
                self.fc.notify_all()
                return
        self._reset(sid, error)

    def _on_settings(self, payload: bytes) -> None:
        if len(payload) % 6:
            raise PeerError(FRAME_SIZE_ERROR, "SETTINGS payload is not a multiple of 6 bytes")
        for i in range(0, len(payload), 6):
            ident, value = struct.unpack_from(">HI", payload, i)
            if ident == SETTINGS_INITIAL_WINDOW_SIZE:
                if value > MAX_WINDOW:
                    raise PeerError(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE past 2^31-1")
                with self.fc:
                    delta = value - self.peer_initial_window
                    if any(st.send_window + delta > MAX_WINDOW for st in self.streams.values()):
                        raise PeerError(FLOW_CONTROL_ERROR, "a stream window past 2^31-1")
                    self.peer_initial_window = value
                    for st in self.streams.values():
                        st.send_window += delta
                    self.fc.notify_all()
            elif ident == SETTINGS_MAX_FRAME_SIZE:
                if not 16384 <= value <= (1 << 24) - 1:
                    raise PeerError(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE out of range")
                self.peer_max_frame = value
            elif ident == SETTINGS_HEADER_TABLE_SIZE:
                pass  # only limits our encoder, which never indexes

    def _on_headers(self, sid: int, flags: int, block: bytes) -> None:
        headers = self.decoder.decode(block, MAX_HEADER_LIST)  # always: the HPACK state must stay in step
        st = self.streams.get(sid)
        if st is None:
            if sid % 2 == 0:
                raise PeerError(PROTOCOL_ERROR, "client used an even stream id")
            if sid <= self.last_stream_id:
                raise PeerError(STREAM_CLOSED, f"HEADERS on closed stream {sid}")
            self.last_stream_id = sid
            if len(self.streams) >= MAX_CONCURRENT_STREAMS:
                self._reset(sid, REFUSED_STREAM)  # RFC 9113 5.1.2; the client may retry it
                return
            st = Stream(sid, next((v for n, v in headers if n == ":path"), ""), self.peer_initial_window)
            with self.fc:
                self.streams[sid] = st
            method = self.server.method(st.path)
            if method is not None and method[2]:  # client-streaming: start at once
                self._dispatch(st)
        if flags & END_STREAM:
            self._dispatch(st)

    def _on_data(self, flags: int, sid: int, payload: bytes) -> None:
        data = payload
        if flags & PADDED:
            if not payload or payload[0] >= len(payload):
                raise PeerError(PROTOCOL_ERROR, "padding longer than the DATA frame")
            data = payload[1:len(payload) - payload[0]]
        n = len(payload)
        self.conn_recv_unacked += n  # counted even for streams that are gone: the window is shared
        if self.conn_recv_unacked > (1 << 24):
            self.send(_frame(WINDOW_UPDATE, 0, 0, _HDR.pack(self.conn_recv_unacked)))
            self.conn_recv_unacked = 0
        st = self.streams.get(sid)
        if st is None:
            return
        if not st.dispatched:
            st.body += data
            size = self._message_size(st.body)
            if size > self.server.max_message:
                self._too_large(st, size, bool(flags & END_STREAM))
                return
            others = self._hold(st, len(st.body))
            if others is not None:
                self._over_held(st, others, bool(flags & END_STREAM))
                return
        st.recv_unacked += n
        if st.recv_unacked > (1 << 24):
            self.send(_frame(WINDOW_UPDATE, 0, sid, _HDR.pack(st.recv_unacked)))
            st.recv_unacked = 0
        if flags & END_STREAM:
            self._dispatch(st)

    @staticmethod
    def _message_size(body: bytearray) -> int:
        """What the gRPC message will be at least: the length prefix's claim or what already arrived."""
        arrived = len(body) - 5
        return max(arrived, _HDR.unpack_from(body, 1)[0]) if arrived >= 0 else 0

    def _too_large(self, st: Stream, size: int, ended: bool) -> None:
        limit = self.server.max_message
        message = (f"request message of {size} bytes is larger than this provider accepts: the limit is {limit} "
                   f"bytes ({limit / (1 << 20):g} MiB). {self.server.max_message_hint}")
        self._refuse(st, ended, message.rstrip())

    def _hold(self, st: Stream, size: int) -> int | None:
        """Count the ``size`` bytes ``st`` now holds; when that takes the connection past ``max_held`` while
        other requests are in progress, count nothing and return what the others hold. A request alone is
        never refused here: the message limit is its bound."""
        with self.held_lock:
            if size <= st.held:
                return None
            others = self.held - st.held
            if others and others + size > self.server.max_held:
                return others
            self.held = others + size
            st.held = size
        return None

    def release(self, st: Stream) -> None:
        """The request ended (answered, refused or reset): its bytes no longer count, nor are they kept."""
        with self.held_lock:
            self.held -= st.held
            st.held = 0
        st.body = bytearray()

    def _over_held(self, st: Stream, others: int, ended: bool) -> None:
        limit, size = self.server.max_held, len(st.body)
        self._refuse(st, ended, f"request refused after {size} bytes: the other requests in progress on this "
                                f"connection hold {others} bytes, and all of them together may hold {limit} bytes "
                                f"({limit / (1 << 20):g} MiB; a request alone may be as large as the message "
                                "limit). Retry it when they are done, or send fewer requests at once "
                                "(terraform -parallelism).")

    def _refuse(self, st: Stream, ended: bool, message: str) -> None:
        """RESOURCE_EXHAUSTED at once; then RST_STREAM NO_ERROR asks the client to stop sending (RFC 9113 8.1)."""
        self.release(st)
        self.respond_error(st, RESOURCE_EXHAUSTED, message)
        if not ended:
            self._reset(st.id, NO_ERROR)

    def _dispatch(self, st: Stream) -> None:
        if st.dispatched:
            return
        st.dispatched = True
        self.server.dispatch(self, st)

    # ------------------------------------------------------------------ responses (worker threads)

    def _reserve(self, st: Stream, want: int) -> int:
        """Wait for send window; return how many bytes (<= want) may be sent now."""
        with self.fc:
            while True:
                if self.closed or st.closed:
                    raise ConnectionClosed("stream closed")
                n = min(want, self.conn_send_window, st.send_window, self.peer_max_frame)
                if n > 0:
                    self.conn_send_window -= n
                    st.send_window -= n
                    return n
                self.fc.wait()

    def respond(self, st: Stream, message: bytes) -> None:
        """Send a unary gRPC response: headers, one length-prefixed message, OK trailers."""
        head = _frame(HEADERS, END_HEADERS, st.id, _RESPONSE_HEADERS)
        data = b"\x00" + _HDR.pack(len(message)) + message
        trailers = _frame(HEADERS, END_HEADERS | END_STREAM, st.id, _OK_TRAILERS)
        # common case: everything fits the windows -> one write
        with self.fc:
            fits = (len(data) <= min(self.conn_send_window, st.send_window, self.peer_max_frame)
                    and not st.closed and not self.closed)
            if fits:
                self.conn_send_window -= len(data)
                st.send_window -= len(data)
        if fits:
            self._send_last(st, head + _frame(DATA, 0, st.id, data) + trailers)
        else:
            self.send(head, st)
            view = memoryview(data)
            while view:
                n = self._reserve(st, len(view))
                self.send(_frame(DATA, 0, st.id, bytes(view[:n])), st)
                view = view[n:]
            self._send_last(st, trailers)

    def respond_error(self, st: Stream, code: int, message: str) -> None:
        """A trailers-only response carrying a gRPC error status."""
        if st.closed or self.closed:
            return
        block = _hpack.encode([(":status", "200"), ("content-type", "application/grpc"),
                               ("grpc-status", str(code)), ("grpc-message", _pct(message[:1000]))])
        self._send_last(st, _frame(HEADERS, END_HEADERS | END_STREAM, st.id, block))

    def open_stream(self, st: Stream) -> None:
        """Answer with headers only and keep the stream open (idle server stream)."""
        self.send(_frame(HEADERS, END_HEADERS, st.id, _RESPONSE_HEADERS), st)

    def _send_last(self, st: Stream, data: bytes) -> None:
        """Send the frames that end the stream. It stops counting as open, and its bytes as held, first: a
        client that has seen END_STREAM may open its next stream at once (RFC 9113 5.1.2)."""
        with self.fc:
            self.streams.pop(st.id, None)
        self.release(st)
        try:
            self.send(data, st)
        finally:
            st.closed = True


class Server:
    """Accepts connections on a listening socket and dispatches gRPC calls.

    ``handlers``: {path: fn(request_bytes) -> response_bytes} for unary methods, shared by every connection;
    or a callable run once per accepted connection that returns ``(handlers, on_close)``, the handlers of that
    connection alone and a function called when it ends (or None): what a server that keeps one provider
    instance per connection needs.
    ``accept_peer``: fn(socket) -> bool, asked before a connection is served; False closes it at once.
    ``tls_context``: None (plaintext) or a tfplugin._tls.TlsContext.
    ``streams``: set of paths answered with an open, idle stream.
    ``methods``: {path: (req, resp, client_streaming, server_streaming)}.
    ``max_message``: the largest request message accepted (bytes); ``max_message_hint`` is added to
    the RESOURCE_EXHAUSTED message a larger one gets (how to raise the limit).
    ``max_held``: the bytes the requests in progress on one connection may hold together.
    """

    def __init__(self, listener: Socket, handlers: Handlers | ConnectionHandlers, methods: Methods,
                 streams: Iterable[str] = (), tls_context: TlsContext | None = None, log: logging.Logger | None = None,
                 on_idle: Callable[[], None] | None = None, max_message: int = DEFAULT_MAX_MESSAGE,
                 max_message_hint: str = "", max_held: int = DEFAULT_MAX_HELD,
                 accept_peer: Callable[[Socket], bool] | None = None) -> None:
        self.listener = listener
        self.accept_peer = accept_peer
        self.max_message = max_message
        self.max_held = max_held
        self.max_message_hint = max_message_hint
        self._accept: Callable[[], Socket]  # the next connection's socket
        public_accept = getattr(listener, "accept", None)  # socket.socket
        if public_accept is not None:
            self._accept = lambda: public_accept()[0]
        else:  # the C module's socket type server.py listens on (tfplugin._cmodules checked it has _accept)
            c_accept: Callable[[], tuple[int, object]] = listener._accept  # type: ignore[attr-defined]  # private API
            self._accept = lambda: type(listener)(fileno=c_accept()[0])
        self.handlers = handlers
        self.methods = methods
        self.streams = set(streams)
        self.tls_context = tls_context
        self.log = log
        self.on_idle = on_idle  # called when the last connection closes
        self.connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._workers = _Workers(self.log_exception)

    def method(self, path: str) -> tuple[str, str, bool, bool] | None:
        return self.methods.get(path)

    def log_exception(self, msg: str) -> None:
        if self.log is not None:
            self.log.debug(msg, exc_info=True)

    def serve_forever(self) -> None:
        while not self._stopped:
            try:
                sock = self._accept()
            except OSError:
                if self._stopped:
                    return
                continue
            if self.accept_peer is not None and not self.accept_peer(sock):
                sock.close()
                continue
            if isinstance(self.handlers, dict):
                handlers, on_close = self.handlers, None
            else:
                handlers, on_close = self.handlers()
            conn = Connection(sock, self, self.tls_context, handlers, on_close)
            with self._lock:
                self.connections.add(conn)
            threading.Thread(target=conn.run, name="h2-conn", daemon=True).start()

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, name="h2-accept", daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stopped = True
        try:
            self.listener.shutdown(sockets().SHUT_RDWR)
        except OSError:
            pass
        try:
            self.listener.close()
        except OSError:
            pass

    def connection_closed(self, conn: Connection) -> None:
        with self._lock:
            self.connections.discard(conn)
            idle = not self.connections
        # only a real client leaving counts (not, say, a failed TLS handshake)
        if idle and conn.established and self.on_idle is not None and not self._stopped:
            self.on_idle()

    def dispatch(self, conn: Connection, st: Stream) -> None:
        if st.path in self.streams:
            conn.release(st)
            try:
                conn.open_stream(st)
            except ConnectionClosed:
                pass
            return
        self._workers.submit(self._run, conn, st)

    def _run(self, conn: Connection, st: Stream) -> None:
        path = st.path
        try:
            handler = conn.handlers.get(path)
            if handler is None:
                conn.respond_error(st, UNIMPLEMENTED, f"unknown method {path}")
                return
            body = st.body
            if len(body) < 5:
                conn.respond_error(st, INTERNAL, "missing gRPC message")
                return
            if body[0] != 0:
                conn.respond_error(st, UNIMPLEMENTED, "compressed messages are not supported")
                return
            size = _HDR.unpack_from(body, 1)[0]
            if len(body) - 5 != size:
                conn.respond_error(st, INTERNAL, f"malformed gRPC request: the length prefix says {size} bytes but "
                                   f"{len(body) - 5} followed (a unary call carries exactly one message)")
                return
            try:
                response = handler(memoryview(body)[5:])  # a view: the message is not copied
            except GrpcError as e:
                conn.respond_error(st, e.code, e.message)
                return
            except BaseException as e:  # noqa: BLE001 - report, never crash, always answer
                self.log_exception(f"handler for {path} failed")
                conn.respond_error(st, INTERNAL, f"{path}: {type(e).__name__}: {e}")
                return
            conn.respond(st, response)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001
            self.log_exception(f"sending the response of {path} failed")
        finally:
            conn.release(st)  # when no answer could be sent; else _send_last did


class _Workers:
    """The threads that run requests. A request goes to an idle worker; a new thread starts only when none
    is idle, so as many run at once as before (one each), but a plan's hundreds of RPCs no longer each pay
    for starting a thread (~0.1 ms and a hand-off between threads). A worker idle for IDLE_SECONDS ends."""

    IDLE_SECONDS = 10.0

    def __init__(self, log_exception: Callable[[str], None]) -> None:
        self._queue: SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]]] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # idle workers no request has been promised to
        self._log_exception = log_exception

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            start = not self._idle
            if not start:
                self._idle -= 1  # promised: that worker will take this request from the queue
        self._queue.put((fn, args))
        if start:
            threading.Thread(target=self._work, name="rpc", daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                fn, args = self._queue.get(timeout=self.IDLE_SECONDS)
            except _Empty:
                with self._lock:
                    if self._idle:  # no request is promised to this worker: it may go
                        self._idle -= 1
                        return
                continue  # a request was promised to the idle workers just now: stay for it
            try:
                fn(*args)
            except BaseException:  # noqa: BLE001 - a worker must outlive any request
                self._log_exception("an RPC worker failed")
            with self._lock:
                self._idle += 1
