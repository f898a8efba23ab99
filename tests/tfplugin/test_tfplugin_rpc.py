"""Every RPC, in process: the tfplugin server on a unix socket, called with grpcio stubs."""
from __future__ import annotations

import json
from decimal import Decimal

import grpc
import pytest

from testprovider import Lookup, Thing, TptProvider, Versioned
from tfplugin import UNKNOWN, Attribute, Schema, types, values as V
from tfplugin._proto import goplugin_pb2, goplugin_pb2_grpc, health_pb2, tfplugin6_pb2 as pb

THING = Thing.schema.implied_type()
PROVIDER = TptProvider.schema.implied_type()
COVERED = set()


def rpc(name):
    COVERED.add(name)
    return name


def dv(value, typ):
    return pb.DynamicValue(msgpack=V.encode_msgpack(value, typ))


def thing(**kw):
    base = {"id": None, "name": "a", "size": None, "tags": None, "zone": None, "secret": None, "secret_sha": None,
            "fail_on": None, "rule": []}
    base.update(kw)
    return base


def steps(path_msg):
    out = []
    for s in path_msg.steps:
        which = s.WhichOneof("selector")
        out.append(getattr(s, which))
    return out


def configure(srv):
    r = srv.stub.ConfigureProvider(pb.ConfigureProvider.Request(
        terraform_version="1.11.4", config=dv({"store": None, "token": None}, PROVIDER)), timeout=10)
    assert not r.diagnostics
    return r


def plan(srv, prior, config, proposed=None, caps=True):
    return srv.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="tpt_thing", prior_state=dv(prior, THING), proposed_new_state=dv(proposed or config, THING),
        config=dv(config, THING), prior_private=b"priv"), timeout=10)


def apply(srv, prior, planned_dv, config):
    return srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
        type_name="tpt_thing", prior_state=dv(prior, THING), planned_state=planned_dv, config=dv(config, THING),
        planned_private=b"pp"), timeout=10)


def test_get_metadata(inproc):
    r = inproc.stub.GetMetadata(pb.GetMetadata.Request(), timeout=10)
    rpc("GetMetadata")
    assert {x.type_name for x in r.resources} == {"tpt_thing", "tpt_versioned", "tpt_counter"}
    assert [x.type_name for x in r.data_sources] == ["tpt_lookup"]
    assert r.server_capabilities.get_provider_schema_optional
    assert not r.server_capabilities.plan_destroy and not r.server_capabilities.move_resource_state


def test_get_provider_schema(inproc):
    r = inproc.stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=10)
    rpc("GetProviderSchema")
    assert not r.diagnostics
    assert set(r.resource_schemas) == {"tpt_thing", "tpt_versioned", "tpt_counter"}
    attrs = {a.name: a for a in r.resource_schemas["tpt_thing"].block.attributes}
    assert attrs["secret"].write_only and not attrs["secret"].computed
    assert attrs["size"].optional and attrs["size"].computed
    assert json.loads(attrs["tags"].type) == ["map", "string"]
    assert r.resource_schemas["tpt_thing"].block.block_types[0].type_name == "rule"
    assert r.resource_schemas["tpt_thing"].block.block_types[0].nesting == pb.Schema.NestedBlock.LIST
    assert r.provider.block.attributes[1].sensitive
    assert r.server_capabilities.get_provider_schema_optional


