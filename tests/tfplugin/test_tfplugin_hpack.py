"""HPACK: RFC 7541 Appendix C examples, Huffman round trips."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from tfplugin import _hpack


def test_rfc7541_c3_requests_without_huffman():
    d = _hpack.Decoder()
    assert d.decode(bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")) == [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")]
    assert d.decode(bytes.fromhex("828684be58086e6f2d6361636865")) == [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
        ("cache-control", "no-cache")]
    assert d.decode(bytes.fromhex("828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565")) == [
        (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
        ("custom-key", "custom-value")]
    assert d.size == 164


def test_rfc7541_c4_requests_with_huffman():
    d = _hpack.Decoder()
    assert d.decode(bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff")) == [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")]
    assert d.decode(bytes.fromhex("828684be5886a8eb10649cbf")) == [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
        ("cache-control", "no-cache")]
    assert d.decode(bytes.fromhex("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")) == [
        (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
        ("custom-key", "custom-value")]


def test_rfc7541_c6_responses_with_eviction():
    d = _hpack.Decoder(max_table_size=256)
    d.max_size = 256
    first = d.decode(bytes.fromhex(
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"))
    assert first == [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                     ("location", "https://www.example.com")]
    second = d.decode(bytes.fromhex("4883640effc1c0bf"))
    assert second[0] == (":status", "307") and second[3] == ("location", "https://www.example.com")
    assert d.size == 222


@given(st.binary(max_size=200))
def test_huffman_round_trip(data):
    assert _hpack.huffman_decode(_hpack.huffman_encode(data)) == data


@given(st.lists(st.tuples(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
                          st.text(max_size=50)), max_size=8))
def test_encoder_output_decodes(headers):
    block = _hpack.encode(headers)
    got = _hpack.Decoder().decode(block)
    assert [(n, v.encode("latin-1").decode("utf-8")) for n, v in got] == headers


def test_static_table_shape():
    assert len(_hpack.STATIC_TABLE) == 61
    assert _hpack.STATIC_TABLE[30] == (b"content-type", b"")
    assert _hpack.STATIC_TABLE[60] == (b"www-authenticate", b"")


def test_a_repeated_block_follows_the_dynamic_table_as_it_changes():
    """Blocks made only of table references are decoded once while the table is unchanged; an entry added in
    between, or a table size update, makes the same bytes mean something else."""
    d = _hpack.Decoder()

    def literal_indexed(name: bytes, value: bytes) -> bytes:
        return b"\x40" + bytes((len(name),)) + name + bytes((len(value),)) + value

    newest = b"\xbe"  # indexed field 62: the newest dynamic entry
    d.decode(literal_indexed(b"x-call", b"one"))
    assert d.decode(newest) == [("x-call", "one")]
    assert d.decode(newest) == [("x-call", "one")]
    d.decode(literal_indexed(b"x-call", b"two"))
    assert d.decode(newest) == [("x-call", "two")]
    d.decode(b"\x20")  # table size update to 0: the dynamic table is emptied
    with pytest.raises(_hpack.HpackError, match="out of range"):
        d.decode(newest)
