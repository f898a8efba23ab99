"""Provider.origin(): each managed resource's private state records the remote system it was applied to,
and read, plan and apply stop before any resource code runs when the provider now points elsewhere."""
from __future__ import annotations

import json

import pytest

from tfplugin import Attribute, Provider, Resource, Schema, types, values as V
from tfplugin._proto import tfplugin6_pb2 as pb
from tfplugin_inprocess import InProcess

A = "https://a.example:8443/api"
B = "https://b.example/api"


class Remote(Resource):
    """Records every call into resource code, so a test can tell whether any ran."""

    type_name = "o_thing"
    schema = Schema(attributes=[Attribute("id", types.String, computed=True),
                                Attribute("v", types.String, optional=True)])

    def read(self, state, diags):
        self.provider.calls.append("read")
        return {}

    def modify_plan(self, req, diags):
        self.provider.calls.append("plan")

    def create(self, planned, config, diags):
        self.provider.calls.append("create")
        return {"id": "x1"}

    def update(self, prior, planned, config, diags):
        self.provider.calls.append("update")
        return {}

    def delete(self, prior, diags):
        self.provider.calls.append("delete")

    def import_state(self, id, diags):
        self.provider.calls.append("import")
        return {"id": id}


class Endpoints(Provider):
    type_name = "o"
    schema = Schema(attributes=[Attribute("endpoint", types.String, optional=True)])
    resources = [Remote]

    def __init__(self):
        self.endpoint = None
        self.calls: list = []

    def configure(self, config, diags):
        self.endpoint = config.get("endpoint")

    def origin(self):
        if self.endpoint == "raise":
            raise RuntimeError("no origin today")
        return self.endpoint


TYP = Remote.schema.implied_type()
OBJ = {"id": "x1", "v": "a"}


@pytest.fixture
def srv():
    s = InProcess(Endpoints)
    yield s
    s.close()


def configure(srv, endpoint):
    r = srv.stub.ConfigureProvider(pb.ConfigureProvider.Request(
        terraform_version="1.11.4", config=dv({"endpoint": endpoint}, Endpoints.schema.implied_type())), timeout=10)
    assert not r.diagnostics
    srv.service.provider.calls.clear()


def dv(value, typ=TYP):
    return pb.DynamicValue(msgpack=V.encode_msgpack(value, typ))


def private(origin, **other) -> bytes:
    return json.dumps(dict(other, origin=origin)).encode()


def read(srv, priv, state=OBJ):
    return srv.stub.ReadResource(pb.ReadResource.Request(type_name="o_thing", current_state=dv(state),
                                                         private=priv), timeout=10)


def plan(srv, prior, config, priv):
    return srv.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="o_thing", prior_state=dv(prior), proposed_new_state=dv(config and dict(config, id=OBJ["id"])),
        config=dv(config), prior_private=priv), timeout=10)


def apply(srv, prior, planned, priv):
    return srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
        type_name="o_thing", prior_state=dv(prior), planned_state=dv(planned),
        config=dv(planned and {"id": None, "v": planned["v"]}), planned_private=priv), timeout=10)


def origin_of(priv: bytes):
    return json.loads(priv)["origin"]


def test_origin_is_recorded_on_create_update_read_and_import(srv):
    configure(srv, A)
    cfg = {"id": None, "v": "a"}
    r = srv.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="o_thing", prior_state=dv(None), proposed_new_state=dv(cfg), config=dv(cfg)), timeout=10)
    assert not r.diagnostics and origin_of(r.planned_private) == A
    r = srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
        type_name="o_thing", prior_state=dv(None), planned_state=r.planned_state, config=dv(cfg),
        planned_private=r.planned_private), timeout=10)
    assert not r.diagnostics and origin_of(r.private) == A
    assert V.decode_msgpack(r.new_state.msgpack, TYP) == OBJ
    r = apply(srv, OBJ, dict(OBJ, v="b"), r.private)
    assert not r.diagnostics and origin_of(r.private) == A
    r = read(srv, private(A))
    assert not r.diagnostics and origin_of(r.private) == A
    r = srv.stub.ImportResourceState(pb.ImportResourceState.Request(type_name="o_thing", id="x9"), timeout=10)
    assert not r.diagnostics and origin_of(r.imported_resources[0].private) == A
    assert srv.service.provider.calls == ["plan", "create", "update", "read", "import", "read"]


def test_other_private_content_is_kept(srv):
    configure(srv, A)
    r = read(srv, json.dumps({"timeouts": {"create": 60}}).encode())
    assert json.loads(r.private) == {"timeouts": {"create": 60}, "origin": A}
    r = read(srv, b"\x00opaque bytes of another format")  # not the layer's JSON: left exactly as it was
    assert not r.diagnostics and r.private == b"\x00opaque bytes of another format"


def test_state_of_another_origin_stops_read_plan_and_apply_before_resource_code(srv):
    configure(srv, B)
    recorded = private(A, timeouts={"create": 60})
    calls = srv.service.provider.calls

    r = read(srv, recorded)
    assert len(r.diagnostics) == 1
    d = r.diagnostics[0]
    assert d.severity == pb.Diagnostic.ERROR
    assert A in d.summary and B in d.summary
    assert "point the provider back" in d.detail and "terraform state rm" in d.detail and "terraform import" in d.detail
    assert "another stack or state" in d.detail
    assert V.decode_msgpack(r.new_state.msgpack, TYP) == OBJ and r.private == recorded  # nothing dropped

    for config in ({"id": None, "v": "b"}, None):  # update, destroy
        r = plan(srv, OBJ, config, recorded)
        assert [A in d.summary and B in d.summary for d in r.diagnostics] == [True]
    for planned in (dict(OBJ, v="b"), None):  # update, delete
        r = apply(srv, OBJ, planned, recorded)
        assert [A in d.summary and B in d.summary for d in r.diagnostics] == [True]
        assert V.decode_msgpack(r.new_state.msgpack, TYP) == OBJ and r.private == recorded
    assert calls == []

    configure(srv, A)  # pointed back: business as usual
    assert not read(srv, recorded).diagnostics and srv.service.provider.calls == ["read"]


def test_state_without_origin_is_accepted_then_recorded(srv):
    configure(srv, B)
    r = read(srv, b"")  # state written before origins were recorded
    assert not r.diagnostics and origin_of(r.private) == B
    r = plan(srv, OBJ, {"id": None, "v": "b"}, b"")
    assert not r.diagnostics and origin_of(r.planned_private) == B
    r = apply(srv, OBJ, dict(OBJ, v="b"), b"")
    assert not r.diagnostics and origin_of(r.private) == B
    assert srv.service.provider.calls == ["read", "plan", "update"]


def test_no_origin_means_no_check(srv):
    configure(srv, None)
    r = read(srv, private(A))
    assert not r.diagnostics and r.private == private(A)
    assert srv.service.provider.calls == ["read"]


def test_a_failing_origin_hook_is_a_diagnostic_and_no_resource_code_runs(srv):
    configure(srv, "raise")
    r = read(srv, private(A))
    assert [d.summary for d in r.diagnostics] == ["test: origin failed: no origin today"]
    assert srv.service.provider.calls == []