def test_identity_functions_and_unsupported(inproc):
    s = inproc.stub
    assert not s.GetResourceIdentitySchemas(pb.GetResourceIdentitySchemas.Request(), timeout=10).identity_schemas
    rpc("GetResourceIdentitySchemas")
    r = s.UpgradeResourceIdentity(pb.UpgradeResourceIdentity.Request(type_name="tpt_thing"), timeout=10)
    rpc("UpgradeResourceIdentity")
    assert "not supported by this provider" in r.diagnostics[0].summary
    assert not s.GetFunctions(pb.GetFunctions.Request(), timeout=10).functions
    rpc("GetFunctions")
    r = s.CallFunction(pb.CallFunction.Request(name="f"), timeout=10)
    rpc("CallFunction")
    assert "not supported by this provider" in r.error.text
    r = s.MoveResourceState(pb.MoveResourceState.Request(target_type_name="tpt_thing"), timeout=10)
    rpc("MoveResourceState")
    assert r.diagnostics[0].severity == pb.Diagnostic.ERROR
    assert "not supported by this provider" in r.diagnostics[0].summary
    for name, req in [("ValidateEphemeralResourceConfig", pb.ValidateEphemeralResourceConfig.Request()),
                      ("OpenEphemeralResource", pb.OpenEphemeralResource.Request()),
                      ("RenewEphemeralResource", pb.RenewEphemeralResource.Request()),
                      ("CloseEphemeralResource", pb.CloseEphemeralResource.Request())]:
        r = getattr(s, name)(req, timeout=10)
        rpc(name)
        assert "not supported by this provider" in r.diagnostics[0].summary


def test_validate_provider_config(inproc):
    r = inproc.stub.ValidateProviderConfig(pb.ValidateProviderConfig.Request(
        config=dv({"store": "", "token": None}, PROVIDER)), timeout=10)
    rpc("ValidateProviderConfig")
    assert r.diagnostics[0].summary == "Invalid store"
    assert steps(r.diagnostics[0].attribute) == ["store"]
    r = inproc.stub.ValidateProviderConfig(pb.ValidateProviderConfig.Request(
        config=dv({"store": UNKNOWN, "token": None}, PROVIDER)), timeout=10)
    assert not r.diagnostics


def test_configure_provider(inproc):
    configure(inproc)
    rpc("ConfigureProvider")
    assert inproc.service.provider.store is not None
    assert inproc.service.terraform_version == "1.11.4"


def test_validate_resource_config(inproc):
    cfg = thing(name="has space", rule=[{"port": 80, "proto": None}, {"port": 70000, "proto": None}])
    r = inproc.stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(
        type_name="tpt_thing", config=dv(cfg, THING),
        client_capabilities=pb.ClientCapabilities(write_only_attributes_allowed=True)), timeout=10)
    rpc("ValidateResourceConfig")
    got = {d.summary: steps(d.attribute) for d in r.diagnostics}
    assert got == {"Invalid name": ["name"], "Invalid port": ["rule", 1, "port"]}


def test_write_only_needs_client_capability(inproc):
    cfg = thing(secret="s3cret")
    r = inproc.stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(
        type_name="tpt_thing", config=dv(cfg, THING)), timeout=10)
    assert len(r.diagnostics) == 1
    d = r.diagnostics[0]
    assert d.severity == pb.Diagnostic.ERROR and "1.11" in d.detail and steps(d.attribute) == ["secret"]
    assert "s3cret" not in d.detail + d.summary
    r = inproc.stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(
        type_name="tpt_thing", config=dv(cfg, THING),
        client_capabilities=pb.ClientCapabilities(write_only_attributes_allowed=True)), timeout=10)
    assert not r.diagnostics
    # not set in config: fine for old clients too
    r = inproc.stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(
        type_name="tpt_thing", config=dv(thing(), THING)), timeout=10)
    assert not r.diagnostics


def test_validate_data_resource_config(inproc):
    typ = Lookup.schema.implied_type()
    r = inproc.stub.ValidateDataResourceConfig(pb.ValidateDataResourceConfig.Request(
        type_name="tpt_lookup", config=dv({"name": "x", "id": None, "size": None}, typ)), timeout=10)
    rpc("ValidateDataResourceConfig")
    assert not r.diagnostics
    r = inproc.stub.ValidateDataResourceConfig(pb.ValidateDataResourceConfig.Request(
        type_name="tpt_nope", config=dv({"name": "x", "id": None, "size": None}, typ)), timeout=10)
    assert r.diagnostics[0].summary == "Unknown data source type"


