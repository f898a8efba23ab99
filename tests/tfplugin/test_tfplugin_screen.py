"""Screening (tfplugin.set_scrubber's `contains`): no value the layer hands Terraform holds a secret the provider
knows. A value from the remote system becomes the marker with a warning naming where; one taken from the
configuration is an error without an attribute path; write-only and sensitive values reach the provider before
its code does; an apply result that is not what the plan said is an error naming what differs."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tfplugin import (
    UNKNOWN,
    Attribute,
    DataSource,
    Imported,
    NestedAttributes,
    Provider,
    Resource,
    Schema,
    differences_from_plan,
    set_scrubber,
    types,
    values as V,
)
from tfplugin._rpc import ProviderService
from tfplugin.diagnostics import ERROR, WARNING

SECRET = "canary-secret-4f1d9b"
MARKER = "(withheld: held a secret)"
REMOTE = {"name": f"ACME {SECRET.upper()}", "tags": {SECRET: "a", "team": f"x-{SECRET}"}, "zones": [SECRET, "eu"],
          "size": 3}


class Remote(Resource):
    """What `remote` holds comes back on read and apply; `seen` records the configurations its code saw."""

    type_name = "s_thing"
    schema = Schema(attributes=[
        Attribute("id", types.String, computed=True),
        Attribute("label", types.String, optional=True),
        Attribute("token_wo", types.String, optional=True, write_only=True),
        Attribute("name", types.String, computed=True),
        Attribute("tags", types.Map(types.String), computed=True),
        Attribute("zones", types.Set(types.String), computed=True),
        Attribute("size", types.Number, optional=True, computed=True),
        Attribute("rules", NestedAttributes([Attribute("note", types.String, optional=True),
                                             Attribute("key_wo", types.String, optional=True, write_only=True)],
                                            nesting="list"), optional=True),
    ])

    def validate(self, config, diags):
        self.provider.learned_before_code.append(list(self.provider.learned))

    def read(self, state, diags):
        return dict(self.provider.remote)

    def create(self, planned, config, diags):
        self.provider.learned_before_code.append(list(self.provider.learned))
        return {"id": "t1", **self.provider.remote}

    def update(self, prior, planned, config, diags):
        return dict(self.provider.remote)

    def import_state(self, id, diags):
        return Imported({"id": id}, {"note": f"seen {SECRET}"})


class Lookup(DataSource):
    type_name = "s_lookup"
    schema = Schema(attributes=[Attribute("query", types.String, required=True),
                                Attribute("found", types.String, computed=True)])

    def read(self, config, diags):
        return {"found": f"it is {SECRET}"}


class Screening(Provider):
    type_name = "s"
    schema = Schema(attributes=[Attribute("api_key", types.String, optional=True, sensitive=True)])
    resources = [Remote]
    data_sources = [Lookup]

    def __init__(self):
        self.remote = dict(REMOTE)
        self.learned: list[str] = []
        self.learned_before_code: list = []

    def learn_secrets(self, values):
        self.learned += values


TYP = Remote.schema.implied_type()
LOOKUP = Lookup.schema.implied_type()
CONFIG = {"id": None, "label": "plain", "token_wo": None, "name": None, "tags": None, "zones": None, "size": None,
          "rules": None}


@pytest.fixture
def service():
    set_scrubber(lambda text: text.replace(SECRET, "***"), contains=lambda text: SECRET in text.lower(),
                 marker=MARKER)
    yield ProviderService(Screening, "s")
    set_scrubber(None)


def dv(value, typ=TYP):
    return {"msgpack": V.encode_msgpack(value, typ)}


def value(answer_dv, typ=TYP):
    return V.decode_msgpack(answer_dv["msgpack"], typ)


def texts(answer) -> str:
    return json.dumps([{k: d.get(k) for k in ("summary", "detail")} for d in answer["diagnostics"]])


def state(**kw):
    return {**CONFIG, "id": "t1", "name": "ACME", "tags": {}, "zones": [], "size": 3, **kw}


def test_a_read_value_holding_a_secret_becomes_the_marker_with_one_warning_per_attribute(service):
    answer = service.ReadResource({"type_name": "s_thing", "current_state": dv(state())})
    new = value(answer["new_state"])
    assert new["name"] == MARKER and new["size"] == 3
    assert new["tags"] == {MARKER: "a", "team": MARKER}  # a map key too
    assert sorted(new["zones"]) == sorted([MARKER, "eu"])
    summaries = [d["summary"] for d in answer["diagnostics"]]
    assert summaries == ["s_thing: name withheld: it held a secret",
                         "s_thing: tags (a key) withheld: it held a secret",
                         's_thing: tags["team"] withheld: it held a secret',
                         "s_thing: zones withheld: it held a secret"]
    assert all(d["severity"] == WARNING and "attribute" not in d for d in answer["diagnostics"])  # warnings, no path
    assert SECRET not in texts(answer).lower() and MARKER in answer["diagnostics"][0]["detail"]


def test_without_a_finder_values_pass_unchanged(service):
    set_scrubber(None)
    answer = service.ReadResource({"type_name": "s_thing", "current_state": dv(state())})
    assert value(answer["new_state"])["name"] == REMOTE["name"] and not answer["diagnostics"]


def test_a_configured_value_holding_a_secret_is_an_error_without_an_attribute_path(service):
    config = {**CONFIG, "label": f"label {SECRET}"}
    answer = service.PlanResourceChange({"type_name": "s_thing", "prior_state": dv(None),
                                         "proposed_new_state": dv(config), "config": dv(config)})
    (error,) = answer["diagnostics"]
    assert error["severity"] == ERROR and "attribute" not in error  # a path would make Terraform quote the line
    assert error["summary"] == "s_thing: label holds a secret"
    assert "write-only attributes, fed by TF_VAR_ variables" in error["detail"]
    assert SECRET not in texts(answer) and value(answer["planned_state"])["label"] == MARKER


def test_a_computed_value_the_provider_plans_is_withheld_but_a_prior_one_stays_when_clean(service):
    prior = state(name=f"old {SECRET}")  # state written before screening existed (-refresh=false)
    proposed = {**prior, "label": "plain"}
    answer = service.PlanResourceChange({"type_name": "s_thing", "prior_state": dv(prior),
                                         "proposed_new_state": dv(proposed), "config": dv(CONFIG)})
    planned = value(answer["planned_state"])
    assert planned["name"] == MARKER and planned["label"] == "plain"
    assert [d["summary"] for d in answer["diagnostics"]] == ["s_thing: name withheld: it held a secret"]


def test_apply_withholds_what_was_unknown_and_refuses_a_result_other_than_the_plan(service):
    planned = {**CONFIG, "id": UNKNOWN, "name": UNKNOWN, "tags": UNKNOWN, "zones": UNKNOWN, "size": UNKNOWN}
    answer = service.ApplyResourceChange({"type_name": "s_thing", "prior_state": dv(None), "planned_state": dv(planned),
                                          "config": dv(CONFIG)})
    new = value(answer["new_state"])
    assert new["name"] == MARKER and new["id"] == "t1"
    assert {d["severity"] for d in answer["diagnostics"]} == {WARNING}  # warnings only: conforms to the plan

    known = {**state(), "label": "plain"}  # the plan said name = "ACME": the marker is not that
    answer = service.ApplyResourceChange({"type_name": "s_thing", "prior_state": dv(known), "planned_state": dv(known),
                                          "config": dv(CONFIG)})
    errors = [d for d in answer["diagnostics"] if d["severity"] == ERROR]
    assert [e["summary"] for e in errors] == ["s_thing: the update did not give what the plan said"]
    assert errors[0]["detail"].startswith("After the update, s_thing differs from the plan in name, tags, zones.")
    assert value(answer["new_state"])["name"] == MARKER  # state never holds the secret


def test_a_clean_result_other_than_the_plan_is_an_error_too(service):
    service.provider.remote = {"name": "ACME", "tags": {}, "zones": [], "size": 4}
    known = {**state(), "label": "plain"}
    answer = service.ApplyResourceChange({"type_name": "s_thing", "prior_state": dv(known), "planned_state": dv(known),
                                          "config": dv(CONFIG)})
    (error,) = answer["diagnostics"]
    assert "After the update, s_thing differs from the plan in size." in error["detail"]


def test_import_refuses_an_id_holding_a_secret_and_screens_private_data(service):
    answer = service.ImportResourceState({"type_name": "s_thing", "id": f"id-{SECRET}"})
    (error,) = answer["diagnostics"]
    assert error["summary"] == "s_thing: the import ID holds a secret" and "imported_resources" not in answer

    answer = service.ImportResourceState({"type_name": "s_thing", "id": "t1"})
    (imported,) = answer["imported_resources"]
    assert SECRET not in imported["private"].decode()
    assert json.loads(imported["private"]) == {"resource": {"note": MARKER}}
    summaries = [d["summary"] for d in answer["diagnostics"]]
    assert 's_thing: (private data)["resource"]["note"] withheld: it held a secret' in summaries


def test_private_state_of_another_format_holding_a_secret_is_dropped(service):
    answer = service.ReadResource({"type_name": "s_thing", "current_state": dv(state()),
                                   "private": f"v1:{SECRET}".encode()})
    assert answer["private"] == b""


def test_a_data_source_withholds_what_it_read_and_refuses_a_configured_secret(service):
    answer = service.ReadDataSource({"type_name": "s_lookup", "config": dv({"query": "q", "found": None}, LOOKUP)})
    assert value(answer["state"], LOOKUP) == {"query": "q", "found": MARKER}
    answer = service.ReadDataSource({"type_name": "s_lookup",
                                     "config": dv({"query": SECRET, "found": None}, LOOKUP)})
    assert [d["summary"] for d in answer["diagnostics"] if d["severity"] == ERROR] == ["s_lookup: query holds a secret"]


def test_write_only_and_sensitive_values_reach_the_provider_before_its_code(service):
    provider = service.provider
    config = {**CONFIG, "token_wo": "tok-123456", "rules": [{"note": "n", "key_wo": "key-abcdef"}]}
    service.ValidateResourceConfig({"type_name": "s_thing", "config": dv(config),
                                    "client_capabilities": {"write_only_attributes_allowed": True}})
    assert provider.learned_before_code == [["key-abcdef", "tok-123456"]]
    service.ValidateProviderConfig({"config": dv({"api_key": "key-from-the-block"}, Screening.schema.implied_type())})
    assert provider.learned[-1] == "key-from-the-block"
    planned = {**config, "token_wo": None, "rules": [{"note": "n", "key_wo": None}], "id": UNKNOWN, "name": UNKNOWN,
               "tags": UNKNOWN, "zones": UNKNOWN, "size": UNKNOWN}
    provider.learned.clear()
    service.ApplyResourceChange({"type_name": "s_thing", "prior_state": dv(None), "planned_state": dv(planned),
                                 "config": dv(config)})
    assert provider.learned_before_code[-1] == ["key-abcdef", "tok-123456"]


def test_a_value_equal_to_a_write_only_one_is_not_taken_from_the_configuration(service):
    """Write-only values never come back, so the remote system echoing one is withheld with a warning."""
    service.provider.remote = {**REMOTE, "name": "tok-" + SECRET}
    config = {**CONFIG, "token_wo": "tok-" + SECRET}
    planned = {**CONFIG, "id": UNKNOWN, "name": UNKNOWN, "tags": UNKNOWN, "zones": UNKNOWN, "size": UNKNOWN}
    answer = service.ApplyResourceChange({"type_name": "s_thing", "prior_state": dv(None), "planned_state": dv(planned),
                                          "config": dv(config)})
    assert {d["severity"] for d in answer["diagnostics"]} == {WARNING}


def test_differences_from_plan_follow_terraforms_rule():
    typ = types.Object({"a": types.String, "n": types.Number, "s": types.Set(types.String),
                        "m": types.Map(types.Number), "l": types.List(types.String)})
    planned = {"a": UNKNOWN, "n": Decimal("24"), "s": ["x", "y"], "m": {"k": 1}, "l": ["p", UNKNOWN]}
    same = {"a": "any", "n": 24, "s": ["y", "x"], "m": {"k": 1.0}, "l": ["p", "q"]}
    assert differences_from_plan(typ, planned, same) == []
    assert differences_from_plan(typ, planned, {"a": None, "n": 25, "s": ["x"], "m": {"j": 1}, "l": ["r", "q"]}) == [
        "n", "s", "m", "l[0]"]
    assert differences_from_plan(typ, {**planned, "s": ["x", UNKNOWN]}, {**planned, "a": "v", "s": ["z"]}) == []


def test_state_stored_before_screening_is_screened_when_terraform_upgrades_it(service):
    stored = json.dumps({**state(), "name": f"stored {SECRET}"}).encode()
    answer = service.UpgradeResourceState({"type_name": "s_thing", "version": 0, "raw_state": {"json": stored}})
    assert value(answer["upgraded_state"])["name"] == MARKER
    assert [d["summary"] for d in answer["diagnostics"]] == ["s_thing: name withheld: it held a secret"]
