"""A small gRPC-over-HTTP/2 server (RFC 9113 subset a gRPC server needs).

Why not grpcio: ``import grpc`` alone takes 110-190 ms on a small machine (it pulls
in asyncio), and Terraform starts a provider about three times per plan. This
server imports only the standard library, and ``ssl`` only when TLS is used.

Scope: server side only; unary RPCs plus server-streaming/bidi streams that are
kept open (go-plugin's stdio and broker streams); HPACK with Huffman; flow control
in both directions; PING, SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY, CONTINUATION,
padding. Threads: one reader per connection, one worker per request; all socket
writes (and every use of the TLS object) happen under one lock per connection.
"""
from __future__ import annotations

import _socket  # the C module: `socket` adds ~5 ms of imports we do not need
import struct
import threading

from . import _hpack

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

MAX_WINDOW = (1 << 31) - 1
DEFAULT_WINDOW = 65535
OUR_MAX_FRAME = 16384  # we never advertise more, so incoming frames are at most this
MAX_REQUEST = 64 << 20

# gRPC status codes
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT = 0, 1, 2, 3
UNIMPLEMENTED, INTERNAL, UNAVAILABLE = 12, 13, 14

_HDR = struct.Struct(">I")


class GrpcError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ConnectionClosed(Exception):
    pass


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
    __slots__ = ("id", "headers", "body", "send_window", "closed", "recv_unacked", "dispatched")

    def __init__(self, sid: int, send_window: int):
        self.id = sid
        self.headers: dict = {}
        self.body = bytearray()
        self.send_window = send_window
        self.closed = False  # reset by the peer, or our response finished
        self.recv_unacked = 0
        self.dispatched = False