def test_plan_create_defaults_unknowns_and_write_only(inproc):
    configure(inproc)
    cfg = thing(secret="s3cret", rule=[{"port": 80, "proto": None}])
    r = plan(inproc, None, cfg)
    rpc("PlanResourceChange")
    assert not r.diagnostics
    planned = V.decode_msgpack(r.planned_state.msgpack, THING)
    assert planned["id"] is UNKNOWN and planned["secret_sha"] is UNKNOWN
    assert planned["size"] == 3 and planned["rule"] == [{"port": 80, "proto": "tcp"}]
    assert planned["secret"] is None
    assert r.planned_private == b"priv"
    assert not r.requires_replace


def test_plan_destroy_passes_through(inproc):
    r = inproc.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="tpt_thing", prior_state=dv(thing(id="x"), THING), proposed_new_state=dv(None, THING),
        config=dv(None, THING)), timeout=10)
    assert V.decode_msgpack(r.planned_state.msgpack, THING) is None


def test_plan_update_and_requires_replace(inproc):
    configure(inproc)
    prior = thing(id="i1", size=7, zone="a", secret_sha="abc")
    cfg = thing(size=None, zone="a")
    proposed = dict(cfg, id="i1", size=7, secret_sha="abc")  # Terraform keeps prior computed values
    planned = V.decode_msgpack(plan(inproc, prior, cfg, proposed).planned_state.msgpack, THING)
    assert planned["size"] == 3  # optional+computed with a default: back to the default
    assert planned["id"] == "i1" and planned["secret_sha"] == "abc"
    cfg = thing(size=5, zone="b")
    proposed = dict(cfg, id="i1", secret_sha="abc")
    r = plan(inproc, prior, cfg, proposed)
    assert [steps(p) for p in r.requires_replace] == [["zone"]]
    planned = V.decode_msgpack(r.planned_state.msgpack, THING)
    assert planned["id"] is UNKNOWN and planned["secret_sha"] is UNKNOWN and planned["size"] == 5


def test_plan_keeps_refined_unknowns(inproc):
    configure(inproc)
    cfg = thing()
    raw = bytearray(V.encode_msgpack(cfg, THING))
    # replace the name "a" (0xa1 0x61) with a refined unknown: "not null, starts with 'pre'"
    refinement = b"\x82\x01\xc2\x02\xa3pre"
    ext = b"\xc7" + bytes([len(refinement)]) + b"\x0c" + refinement
    idx = raw.index(b"\xa4name\xa1a") + len(b"\xa4name")
    raw[idx:idx + 2] = ext
    value = pb.DynamicValue(msgpack=bytes(raw))
    r = inproc.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="tpt_thing", prior_state=dv(None, THING), proposed_new_state=value, config=value), timeout=10)
    assert not r.diagnostics
    assert b"\x0c" + refinement in r.planned_state.msgpack  # same refinement (any ext encoding)
    assert V.decode_msgpack(r.planned_state.msgpack, THING)["name"] is UNKNOWN


def test_apply_create_update_delete(inproc, store):
    configure(inproc)
    cfg = thing(secret="s3cret")
    planned = plan(inproc, None, cfg).planned_state
    r = apply(inproc, None, planned, cfg)
    rpc("ApplyResourceChange")
    assert not r.diagnostics
    state = V.decode_msgpack(r.new_state.msgpack, THING)
    assert state["secret"] is None and len(state["secret_sha"]) == 64 and state["size"] == 3
    assert r.private == b"pp"
    saved = json.loads((store / "thing" / f"{state['id']}.json").read_text())
    assert saved["secret_seen"] is True and "s3cret" not in json.dumps(saved)
    # update
    cfg2 = thing(name="b")
    proposed = dict(cfg2, id=state["id"], size=3, secret_sha=state["secret_sha"])
    planned = plan(inproc, state, cfg2, proposed).planned_state
    r = apply(inproc, state, planned, cfg2)
    new = V.decode_msgpack(r.new_state.msgpack, THING)
    assert new["name"] == "b" and new["id"] == state["id"]
    # delete
    r = apply(inproc, new, dv(None, THING), None)
    assert V.decode_msgpack(r.new_state.msgpack, THING) is None
    assert not (store / "thing" / f"{state['id']}.json").exists()


