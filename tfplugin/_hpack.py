"""HPACK (RFC 7541) header compression: a full decoder and a minimal encoder.

The decoder handles indexed fields, all literal forms, the dynamic table and
Huffman-coded strings. The encoder only emits "literal without indexing" fields
with plain strings: always valid, and our response headers are tiny.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# RFC 7541 Appendix A: the static table (index 1..61).
STATIC_TABLE = (
    (b":authority", b""), (b":method", b"GET"), (b":method", b"POST"), (b":path", b"/"),
    (b":path", b"/index.html"), (b":scheme", b"http"), (b":scheme", b"https"), (b":status", b"200"),
    (b":status", b"204"), (b":status", b"206"), (b":status", b"304"), (b":status", b"400"),
    (b":status", b"404"), (b":status", b"500"), (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"), (b"accept-language", b""), (b"accept-ranges", b""),
    (b"accept", b""), (b"access-control-allow-origin", b""), (b"age", b""), (b"allow", b""),
    (b"authorization", b""), (b"cache-control", b""), (b"content-disposition", b""),
    (b"content-encoding", b""), (b"content-language", b""), (b"content-length", b""),
    (b"content-location", b""), (b"content-range", b""), (b"content-type", b""), (b"cookie", b""),
    (b"date", b""), (b"etag", b""), (b"expect", b""), (b"expires", b""), (b"from", b""), (b"host", b""),
    (b"if-match", b""), (b"if-modified-since", b""), (b"if-none-match", b""), (b"if-range", b""),
    (b"if-unmodified-since", b""), (b"last-modified", b""), (b"link", b""), (b"location", b""),
    (b"max-forwards", b""), (b"proxy-authenticate", b""), (b"proxy-authorization", b""), (b"range", b""),
    (b"referer", b""), (b"refresh", b""), (b"retry-after", b""), (b"server", b""), (b"set-cookie", b""),
    (b"strict-transport-security", b""), (b"transfer-encoding", b""), (b"user-agent", b""), (b"vary", b""),
    (b"via", b""), (b"www-authenticate", b""),
)

# RFC 7541 Appendix B: code lengths of symbols 0..256 (256 = EOS). The code is
# canonical (codes assigned in order of (length, symbol)), so lengths define it.
_HUFFMAN_LENGTHS = bytes.fromhex(
    "0d171c1c1c1c1c1c1c181e1c1c1e1c1c1c1c1c1c1c1c1e1c1c1c1c1c1c1c1c1c060a0a0c0d06080b0a0a080b08060606"
    "0505050606060606060607080f060c0a0d06070707070707070707070707070707070707070707070807080d130d0e06"
    "0f05060506050606060507070606060506070605050607070707070f0b0e0d1c141614141616161716171717171718"
    "171818161718171717171516171617171816151416161717151716161815161717151516151716171714161616171616"
    "171a1a1413161716191a1a1a1b1b1a181913151a1b1b1a1b1815151a1a1c1b1b1b14181415161515171616191918181a"
    "171a1b1a1a1b1b1b1b1b1c1b1b1b1b1b1a1e")

_huffman_decode_table: dict[tuple[int, int], int] | None = None  # {(length, code): symbol}, built on first use


def _huffman_table() -> dict[tuple[int, int], int]:
    global _huffman_decode_table
    if _huffman_decode_table is None:
        lengths = _HUFFMAN_LENGTHS
        order = sorted(range(257), key=lambda s: (lengths[s], s))
        table: dict[tuple[int, int], int] = {}
        code = 0
        prev = lengths[order[0]]
        for i, sym in enumerate(order):
            n = lengths[sym]
            if i:
                code = (code + 1) << (n - prev)
            prev = n
            table[(n, code)] = sym
        _huffman_decode_table = table
    return _huffman_decode_table


def huffman_encode(data: bytes) -> bytes:
    """Huffman-encode (used by tests; the encoder below sends plain strings)."""
    table = _huffman_table()
    codes = {sym: (n, code) for (n, code), sym in table.items()}
    acc = 0
    bits = 0
    for b in data:
        n, code = codes[b]
        acc = (acc << n) | code
        bits += n
    pad = (-bits) % 8
    acc = (acc << pad) | ((1 << pad) - 1)
    bits += pad
    return acc.to_bytes(bits // 8, "big") if bits else b""


def huffman_decode(data: bytes) -> bytes:
    table = _huffman_table()
    out = bytearray()
    code = 0
    n = 0
    for byte in data:
        for shift in range(7, -1, -1):
            code = (code << 1) | ((byte >> shift) & 1)
            n += 1
            if n >= 5:
                sym = table.get((n, code))
                if sym is not None:
                    if sym == 256:
                        raise HpackError("EOS symbol in Huffman-coded string")
                    out.append(sym)
                    code = 0
                    n = 0
    # leftover bits must be a prefix of EOS (all ones), shorter than 8 bits
    if n > 7 or code != (1 << n) - 1:
        raise HpackError("invalid Huffman padding")
    return bytes(out)


class HpackError(ValueError):
    pass


class HeaderListTooLarge(HpackError):
    """The decoded header list is over the limit (a small block can expand a lot through the table)."""


def _decode_int(data: bytes, pos: int, prefix_bits: int) -> tuple[int, int]:
    mask = (1 << prefix_bits) - 1
    value = data[pos] & mask
    pos += 1
    if value < mask:
        return value, pos
    shift = 0
    while True:
        if pos >= len(data):
            raise HpackError("truncated integer")
        b = data[pos]
        pos += 1
        value += (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos
        if shift > 35:
            raise HpackError("integer too large")


def _decode_str(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos >= len(data):
        raise HpackError("truncated string")
    huff = data[pos] & 0x80
    length, pos = _decode_int(data, pos, 7)
    end = pos + length
    if end > len(data):
        raise HpackError("truncated string")
    raw = bytes(data[pos:end])
    return (huffman_decode(raw) if huff else raw), end


class Decoder:
    """Decodes header blocks of one connection (keeps the dynamic table)."""

    def __init__(self, max_table_size: int = 4096) -> None:
        self.max_allowed = max_table_size
        self.max_size = max_table_size
        self.size = 0
        self.dynamic: list[tuple[bytes, bytes]] = []  # newest first
        # Blocks that only refer to table entries, decoded: a gRPC client sends the same few headers on
        # every call, indexed after the first, so most blocks are a handful of index bytes seen before.
        # Valid while the dynamic table is unchanged; every change empties it.
        self._seen: dict[bytes, tuple[list[tuple[str, str]], int]] = {}

    def _add(self, name: bytes, value: bytes) -> None:
        entry_size = len(name) + len(value) + 32
        self.dynamic.insert(0, (name, value))
        self.size += entry_size
        self._seen.clear()
        self._evict()

    def _evict(self) -> None:
        while self.size > self.max_size and self.dynamic:
            n, v = self.dynamic.pop()
            self.size -= len(n) + len(v) + 32

    def _get(self, index: int) -> tuple[bytes, bytes]:
        if index <= 0:
            raise HpackError("index 0")
        if index <= 61:
            return STATIC_TABLE[index - 1]
        i = index - 62
        if i >= len(self.dynamic):
            raise HpackError(f"index {index} out of range")
        return self.dynamic[i]

    def decode(self, block: bytes, max_list_size: int | None = None) -> list[tuple[str, str]]:
        """Return [(name, value)] as str pairs; HeaderListTooLarge past ``max_list_size`` (RFC 9113 6.5.2 sizes).

        The list returned may be shared with earlier calls: read it, do not change it."""
        seen = self._seen.get(block)
        if seen is not None and (max_list_size is None or seen[1] <= max_list_size):
            return seen[0]
        data = block
        pos = 0
        out: list[tuple[str, str]] = []
        list_size = 0
        indexed_only = True
        while pos < len(data):
            b = data[pos]
            if b & 0x80:  # indexed
                idx, pos = _decode_int(data, pos, 7)
                name, value = self._get(idx)
            elif b & 0xC0 == 0x40:  # literal, incremental indexing
                indexed_only = False
                idx, pos = _decode_int(data, pos, 6)
                if idx:
                    name = self._get(idx)[0]
                else:
                    name, pos = _decode_str(data, pos)
                value, pos = _decode_str(data, pos)
                self._add(name, value)
            elif b & 0xE0 == 0x20:  # dynamic table size update
                size, pos = _decode_int(data, pos, 5)
                if size > self.max_allowed:
                    raise HpackError("table size update above the allowed maximum")
                self.max_size = size
                self._seen.clear()
                self._evict()
                indexed_only = False
                continue
            else:  # literal without indexing (0x00) / never indexed (0x10)
                indexed_only = False
                idx, pos = _decode_int(data, pos, 4)
                if idx:
                    name = self._get(idx)[0]
                else:
                    name, pos = _decode_str(data, pos)
                value, pos = _decode_str(data, pos)
            list_size += len(name) + len(value) + 32
            if max_list_size is not None and list_size > max_list_size:
                raise HeaderListTooLarge(f"header list over {max_list_size} bytes")
            out.append((name.decode("latin-1"), value.decode("latin-1")))
        if indexed_only and len(self._seen) < 64:
            self._seen[bytes(block)] = (out, list_size)
        return out


def _encode_int(value: int, prefix_bits: int, first: int) -> bytes:
    mask = (1 << prefix_bits) - 1
    if value < mask:
        return bytes((first | value,))
    out = bytearray((first | mask,))
    value -= mask
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode(headers: Iterable[tuple[str | bytes, str | bytes]]) -> bytes:
    """Encode [(name, value)] (str or bytes) as literal-without-indexing fields."""
    out = bytearray()
    for name, value in headers:
        name_bytes = name.encode("latin-1") if isinstance(name, str) else name
        value_bytes = value.encode("utf-8") if isinstance(value, str) else value
        if name_bytes == b":status" and value_bytes == b"200":
            out.append(0x88)  # static index 8
            continue
        out.append(0x00)
        out += _encode_int(len(name_bytes), 7, 0)
        out += name_bytes
        out += _encode_int(len(value_bytes), 7, 0)
        out += value_bytes
    return bytes(out)
