"""The HTTP/2 server at its limits answers as RFC 9113 and gRPC say, and keeps serving everyone else.

The peer is independent of tfplugin: frames are built and parsed with hyperframe and hpack (h2's own
layers) so the test can send what a conforming client never would; the bystander connection is a plain
h2 client. Every test runs over plaintext and over TLS with a pinned client certificate, as Terraform
connects.
"""
from __future__ import annotations

import ssl

import pytest
from hyperframe.frame import ContinuationFrame, DataFrame, HeadersFrame, WindowUpdateFrame

from tfplugin_h2peer import (
    ENHANCE_YOUR_CALM,
    FLOW_CONTROL_ERROR,
    INTERNAL,
    MAX_CONCURRENT_STREAMS,
    MAX_HEADER_LIST_SIZE,
    METADATA,
    PROTOCOL_ERROR,
    REFUSED_STREAM,
    RESOURCE_EXHAUSTED,
    SCHEMA,
    H2Client,
    RawPeer,
    assert_metadata_ok,
    connect,
    grpc_message,
    request_headers,
)
from tfplugin_inprocess import InProcess


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
        return connect(self.proc.path, self.client_ctx)


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


def test_a_request_alone_may_pass_the_connection_limit_but_not_beside_others(store, tmp_path):
    """The connection limit (64 MiB; 1 MiB here) bounds what requests in progress hold together; one
    request alone is bounded by the message limit only. Refused requests let go of what they held."""
    import socket

    from testprovider import TptProvider
    from tfplugin import _h2
    from tfplugin._proto.wire import METHODS
    from tfplugin._rpc import ProviderService
    from tfplugin.server import STREAM_PATHS, build_handlers
    path = str(tmp_path / "p.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    server = _h2.Server(listener, build_handlers(ProviderService(TptProvider)), METHODS, STREAM_PATHS,
                        max_held=1 << 20)
    server.start()
    try:
        peer = RawPeer(connect(path))
        # GetProviderSchema with a 2 MiB field it does not know (skipped): 2 MiB alone, past the 1 MiB
        big = grpc_message(b"\xfa\x07" + b"\x80\x80\x80\x01" + b"x" * (2 << 20))
        alone = peer.sid()
        peer.send(peer.headers(alone, SCHEMA))
        peer.send_data(alone, big[:len(big) - 10])  # all but the last 10 bytes: in progress
        beside = peer.sid()
        peer.send(peer.headers(beside, METADATA))
        peer.send_data(beside, grpc_message(b""), end_stream=True)
        trailers, _ = peer.response(beside)
        assert trailers["grpc-status"] == RESOURCE_EXHAUSTED
        assert f"hold {len(big) - 10} bytes" in trailers["grpc-message"]
        assert "may hold 1048576 bytes (1 MiB" in trailers["grpc-message"]
        peer.send_data(alone, big[len(big) - 10:], end_stream=True)
        trailers, body = peer.response(alone)
        assert trailers["grpc-status"] == "0" and body
        assert_metadata_ok(peer.call())  # the big one ended: the connection holds nothing again
        assert server.connections and all(conn.held == 0 for conn in server.connections)
    finally:
        server.stop()