def test_apply_exception_becomes_clean_diagnostic(inproc):
    configure(inproc)
    cfg = thing(fail_on="create")
    r = apply(inproc, None, plan(inproc, None, cfg).planned_state, cfg)
    assert len(r.diagnostics) == 1
    d = r.diagnostics[0]
    assert d.summary == "tpt_thing: create failed: simulated failure in create"
    assert "Traceback" not in d.detail
    assert V.decode_msgpack(r.new_state.msgpack, THING) is None


def test_read_resource(inproc, store):
    configure(inproc)
    cfg = thing()
    state = V.decode_msgpack(apply(inproc, None, plan(inproc, None, cfg).planned_state, cfg).new_state.msgpack,
                             THING)
    r = inproc.stub.ReadResource(pb.ReadResource.Request(type_name="tpt_thing", current_state=dv(state, THING),
                                                         private=b"keep"), timeout=10)
    rpc("ReadResource")
    assert V.decode_msgpack(r.new_state.msgpack, THING) == state and r.private == b"keep"
    # drift
    p = store / "thing" / f"{state['id']}.json"
    obj = json.loads(p.read_text())
    obj["size"] = 9
    p.write_text(json.dumps(obj))
    r = inproc.stub.ReadResource(pb.ReadResource.Request(type_name="tpt_thing", current_state=dv(state, THING)),
                                 timeout=10)
    assert V.decode_msgpack(r.new_state.msgpack, THING)["size"] == 9
    # gone
    p.unlink()
    r = inproc.stub.ReadResource(pb.ReadResource.Request(type_name="tpt_thing", current_state=dv(state, THING)),
                                 timeout=10)
    assert not r.diagnostics and V.decode_msgpack(r.new_state.msgpack, THING) is None


def test_import_resource_state(inproc):
    configure(inproc)
    cfg = thing(name="imp", tags={"k": "v"})
    state = V.decode_msgpack(apply(inproc, None, plan(inproc, None, cfg).planned_state, cfg).new_state.msgpack,
                             THING)
    r = inproc.stub.ImportResourceState(pb.ImportResourceState.Request(type_name="tpt_thing", id=state["id"]),
                                        timeout=10)
    rpc("ImportResourceState")
    assert not r.diagnostics
    assert r.imported_resources[0].type_name == "tpt_thing"
    assert V.decode_msgpack(r.imported_resources[0].state.msgpack, THING) == state
    r = inproc.stub.ImportResourceState(pb.ImportResourceState.Request(type_name="tpt_thing", id="nope"),
                                        timeout=10)
    assert r.diagnostics[0].summary == "Cannot import" and not r.imported_resources


def test_upgrade_resource_state(inproc, monkeypatch):
    raw = json.dumps({"id": "x", "name": "n", "size": 2.5, "tags": {"a": "b"}, "removed_attr": 1,
                      "rule": [{"port": 22, "proto": "tcp"}]}).encode()
    r = inproc.stub.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name="tpt_thing", version=0, raw_state=pb.RawState(json=raw)), timeout=10)
    rpc("UpgradeResourceState")
    assert not r.diagnostics
    got = V.decode_msgpack(r.upgraded_state.msgpack, THING)
    assert got["size"] == Decimal("2.5")
    assert got["tags"] == {"a": "b"} and got["rule"] == [{"port": 22, "proto": "tcp"}] and got["zone"] is None
    # versioned upgrade 0 -> 1 (label -> title)
    monkeypatch.setattr(Versioned, "schema", Schema(version=1, attributes=[
        Attribute("id", types.String, computed=True), Attribute("title", types.String, required=True)]))
    r = inproc.stub.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name="tpt_versioned", version=0, raw_state=pb.RawState(json=b'{"id":"v","label":"L"}')), timeout=10)
    assert not r.diagnostics
    assert V.decode_msgpack(r.upgraded_state.msgpack, Versioned.schema.implied_type()) == {"id": "v", "title": "L"}
    # newer than we know
    r = inproc.stub.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name="tpt_versioned", version=5, raw_state=pb.RawState(json=b'{"id":"v"}')), timeout=10)
    assert "newer provider" in r.diagnostics[0].summary
    # legacy flatmap: primitives converted, blocks refused with a clear error
    r = inproc.stub.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name="tpt_versioned", version=1, raw_state=pb.RawState(flatmap={"id": "v", "title": "T"})), timeout=10)
    assert V.decode_msgpack(r.upgraded_state.msgpack, Versioned.schema.implied_type()) == {"id": "v", "title": "T"}
    r = inproc.stub.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name="tpt_thing", version=0, raw_state=pb.RawState(flatmap={"id": "v", "rule.#": "1"})), timeout=10)
    assert "legacy state format" in r.diagnostics[0].summary


