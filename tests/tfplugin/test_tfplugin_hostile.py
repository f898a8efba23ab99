"""Hostile bytes on the provider socket cost no more memory than they hold (issue #21, item 7).

Each attack goes to the test provider as a real process, started as Terraform starts it (magic cookie,
handshake line, unix socket, TLS with Terraform's client certificate pinned). Each test
asserts (a) a clean answer: a gRPC status or an error diagnostic naming the limit, (b) the provider keeps
serving: a normal call afterwards works on the attacking connection and on a bystander connection opened
before, and (c) the provider's peak resident memory (VmHWM) stays under 300 MiB.
"""
from __future__ import annotations

import base64
import os
import ssl
import struct
import subprocess
import sys
import threading

import msgpack
import pytest
from hyperframe.frame import DataFrame, HeadersFrame, RstStreamFrame, WindowUpdateFrame

import tfplugin_certs as certs
from tfplugin._proto import tfplugin6_pb2 as pb
from tfplugin_h2peer import RESOURCE_EXHAUSTED, H2Client, RawPeer, assert_metadata_ok, connect, grpc_message

HERE = os.path.dirname(os.path.abspath(__file__))
MAIN = os.path.join(HERE, "testprovider", "main.py")
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
VALIDATE = "/tfplugin6.Provider/ValidateResourceConfig"
IMPORT = "/tfplugin6.Provider/ImportResourceState"
CALL_FUNCTION = "/tfplugin6.Provider/CallFunction"
UPGRADE = "/tfplugin6.Provider/UpgradeResourceState"
INVALID_ARGUMENT = "3"
MEMORY_CAP_MIB = 300
MIB = 1 << 20
CANCEL = 0x8


