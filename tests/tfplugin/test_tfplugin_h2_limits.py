"""The HTTP/2 server at its limits answers as RFC 9113 and gRPC say, and keeps serving everyone else.

The peer is independent of tfplugin: frames are built and parsed with hyperframe and hpack (h2's own
layers) so the test can send what a conforming client never would; the bystander connection is a plain
h2 client. Every test runs over plaintext and over TLS with a pinned client certificate, as Terraform
connects.
"""
from __future__ import annotations

import socket
import ssl
import struct

import h2.config
import h2.connection
import h2.events
import hpack
import pytest
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, RstStreamFrame,
                              SettingsFrame, WindowUpdateFrame)

from tfplugin._proto import tfplugin6_pb2 as pb
from tfplugin_inprocess import InProcess

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
METADATA = "/tfplugin6.Provider/GetMetadata"
SCHEMA = "/tfplugin6.Provider/GetProviderSchema"
PROTOCOL_ERROR, FLOW_CONTROL_ERROR, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x1, 0x3, 0x7, 0xB
RESOURCE_EXHAUSTED, INTERNAL = "8", "13"
MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE = 0x3, 0x6
TIMEOUT = 60  # seconds a socket read may block: generous, for a loaded 2-core machine


def grpc_message(payload: bytes, declared: int | None = None) -> bytes:
    return b"\x00" + struct.pack(">I", len(payload) if declared is None else declared) + payload


def request_headers(path: str) -> list:
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers")]


class Server:
    """The in-process server plus how to open connections to it (plain or TLS, as the server speaks)."""

    def __init__(self, tmp_path, tls: bool):
        from testprovider import TptProvider
        self.client_ctx = None
        client_cert = None
        if tls:
            import tfplugin_certs as certs
            cert_pem, key_pem = certs.client_cert()
            client_cert = cert_pem.decode()
            (tmp_path / "client.pem").write_bytes(cert_pem)
            (tmp_path / "client.key").write_bytes(key_pem)
        self.proc = InProcess(TptProvider, tls=tls, client_cert=client_cert)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(cadata=self.proc.cert_pem.decode())
            ctx.load_cert_chain(tmp_path / "client.pem", tmp_path / "client.key")
            ctx.set_alpn_protocols(["h2"])
            self.client_ctx = ctx

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(self.proc.path)
        if self.client_ctx is not None:
            sock = self.client_ctx.wrap_socket(sock, server_hostname="localhost")
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
        self.send(self.headers(sid, path), DataFrame(sid, message, flags=["END_STREAM"]))
        return self.response(sid)

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


@pytest.fixture(params=["plaintext", "tls"])
def server(request, store, tmp_path):
    srv = Server(tmp_path, tls=request.param == "tls")
    yield srv
    srv.proc.close()


@pytest.fixture
def bystander(server):
    """A connection opened before the trouble starts, that must not notice it."""
    client = H2Client(server.connect())
    assert_metadata_ok(client.call())
    yield client
    client.sock.close()


def test_a_message_over_the_receive_limit_is_resource_exhausted_naming_the_limit(server, bystander):
    peer = RawPeer(server.connect())
    # exactly the default limit (256 MiB) is acceptable: no answer before the next call's
    accepted = peer.sid()
    peer.send(peer.headers(accepted, SCHEMA), DataFrame(accepted, grpc_message(b"", declared=256 << 20)))
    assert_metadata_ok(peer.call())
    # one byte more: refused at once, from the length prefix, without waiting for the body
    refused = peer.sid()
    peer.send(peer.headers(refused, SCHEMA), DataFrame(refused, grpc_message(b"x" * 100, declared=(256 << 20) + 1)))
    trailers, _ = peer.response(refused)
    assert trailers["grpc-status"] == RESOURCE_EXHAUSTED
    assert "268435457 bytes" in trailers["grpc-message"] and "268435456 bytes (256 MiB)" in trailers["grpc-message"]
    assert "TFPLUGIN_MAX_MESSAGE_MIB" in trailers["grpc-message"]
    assert peer.stream_error(refused) == 0  # RST_STREAM NO_ERROR: stop sending the rest (RFC 9113 8.1)
    peer.send(DataFrame(refused, b"x" * 1000))  # what was already in flight is ignored
    assert_metadata_ok(peer.call())
    assert_metadata_ok(bystander.call())


