"""The generated stubs and wire table match the .proto files, and tfplugin._pb speaks real protobuf."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tfplugin import _budget, _pb
from tfplugin._proto import generate, goplugin_pb2, tfplugin6_pb2 as pb
from tfplugin._proto.wire import METHODS


def test_generated_stubs_are_fresh():
    stale = generate.stale_files()
    assert not stale, f"regenerate with `python -m tfplugin._proto.generate`: stale {stale}"


def test_schema_response_round_trips_between_codecs():
    msg = pb.GetProviderSchema.Response(
        provider=pb.Schema(version=2, block=pb.Schema.Block(attributes=[
            pb.Schema.Attribute(name="a", type=b'"string"', optional=True, write_only=True,
                                description_kind=pb.MARKDOWN)])),
        resource_schemas={"x_a": pb.Schema(block=pb.Schema.Block(block_types=[pb.Schema.NestedBlock(
            type_name="b", nesting=pb.Schema.NestedBlock.LIST, min_items=1, max_items=-1)]))},
        server_capabilities=pb.ServerCapabilities(get_provider_schema_optional=True),
        diagnostics=[pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary="s", attribute=pb.AttributePath(steps=[
            pb.AttributePath.Step(attribute_name="a"), pb.AttributePath.Step(element_key_int=0),
            pb.AttributePath.Step(element_key_string="")]))])
    data = msg.SerializeToString()
    as_dict = _pb.decode("tfplugin6.GetProviderSchema.Response", data)
    assert as_dict["resource_schemas"]["x_a"]["block"]["block_types"][0]["max_items"] == -1
    steps = as_dict["diagnostics"][0]["attribute"]["steps"]
    assert steps == [{"attribute_name": "a"}, {"element_key_int": 0}, {"element_key_string": ""}]
    again = pb.GetProviderSchema.Response.FromString(_pb.encode("tfplugin6.GetProviderSchema.Response", as_dict))
    assert again == msg


def test_raw_state_map_and_optional_fields():
    msg = pb.UpgradeResourceState.Request(type_name="t", version=3,
                                          raw_state=pb.RawState(flatmap={"a": "1", "b.#": "0"}))
    d = _pb.decode("tfplugin6.UpgradeResourceState.Request", msg.SerializeToString())
    assert d == {"type_name": "t", "version": 3, "raw_state": {"flatmap": {"a": "1", "b.#": "0"}}}
    r = pb.RenewEphemeralResource.Request.FromString(
        _pb.encode("tfplugin6.RenewEphemeralResource.Request", {"type_name": "t", "private": b""}))
    assert r.HasField("private")  # proto3 `optional`: presence survives an empty value


def test_unknown_fields_are_skipped():
    data = goplugin_pb2.StdioData(channel=2, data=b"x").SerializeToString()
    assert _pb.decode("plugin.Empty", data) == {}


@settings(max_examples=100)
@given(st.text(), st.binary(), st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1), st.booleans())
def test_scalars_round_trip(s, b, i, flag):
    msg = pb.ImportResourceState.Request(type_name=s, id=s + "x",
                                         client_capabilities=pb.ClientCapabilities(deferral_allowed=flag))
    d = _pb.decode("tfplugin6.ImportResourceState.Request", msg.SerializeToString())
    assert pb.ImportResourceState.Request.FromString(_pb.encode("tfplugin6.ImportResourceState.Request", d)) == msg
    m2 = pb.UpgradeResourceIdentity.Request(type_name=s, version=i, raw_identity=b)
    d2 = _pb.decode("tfplugin6.UpgradeResourceIdentity.Request", m2.SerializeToString())
    assert d2.get("version", 0) == i
    assert pb.UpgradeResourceIdentity.Request.FromString(
        _pb.encode("tfplugin6.UpgradeResourceIdentity.Request", d2)) == m2


def test_start_path_imports_neither_grpc_nor_protobuf(unmeasured_env):
    """Nor typing (~2-5 ms a start): names only a type checker needs are imported under TYPE_CHECKING."""
    import subprocess
    import sys
    code = ("import sys, tfplugin, tfplugin.server, tfplugin._rpc, tfplugin._h2, tfplugin._pb, tfplugin._tls; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('grpc', 'google', 'cryptography', 'asyncio', "
            "'typing')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=unmeasured_env)
    assert p.returncode == 0, p.stdout + p.stderr


# ---------------------------------------------------------------------------- hostile bytes (issue #21, item 7)

REQUESTS = sorted({req for path, (req, _resp, _cs, _ss) in METHODS.items()})


@pytest.mark.parametrize("name, data, says", [
    # the 17 bytes: `id` (a string) as a 32-bit field whose value, read as a length, is 1 GiB
    ("tfplugin6.ImportResourceState.Request", b"\x0a\x09tpt_thing\x15\x00\x00\x00\x40",
     "field id (string) arrived as wire type 5 (32-bit)"),
    ("tfplugin6.ImportResourceState.Request", b"\x08\x80\x80\x80\x80\x04", "field type_name (string) arrived as "
                                                                         "wire type 0 (varint)"),
    ("tfplugin6.ValidateResourceConfig.Request", b"\x11" + b"\xff" * 8, "field config (message) arrived as wire "
                                                                        "type 1 (64-bit)"),
    ("tfplugin6.UpgradeResourceState.Request", b"\x12\x01\x00", "field version (int64) arrived as wire type 2"),
    ("tfplugin6.ClientCapabilities", b"\x0d\x01\x00\x00\x00", "field deferral_allowed (bool) arrived as wire type 5"),
    ("tfplugin6.UpgradeResourceState.Request", b"\x18\x01", "field raw_state (message) arrived as wire type 0"),
])
def test_a_field_with_another_wire_type_than_declared_is_a_decode_error(name, data, says):
    with pytest.raises(_pb.DecodeError) as refused:
        _pb.decode(name, data)
    assert says in str(refused.value)


@pytest.mark.parametrize("data, says", [
    (b"\x12\xff\xff\xff\xff\x0f", "field 2 claims 4294967295 bytes but 0 remain"),
    (b"\x12\x05abc", "field 2 claims 5 bytes but 3 remain"),
    # a DynamicValue that claims 5 bytes for its msgpack where its parent holds 2: the parent's end bounds it
    (b"\x12\x02\x0a\x05hello", "field 1 claims 5 bytes but 0 remain"),
    (b"\x0a" + b"\xff" * 10 + b"\x01", "varint longer than 10 bytes"),
    (b"\x0a\x80", "truncated varint"),
    (b"\x79\x00\x00", "field 15 is cut short"),  # an unknown 64-bit field with 2 of its 8 bytes
    (b"\x7b", "field 15 has wire type 3 (group start)"),
    (b"\x7f", "field 15 has wire type 7"),
    (b"\x0a\x02\xc3\x28", "not valid UTF-8"),
])
def test_lengths_and_varints_are_checked_before_anything_is_sliced(data, says):
    with pytest.raises(_pb.DecodeError) as refused:
        _pb.decode("tfplugin6.ValidateResourceConfig.Request", data)
    assert says in str(refused.value)


def test_unknown_fields_of_every_wire_type_are_skipped():
    unknown = b"\x78\x96\x01" + b"\x79" + b"\x00" * 8 + b"\x7a\x03abc" + b"\x7d" + b"\x00" * 4  # fields 15
    assert _pb.decode("tfplugin6.ValidateResourceConfig.Request", unknown + b"\x0a\x01t") == {"type_name": "t"}


def nested_blocks(depth: int) -> pb.Schema.Block:
    block = pb.Schema.Block()
    for _ in range(depth):
        block = pb.Schema.Block(block_types=[pb.Schema.NestedBlock(type_name="b", block=block)])
    return block


def test_nesting_stops_at_100_messages():
    assert _pb.decode("tfplugin6.Schema.Block", nested_blocks(49).SerializeToString())  # 99 messages deep
    with pytest.raises(_pb.DecodeError, match="messages nested more than 100 deep"):
        _pb.decode("tfplugin6.Schema.Block", nested_blocks(50).SerializeToString())


def test_repeated_entries_count_against_the_decode_allowance(monkeypatch):
    monkeypatch.setattr(_budget, "LIMIT", 1000)  # the real one (1,000,000) in test_tfplugin_hostile.py
    arguments = b"\x12\x00" * 1000
    assert len(_pb.decode("tfplugin6.CallFunction.Request", arguments)["arguments"]) == 1000
    with pytest.raises(_budget.Exhausted, match="more than 1000 elements"):
        _pb.decode("tfplugin6.CallFunction.Request", arguments + b"\x12\x00")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REQUESTS), st.binary(max_size=200))
def test_any_bytes_decode_or_are_a_decode_error(name, data):
    try:
        assert isinstance(_pb.decode(name, data), dict)
    except _pb.DecodeError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_a_valid_request_with_a_byte_changed_decodes_or_is_a_decode_error(payload, where, byte):
    msg = pb.ApplyResourceChange.Request(
        type_name="tpt_thing", prior_state=pb.DynamicValue(msgpack=payload), planned_private=payload,
        config=pb.DynamicValue(json=payload), planned_identity=pb.ResourceIdentityData(
            identity_data=pb.DynamicValue(msgpack=payload))).SerializeToString()
    changed = bytearray(msg)
    changed[where % len(changed)] = byte
    try:
        assert isinstance(_pb.decode("tfplugin6.ApplyResourceChange.Request", bytes(changed)), dict)
    except _pb.DecodeError:
        pass
