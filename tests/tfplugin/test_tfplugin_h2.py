"""The HTTP/2 server with a raw-frame client: padding, CONTINUATION, PING, flow control."""
from __future__ import annotations

import socket
import struct

import pytest

from tfplugin import _hpack
from tfplugin._h2 import (
    ACK,
    CONTINUATION,
    DATA,
    END_HEADERS,
    END_STREAM,
    HEADERS,
    PADDED,
    PING,
    PREFACE,
    SETTINGS,
    WINDOW_UPDATE,
    _frame,
)
from tfplugin._proto import tfplugin6_pb2 as pb


class RawClient:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def frame(self):
        while len(self.buf) < 9:
            self._fill()
        n = int.from_bytes(self.buf[:3], "big")
        while len(self.buf) < 9 + n:
            self._fill()
        head, payload = self.buf[:9], self.buf[9:9 + n]
        self.buf = self.buf[9 + n:]
        return head[3], head[4], struct.unpack(">I", head[5:9])[0] & 0x7FFFFFFF, payload

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def until(self, ftype, sid=None):
        while True:
            f = self.frame()
            if f[0] == ftype and (sid is None or f[2] == sid):
                return f


@pytest.fixture
def raw(inproc):
    c = RawClient(inproc.path)
    # a tiny initial window: the server must honour flow control for its DATA frames
    c.send(PREFACE + _frame(SETTINGS, 0, 0, struct.pack(">HI", 0x4, 100)))
    t, flags, _, _ = c.until(SETTINGS)
    assert not flags & ACK
    c.send(_frame(SETTINGS, ACK, 0))
    yield c
    c.sock.close()


def request_headers(path):
    return _hpack.encode([(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "x"),
                          ("content-type", "application/grpc"), ("te", "trailers")])


def test_ping_is_acked(raw):
    raw.send(_frame(PING, 0, 0, b"12345678"))
    _, flags, _, payload = raw.until(PING)
    assert flags & ACK and payload == b"12345678"


def test_padding_continuation_and_flow_control(raw):
    block = request_headers("/tfplugin6.Provider/GetProviderSchema")
    first, rest = block[:10], block[10:]
    pad = 4
    raw.send(_frame(HEADERS, PADDED, 1, bytes([pad]) + first + b"\0" * pad))
    raw.send(_frame(CONTINUATION, END_HEADERS, 1, rest))
    raw.send(_frame(DATA, PADDED | END_STREAM, 1, bytes([3]) + b"\0\0\0\0\0" + b"\0" * 3))
    dec = _hpack.Decoder()
    _, _, _, hb = raw.until(HEADERS, 1)
    assert dict(dec.decode(hb))[":status"] == "200"
    body = b""
    _, flags, _, payload = raw.until(DATA, 1)
    body += payload
    assert len(payload) <= 100  # the stream window we gave
    raw.send(_frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 1 << 20)))
    while True:
        t, flags, sid, payload = raw.frame()
        if t == DATA and sid == 1:
            body += payload
        elif t == HEADERS and sid == 1:
            trailers = dict(dec.decode(payload))
            assert flags & END_STREAM and trailers["grpc-status"] == "0"
            break
    assert body[0] == 0 and int.from_bytes(body[1:5], "big") == len(body) - 5
    resp = pb.GetProviderSchema.Response.FromString(body[5:])
    assert "tpt_thing" in resp.resource_schemas


def test_huffman_coded_request_headers(raw):
    def lit(name, value):  # literal with incremental indexing, new name, Huffman-coded strings
        out = b"\x40"
        for s in (name, value):
            h = _hpack.huffman_encode(s.encode())
            out += bytes([0x80 | len(h)]) + h
        return out
    block = b"\x83\x86" + lit(":path", "/tfplugin6.Provider/GetMetadata") + lit("content-type", "application/grpc")
    raw.send(_frame(HEADERS, END_HEADERS, 3, block))
    raw.send(_frame(WINDOW_UPDATE, 0, 3, struct.pack(">I", 1 << 20)))
    raw.send(_frame(DATA, END_STREAM, 3, b"\0\0\0\0\0"))
    dec = _hpack.Decoder()
    dec.decode(raw.until(HEADERS, 3)[3])
    body = b""
    while True:
        t, flags, sid, payload = raw.frame()
        if t == DATA and sid == 3:
            body += payload
        elif t == HEADERS and sid == 3:
            assert dict(dec.decode(payload))["grpc-status"] == "0"
            break
    assert pb.GetMetadata.Response.FromString(body[5:]).resources


def test_requests_waiting_on_each_other_all_run_at_once():
    """A request that waits (a slow remote call) never holds up another: with no idle worker a new one starts."""
    import threading

    from tfplugin._h2 import _Workers

    workers = _Workers(lambda message: None)
    together = threading.Barrier(20, timeout=30)  # passes only when all 20 run at the same time
    passed = threading.Semaphore(0)
    for _ in range(20):
        workers.submit(lambda: (together.wait(), passed.release()))
    assert all(passed.acquire(timeout=30) for _ in range(20))


def test_a_request_still_runs_after_idle_workers_ended():
    """Workers idle past the limit end; one that ends must leave the count of idle workers right, or a later
    request would be queued for a worker that is gone."""
    import random
    import threading
    import time

    from tfplugin._h2 import _Workers

    workers = _Workers(lambda message: None)
    workers.IDLE_SECONDS = 0.01
    for _ in range(60):
        ran = threading.Event()
        workers.submit(ran.set)
        assert ran.wait(30), "a request was queued for a worker that had ended"
        time.sleep(random.uniform(0, 0.03))  # around the idle limit: some requests find the worker gone
