"""cty values <-> plain Python, in Terraform's msgpack and JSON encodings.

Conventions (both directions):

===========  ====================================================================
cty          Python
===========  ====================================================================
null         ``None``
unknown      ``UNKNOWN`` (refined unknowns too; see below)
string       ``str``
number       ``int`` when integral (exact, any size); ``decimal.Decimal`` otherwise.
             On output ``float`` is also accepted. Values round-trip exactly.
bool         ``bool``
list, tuple  ``list``
set          ``list`` (order means nothing; Python sets cannot hold dicts)
map, object  ``dict``
dynamic      the plain value of whatever type it holds
===========  ====================================================================

Refined unknowns (msgpack extension 12, e.g. "known to start with ``https://``")
decode to ``UNKNOWN``. When a ``Hints`` object is passed, the decoder records the
refinement bytes (and the concrete types of dynamic values) by attribute path and
the encoder writes them back for a value that is still ``UNKNOWN`` at the same path,
so values passed through untouched keep their refinements and types.
"""
from __future__ import annotations

import struct
from decimal import Decimal

from . import _budget, types as T

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeAlias

    from .diagnostics import Path

    # A plain Python value of a cty type (the table above): None, UNKNOWN, str, int, Decimal, float (output
    # only), bool, list or dict, nested.
    Value: TypeAlias = Any

__all__ = ["UNKNOWN", "Hints", "decode_msgpack", "encode_msgpack", "decode_json", "encode_json",
           "is_known", "is_fully_known", "CtyError"]


class _Unknown:
    """The unknown value: known only after apply. Use ``value is UNKNOWN``."""

    __slots__ = ()
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __copy__(self) -> _Unknown:
        return self

    def __deepcopy__(self, memo: object) -> _Unknown:
        return self

    def __reduce__(self) -> tuple[type[_Unknown], tuple[()]]:
        return (_Unknown, ())


UNKNOWN = _Unknown()


class CtyError(ValueError):
    """A value does not fit its type. ``path`` is the attribute path of the problem."""

    def __init__(self, message: str, path: Iterable[str | int] = ()) -> None:
        super().__init__(message)
        self.path: Path = tuple(path)


class Hints:
    """Per-request side table: refinements of unknowns and dynamic types, by path."""

    __slots__ = ("refinements", "dynamic_types")

    def __init__(self) -> None:
        self.refinements: dict[Path, bytes] = {}
        self.dynamic_types: dict[Path, T.Type] = {}


def is_known(value: Value) -> bool:
    return value is not UNKNOWN


