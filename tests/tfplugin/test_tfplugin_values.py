"""cty values: msgpack and JSON round trips (hypothesis), cross-checked with the msgpack library."""
from __future__ import annotations

from decimal import Decimal

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tfplugin import UNKNOWN, _budget, types, values as V

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)

numbers = st.one_of(
    st.integers(),                                   # any size: beyond 64 bits go as strings
    st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1),
    st.decimals(min_value=Decimal('-1e40'), max_value=Decimal('1e40'), allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: V._number_from_float(f)),
).map(lambda n: int(n) if isinstance(n, Decimal) and n == n.to_integral_value() else n)


def types_():
    prim = st.sampled_from([types.String, types.Number, types.Bool])
    return st.recursive(prim, lambda inner: st.one_of(
        inner.map(types.List), inner.map(types.Set), inner.map(types.Map),
        st.dictionaries(NAMES, inner, max_size=4).map(types.Object),
        st.lists(inner, max_size=3).map(types.Tuple)), max_leaves=8)


def value_of(t, unknowns=True):
    """A strategy of Python values of type t (null and, optionally, unknown anywhere)."""
    k = t.kind
    if k == "string":
        base = st.text(max_size=20)
    elif k == "number":
        base = numbers
    elif k == "bool":
        base = st.booleans()
    elif k in ("list", "set"):
        base = st.lists(value_of(t.element, unknowns), max_size=3)
    elif k == "map":
        base = st.dictionaries(st.text(max_size=5), value_of(t.element, unknowns), max_size=3)
    elif k == "object":
        base = st.fixed_dictionaries({n: value_of(at, unknowns) for n, at in t.attributes.items()})
    elif k == "tuple":
        base = st.tuples(*[value_of(e, unknowns) for e in t.elements]).map(list)
    else:
        raise AssertionError(t)
    extra = [st.none()] + ([st.just(UNKNOWN)] if unknowns else [])
    return st.one_of(base, *extra)


typed_values = types_().flatmap(lambda t: st.tuples(st.just(t), value_of(t)))
typed_known = types_().flatmap(lambda t: st.tuples(st.just(t), value_of(t, unknowns=False)))


