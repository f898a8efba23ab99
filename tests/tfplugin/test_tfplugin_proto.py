"""The generated stubs and wire table match the .proto files, and tfplugin._pb speaks real protobuf."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tfplugin import _pb
from tfplugin._proto import generate, goplugin_pb2
from tfplugin._proto import tfplugin6_pb2 as pb


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


def test_start_path_imports_neither_grpc_nor_protobuf():
    import subprocess
    import sys
    code = ("import sys, tfplugin, tfplugin.server, tfplugin._rpc, tfplugin._h2, tfplugin._pb; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('grpc', 'google', 'cryptography', 'asyncio')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