def test_read_data_source(inproc):
    configure(inproc)
    cfg = thing(name="findme")
    state = V.decode_msgpack(apply(inproc, None, plan(inproc, None, cfg).planned_state, cfg).new_state.msgpack,
                             THING)
    typ = Lookup.schema.implied_type()
    r = inproc.stub.ReadDataSource(pb.ReadDataSource.Request(
        type_name="tpt_lookup", config=dv({"name": "findme", "id": None, "size": None}, typ)), timeout=10)
    rpc("ReadDataSource")
    assert V.decode_msgpack(r.state.msgpack, typ) == {"name": "findme", "id": state["id"], "size": 3}
    r = inproc.stub.ReadDataSource(pb.ReadDataSource.Request(
        type_name="tpt_lookup", config=dv({"name": "missing", "id": None, "size": None}, typ)), timeout=10)
    assert r.diagnostics[0].summary == "Not found" and steps(r.diagnostics[0].attribute) == ["name"]


def test_stop_provider_and_shutdown(inproc):
    r = inproc.stub.StopProvider(pb.StopProvider.Request(), timeout=10)
    rpc("StopProvider")
    assert r.Error == "" and inproc.service.stopped.is_set()
    inproc.controller.Shutdown(goplugin_pb2.Empty(), timeout=10)
    assert inproc.shutdown.wait(60)  # called just after the answer is on the wire


def test_health_stdio_broker_and_unknown_method(inproc):
    assert inproc.health.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=10).status == 1
    stream = goplugin_pb2_grpc.GRPCStdioStub(inproc.channel).StreamStdio(goplugin_pb2.Empty(), timeout=0.5)
    with pytest.raises(grpc.RpcError) as e:
        list(stream)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # open and idle, as expected
    call = inproc.channel.unary_unary("/tfplugin6.Provider/NoSuchRpc")
    with pytest.raises(grpc.RpcError) as e:
        call(b"", timeout=10)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_concurrent_calls_and_large_messages(inproc):
    configure(inproc)
    from concurrent.futures import ThreadPoolExecutor
    big = "x" * 300_000
    cfg = thing(name=big, tags={str(i): "v" * 100 for i in range(500)})

    def one(_):
        r = plan(inproc, None, cfg)
        return V.decode_msgpack(r.planned_state.msgpack, THING)["name"] == big

    with ThreadPoolExecutor(8) as ex:
        assert all(ex.map(one, range(16)))


def test_mtls_with_client_certificate(store):
    """TLS as Terraform uses it: our fresh cert pinned by the client, the client's cert pinned by us."""
    import ssl

    import tfplugin_certs as certs
    from tfplugin._proto import tfplugin6_pb2_grpc
    from tfplugin_inprocess import InProcess
    client_pem, client_key = certs.client_cert()
    other_pem, other_key = certs.client_cert()
    srv = InProcess(TptProvider, tls=True, client_cert=client_pem.decode())
    try:
        server_pem = ssl.DER_cert_to_PEM_cert(srv.cert_der).encode()
        opts = [("grpc.ssl_target_name_override", "localhost")]
        ch = grpc.secure_channel("unix:" + srv.path, grpc.ssl_channel_credentials(
            root_certificates=server_pem, private_key=client_key, certificate_chain=client_pem), options=opts)
        r = tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10)
        assert r.resources
        ch.close()
        # a different client certificate is refused
        ch = grpc.secure_channel("unix:" + srv.path, grpc.ssl_channel_credentials(
            root_certificates=server_pem, private_key=other_key, certificate_chain=other_pem), options=opts)
        with pytest.raises(grpc.RpcError):
            tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=5)
        ch.close()
    finally:
        srv.close()