def same(a, b):
    """Equality that also checks int-vs-Decimal kinds and exact Decimal values."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return type(a) is type(b) and a == b
    return a is b if a is UNKNOWN or b is UNKNOWN else (type(a) is type(b) and a == b)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values)
def test_msgpack_round_trip(tv):
    t, v = tv
    data = V.encode_msgpack(v, t)
    assert same(V.decode_msgpack(data, t), v)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(typed_known)
def test_json_round_trip(tv):
    t, v = tv
    data = V.encode_json(v, t)
    assert same(V.decode_json(data, t), v)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values)
def test_our_msgpack_is_valid_msgpack(tv):
    """The msgpack library reads what we write (unknown -> ext 0) and we read what it writes."""
    t, v = tv
    data = V.encode_msgpack(v, t)
    generic = msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=lambda code, d: ("EXT", code))
    again = msgpack.packb(generic, use_bin_type=True, default=None) if "EXT" not in repr(generic) else None
    if again is not None:
        assert same(V.decode_msgpack(again, t), v)


@given(st.integers())
def test_big_ints_are_exact(n):
    data = V.encode_msgpack(n, types.Number)
    assert V.decode_msgpack(data, types.Number) == n
    if not -(2 ** 63) <= n < 2 ** 64:
        assert msgpack.unpackb(data) == str(n)  # the wire carries big numbers as strings


def test_numbers_from_terraform():
    # Terraform sends numbers as ints, float64 when exact, else decimal strings
    assert V.decode_msgpack(msgpack.packb(1.5), types.Number) == Decimal("1.5")
    assert V.decode_msgpack(msgpack.packb(2.0), types.Number) == 2
    assert type(V.decode_msgpack(msgpack.packb(2.0), types.Number)) is int
    assert V.decode_msgpack(msgpack.packb("0.1"), types.Number) == Decimal("0.1")
    assert V.decode_msgpack(msgpack.packb("123456789012345678901234567890"), types.Number) == \
        123456789012345678901234567890
    assert V.decode_msgpack(msgpack.packb("1e3"), types.Number) == 1000
    # Decimal("0.1") is not a float64: it must go out as a string to stay exact
    assert msgpack.unpackb(V.encode_msgpack(Decimal("0.1"), types.Number)) == "0.1"
    assert msgpack.unpackb(V.encode_msgpack(Decimal("1.5"), types.Number)) == 1.5
    assert msgpack.unpackb(V.encode_msgpack(0.25, types.Number)) == 0.25
    assert V.decode_json(b"0.30000000000000000000001", types.Number) == Decimal("0.30000000000000000000001")
    assert V.encode_json(Decimal("0.30000000000000000000001"), types.Number) == b"0.30000000000000000000001"


def test_unknown_and_refined_unknown():
    assert V.decode_msgpack(b"\xd4\x00\x00", types.String) is UNKNOWN
    assert V.encode_msgpack(UNKNOWN, types.List(types.String)) == b"\xd4\x00\x00"
    refined = b"\xc7\x05\x0c\x81\x02\xa2ab"  # ext 12: {2: "ab"} (string prefix)
    obj = types.Object({"s": types.String, "n": types.Number})
    data = b"\x82\xa1s" + refined + b"\xa1n\x01"
    hints = V.Hints()
    value = V.decode_msgpack(data, obj, hints)
    assert value == {"s": UNKNOWN, "n": 1}
    assert V.decode_msgpack(data, obj) == {"s": UNKNOWN, "n": 1}  # no hints: still fine
    assert b"\x0c\x81\x02\xa2ab" in V.encode_msgpack(value, obj, hints)  # untouched: refinement kept
    assert V.encode_msgpack(value, obj) == b"\x82\xa1s\xd4\x00\x00\xa1n\x01"  # without hints: plain unknown
    # any other extension code is an unknown too
    assert V.decode_msgpack(b"\xd4\x05\x00", types.Number) is UNKNOWN


def test_dynamic_values():
    dyn = types.Object({"d": types.Dynamic})
    inner = types.List(types.String)
    raw = msgpack.packb({"d": [inner.json_bytes(), ["a", "b"]]}, use_bin_type=True)
    hints = V.Hints()
    v = V.decode_msgpack(raw, dyn, hints)
    assert v == {"d": ["a", "b"]}
    # re-encoded with the type it came with (a list, not a tuple)
    back = msgpack.unpackb(V.encode_msgpack(v, dyn, hints), raw=False)
    assert back["d"][0] == b'["list","string"]'
    # without hints the natural type is used
    back = msgpack.unpackb(V.encode_msgpack({"d": {"x": 1}}, dyn), raw=False)
    assert back["d"] == [b'["object",{"x":"number"}]', {"x": 1}]
    assert V.decode_json(b'{"d": {"value": [1, 2], "type": ["list", "number"]}}', dyn) == {"d": [1, 2]}
    assert V.decode_json(V.encode_json({"d": "s"}, dyn), dyn) == {"d": "s"}


def test_type_json():
    t = types.Object({"a": types.List(types.String), "b": types.Number}, optional=frozenset({"b"}))
    assert t.json_bytes() == b'["object",{"a":["list","string"],"b":"number"},["b"]]'
    assert types.from_json(t.json_bytes()) == t
    assert types.from_json(b'["tuple",["string","bool"]]') == types.Tuple([types.String, types.Bool])
    with pytest.raises(ValueError):
        types.from_json('["nope"]')


def test_wrong_values_are_reported_with_paths():
    t = types.Object({"a": types.List(types.Number)})
    with pytest.raises(V.CtyError) as e:
        V.encode_msgpack({"a": [1, "x"]}, t)
    assert e.value.path == ("a", 1)
    with pytest.raises(V.CtyError) as e:
        V.encode_msgpack({"a": [], "b": 1}, t)
    assert "unexpected attribute" in str(e.value)
    with pytest.raises(V.CtyError):
        V.encode_json({"a": [UNKNOWN]}, t)


def test_unknown_is_a_singleton():
    import copy
    import pickle
    assert copy.deepcopy({"x": UNKNOWN})["x"] is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN
    assert repr(UNKNOWN) == "UNKNOWN"


def _unknown_paths(v, path=()):
    if v is UNKNOWN:
        yield path
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from _unknown_paths(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _unknown_paths(x, path + (i,))


refinements = st.one_of(
    st.booleans().map(lambda b: msgpack.packb({1: b})),
    st.text(max_size=10).map(lambda s: msgpack.packb({1: False, 2: s})),
    st.integers(min_value=0, max_value=100).map(lambda n: msgpack.packb({5: n, 6: n + 3})),
    st.binary(min_size=1, max_size=20))  # unknown future refinement keys: carried as opaque bytes


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values, st.data())
def test_refined_unknowns_round_trip(tv, data):
    t, v = tv
    sent = V.Hints()
    for path in _unknown_paths(v):
        sent.refinements[path] = data.draw(refinements)
    wire = V.encode_msgpack(v, t, sent)
    got = V.Hints()
    decoded = V.decode_msgpack(wire, t, got)
    assert same(decoded, v)  # refined unknowns decode to UNKNOWN
    assert got.refinements == sent.refinements
    assert V.encode_msgpack(decoded, t, got) == wire  # untouched: the same bytes go back


# ---------------------------------------------------------------------------- limits (issue #21, item 7)

def nested_lists(depth: int):
    t = types.String
    for _ in range(depth):
        t = types.List(t)
    return t


@pytest.mark.parametrize("decode, encode", [(V.decode_msgpack, V.encode_msgpack), (V.decode_json, V.encode_json)])
def test_values_nest_at_most_100_deep(decode, encode):
    value = "x"
    for _ in range(100):
        value = [value]
    assert decode(encode(value, nested_lists(100)), nested_lists(100)) == value
    with pytest.raises(V.CtyError, match="more than 100 deep"):
        decode(encode([value], nested_lists(101)), nested_lists(101))
    # a dynamic value's type counts too: its nesting adds to the value's
    dynamic = msgpack.packb(["d", [nested_lists(100).json_bytes(), value]], use_bin_type=True)
    with pytest.raises(V.CtyError, match="more than 100 deep"):
        V.decode_msgpack(dynamic, types.Tuple([types.String, types.Dynamic]))


def test_what_the_bytes_cannot_hold_is_refused_before_anything_is_built():
    with pytest.raises(V.CtyError, match="a msgpack array claims 4294967295 elements but only 1 bytes follow"):
        V.decode_msgpack(b"\xdd\xff\xff\xff\xff\x80", types.List(types.Map(types.String)))
    with pytest.raises(V.CtyError, match="a msgpack map claims 4 elements but only 6 bytes follow"):
        V.decode_msgpack(b"\x84\xa1a\x01\xa1b\x02", types.Map(types.Number))  # an entry takes 2 bytes or more
    with pytest.raises(V.CtyError, match="map key is list"):
        V.decode_msgpack(b"\x81\x90\x01", types.Map(types.Number))
    with pytest.raises(V.CtyError, match="not valid UTF-8"):
        V.decode_msgpack(b"\xa2\xc3\x28", types.String)


def test_elements_count_when_read_and_when_converted(monkeypatch):
    monkeypatch.setattr(_budget, "LIMIT", 1000)  # the real one (1,000,000) in test_tfplugin_hostile.py
    rules = types.List(types.Object({"port": types.Number, "proto": types.String}))
    # 300 empty maps: 300 read + 300 rules converted + 2 x 300 attributes = 1200 elements
    with pytest.raises(V.CtyError, match="more than 1000 elements"):
        V.decode_msgpack(b"\xdc\x01\x2c" + b"\x80" * 300, rules)
    assert len(V.decode_msgpack(b"\xdc\x00\xc8" + b"\x80" * 200, rules)) == 200  # 800: fine
    with pytest.raises(V.CtyError, match="more than 1000 elements"):
        V.decode_json(b"[" + b"{}," * 599 + b"{}]", rules)  # counted before json.loads: 600 + 600 + 1200
    # a dynamic value's type is counted as well: an object type of 2000 attributes
    attributes = {f"a{i}": "string" for i in range(2000)}
    with pytest.raises(V.CtyError, match="more than 1000 elements"):
        V.decode_json({"type": ["object", attributes], "value": {}}, types.Dynamic)


def test_commas_and_brackets_inside_json_strings_are_not_elements(monkeypatch):
    monkeypatch.setattr(_budget, "LIMIT", 1000)
    text = ',[{"\\"' * 10_000
    assert V.decode_json(V.encode_json({"a": text}, types.Map(types.String)), types.Map(types.String)) == {"a": text}


def test_json_nested_past_what_python_can_parse_is_an_error_not_a_crash():
    with pytest.raises(V.CtyError, match="more than 100 deep"):
        V.decode_json(b"[" * 100_000 + b"]" * 100_000, types.Dynamic)


@pytest.mark.parametrize("text", ["1e999999999", "-1E+999999999", "1" + "0" * 5000])
def test_numbers_whose_integer_would_be_huge_stay_decimal(text):
    assert V.decode_msgpack(msgpack.packb(text), types.Number) == Decimal(text)
    assert V.decode_json(text.encode(), types.Number) == Decimal(text)
    assert V.decode_msgpack(V.encode_msgpack(Decimal(text), types.Number), types.Number) == Decimal(text)
    assert type(V.decode_msgpack(msgpack.packb("0E+999999999"), types.Number)) is int


def test_requests_in_progress_share_one_allowance():
    """Two requests in progress: what one holds the other cannot take, until it ends."""
    first, second = _budget.Allowance(pooled=True), _budget.Allowance(pooled=True)
    with first:
        first.take(_budget.LIMIT - 100)
        with pytest.raises(_budget.Exhausted, match="may hold 1000000 decoded elements"):
            second.take(200)
    second.take(200)  # the first ended: its elements went back to the pool
    with second:
        pass
    again = _budget.Allowance(pooled=True)
    again.take(_budget.LIMIT)  # the whole pool is back
    with again:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(types_(), st.binary(max_size=100))
def test_any_bytes_decode_or_are_a_cty_error(t, data):
    for decode in (V.decode_msgpack, V.decode_json):
        try:
            decode(data, t)
        except V.CtyError:
            pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values, st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_a_valid_value_with_a_byte_changed_decodes_or_is_a_cty_error(tv, where, byte):
    t, v = tv
    changed = bytearray(V.encode_msgpack(v, t))
    changed[where % len(changed)] = byte
    try:
        V.decode_msgpack(bytes(changed), t)
    except V.CtyError:
        pass