class Provider:
    """The test provider as a process, with a bystander connection that holds it up (it exits when
    Terraform's last connection closes) and must not notice the attack."""

    def __init__(self, tmp_path):
        cert_pem, key_pem = certs.client_cert()
        (tmp_path / "client.pem").write_bytes(cert_pem)
        (tmp_path / "client.key").write_bytes(key_pem)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
        env.update(TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6", PLUGIN_CLIENT_CERT=cert_pem.decode(),
                   TPT_STORE=str(tmp_path), TMPDIR=str(tmp_path))
        self.stderr = open(tmp_path / "provider.stderr", "wb")
        self.proc = subprocess.Popen([sys.executable, MAIN], stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        _core, _app, _net, self.path, _proto, server_der = self.proc.stdout.readline().decode().strip().split("|")
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.tls.load_verify_locations(cadata=base64.b64decode(server_der + "=" * (-len(server_der) % 4)))
        self.tls.load_cert_chain(tmp_path / "client.pem", tmp_path / "client.key")
        self.tls.set_alpn_protocols(["h2"])
        self.bystander = H2Client(self.connect())
        assert_metadata_ok(self.bystander.call())

    def connect(self):
        return connect(self.path, self.tls)

    def peak_rss_mib(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            line = next(x for x in f if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def assert_still_serving(self, *peers) -> None:
        """(b) and (c): normal calls work, on each connection given and the bystander; memory stayed low."""
        for client in (*peers, self.bystander):
            assert_valid_config_accepted(client)
        assert self.proc.poll() is None
        peak = self.peak_rss_mib()
        assert peak < MEMORY_CAP_MIB, f"peak RSS {peak:.0f} MiB"

    def close(self) -> None:
        self.bystander.sock.close()
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.stderr.close()


@pytest.fixture
def provider(tmp_path):
    p = Provider(tmp_path)
    yield p
    p.close()


def validate_request(dynamic_value: pb.DynamicValue) -> bytes:
    return grpc_message(pb.ValidateResourceConfig.Request(type_name="tpt_thing", config=dynamic_value)
                        .SerializeToString())


def assert_valid_config_accepted(client) -> None:
    config = msgpack.packb({"name": "fine", "tags": {"a": "b"}, "rule": [{"port": 80}]})
    trailers, body = client.call(VALIDATE, validate_request(pb.DynamicValue(msgpack=config)))
    assert trailers["grpc-status"] == "0"
    assert not pb.ValidateResourceConfig.Response.FromString(body[5:]).diagnostics


def error_diagnostic(answer) -> str:
    trailers, body = answer
    assert trailers["grpc-status"] == "0"
    diags = pb.ValidateResourceConfig.Response.FromString(body[5:]).diagnostics
    assert [d.severity for d in diags] == [pb.Diagnostic.ERROR]
    assert diags[0].summary == "Invalid value from Terraform"
    return diags[0].detail


def test_a_field_sent_with_another_wire_type_is_invalid_argument_not_a_gigabyte(provider):
    # ImportResourceState.Request: type_name as it should be, then `id` (a string) as a 32-bit field whose
    # value, read as a length, is 1 GiB (the decoder used to build that `bytes`): 16 bytes in all
    message = b"\x0a\x09tpt_thing" + b"\x15" + struct.pack("<I", 1 << 30)
    peer = RawPeer(provider.connect())
    trailers, _ = peer.call(IMPORT, grpc_message(message))
    assert trailers["grpc-status"] == INVALID_ARGUMENT
    assert "field id (string) arrived as wire type 5 (32-bit)" in trailers["grpc-message"]
    # a length prefix past the end, and a varint past 10 bytes: the same clean refusal
    for bad in (b"\x12\xff\xff\xff\xff\x0f" + b"x" * 10, b"\x0a" + b"\xff" * 11):
        trailers, _ = peer.call(IMPORT, grpc_message(bad))
        assert trailers["grpc-status"] == INVALID_ARGUMENT, trailers
    provider.assert_still_serving(peer)


def test_16_mib_of_empty_msgpack_maps_is_a_diagnostic(provider):
    peer = RawPeer(provider.connect())
    count = 16 * MIB
    wide = b"\xdd" + struct.pack(">I", count) + b"\x80" * count  # one array of 16 Mi empty maps
    detail = error_diagnostic(peer.call(VALIDATE, validate_request(pb.DynamicValue(msgpack=wide))))
    assert "may hold 1000000 decoded elements" in detail
    deep = b"\x81\xa0" * (8 * MIB) + b"\x80"  # {"": {"": ...}} 8 Mi deep
    detail = error_diagnostic(peer.call(VALIDATE, validate_request(pb.DynamicValue(msgpack=deep))))
    assert "more than 100 deep" in detail
    provider.assert_still_serving(peer)


def test_elements_that_fit_the_bytes_but_not_the_allowance_are_a_diagnostic(provider):
    """600,000 empty rule blocks: the array header is honest, the allowance runs out while they are converted
    to rule objects; everything taken goes back, so the next call decodes as usual."""
    peer = RawPeer(provider.connect())
    config = b"\x82\xa4name\xa1x\xa4rule" + b"\xdd" + struct.pack(">I", 600_000) + b"\x80" * 600_000
    detail = error_diagnostic(peer.call(VALIDATE, validate_request(pb.DynamicValue(msgpack=config))))
    assert "may hold 1000000 decoded elements" in detail
    provider.assert_still_serving(peer)


def test_concurrent_requests_of_a_million_empty_maps_share_the_process_pool(provider):
    """64 requests in progress at once (8 connections of 8), each 999,999 empty rule blocks: the pool is counted
    from each array's header, before anything is built, so together they never hold more than it allows. (A
    decoder that builds a container before counting it, as the msgpack library's hooks would, peaked at
    863-979 MiB here: docs/tfplugin.md, "Why msgpack is decoded by hand".)"""
    blocks = 999_999
    config = b"\x82\xa4name\xa1x\xa4rule" + b"\xdd" + struct.pack(">I", blocks) + b"\x80" * blocks
    message = validate_request(pb.DynamicValue(msgpack=config))
    peers = [RawPeer(provider.connect()) for _ in range(8)]
    ready = threading.Barrier(len(peers))
    details: list[str] = []

    def attack(peer: RawPeer) -> None:
        sids = [peer.sid() for _ in range(8)]
        ready.wait(timeout=60)
        for sid in sids:
            peer.send(peer.headers(sid, VALIDATE))
            peer.send_data(sid, message, end_stream=True)
        details.extend(error_diagnostic(answer) for answer in answers(peer, sids).values())

    threads = [threading.Thread(target=attack, args=(peer,)) for peer in peers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(details) == 64
    assert all("may hold 1000000 decoded elements" in detail for detail in details), details[:3]
    provider.assert_still_serving(*peers)


def answers(peer: RawPeer, sids: list[int]) -> dict[int, tuple[dict, bytes]]:
    """(trailers, body) of each of ``sids``, in whatever order the server finishes them."""
    bodies = dict.fromkeys(sids, b"")
    done: dict[int, tuple[dict, bytes]] = {}
    while len(done) < len(sids):
        frame = peer.until(lambda f: f.stream_id in bodies)
        assert not isinstance(frame, RstStreamFrame), f"stream {frame.stream_id} reset: {frame.error_code}"
        if isinstance(frame, DataFrame):
            bodies[frame.stream_id] += frame.data
            peer.send(WindowUpdateFrame(0, len(frame.data) or 1), WindowUpdateFrame(frame.stream_id,
                                                                                   len(frame.data) or 1))
        elif isinstance(frame, HeadersFrame):
            fields = dict(peer.decoder.decode(frame.data, raw=False))
            if "END_STREAM" in frame.flags:
                done[frame.stream_id] = (fields, bodies[frame.stream_id])
    return done


def test_16_mib_of_empty_json_objects_is_a_diagnostic(provider):
    peer = RawPeer(provider.connect())
    wide = b"[" + b"{}," * (16 * MIB // 3) + b"{}]"
    detail = error_diagnostic(peer.call(VALIDATE, validate_request(pb.DynamicValue(json=wide))))
    assert "may hold 1000000 decoded elements" in detail
    deep = b'{"rule":' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # deeper than Python's json module can go
    detail = error_diagnostic(peer.call(VALIDATE, validate_request(pb.DynamicValue(json=deep))))
    assert "more than 100 deep" in detail
    provider.assert_still_serving(peer)


def test_16_mib_of_empty_json_objects_as_stored_state_is_a_diagnostic(provider):
    peer = RawPeer(provider.connect())
    wide = b"[" + b"{}," * (16 * MIB // 3) + b"{}]"
    request = pb.UpgradeResourceState.Request(type_name="tpt_thing", raw_state=pb.RawState(json=wide))
    trailers, body = peer.call(UPGRADE, grpc_message(request.SerializeToString()))
    assert trailers["grpc-status"] == "0"
    diags = pb.UpgradeResourceState.Response.FromString(body[5:]).diagnostics
    assert [d.severity for d in diags] == [pb.Diagnostic.ERROR]
    assert "may hold 1000000 decoded elements" in diags[0].detail
    provider.assert_still_serving(peer)


def test_millions_of_repeated_protobuf_entries_are_resource_exhausted(provider):
    peer = RawPeer(provider.connect())
    arguments = b"\x12\x00" * (4 * MIB)  # CallFunction.Request.arguments: 4 Mi empty DynamicValues
    trailers, _ = peer.call(CALL_FUNCTION, grpc_message(b"\x0a\x01f" + arguments))
    assert trailers["grpc-status"] == RESOURCE_EXHAUSTED
    assert "may hold 1000000 decoded elements" in trailers["grpc-message"]
    provider.assert_still_serving(peer)


def test_unfinished_streams_share_one_buffer_limit_per_connection(provider):
    """64 requests of 8 MiB, none finished: the first 8 fill the connection's 64 MiB, each later one is
    refused with RESOURCE_EXHAUSTED naming the limit and reset (RST_STREAM NO_ERROR) so its sender stops."""
    peer = RawPeer(provider.connect())
    message = grpc_message(b"\x00" * (8 * MIB - 5))
    sids = [peer.sid() for _ in range(64)]
    for sid in sids:
        peer.send(peer.headers(sid, VALIDATE))
        peer.send_data(sid, message)  # no END_STREAM: the request never finishes
    refused = {}
    while len(refused) < 56:
        frame = peer.until(lambda f: f.stream_id in sids and not isinstance(f, WindowUpdateFrame))
        if isinstance(frame, RstStreamFrame):
            assert frame.stream_id in refused and frame.error_code == 0  # after its answer: NO_ERROR
        else:
            assert "END_STREAM" in frame.flags, frame
            refused[frame.stream_id] = dict(peer.decoder.decode(frame.data, raw=False))
    held = [sid for sid in sids if sid not in refused]
    assert held == sids[:8]
    for trailers in refused.values():
        assert trailers["grpc-status"] == RESOURCE_EXHAUSTED
        assert "may hold 67108864 bytes (64 MiB" in trailers["grpc-message"]
    # while the 8 hold the connection's 64 MiB, a new request on it is refused too; other connections are fine
    trailers, _ = peer.call(VALIDATE, validate_request(pb.DynamicValue(msgpack=msgpack.packb({"name": "x"}))))
    assert trailers["grpc-status"] == RESOURCE_EXHAUSTED
    assert_valid_config_accepted(provider.bystander)
    # the client gives up on them: their bytes are let go, and the connection serves again
    peer.send(*(RstStreamFrame(sid, error_code=CANCEL) for sid in held))
    provider.assert_still_serving(peer)