def test_every_rpc_is_covered():
    names = {m.name for m in pb.DESCRIPTOR.services_by_name["Provider"].methods}
    assert names == COVERED, f"untested RPCs: {sorted(names - COVERED)}"


def test_failures_in_any_hook_are_diagnostics(store):
    from tfplugin import DataSource, Provider, Resource
    from tfplugin_inprocess import InProcess

    class Boom(Resource):
        type_name = "b_thing"
        schema = Schema(attributes=[Attribute("id", types.String, computed=True),
                                    Attribute("v", types.String, optional=True)])

        def validate(self, config, diags):
            raise ValueError("bad validate")

        def modify_plan(self, req, diags):
            import sys
            sys.exit(3)

        def create(self, planned, config, diags):
            return {"id": 5}  # wrong type

        def update(self, prior, planned, config, diags):
            return {"id": "x", "nope": 1}  # unknown attribute

    class DS(DataSource):
        type_name = "b_ds"
        schema = Schema(attributes=[Attribute("id", types.String, computed=True)])

        def read(self, config, diags):
            return {"id": UNKNOWN}

    class P(Provider):
        type_name = "b"
        resources = [Boom]
        data_sources = [DS]

    srv = InProcess(P)
    try:
        typ = Boom.schema.implied_type()
        r = srv.stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(
            type_name="b_thing", config=dv({"id": None, "v": None}, typ)), timeout=10)
        assert r.diagnostics[0].summary == "b_thing: validate failed: bad validate"
        r = srv.stub.PlanResourceChange(pb.PlanResourceChange.Request(
            type_name="b_thing", prior_state=dv(None, typ), proposed_new_state=dv({"id": None, "v": "a"}, typ),
            config=dv({"id": None, "v": "a"}, typ)), timeout=10)
        assert r.diagnostics[0].summary == "b_thing: plan failed: 3"
        r = srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
            type_name="b_thing", prior_state=dv(None, typ), planned_state=dv({"id": UNKNOWN, "v": "a"}, typ),
            config=dv({"id": None, "v": "a"}, typ)), timeout=10)
        assert r.diagnostics[0].summary.startswith("b_thing: create: invalid value for id")
        r = srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
            type_name="b_thing", prior_state=dv({"id": "x", "v": "a"}, typ),
            planned_state=dv({"id": "x", "v": "b"}, typ), config=dv({"id": None, "v": "b"}, typ)), timeout=10)
        assert r.diagnostics[0].summary == "b_thing: update returned an unknown attribute 'nope'"
        r = srv.stub.ReadDataSource(pb.ReadDataSource.Request(
            type_name="b_ds", config=dv({"id": None}, DS.schema.implied_type())), timeout=10)
        assert r.diagnostics[0].summary == "b_ds: read left id unknown"
        r = srv.stub.ReadResource(pb.ReadResource.Request(type_name="nope", current_state=dv(None, typ)),
                                  timeout=10)
        assert r.diagnostics[0].summary == "Unknown resource type"
    finally:
        srv.close()


def test_a_failing_provider_factory_is_a_diagnostic(store):
    from tfplugin_inprocess import InProcess

    def factory():
        raise RuntimeError("cannot build")

    srv = InProcess(factory)
    try:
        r = srv.stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=10)
        assert r.diagnostics[0].summary == "GetProviderSchema failed: cannot build"
    finally:
        srv.close()