def is_fully_known(value: Value) -> bool:
    """True when neither the value nor anything nested in it is unknown."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(is_fully_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_fully_known(v) for v in value)
    return True


def copy_value(value: Value) -> Value:
    """A copy of a plain value that can be changed without changing ``value``: its dicts and lists are new, the
    rest (strings, numbers, UNKNOWN) is shared."""
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    return value


# --------------------------------------------------------------------------- numbers

_I64_MIN = -(1 << 63)
_U64_MAX = (1 << 64) - 1


def _number_from_float(f: float) -> int | Decimal:
    if f != f:
        raise CtyError("NaN is not a valid number")
    if f in (float("inf"), float("-inf")):
        return Decimal(f)
    if f.is_integer():
        return int(f)
    return Decimal(f)  # exact binary value, so it re-encodes to the same float64


def _number_from_str(s: str, path: Path) -> int | Decimal:
    try:
        if len(s) <= _MAX_INT_DIGITS and s.lstrip("+-").isdigit():
            return int(s)
        d = Decimal(s)
    except Exception:
        raise CtyError("invalid number (not a decimal number string)", path) from None
    if d.is_nan():
        raise CtyError("NaN is not a valid number", path)
    return _number_from_decimal(d)


def _integral(d: Decimal) -> bool:
    """Whether ``d`` is a whole number of at most _MAX_INT_DIGITS digits: 1E+999999999 is whole too, but as an
    int it would take 400 MB and minutes to build, so it stays a Decimal."""
    return d.is_finite() and (d.is_zero() or d.adjusted() < _MAX_INT_DIGITS) and d == d.to_integral_value()


def _number_from_decimal(d: Decimal) -> int | Decimal:
    return int(d) if _integral(d) else d


def _check_number(v: Value, path: Path) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise CtyError(f"expected a number, got {type(v).__name__}", path)


# --------------------------------------------------------------------------- limits

# What decoding may build, whatever the bytes claim (docs/tfplugin.md, "Limits"): each element of a list, set,
# tuple, map or object is counted (once read, once converted) against the requests' shared allowance
# (tfplugin._budget) before it is built, and nesting stops at MAX_DEPTH.
MAX_DEPTH = 100  # lists, sets, tuples, maps and objects inside one another (dynamic values count too)
_MAX_INT_DIGITS = 4300  # Python's own int <-> str limit: an integral number beyond it stays a Decimal


def _too_deep(path: Path = ()) -> CtyError:
    return CtyError(f"the value nests lists, maps and objects more than {MAX_DEPTH} deep, more than this "
                    "provider accepts", path)


# --------------------------------------------------------------------------- msgpack decode

class _Reader:
    __slots__ = ("buf", "pos", "allowance", "depth")

    def __init__(self, data: bytes | bytearray | memoryview, allowance: _budget.Allowance) -> None:
        self.buf = memoryview(data) if not isinstance(data, memoryview) else data
        self.pos = 0
        self.allowance = allowance
        self.depth = 0

    def take(self, n: int) -> memoryview:
        p = self.pos
        if p + n > len(self.buf):
            raise CtyError("truncated msgpack data")
        self.pos = p + n
        return self.buf[p:p + n]

    def byte(self) -> int:
        p = self.pos
        try:
            b = self.buf[p]
        except IndexError:
            raise CtyError("truncated msgpack data") from None
        self.pos = p + 1
        return b

    def enter(self, n: int, width: int) -> None:
        """Before reading a container of ``n`` elements of ``width`` bytes at least (a map's entry 2, an array's
        element 1): refuse it unless the bytes left could hold them and the value stays within the limits."""
        if n:
            left = len(self.buf) - self.pos
            if n * width > left:
                raise CtyError(f"a msgpack {'map' if width == 2 else 'array'} claims {n} elements but only "
                               f"{left} bytes follow")
            self.allowance.take(n)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep()


_S8, _S16, _S32, _S64 = struct.Struct(">b"), struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")
_U16, _U32, _U64 = struct.Struct(">H"), struct.Struct(">I"), struct.Struct(">Q")
_F32, _F64 = struct.Struct(">f"), struct.Struct(">d")

_EXT_LEN = {0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16}


def _read_any(r: _Reader) -> Any:
    """Read one msgpack object generically. Extensions -> ("ext", code, bytes)."""
    b = r.byte()
    if b <= 0x7f:
        return b
    if b >= 0xe0:
        return b - 0x100
    if 0xa0 <= b <= 0xbf:
        return bytes(r.take(b & 0x1f)).decode("utf-8")
    if 0x90 <= b <= 0x9f:
        return _read_array_body(r, b & 0x0f)
    if 0x80 <= b <= 0x8f:
        return _read_map_body(r, b & 0x0f)
    if b == 0xc0:
        return None
    if b == 0xc2:
        return False
    if b == 0xc3:
        return True
    if b == 0xcc:
        return r.byte()
    if b == 0xcd:
        return _U16.unpack(r.take(2))[0]
    if b == 0xce:
        return _U32.unpack(r.take(4))[0]
    if b == 0xcf:
        return _U64.unpack(r.take(8))[0]
    if b == 0xd0:
        return _S8.unpack(r.take(1))[0]
    if b == 0xd1:
        return _S16.unpack(r.take(2))[0]
    if b == 0xd2:
        return _S32.unpack(r.take(4))[0]
    if b == 0xd3:
        return _S64.unpack(r.take(8))[0]
    if b == 0xca:
        return _F32.unpack(r.take(4))[0]
    if b == 0xcb:
        return _F64.unpack(r.take(8))[0]
    if b == 0xd9:
        return bytes(r.take(r.byte())).decode("utf-8")
    if b == 0xda:
        return bytes(r.take(_U16.unpack(r.take(2))[0])).decode("utf-8")
    if b == 0xdb:
        return bytes(r.take(_U32.unpack(r.take(4))[0])).decode("utf-8")
    if b == 0xc4:
        return bytes(r.take(r.byte()))
    if b == 0xc5:
        return bytes(r.take(_U16.unpack(r.take(2))[0]))
    if b == 0xc6:
        return bytes(r.take(_U32.unpack(r.take(4))[0]))
    if b == 0xdc:
        return _read_array_body(r, _U16.unpack(r.take(2))[0])
    if b == 0xdd:
        return _read_array_body(r, _U32.unpack(r.take(4))[0])
    if b == 0xde:
        return _read_map_body(r, _U16.unpack(r.take(2))[0])
    if b == 0xdf:
        return _read_map_body(r, _U32.unpack(r.take(4))[0])
    if b in _EXT_LEN:
        code = _S8.unpack(r.take(1))[0]
        return _Ext(code, bytes(r.take(_EXT_LEN[b])))
    if b in (0xc7, 0xc8, 0xc9):
        n = r.byte() if b == 0xc7 else (_U16 if b == 0xc8 else _U32).unpack(r.take(2 if b == 0xc8 else 4))[0]
        code = _S8.unpack(r.take(1))[0]
        return _Ext(code, bytes(r.take(n)))
    raise CtyError(f"invalid msgpack byte 0x{b:02x}")


class _Ext:
    __slots__ = ("code", "data")

    def __init__(self, code: int, data: bytes) -> None:
        self.code = code
        self.data = data


def _read_array_body(r: _Reader, n: int) -> list[Any]:
    r.enter(n, 1)
    out = [_read_any(r) for _ in range(n)]
    r.depth -= 1
    return out


def _read_map_body(r: _Reader, n: int) -> dict[str, Any]:
    r.enter(n, 2)
    out: dict[str, Any] = {}
    for _ in range(n):
        k = _read_any(r)
        if not isinstance(k, str):
            raise CtyError(f"a msgpack map key is {type(k).__name__}; cty map keys and attribute names are strings")
        out[k] = _read_any(r)
    r.depth -= 1
    return out


def decode_msgpack(data: bytes | bytearray | memoryview | None, typ: T.Type, hints: Hints | None = None) -> Value:
    """Decode a msgpack-encoded cty value of type ``typ`` into plain Python."""
    if not data:
        return None
    allowance = _budget.allowance()
    try:
        raw = _read_any(_Reader(data, allowance))
        return _Convert(hints, "msgpack", allowance).value(raw, typ, (), 0)
    except _budget.Exhausted as e:
        raise CtyError(str(e)) from None
    except UnicodeDecodeError:
        raise CtyError("a msgpack string is not valid UTF-8") from None


class _Convert:
    """Turns a generically decoded msgpack/JSON tree into the value of a type, within the limits."""

    __slots__ = ("hints", "enc", "allowance")

    def __init__(self, hints: Hints | None, enc: str, allowance: _budget.Allowance) -> None:
        self.hints = hints
        self.enc = enc
        self.allowance = allowance

    def _enter(self, n: int, path: Path, depth: int) -> None:
        self.allowance.take(n)
        if depth >= MAX_DEPTH:
            raise _too_deep(path)

    def value(self, raw: Any, t: T.Type, path: Path, depth: int) -> Value:
        if raw is None:
            return None
        if isinstance(raw, _Ext):
            if raw.code == 12 and self.hints is not None:
                self.hints.refinements[path] = raw.data
            return UNKNOWN
        kind = t.kind
        if kind == "string":
            if not isinstance(raw, str):
                if isinstance(raw, (bytes,)):
                    try:
                        return raw.decode("utf-8")
                    except UnicodeDecodeError:
                        raise CtyError("expected a string, got bytes that are not UTF-8", path) from None
                if isinstance(raw, bool):
                    return "true" if raw else "false"
                if isinstance(raw, (int, float, Decimal)):
                    return str(raw)
                raise CtyError(f"expected a string, got {type(raw).__name__}", path)
            return raw
        if kind == "number":
            if isinstance(raw, bool):
                raise CtyError("expected a number, got bool", path)
            if isinstance(raw, int):
                return raw
            if isinstance(raw, float):
                return _number_from_float(raw)
            if isinstance(raw, Decimal):
                return _number_from_decimal(raw)
            if isinstance(raw, str):
                return _number_from_str(raw, path)
            raise CtyError(f"expected a number, got {type(raw).__name__}", path)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if raw == "true":
                return True
            if raw == "false":
                return False
            raise CtyError(f"expected a bool, got {type(raw).__name__}", path)
        if isinstance(t, (T.List, T.Set)):
            if not isinstance(raw, list):
                raise CtyError(f"expected a {kind}, got {type(raw).__name__}", path)
            self._enter(len(raw), path, depth)
            et = t.element
            return [self.value(v, et, path + (i,), depth + 1) for i, v in enumerate(raw)]
        if isinstance(t, T.Map):
            if not isinstance(raw, dict):
                raise CtyError(f"expected a map, got {type(raw).__name__}", path)
            self._enter(len(raw), path, depth)
            et = t.element
            return {k: self.value(v, et, path + (k,), depth + 1) for k, v in raw.items()}
        if isinstance(t, T.Object):
            if not isinstance(raw, dict):
                raise CtyError(f"expected an object, got {type(raw).__name__}", path)
            self._enter(len(t.attributes), path, depth)
            return {name: self.value(raw.get(name), at, path + (name,), depth + 1)
                    for name, at in t.attributes.items()}
        if isinstance(t, T.Tuple):
            if not isinstance(raw, list) or len(raw) != len(t.elements):
                raise CtyError("expected a tuple of %d elements" % len(t.elements), path)
            self._enter(len(raw), path, depth)
            pairs = enumerate(zip(raw, t.elements, strict=True))
            return [self.value(v, et, path + (i,), depth + 1) for i, (v, et) in pairs]
        if kind == "dynamic":
            if self.enc == "msgpack":
                if not (isinstance(raw, list) and len(raw) == 2):
                    raise CtyError("expected a [type, value] pair for a dynamic value", path)
                type_json, inner = raw
            else:
                if not (isinstance(raw, dict) and "type" in raw):
                    raise CtyError('expected {"type": ..., "value": ...} for a dynamic value', path)
                type_json, inner = raw["type"], raw.get("value")
            self._enter(0, path, depth)
            real = self._type(type_json, path, depth)
            if self.hints is not None:
                self.hints.dynamic_types[path] = real
            return self.value(inner, real, path, depth + 1)
        raise CtyError(f"unsupported type {t!r}", path)

    def _type(self, type_json: Any, path: Path, depth: int) -> T.Type:
        """The type a dynamic value names: parsed within the limits, counted against the same elements."""
        if self.enc == "msgpack" and isinstance(type_json, (bytes, str)):  # JSON text; in JSON, already a tree
            type_json = load_json(type_json, self.allowance)
        stack: list[tuple[Any, int]] = [(type_json, depth)]
        while stack:  # depth and size first: T.from_json recurses
            node, d = stack.pop()
            if isinstance(node, (list, dict)):
                self._enter(len(node), path, d)
                stack.extend((child, d + 1) for child in (node.values() if isinstance(node, dict) else node))
        try:
            return T.from_json(type_json)
        except RecursionError:
            raise _too_deep(path) from None
        except (ValueError, TypeError, AttributeError) as e:
            raise CtyError(f"invalid type for a dynamic value: {e}", path) from None


# --------------------------------------------------------------------------- msgpack encode

def _pack_int(out: bytearray, v: int) -> None:
    if 0 <= v <= 0x7f:
        out.append(v)
    elif -32 <= v < 0:
        out.append(v & 0xff)
    elif 0 <= v <= 0xff:
        out += b"\xcc" + bytes((v,))
    elif 0 <= v <= 0xffff:
        out += b"\xcd" + _U16.pack(v)
    elif 0 <= v <= 0xffffffff:
        out += b"\xce" + _U32.pack(v)
    elif 0 <= v <= _U64_MAX:
        out += b"\xcf" + _U64.pack(v)
    elif -0x80 <= v:
        out += b"\xd0" + _S8.pack(v)
    elif -0x8000 <= v:
        out += b"\xd1" + _S16.pack(v)
    elif -0x80000000 <= v:
        out += b"\xd2" + _S32.pack(v)
    else:
        out += b"\xd3" + _S64.pack(v)


def _pack_str(out: bytearray, s: str) -> None:
    b = s.encode("utf-8")
    n = len(b)
    if n <= 31:
        out.append(0xa0 | n)
    elif n <= 0xff:
        out += b"\xd9" + bytes((n,))
    elif n <= 0xffff:
        out += b"\xda" + _U16.pack(n)
    else:
        out += b"\xdb" + _U32.pack(n)
    out += b


def _pack_bin(out: bytearray, b: bytes) -> None:
    n = len(b)
    if n <= 0xff:
        out += b"\xc4" + bytes((n,))
    elif n <= 0xffff:
        out += b"\xc5" + _U16.pack(n)
    else:
        out += b"\xc6" + _U32.pack(n)
    out += b


def _pack_array_header(out: bytearray, n: int) -> None:
    if n <= 15:
        out.append(0x90 | n)
    elif n <= 0xffff:
        out += b"\xdc" + _U16.pack(n)
    else:
        out += b"\xdd" + _U32.pack(n)


def _pack_map_header(out: bytearray, n: int) -> None:
    if n <= 15:
        out.append(0x80 | n)
    elif n <= 0xffff:
        out += b"\xde" + _U16.pack(n)
    else:
        out += b"\xdf" + _U32.pack(n)


def _pack_ext(out: bytearray, code: int, data: bytes) -> None:
    n = len(data)
    fixed = {1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8}.get(n)
    if fixed:
        out.append(fixed)
    elif n <= 0xff:
        out += b"\xc7" + bytes((n,))
    elif n <= 0xffff:
        out += b"\xc8" + _U16.pack(n)
    else:
        out += b"\xc9" + _U32.pack(n)
    out += _S8.pack(code)
    out += data


_UNKNOWN_BYTES = b"\xd4\x00\x00"  # fixext1, code 0: the plain unknown value


def encode_msgpack(value: Value, typ: T.Type, hints: Hints | None = None) -> bytes:
    """Encode a plain Python value of type ``typ`` as cty msgpack."""
    out = bytearray()
    _pack(out, value, typ, (), hints)
    return bytes(out)


def _pack_number(out: bytearray, v: Value, path: Path) -> None:
    _check_number(v, path)
    if isinstance(v, Decimal):
        if v.is_nan():
            raise CtyError("NaN is not a valid number", path)
        if _integral(v):
            v = int(v)
        else:
            f = float(v)
            if Decimal(f) == v:
                out += b"\xcb" + _F64.pack(f)
            else:
                _pack_str(out, str(v))
            return
    if isinstance(v, int):
        if _I64_MIN <= v <= _U64_MAX:
            _pack_int(out, v)
        else:
            _pack_str(out, str(v))
        return
    if v != v:
        raise CtyError("NaN is not a valid number", path)
    if v.is_integer() and abs(v) < 2 ** 63:
        _pack_int(out, int(v))
    else:
        out += b"\xcb" + _F64.pack(v)


def _pack(out: bytearray, v: Value, t: T.Type, path: Path, hints: Hints | None) -> None:
    if v is None:
        out.append(0xc0)
        return
    if v is UNKNOWN:
        if hints is not None:
            ref = hints.refinements.get(path)
            if ref is not None:
                _pack_ext(out, 12, ref)
                return
        out += _UNKNOWN_BYTES
        return
    kind = t.kind
    if kind == "string":
        if not isinstance(v, str):
            raise CtyError(f"expected a string, got {type(v).__name__}", path)
        _pack_str(out, v)
    elif kind == "number":
        _pack_number(out, v, path)
    elif kind == "bool":
        if not isinstance(v, bool):
            raise CtyError(f"expected a bool, got {type(v).__name__}", path)
        out.append(0xc3 if v else 0xc2)
    elif isinstance(t, (T.List, T.Set)):
        if not isinstance(v, (list, tuple, set, frozenset)):
            raise CtyError(f"expected a {kind} (a Python list), got {type(v).__name__}", path)
        _pack_array_header(out, len(v))
        et = t.element
        for i, item in enumerate(v):
            _pack(out, item, et, path + (i,), hints)
    elif isinstance(t, T.Map):
        if not isinstance(v, dict):
            raise CtyError(f"expected a map (a dict), got {type(v).__name__}", path)
        _pack_map_header(out, len(v))
        et = t.element
        for k, item in v.items():
            if not isinstance(k, str):
                raise CtyError("map keys must be strings", path)
            _pack_str(out, k)
            _pack(out, item, et, path + (k,), hints)
    elif isinstance(t, T.Object):
        if not isinstance(v, dict):
            raise CtyError(f"expected an object (a dict), got {type(v).__name__}", path)
        attrs = t.attributes
        extra = set(v) - set(attrs)
        if extra:
            raise CtyError(f"unexpected attribute(s) {', '.join(sorted(extra))}", path)
        _pack_map_header(out, len(attrs))
        for name, at in attrs.items():
            _pack_str(out, name)
            _pack(out, v.get(name), at, path + (name,), hints)
    elif isinstance(t, T.Tuple):
        if not isinstance(v, (list, tuple)) or len(v) != len(t.elements):
            raise CtyError(f"expected a tuple of {len(t.elements)} elements", path)
        _pack_array_header(out, len(v))
        for i, (item, et) in enumerate(zip(v, t.elements, strict=True)):
            _pack(out, item, et, path + (i,), hints)
    elif kind == "dynamic":
        real = _dynamic_type(v, path, hints)
        _pack_array_header(out, 2)
        _pack_bin(out, real.json_bytes())
        _pack(out, v, real, path, hints)
    else:
        raise CtyError(f"unsupported type {t!r}", path)


def _dynamic_type(v: Value, path: Path, hints: Hints | None) -> T.Type:
    """The concrete type to send for a value of a dynamic attribute."""
    if hints is not None:
        known = hints.dynamic_types.get(path)
        if known is not None and _conforms(v, known):
            return known
    return infer_type(v, path)


def infer_type(v: Value, path: Path = ()) -> T.Type:
    """The natural cty type of a plain Python value (lists -> tuples, dicts -> objects)."""
    if isinstance(v, bool):
        return T.Bool
    if isinstance(v, str):
        return T.String
    if isinstance(v, (int, float, Decimal)):
        return T.Number
    if isinstance(v, (list, tuple)):
        return T.Tuple([infer_type(i, path + (n,)) for n, i in enumerate(v)])
    if isinstance(v, dict):
        return T.Object({k: infer_type(i, path + (k,)) for k, i in v.items()})
    if v is None or v is UNKNOWN:
        return T.Dynamic
    raise CtyError(f"cannot infer a Terraform type for {type(v).__name__}", path)


def _conforms(v: Value, t: T.Type) -> bool:
    if v is None or v is UNKNOWN:
        return True
    k = t.kind
    if k == "dynamic":
        return True
    if k == "string":
        return isinstance(v, str)
    if k == "number":
        return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)
    if k == "bool":
        return isinstance(v, bool)
    if isinstance(t, (T.List, T.Set)):
        return isinstance(v, list) and all(_conforms(i, t.element) for i in v)
    if isinstance(t, T.Map):
        return isinstance(v, dict) and all(_conforms(i, t.element) for i in v.values())
    if isinstance(t, T.Object):
        return isinstance(v, dict) and set(v) <= set(t.attributes) and all(
            _conforms(v.get(n), at) for n, at in t.attributes.items())
    if isinstance(t, T.Tuple):
        return isinstance(v, list) and len(v) == len(t.elements) and all(
            _conforms(i, et) for i, et in zip(v, t.elements, strict=True))
    return False


# --------------------------------------------------------------------------- JSON

def decode_json(data: Any, typ: T.Type, hints: Hints | None = None) -> Value:
    """Decode a JSON-encoded cty value (bytes/str, or an already-parsed tree)."""
    allowance = _budget.allowance()
    try:
        if isinstance(data, (bytes, bytearray, str)):
            if not data:
                return None
            data = load_json(data, allowance)
        return _Convert(hints, "json", allowance).value(data, typ, (), 0)
    except _budget.Exhausted as e:
        raise CtyError(str(e)) from None


_JSON_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'


def load_json(data: str | bytes | bytearray | memoryview, allowance: _budget.Allowance | None = None, *,
              parse_float: Callable[[str], Any] = Decimal) -> Any:
    """``json.loads`` within the limits, numbers as ``int`` or ``Decimal`` (``parse_float`` for fractions). The
    elements the text can hold are counted before it is parsed; nesting deeper than the interpreter's recursion
    allows is a CtyError (the conversion to a type then holds it to MAX_DEPTH)."""
    import json
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    try:
        (allowance or _budget.allowance()).take(_json_elements(data))
        return json.loads(data, parse_float=parse_float, parse_int=_json_int)
    except _budget.Exhausted as e:
        raise CtyError(str(e)) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as e:
        raise CtyError(f"invalid JSON: {e}") from None


def _json_int(text: str) -> int | Decimal:
    return int(text) if len(text) <= _MAX_INT_DIGITS else Decimal(text)


def _json_elements(data: str | bytes) -> int:
    """An upper bound of the elements in a JSON text's arrays and objects: each element but a container's
    first follows a comma, and each container opens with a bracket or a brace. Beyond a few thousand, those
    inside strings are left out of the count."""
    if isinstance(data, bytes):
        n = data.count(b",") + data.count(b"[") + data.count(b"{")
        if n > 4096:
            import re
            data = re.sub(_JSON_STRING.encode(), b'""', data)
            n = data.count(b",") + data.count(b"[") + data.count(b"{")
        return n
    n = data.count(",") + data.count("[") + data.count("{")
    if n > 4096:
        import re
        data = re.sub(_JSON_STRING, '""', data)
        n = data.count(",") + data.count("[") + data.count("{")
    return n


def encode_json(value: Value, typ: T.Type) -> bytes:
    """Encode a plain Python value of type ``typ`` as cty JSON (no unknowns allowed)."""
    parts: list[str] = []
    _json(parts, value, typ, ())
    return "".join(parts).encode("utf-8")


def _json_str(s: str) -> str:
    import json
    return json.dumps(s, ensure_ascii=False)


def _json(parts: list[str], v: Value, t: T.Type, path: Path) -> None:
    if v is None:
        parts.append("null")
        return
    if v is UNKNOWN:
        raise CtyError("unknown values cannot be encoded as JSON", path)
    kind = t.kind
    if kind == "string":
        if not isinstance(v, str):
            raise CtyError(f"expected a string, got {type(v).__name__}", path)
        parts.append(_json_str(v))
    elif kind == "number":
        _check_number(v, path)
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise CtyError("JSON cannot hold NaN or infinite numbers", path)
            v = _number_from_float(v)
        if isinstance(v, Decimal) and not v.is_finite():
            raise CtyError("JSON cannot hold NaN or infinite numbers", path)
        parts.append(str(v))
    elif kind == "bool":
        if not isinstance(v, bool):
            raise CtyError(f"expected a bool, got {type(v).__name__}", path)
        parts.append("true" if v else "false")
    elif isinstance(t, (T.List, T.Set, T.Tuple)):
        if not isinstance(v, (list, tuple)):
            raise CtyError(f"expected a {kind} (a Python list), got {type(v).__name__}", path)
        parts.append("[")
        for i, item in enumerate(v):
            if i:
                parts.append(",")
            et = t.elements[i] if isinstance(t, T.Tuple) else t.element
            _json(parts, item, et, path + (i,))
        parts.append("]")
    elif isinstance(t, (T.Map, T.Object)):
        if not isinstance(v, dict):
            raise CtyError(f"expected a {kind} (a dict), got {type(v).__name__}", path)
        if isinstance(t, T.Map):
            typed = [(k, item, t.element) for k, item in v.items()]
        else:
            typed = [(n, v.get(n), at) for n, at in t.attributes.items()]
        parts.append("{")
        for i, (k, item, item_type) in enumerate(typed):
            if i:
                parts.append(",")
            parts.append(_json_str(k))
            parts.append(":")
            _json(parts, item, item_type, path + (k,))
        parts.append("}")
    elif kind == "dynamic":
        real = infer_type(v, path)
        parts.append('{"value":')
        _json(parts, v, real, path)
        parts.append(',"type":' + real.json_bytes().decode("utf-8") + "}")
    else:
        raise CtyError(f"unsupported type {t!r}", path)