def test_the_length_prefix_is_checked_against_the_body(server, bystander):
    peer = RawPeer(server.connect())
    for message in (grpc_message(b"abc", declared=10), grpc_message(b"abc", declared=0)):
        trailers, _ = peer.call(message=message)
        assert trailers["grpc-status"] == INTERNAL
        assert "length prefix says" in trailers["grpc-message"] and "3 followed" in trailers["grpc-message"]
    assert_metadata_ok(peer.call())
    assert_metadata_ok(bystander.call())


def test_streams_beyond_the_advertised_limit_are_refused(server, bystander):
    peer = RawPeer(server.connect())
    limit = peer.server_settings[MAX_CONCURRENT_STREAMS]
    assert limit == 1000
    held = [peer.sid() for _ in range(limit)]
    peer.send(*(peer.headers(sid, METADATA) for sid in held))  # open, request not finished
    extra = peer.sid()
    peer.send(peer.headers(extra, METADATA, end_stream=True))
    assert peer.stream_error(extra) == REFUSED_STREAM
    peer.send(DataFrame(held[0], grpc_message(b""), flags=["END_STREAM"]))  # one finishes: room again
    assert_metadata_ok(peer.response(held[0]))
    assert_metadata_ok(peer.call())
    assert_metadata_ok(bystander.call())


def test_a_header_block_spread_over_continuations_is_capped(server, bystander):
    peer = RawPeer(server.connect())
    assert peer.server_settings[MAX_HEADER_LIST_SIZE] == 1 << 20
    sid = peer.sid()
    block = peer.encoder.encode(request_headers(METADATA))
    peer.send(HeadersFrame(sid, block))  # no END_HEADERS: CONTINUATIONs follow, and never end
    try:
        for _ in range(70):  # 70 x 16 KB > 1 MiB; refused on its size, so never decoded
            peer.send(ContinuationFrame(sid, b"\x00" * 16000))
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # the server already gave up on the connection
    assert peer.connection_error() == ENHANCE_YOUR_CALM
    assert_metadata_ok(bystander.call())
    assert_metadata_ok(H2Client(server.connect()).call())


def test_a_small_header_block_that_decodes_past_the_cap_ends_the_connection(server, bystander):
    peer = RawPeer(server.connect())
    sid = peer.sid()
    # one 4000-byte header enters the HPACK table, then 299 one-byte references to it: ~1.2 MB decoded
    block = peer.encoder.encode(request_headers(METADATA) + [("x", "v" * 4000)] * 300)
    assert len(block) < 5000
    peer.send(HeadersFrame(sid, block, flags=["END_HEADERS", "END_STREAM"]))
    assert peer.connection_error() == ENHANCE_YOUR_CALM
    assert_metadata_ok(bystander.call())


@pytest.mark.parametrize("increment, error", [
    (0, PROTOCOL_ERROR),
    ((1 << 31) - 1, FLOW_CONTROL_ERROR),  # the window starts at 65535: this takes it past 2^31-1
])
def test_window_updates_that_break_the_connection_window_are_connection_errors(server, bystander, increment, error):
    peer = RawPeer(server.connect())
    peer.send(WindowUpdateFrame(0, increment))
    assert peer.connection_error() == error
    assert_metadata_ok(bystander.call())
    assert_metadata_ok(H2Client(server.connect()).call())


@pytest.mark.parametrize("increment, error", [(0, PROTOCOL_ERROR), ((1 << 31) - 1, FLOW_CONTROL_ERROR)])
def test_window_updates_that_break_a_stream_window_are_stream_errors(server, bystander, increment, error):
    peer = RawPeer(server.connect())
    sid = peer.sid()
    peer.send(peer.headers(sid, METADATA), WindowUpdateFrame(sid, increment))
    assert peer.stream_error(sid) == error
    assert_metadata_ok(peer.call())  # the connection itself is fine
    assert_metadata_ok(bystander.call())


def test_data_on_stream_0_is_a_connection_error(server, bystander):
    peer = RawPeer(server.connect())
    data = DataFrame(1, b"\x00\x00\x00\x00\x00")
    data.stream_id = 0  # hyperframe refuses to build this; the wire does not
    peer.send(data)
    assert peer.connection_error() == PROTOCOL_ERROR
    assert_metadata_ok(bystander.call())
    assert_metadata_ok(H2Client(server.connect()).call())
