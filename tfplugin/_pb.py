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

from . import _budget
from ._proto.wire import MESSAGES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    # A message's field, as _proto/wire.py lists it: (number, name, kind, sub-message or map (key kind, value
    # kind, value message), repeated, presence); and as decoding looks it up by number: (name, kind, sub,
    # repeated, wire type expected).
    Field: TypeAlias = tuple[int, str, str, Any, bool, bool]
    DecodeField: TypeAlias = tuple[str, str, Any, bool, int]
    Buffer: TypeAlias = "bytes | bytearray | memoryview"

_decoders: dict[str | tuple[str, str, str | None], dict[int, DecodeField]] = {}

_VARINT_KINDS = frozenset({"int64", "uint64", "int32", "uint32", "bool", "enum", "sint32", "sint64"})
# The wire type each kind must arrive with; a repeated varint kind may also come packed (length-delimited).
_WIRE_TYPE = {**dict.fromkeys(_VARINT_KINDS, 0), "string": 2, "bytes": 2, "message": 2, "map": 2}
_WIRE_NAMES = ("varint", "64-bit", "length-delimited", "group start", "group end", "32-bit")

MAX_DEPTH = 100  # messages inside messages: the protobuf runtimes' own default recursion limit
_U64 = (1 << 64) - 1


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the message expected."""


def _decode_table(name: str | tuple[str, str, str | None]) -> dict[int, DecodeField]:
    """{field number: (name, kind, sub, repeated, wire type expected)} of a message, or of a map field's entry
    ({1: key, 2: value}) when ``name`` is the map's (key kind, value kind, value message)."""
    t = _decoders.get(name)
    if t is None:
        fields: tuple[Field, ...]
        if isinstance(name, tuple):
            k_kind, v_kind, v_msg = name
            fields = ((1, "key", k_kind, None, False, False), (2, "value", v_kind, v_msg, False, False))
        else:
            fields = MESSAGES[name]
        t = {number: (fname, kind, sub, repeated, _WIRE_TYPE[kind])
             for number, fname, kind, sub, repeated, _presence in fields}
        _decoders[name] = t
    return t


def _read_varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    """A varint of at most 10 bytes (64 bits) that ends before ``end``."""
    if pos < end and buf[pos] < 0x80:  # one byte: field keys, small lengths and numbers
        return buf[pos], pos + 1
    result = 0
    for shift in range(0, 70, 7):
        if pos >= end:
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _U64, pos
    raise DecodeError("varint longer than 10 bytes")


def _scalar(kind: str, raw: Any) -> Any:
    if kind == "string":
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("a string field is not valid UTF-8") from None
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


def decode(name: str, data: Buffer) -> dict[str, Any]:
    """Decode the bytes of message ``name`` (full protobuf name) into a dict.

    Hostile bytes cost no more than they hold: each length is checked against the bytes left before
    anything is sliced; a field that arrives with another wire type than its declaration is a DecodeError,
    never a value built from it; nesting stops at MAX_DEPTH, and each entry of a repeated or map field is
    counted against the requests' shared allowance (tfplugin._budget; _budget.Exhausted past it)."""
    buf = memoryview(data)
    return _decode(_decode_table(name), buf, 0, len(buf), 0, _budget.allowance())


def _decode(table: dict[int, DecodeField], buf: memoryview, pos: int, end: int, depth: int,
            allowance: _budget.Allowance) -> dict[str, Any]:
    if depth >= MAX_DEPTH:
        raise DecodeError(f"messages nested more than {MAX_DEPTH} deep")
    out: dict[str, Any] = {}
    raw: Any
    value: Any
    while pos < end:
        key, pos = _read_varint(buf, pos, end)
        number, wt = key >> 3, key & 7
        start = pos
        if wt == 0:
            raw, pos = _read_varint(buf, pos, end)
        elif wt == 2:
            n, start = _read_varint(buf, pos, end)
            if n > end - start:
                raise DecodeError(f"field {number} claims {n} bytes but {end - start} remain")
            pos = start + n
            raw = buf[start:pos]
        elif wt == 1 or wt == 5:  # 64 or 32 bits: no field here is declared so, an unknown field may be
            pos += 8 if wt == 1 else 4
            if pos > end:
                raise DecodeError(f"field {number} is cut short")
            raw = None
        else:
            raise DecodeError(f"field {number} has wire type {wt}" + (f" ({_WIRE_NAMES[wt]})" if wt < 6 else "")
                              + ", which this protocol never uses")
        field = table.get(number)
        if field is None:
            continue  # unknown field: skipped, as protobuf does (its bytes were measured, not copied)
        fname, kind, sub, repeated, expected = field
        packed = wt == 2 and expected == 0 and repeated
        if wt != expected and not packed:
            raise DecodeError(f"field {fname} ({kind}) arrived as wire type {wt} ({_WIRE_NAMES[wt]}); "
                              f"its declaration needs wire type {expected} ({_WIRE_NAMES[expected]})")
        if (repeated and not packed) or kind == "map":
            allowance.take(1)
        if kind == "message":
            value = _decode(_decode_table(sub), buf, start, pos, depth + 1, allowance)
        elif kind == "map":
            entry = _decode(_decode_table(sub), buf, start, pos, depth + 1, allowance)
            k_kind, v_kind, _v_msg = sub
            value = entry.get("value")
            if value is None:
                value = {} if v_kind == "message" else _scalar(v_kind, b"" if v_kind in ("string", "bytes") else 0)
            out.setdefault(fname, {})[entry.get("key", "" if k_kind == "string" else 0)] = value
            continue
        elif packed:
            values = out.setdefault(fname, [])
            while start < pos:
                allowance.take(1)
                v, start = _read_varint(buf, start, pos)
                values.append(_scalar(kind, v))
            continue
        else:
            value = _scalar(kind, raw)
        if repeated:
            out.setdefault(fname, []).append(value)
        else:
            out[fname] = value
    return out


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


def _encode_scalar(out: bytearray, number: int, kind: str, value: Any) -> None:
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


def encode(name: str, msg: dict[str, Any]) -> bytes:
    """Encode a dict as message ``name``."""
    out = bytearray()
    fields: tuple[Field, ...] = MESSAGES[name]
    for number, fname, kind, sub, repeated, presence in fields:
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