class Connection:
    """One HTTP/2 connection. ``run()`` is the reader loop (its own thread)."""

    def __init__(self, sock, server, tls_context=None):
        self.sock = sock
        self.server = server
        self.tls_context = tls_context
        self.lock = threading.Lock()  # socket writes + TLS object
        self.fc = threading.Condition(threading.Lock())  # send flow control
        self.streams: dict = {}
        self.conn_send_window = DEFAULT_WINDOW
        self.peer_initial_window = DEFAULT_WINDOW
        self.peer_max_frame = 16384
        self.decoder = _hpack.Decoder()
        self.closed = False
        self.conn_recv_unacked = 0
        self._sslobj = None
        self._in = self._out = None
        self._rbuf = bytearray()
        self._header_block = None  # (stream id, flags, bytearray) while CONTINUATIONs arrive
        self.established = False  # TLS (if any) and the HTTP/2 preface went through

    # ------------------------------------------------------------------ transport

    def _tls_handshake(self) -> None:
        ctx = self.tls_context  # tfplugin._tls context: wrap_bio/new_bios, WantRead/Closed errors
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
                    raise ConnectionClosed("EOF during TLS handshake")
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
                    data = self._sslobj.read(65536)
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

    def send(self, data: bytes) -> None:
        with self.lock:
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
                self._tls_handshake()
            if self._read_exact(len(PREFACE)) != PREFACE:
                raise ConnectionClosed("bad HTTP/2 preface")
            self.established = True
            settings = struct.pack(">HIHIHI", SETTINGS_MAX_CONCURRENT_STREAMS, 1000,
                                   SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW,
                                   SETTINGS_MAX_FRAME_SIZE, OUR_MAX_FRAME)
            self.send(_frame(SETTINGS, 0, 0, settings) +
                      _frame(WINDOW_UPDATE, 0, 0, _HDR.pack(MAX_WINDOW - DEFAULT_WINDOW)))
            while not self.closed:
                head = self._read_exact(9)
                length = (head[0] << 16) | (head[1] << 8) | head[2]
                ftype, flags = head[3], head[4]
                sid = _HDR.unpack_from(head, 5)[0] & 0x7FFFFFFF
                if length > OUR_MAX_FRAME:
                    self._goaway(0x6, "frame too large")  # FRAME_SIZE_ERROR
                    break
                payload = self._read_exact(length) if length else b""
                self._on_frame(ftype, flags, sid, payload)
        except (ConnectionClosed, OSError):
            pass
        except _hpack.HpackError as e:
            self._goaway(0x9, f"HPACK: {e}")  # COMPRESSION_ERROR
        except Exception:  # noqa: BLE001 - never let a protocol bug kill the process
            self.server.log_exception("HTTP/2 connection failed")
            self._goaway(0x2, "internal error")
        finally:
            self._close()

    def _goaway(self, code: int, msg: str) -> None:
        try:
            last = max(self.streams, default=0)
            self.send(_frame(GOAWAY, 0, 0, struct.pack(">II", last, code) + msg.encode()[:200]))
        except Exception:  # noqa: BLE001
            pass

    def _close(self) -> None:
        with self.fc:
            self.closed = True
            self.fc.notify_all()
        try:
            self.sock.close()
        except OSError:
            pass
        self.server.connection_closed(self)

    def _on_frame(self, ftype, flags, sid, payload) -> None:
        if self._header_block is not None and ftype != CONTINUATION:
            raise ConnectionClosed("expected CONTINUATION")
        if ftype == DATA:
            self._on_data(flags, sid, payload)
        elif ftype == HEADERS:
            pos = 0
            end = len(payload)
            if flags & PADDED:
                end -= payload[0]
                pos = 1
            if flags & PRIORITY_FLAG:
                pos += 5
            block = bytearray(payload[pos:end])
            if flags & END_HEADERS:
                self._on_headers(sid, flags, bytes(block))
            else:
                self._header_block = (sid, flags, block)
        elif ftype == CONTINUATION:
            if self._header_block is None or self._header_block[0] != sid:
                raise ConnectionClosed("unexpected CONTINUATION")
            self._header_block[2].extend(payload)
            if flags & END_HEADERS:
                hsid, hflags, block = self._header_block
                self._header_block = None
                self._on_headers(hsid, hflags, bytes(block))
        elif ftype == SETTINGS:
            if not flags & ACK:
                self._on_settings(payload)
                self.send(_frame(SETTINGS, ACK, 0))
        elif ftype == PING:
            if not flags & ACK:
                self.send(_frame(PING, ACK, 0, payload))
        elif ftype == WINDOW_UPDATE:
            inc = _HDR.unpack(payload[:4])[0] & 0x7FFFFFFF
            with self.fc:
                if sid == 0:
                    self.conn_send_window += inc
                else:
                    st = self.streams.get(sid)
                    if st is not None:
                        st.send_window += inc
                self.fc.notify_all()
        elif ftype == RST_STREAM:
            with self.fc:
                st = self.streams.pop(sid, None)
                if st is not None:
                    st.closed = True
                self.fc.notify_all()
        elif ftype == GOAWAY:
            pass  # the peer will close the socket when its streams finish
        # PRIORITY, PUSH_PROMISE and unknown frame types are ignored

    def _on_settings(self, payload: bytes) -> None:
        for i in range(0, len(payload) - len(payload) % 6, 6):
            ident, value = struct.unpack_from(">HI", payload, i)
            if ident == SETTINGS_INITIAL_WINDOW_SIZE:
                with self.fc:
                    delta = value - self.peer_initial_window
                    self.peer_initial_window = value
                    for st in self.streams.values():
                        st.send_window += delta
                    self.fc.notify_all()
            elif ident == SETTINGS_MAX_FRAME_SIZE:
                self.peer_max_frame = max(16384, min(value, (1 << 24) - 1))
            elif ident == SETTINGS_HEADER_TABLE_SIZE:
                pass  # only limits our encoder, which never indexes

    def _on_headers(self, sid: int, flags: int, block: bytes) -> None:
        headers = self.decoder.decode(block)
        st = self.streams.get(sid)
        if st is None:
            if sid % 2 == 0:
                raise ConnectionClosed("client used an even stream id")
            st = Stream(sid, self.peer_initial_window)
            with self.fc:
                self.streams[sid] = st
            st.headers = dict(headers)
            method = self.server.method(st.headers.get(":path", ""))
            if method is not None and method[2]:  # client-streaming: start at once
                self._dispatch(st)
        if flags & END_STREAM:
            self._dispatch(st)

    def _on_data(self, flags: int, sid: int, payload: bytes) -> None:
        data = payload
        if flags & PADDED:
            data = payload[1:len(payload) - payload[0]]
        n = len(payload)
        self.conn_recv_unacked += n
        if self.conn_recv_unacked > (1 << 24):
            self.send(_frame(WINDOW_UPDATE, 0, 0, _HDR.pack(self.conn_recv_unacked)))
            self.conn_recv_unacked = 0
        st = self.streams.get(sid)
        if st is None:
            return
        if not st.dispatched:
            st.body += data
            if len(st.body) > MAX_REQUEST:
                self.send(_frame(RST_STREAM, 0, sid, _HDR.pack(0xB)))  # ENHANCE_YOUR_CALM
                with self.fc:
                    self.streams.pop(sid, None)
                return
        st.recv_unacked += n
        if st.recv_unacked > (1 << 24):
            self.send(_frame(WINDOW_UPDATE, 0, sid, _HDR.pack(st.recv_unacked)))
            st.recv_unacked = 0
        if flags & END_STREAM:
            self._dispatch(st)

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
        head = _frame(HEADERS, END_HEADERS, st.id, _hpack.encode(
            [(":status", "200"), ("content-type", "application/grpc")]))
        data = b"\x00" + _HDR.pack(len(message)) + message
        trailers = _frame(HEADERS, END_HEADERS | END_STREAM, st.id, _hpack.encode([("grpc-status", "0")]))
        # common case: everything fits the windows -> one write
        with self.fc:
            fits = (len(data) <= min(self.conn_send_window, st.send_window, self.peer_max_frame)
                    and not st.closed and not self.closed)
            if fits:
                self.conn_send_window -= len(data)
                st.send_window -= len(data)
        if fits:
            self.send(head + _frame(DATA, 0, st.id, data) + trailers)
        else:
            self.send(head)
            view = memoryview(data)
            while view:
                n = self._reserve(st, len(view))
                self.send(_frame(DATA, 0, st.id, bytes(view[:n])))
                view = view[n:]
            self.send(trailers)
        self._finish(st)

    def respond_error(self, st: Stream, code: int, message: str) -> None:
        """A trailers-only response carrying a gRPC error status."""
        if st.closed or self.closed:
            return
        block = _hpack.encode([(":status", "200"), ("content-type", "application/grpc"),
                               ("grpc-status", str(code)), ("grpc-message", _pct(message[:1000]))])
        self.send(_frame(HEADERS, END_HEADERS | END_STREAM, st.id, block))
        self._finish(st)

    def open_stream(self, st: Stream) -> None:
        """Answer with headers only and keep the stream open (idle server stream)."""
        self.send(_frame(HEADERS, END_HEADERS, st.id, _hpack.encode(
            [(":status", "200"), ("content-type", "application/grpc")])))

    def _finish(self, st: Stream) -> None:
        with self.fc:
            st.closed = True
            self.streams.pop(st.id, None)


