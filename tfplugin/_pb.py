"""A small protobuf (proto3) codec over plain dicts, driven by ``_proto/wire.py``.

Why not the protobuf package: importing it and the generated stubs costs 60-100 ms,
and Terraform starts a provider about three times per plan. The wire table is
generated from the same .proto files as the stubs, so the two cannot drift
(tests/tfplugin/test_proto.py checks both against a fresh generation and
round-trips messages between this codec and the real protobuf runtime).

Decoded messages are dicts holding only the fields present on the wire; encode
skips fields that are missing, None or proto3 defaults (unless the field tracks
presence: oneof members and ``optional`` fields).
"""
from __future__ import annotations

from ._proto.wire import MESSAGES

_decoders: dict = {}
_encoders: dict = {}

_VARINT_KINDS = frozenset({"int64", "uint64", "int32", "uint32", "bool", "enum", "sint32", "sint64"})


def _decode_table(name: str) -> dict:
    t = _decoders.get(name)
    if t is None:
        t = {f[0]: f for f in MESSAGES[name]}
        _decoders[name] = t
    return t


def _read_varint(buf, pos: int):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def _scalar(kind: str, raw):
    if kind == "string":
        return bytes(raw).decode("utf-8")
    if kind == "bytes":
        return bytes(raw)
    if kind == "bool":
        return bool(raw)
    if kind in ("int64", "int32", "enum"):
        if raw >= 1 << 63:
            raw -= 1 << 64
        return raw
    if kind in ("sint32", "sint64"):
        return (raw >> 1) ^ -(raw & 1)
    return raw


def decode(name: str, data) -> dict:
    """Decode the bytes of message ``name`` (full protobuf name) into a dict."""
    table = _decode_table(name)
    buf = memoryview(data)
    out: dict = {}
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _read_varint(buf, pos)
        number, wt = key >> 3, key & 7
        if wt == 0:
            raw, pos = _read_varint(buf, pos)
        elif wt == 2:
            n, pos = _read_varint(buf, pos)
            raw = buf[pos:pos + n]
            if len(raw) != n:
                raise ValueError("truncated message")
            pos += n
        elif wt == 1:
            raw = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wt == 5:
            raw = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        field = table.get(number)
        if field is None:
            continue  # unknown field: skip, as protobuf does
        _, fname, kind, sub, repeated, _presence = field
        if kind == "message":
            value = decode(sub, raw)
        elif kind == "map":
            k_kind, v_kind, v_msg = sub
            entry = _decode_map_entry(raw, k_kind, v_kind, v_msg)
            out.setdefault(fname, {})[entry[0]] = entry[1]
            continue
        elif repeated and wt == 2 and kind in _VARINT_KINDS:  # packed repeated scalars
            vals = out.setdefault(fname, [])
            p = 0
            while p < len(raw):
                v, p = _read_varint(raw, p)
                vals.append(_scalar(kind, v))
            continue
        else:
            value = _scalar(kind, raw)
        if repeated:
            out.setdefault(fname, []).append(value)
        else:
            out[fname] = value
    return out


def _decode_map_entry(raw, k_kind, v_kind, v_msg):
    key = "" if k_kind == "string" else 0
    value = None
    pos = 0
    while pos < len(raw):
        tag, pos = _read_varint(raw, pos)
        number, wt = tag >> 3, tag & 7
        if wt == 0:
            r, pos = _read_varint(raw, pos)
        elif wt == 2:
            n, pos = _read_varint(raw, pos)
            r = raw[pos:pos + n]
            pos += n
        else:
            raise ValueError("unsupported map entry")
        if number == 1:
            key = _scalar(k_kind, r)
        elif number == 2:
            value = decode(v_msg, r) if v_kind == "message" else _scalar(v_kind, r)
    if value is None:
        value = {} if v_kind == "message" else _scalar(v_kind, b"" if v_kind in ("string", "bytes") else 0)
    return key, value


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _encode_scalar(out: bytearray, number: int, kind: str, value) -> None:
    if kind == "string":
        b = value.encode("utf-8")
        out += _varint(number << 3 | 2)
        out += _varint(len(b))
        out += b
    elif kind == "bytes":
        out += _varint(number << 3 | 2)
        out += _varint(len(value))
        out += value
    elif kind in ("sint32", "sint64"):
        out += _varint(number << 3)
        out += _varint((value << 1) ^ (value >> 63))
    else:  # int64, uint64, int32, uint32, enum, bool
        out += _varint(number << 3)
        out += _varint(int(value))


def encode(name: str, msg: dict) -> bytes:
    """Encode a dict as message ``name``."""
    out = bytearray()
    for number, fname, kind, sub, repeated, presence in MESSAGES[name]:
        value = msg.get(fname)
        if value is None:
            continue
        if kind == "message":
            items = value if repeated else (value,)
            for item in items:
                b = item if isinstance(item, (bytes, bytearray)) else encode(sub, item)
                out += _varint(number << 3 | 2)
                out += _varint(len(b))
                out += b
        elif kind == "map":
            k_kind, v_kind, v_msg = sub
            for k, v in value.items():
                entry = bytearray()
                _encode_scalar(entry, 1, k_kind, k)
                if v_kind == "message":
                    b = encode(v_msg, v)
                    entry += b"\x12"
                    entry += _varint(len(b))
                    entry += b
                else:
                    _encode_scalar(entry, 2, v_kind, v)
                out += _varint(number << 3 | 2)
                out += _varint(len(entry))
                out += entry
        elif repeated:
            for item in value:
                _encode_scalar(out, number, kind, item)
        else:
            if not presence and not value:
                continue  # proto3 default: not on the wire
            _encode_scalar(out, number, kind, value)
    return bytes(out)
