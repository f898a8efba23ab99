"""A resource's own private data: set by import (`Imported`), seen and edited by plans (`PlanRequest.private`),
carried by Terraform through read and apply beside the layer's origin, and dropped when a plan empties it."""
from __future__ import annotations

import json

import pytest

from tfplugin import Attribute, Imported, Provider, Resource, Schema, types, values as V
from tfplugin._proto import tfplugin6_pb2 as pb
from tfplugin_inprocess import InProcess


class Adoptable(Resource):
    """Import marks the instance as adopted; a plan that changes `v` clears the mark. Plans record what
    they saw, so a test can tell what reached resource code."""

    type_name = "p_thing"
    schema = Schema(attributes=[Attribute("id", types.String, computed=True),
                                Attribute("v", types.String, optional=True)])

    def read(self, state, diags):
        return {}

    def modify_plan(self, req, diags):
        self.provider.seen.append(dict(req.private))
        if req.prior is not None and req.planned.get("v") != req.prior.get("v"):
            req.private.pop("adopted", None)

    def update(self, prior, planned, config, diags):
        return {}

    def import_state(self, id, diags):
        return Imported({"id": id}, {"adopted": True})


class Holder(Provider):
    type_name = "p"
    resources = [Adoptable]

    def __init__(self):
        self.seen: list = []

    def origin(self):
        return "https://a.example"


TYP = Adoptable.schema.implied_type()


def dv(value):
    return pb.DynamicValue(msgpack=V.encode_msgpack(value, TYP))


@pytest.fixture
def srv():
    s = InProcess(Holder)
    r = s.stub.ConfigureProvider(pb.ConfigureProvider.Request(terraform_version="1.11.4",
                                                              config=pb.DynamicValue(msgpack=b"\x80")), timeout=10)
    assert not r.diagnostics
    yield s
    s.close()


def plan(srv, prior, v, priv):
    config = {"id": None, "v": v}
    return srv.stub.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name="p_thing", prior_state=dv(prior), proposed_new_state=dv(dict(config, id=prior["id"])),
        config=dv(config), prior_private=priv), timeout=10)


def test_import_sets_private_data_that_plans_see_and_apply_and_read_keep(srv):
    r = srv.stub.ImportResourceState(pb.ImportResourceState.Request(type_name="p_thing", id="x1"), timeout=10)
    assert not r.diagnostics
    imported = r.imported_resources[0].private
    assert json.loads(imported) == {"origin": "https://a.example", "resource": {"adopted": True}}
    state = {"id": "x1", "v": None}
    r = srv.stub.ReadResource(pb.ReadResource.Request(type_name="p_thing", current_state=dv(state),
                                                      private=imported), timeout=10)
    assert json.loads(r.private)["resource"] == {"adopted": True}
    r = plan(srv, state, None, r.private)
    assert srv.service.provider.seen == [{"adopted": True}]
    assert json.loads(r.planned_private)["resource"] == {"adopted": True}  # unchanged plan: the mark stays


def test_a_plan_that_clears_the_data_drops_it_and_apply_keeps_what_the_plan_left(srv):
    state = {"id": "x1", "v": "a"}
    priv = json.dumps({"origin": "https://a.example", "resource": {"adopted": True}}).encode()
    r = plan(srv, state, "b", priv)
    assert json.loads(r.planned_private) == {"origin": "https://a.example"}
    r = srv.stub.ApplyResourceChange(pb.ApplyResourceChange.Request(
        type_name="p_thing", prior_state=dv(state), planned_state=r.planned_state, config=dv({"id": None, "v": "b"}),
        planned_private=r.planned_private), timeout=10)
    assert not r.diagnostics and json.loads(r.private) == {"origin": "https://a.example"}


def test_plain_import_and_foreign_private_bytes_give_plans_empty_data(srv):
    r = plan(srv, {"id": "x1", "v": "a"}, "a", b"\x00opaque bytes of another format")
    assert srv.service.provider.seen == [{}]
    assert r.planned_private == b"\x00opaque bytes of another format"  # not the layer's JSON: left alone