class Server:
    """Accepts connections on a listening socket and dispatches gRPC calls.

    ``handlers``: {path: fn(request_bytes) -> response_bytes} for unary methods.
    ``tls_context``: None (plaintext) or a context from tfplugin._tls.server_context.
    ``streams``: set of paths answered with an open, idle stream.
    ``methods``: {path: (req, resp, client_streaming, server_streaming)}.
    """

    def __init__(self, listener, handlers: dict, methods: dict, streams=(), tls_context=None,
                 log=None, on_idle=None):
        self.listener = listener
        self.handlers = handlers
        self.methods = methods
        self.streams = set(streams)
        self.tls_context = tls_context  # an ssl.SSLContext, or a callable returning one
        self.log = log
        self.on_idle = on_idle  # called when the last connection closes
        self.connections: set = set()
        self._lock = threading.Lock()
        self._stopped = False

    def method(self, path: str):
        return self.methods.get(path)

    def log_exception(self, msg: str) -> None:
        if self.log is not None:
            self.log.debug(msg, exc_info=True)

    def serve_forever(self) -> None:
        while not self._stopped:
            try:
                fd, _ = self.listener._accept()  # what socket.socket.accept() does, minus the wrapper
                sock = _socket.socket(fileno=fd)
            except OSError:
                if self._stopped:
                    return
                continue
            ctx = self.tls_context
            if callable(ctx):
                ctx = ctx()
            conn = Connection(sock, self, ctx)
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
            self.listener.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.listener.close()
        except OSError:
            pass

    def connection_closed(self, conn) -> None:
        with self._lock:
            self.connections.discard(conn)
            idle = not self.connections
        # only a real client leaving counts (not, say, a failed TLS handshake)
        if idle and conn.established and self.on_idle is not None and not self._stopped:
            self.on_idle()

    def dispatch(self, conn: Connection, st: Stream) -> None:
        path = st.headers.get(":path", "")
        if path in self.streams:
            try:
                conn.open_stream(st)
            except ConnectionClosed:
                pass
            return
        threading.Thread(target=self._run, args=(conn, st, path), name="rpc", daemon=True).start()

    def _run(self, conn: Connection, st: Stream, path: str) -> None:
        try:
            handler = self.handlers.get(path)
            if handler is None:
                conn.respond_error(st, UNIMPLEMENTED, f"unknown method {path}")
                return
            body = bytes(st.body)
            if len(body) < 5:
                conn.respond_error(st, INTERNAL, "missing gRPC message")
                return
            if body[0] != 0:
                conn.respond_error(st, UNIMPLEMENTED, "compressed messages are not supported")
                return
            size = _HDR.unpack_from(body, 1)[0]
            try:
                response = handler(body[5:5 + size])
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
