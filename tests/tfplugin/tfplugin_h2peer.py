"""An independent HTTP/2 peer for the tfplugin server tests: frames built and parsed with hyperframe and hpack
(h2's own layers), so a test can send what a conforming client never would, and a conforming client (the h2
package's state machine) for calls that must keep working."""
from __future__ import annotations

import socket
import ssl
import struct

import h2.config
import h2.connection
import h2.events
import hpack
from hyperframe.frame import (
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

from tfplugin._proto import tfplugin6_pb2 as pb

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
METADATA = "/tfplugin6.Provider/GetMetadata"
SCHEMA = "/tfplugin6.Provider/GetProviderSchema"
PROTOCOL_ERROR, FLOW_CONTROL_ERROR, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x1, 0x3, 0x7, 0xB
RESOURCE_EXHAUSTED, INTERNAL = "8", "13"
MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE = 0x3, 0x6
MAX_FRAME = 16384  # the server's SETTINGS_MAX_FRAME_SIZE
TIMEOUT = 60  # seconds a socket read may block: generous, for a loaded 2-core machine


def grpc_message(payload: bytes, declared: int | None = None) -> bytes:
    return b"\x00" + struct.pack(">I", len(payload) if declared is None else declared) + payload


def request_headers(path: str) -> list:
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers")]


def connect(path: str, client_ctx: ssl.SSLContext | None = None):
    """A socket to the server's unix socket, TLS-wrapped when ``client_ctx`` is given."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.connect(path)
    if client_ctx is not None:
        sock = client_ctx.wrap_socket(sock, server_hostname="localhost")
    return sock


class RawPeer:
    """One connection driven frame by frame."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.send(PREFACE, SettingsFrame(0))
        self.server_settings = self.until(lambda f: isinstance(f, SettingsFrame) and "ACK" not in f.flags).settings
        self.send(SettingsFrame(0, flags=["ACK"]))
        self.next_sid = 1

    def send(self, *items) -> None:
        self.sock.sendall(b"".join(i if isinstance(i, bytes) else i.serialize() for i in items))

    def frame(self) -> Frame | None:
        """The next frame from the server; None at EOF."""
        while len(self.buf) < 9:
            if not self._fill():
                return None
        frame, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
        while len(self.buf) < 9 + length:
            if not self._fill():
                return None
        frame.parse_body(memoryview(self.buf[9:9 + length]))
        self.buf = self.buf[9 + length:]
        return frame

    def _fill(self) -> bool:
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLEOFError):
            chunk = b""
        self.buf += chunk
        return bool(chunk)

    def until(self, match) -> Frame:
        while True:
            frame = self.frame()
            assert frame is not None, "the server closed the connection"
            if match(frame):
                return frame

    def sid(self) -> int:
        sid, self.next_sid = self.next_sid, self.next_sid + 2
        return sid

    def headers(self, sid: int, path: str, end_stream: bool = False) -> HeadersFrame:
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        return HeadersFrame(sid, self.encoder.encode(request_headers(path)), flags=flags)

    def response(self, sid: int) -> tuple[dict, bytes]:
        """(trailers, body) of stream ``sid``; fails on a reset of that stream."""
        body = b""
        while True:
            frame = self.until(lambda f: f.stream_id == sid)
            assert not isinstance(frame, RstStreamFrame), f"stream {sid} reset: {frame.error_code}"
            if isinstance(frame, DataFrame):
                body += frame.data
                self.send(WindowUpdateFrame(0, len(frame.data) or 1), WindowUpdateFrame(sid, len(frame.data) or 1))
            elif isinstance(frame, HeadersFrame):
                fields = dict(self.decoder.decode(frame.data, raw=False))
                if "END_STREAM" in frame.flags:
                    return fields, body

    def call(self, path: str = METADATA, message: bytes = grpc_message(b"")) -> tuple[dict, bytes]:
        sid = self.sid()
        self.send(self.headers(sid, path))
        self.send_data(sid, message, end_stream=True)
        return self.response(sid)

    def send_data(self, sid: int, data: bytes, end_stream: bool = False) -> None:
        """``data`` in DATA frames of the largest size the server accepts (its windows are 2^31-1: never full)."""
        frames = [data[i:i + MAX_FRAME] for i in range(0, len(data), MAX_FRAME)] or [b""]
        for i in range(0, len(frames), 64):  # ~1 MiB per write
            self.send(*(DataFrame(sid, chunk, flags=["END_STREAM"] if end_stream and n == len(frames) - 1 else [])
                        for n, chunk in enumerate(frames[i:i + 64], start=i)))

    def connection_error(self) -> int:
        """The GOAWAY error code, after which the server closes the connection."""
        goaway = self.until(lambda f: isinstance(f, GoAwayFrame))
        while self.frame() is not None:
            pass
        return goaway.error_code

    def stream_error(self, sid: int) -> int:
        return self.until(lambda f: isinstance(f, RstStreamFrame) and f.stream_id == sid).error_code


class H2Client:
    """A conforming client (the h2 package's state machine) for calls that must keep working."""

    def __init__(self, sock):
        self.sock = sock
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())

    def call(self, path: str = METADATA, message: bytes = grpc_message(b"")) -> tuple[dict, bytes]:
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, request_headers(path))
        self.conn.send_data(sid, message, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        body, trailers = b"", {}
        while True:
            data = self.sock.recv(65536)
            assert data, "the server closed the connection"
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived) and event.stream_id == sid:
                    body += event.data
                    self.conn.acknowledge_received_data(event.flow_controlled_length, sid)
                elif isinstance(event, h2.events.TrailersReceived) and event.stream_id == sid:
                    trailers = dict(event.headers)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == sid:
                    self.sock.sendall(self.conn.data_to_send())
                    return trailers, body
            self.sock.sendall(self.conn.data_to_send())


def assert_metadata_ok(answer) -> None:
    trailers, body = answer
    assert trailers["grpc-status"] == "0"
    assert {r.type_name for r in pb.GetMetadata.Response.FromString(body[5:]).resources} >= {"tpt_thing"}
