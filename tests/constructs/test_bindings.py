"""The L1 bindings: generated from the provider's schema, not stale, and synthesizing complete JSON and HCL."""

from __future__ import annotations

import inspect
import json
import types as pytypes
from pathlib import Path

import pytest

from codat_constructs._cdk import cdk
from codat_constructs.bindings import (
    DATA_SOURCES,
    RESOURCES,
    CodatIntegration,
    CodatProfile,
    CodatProvider,
    CodatWebhook,
    DataCodatConnectionUsage,
    DataCodatIntegration,
    DataCodatIntegrations,
)
from codat_constructs.bindings._base import AttributeTable, BlockSpec
from scripts import generate_bindings as generator

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "codat_constructs" / "bindings"


def _schema_provider():
    from codat_provider.provider import CodatProvider as SchemaProvider

    return SchemaProvider


# Generated from the schema, and current ---------------------------------------------------------------


def test_the_committed_bindings_are_what_the_generator_writes(tmp_path):
    files = generator.generate()
    generator.write(tmp_path, files)
    stale = [name for name in files if (tmp_path / name).read_text() != (COMMITTED / name).read_text()]
    assert not stale, f"stale bindings {stale}: run `.venv/bin/python scripts/generate_bindings.py` and commit"
    leftovers = [
        path.name for path in COMMITTED.glob("*.py")
        if path.name not in files and path.name not in generator.HANDWRITTEN
    ]
    assert not leftovers, f"bindings for blocks the schema no longer has: {leftovers}"
    assert generator.main(["--check"]) == 0


def test_the_check_names_a_stale_file(tmp_path, capsys):
    files = generator.generate()
    generator.write(tmp_path, files)
    (tmp_path / "webhook.py").write_text((tmp_path / "webhook.py").read_text() + "# edited by hand\n")
    (tmp_path / "gone.py").write_text(generator.HEADER + "# a block the schema dropped\n")
    assert generator.main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "webhook.py" in err and "gone.py (no longer in the schema)" in err
    generator.write(tmp_path, files)
    assert not (tmp_path / "gone.py").exists() and generator.stale(tmp_path, files) == []


def _attributes(schema):
    return {a.name: a for a in schema.attributes}


@pytest.mark.parametrize("kind", ["resource", "data"])
def test_one_class_per_block_with_every_attribute(kind):
    provider = _schema_provider()
    blocks = provider.resources if kind == "resource" else provider.data_sources
    table = RESOURCES if kind == "resource" else DATA_SOURCES
    assert sorted(table) == sorted(b.type_name for b in blocks)
    base = cdk.TerraformResource if kind == "resource" else cdk.TerraformDataSource
    for block in blocks:
        cls = table[block.type_name]
        assert issubclass(cls, base) and cls.TF_TYPE == block.type_name
        params = inspect.signature(cls.__init__).parameters
        attributes = _attributes(block.schema)
        configurable = [a for a in block.schema.attributes if a.required or a.optional]
        keywords = [p for p in params.values() if p.kind is p.KEYWORD_ONLY]
        names = [p.name for p in keywords]
        assert names[: len(configurable)] == sorted(
            (a.name for a in configurable), key=lambda n: (not attributes[n].required, names.index(n))
        )
        for p in keywords[: len(configurable)]:
            assert (p.default is inspect.Parameter.empty) is attributes[p.name].required, p.name
        assert names[len(configurable):] == ["provider", "depends_on", "count", "for_each", "lifecycle"]
        for a in block.schema.attributes:
            assert isinstance(getattr(cls, a.name, None), property) is (not a.write_only), (block.type_name, a.name)
            if a.description:
                words = " ".join(a.description.split()[:6])
                assert words in " ".join(cls.__doc__.split()), (block.type_name, a.name)


def test_the_provider_block():
    params = inspect.signature(CodatProvider.__init__).parameters
    expected = [a.name for a in _schema_provider().schema.attributes] + ["alias"]
    assert [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY] == expected
    assert "CODAT_API_KEY" in CodatProvider.__doc__


def test_the_existing_names_still_work():
    import codat_constructs

    assert codat_constructs.CodatProvider is CodatProvider
    assert codat_constructs.CodatIntegration is CodatIntegration


# cdktf Testing assertions on what the bindings synthesize ---------------------------------------------


def test_webhook_and_profile(stack):
    CodatProvider(stack, "codat", base_url="https://api.codat.io")
    CodatWebhook(stack, "hook", url="https://acme.example/hooks", event_types=["DataSyncCompleted"],
                 company_tags=["region:eu"], disabled=False)
    CodatProfile(stack, "profile", name="Acme", redirect_url="https://acme.example/{companyId}",
                 white_list_urls=["https://acme.example"])
    synthesized = cdk.Testing.synth(stack)
    assert cdk.Testing.to_have_provider_with_properties(synthesized, "codat", {"base_url": "https://api.codat.io"})
    assert cdk.Testing.to_have_resource_with_properties(
        synthesized, "codat_webhook",
        {"url": "https://acme.example/hooks", "event_types": ["DataSyncCompleted"], "company_tags": ["region:eu"],
         "disabled": False},
    )
    assert cdk.Testing.to_have_resource_with_properties(
        synthesized, "codat_profile",
        {"name": "Acme", "redirect_url": "https://acme.example/{companyId}", "white_list_urls": ["https://acme.example"]},
    )
    profile = json.loads(synthesized)["resource"]["codat_profile"]["profile"]
    assert "logo_url" not in profile and "icon_url" not in profile  # unset stays unset (Codat keeps its value)


def test_data_sources_and_their_references(stack):
    CodatProvider(stack, "codat")
    usage = DataCodatConnectionUsage(stack, "usage", platform_key="gbol")
    xero = DataCodatIntegration(stack, "xero", platform_key="gbol")
    accounting = DataCodatIntegrations(stack, "accounting", source_type="Accounting", enabled=True)
    for name, value in [("linked", usage.linked), ("pending", usage.pending), ("total", usage.total),
                        ("xero_name", xero.name), ("xero_enabled", xero.enabled), ("all", accounting.integrations)]:
        cdk.TerraformOutput(stack, name, value=value)
    synthesized = cdk.Testing.synth(stack)
    assert cdk.Testing.to_have_data_source_with_properties(synthesized, "codat_connection_usage",
                                                           {"platform_key": "gbol"})
    assert cdk.Testing.to_have_data_source_with_properties(
        synthesized, "codat_integrations", {"source_type": "Accounting", "enabled": True}
    )
    outputs = {name: body["value"] for name, body in json.loads(synthesized)["output"].items()}
    assert outputs == {
        "linked": "${data.codat_connection_usage.usage.linked}",
        "pending": "${data.codat_connection_usage.usage.pending}",
        "total": "${data.codat_connection_usage.usage.total}",
        "xero_name": "${data.codat_integration.xero.name}",
        "xero_enabled": "${data.codat_integration.xero.enabled}",
        "all": "${data.codat_integrations.accounting.integrations}",
    }


def test_meta_arguments(stack):
    default = CodatProvider(stack, "codat")
    other = CodatProvider(stack, "other", base_url="http://127.0.0.1:1", alias="second")
    first = CodatWebhook(stack, "first", url="https://acme.example/a", provider=other)
    CodatWebhook(
        stack, "second", url="https://acme.example/b", depends_on=[first], count=2,
        lifecycle=cdk.TerraformResourceLifecycle(prevent_destroy=True, ignore_changes=["disabled"]),
        provider=default,
    )
    resources = json.loads(cdk.Testing.synth(stack))["resource"]["codat_webhook"]
    assert resources["first"]["provider"] == "codat.second"
    assert resources["second"]["depends_on"] == ["codat_webhook.first"]
    assert resources["second"]["count"] == 2
    assert resources["second"]["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["disabled"]}


def test_an_unknown_attribute_is_a_type_error(fresh_app):
    with pytest.raises(TypeError, match="unknown attributes"):
        AttributeTable({"url": "string"}, {"uri": "x"})
    with pytest.raises(TypeError):
        CodatWebhook(cdk.TerraformStack(fresh_app, "t"), "w", uri="https://acme.example")  # type: ignore[call-arg]


# HCL: every attribute carries its storage class; lifecycle conditions are blocks -----------------------


def _hcl_body(element, kind: str, type_name: str) -> dict:
    (body,) = element.to_hcl_terraform()[kind][type_name].values()
    return body


def test_hcl_storage_classes(stack):
    hook = CodatWebhook(stack, "hook", url="https://acme.example/h", event_types=["A", "B"], disabled=True)
    body = _hcl_body(hook, "resource", "codat_webhook")
    assert body["url"] == {"value": "https://acme.example/h", "isBlock": False, "type": "simple",
                           "storageClassType": "string"}
    assert body["event_types"] == {"value": ["A", "B"], "isBlock": False, "type": "list",
                                   "storageClassType": "stringList"}
    assert body["disabled"]["storageClassType"] == "boolean" and "company_tags" not in body
    integration = CodatIntegration(stack, "i", platform_key="gbol", client_secret_wo_version=2)
    integration_body = _hcl_body(integration, "resource", "codat_integration")
    assert integration_body["client_secret_wo_version"]["storageClassType"] == "number"


def test_hcl_lifecycle_conditions_are_blocks(stack):
    usage = DataCodatConnectionUsage(
        stack, "usage", platform_key="gbol",
        lifecycle=cdk.TerraformResourceLifecycle(
            postcondition=[cdk.Postcondition(condition="${self.total >= 0}", error_message="negative")]
        ),
    )
    integration = CodatIntegration(
        stack, "i", platform_key="gbol",
        lifecycle=cdk.TerraformResourceLifecycle(
            precondition=[cdk.Precondition(condition=cdk.Op.lte(usage.linked, 5), error_message="too many")],
            ignore_changes=["enabled"],
        ),
    )
    lifecycle = _hcl_body(integration, "resource", "codat_integration")["lifecycle"]
    assert lifecycle["isBlock"] is True
    precondition = lifecycle["value"]["precondition"]
    assert precondition["isBlock"] is True and precondition["type"] == "list"
    assert precondition["value"][0]["error_message"]["value"] == "too many"
    assert lifecycle["value"]["ignore_changes"] == {"value": "[enabled]", "type": "reference"}
    data_lifecycle = _hcl_body(usage, "data", "codat_connection_usage")["lifecycle"]
    assert data_lifecycle["value"]["postcondition"]["isBlock"] is True


def test_attribute_table_renders_every_storage_class():
    spec = {"s": "string", "n": "number", "b": "boolean", "sl": "stringList", "ns": "numberSet", "sm": "stringMap",
            "bm": "booleanMap", "a": "any", "rule": BlockSpec("list", {"port": "number", "tags": "stringList"})}
    values = {"s": "x", "n": 1, "b": True, "sl": ["a"], "ns": [1, 2], "sm": {"k": "v"}, "bm": {"k": False},
              "a": {"x": 1, "y": None}, "rule": [{"port": 443, "tags": ["t"]}, {"port": 80, "tags": None}]}
    table = AttributeTable(spec, values)
    assert table.json()["rule"] == [{"port": 443, "tags": ["t"]}, {"port": 80}]
    hcl = table.hcl()
    assert {k: (v["type"], v["storageClassType"]) for k, v in hcl.items()} == {
        "s": ("simple", "string"), "n": ("simple", "number"), "b": ("simple", "boolean"),
        "sl": ("list", "stringList"), "ns": ("set", "numberList"), "sm": ("map", "stringMap"),
        "bm": ("map", "booleanMap"), "a": ("any", "any"), "rule": ("list", "blockList"),
    }
    assert hcl["a"]["value"] == {"x": 1}  # cdktf's HCL renderer cannot print a nested null
    assert hcl["rule"]["isBlock"] is True
    assert hcl["rule"]["value"][0]["tags"]["storageClassType"] == "stringList"


# The generator on a schema with every kind of attribute ----------------------------------------------


def _fake_provider():
    from tfplugin import Attribute, Block, DataSource, NestedAttributes, Provider, Resource, Schema, types

    class Thing(Resource):
        type_name = "fake_thing"
        schema = Schema(
            description='A thing. It ends with a "quote"',
            attributes=[
                Attribute("id", types.String, computed=True, description="The id."),
                Attribute("size", types.Number, optional=True, description="How big."),
                Attribute("name", types.String, required=True, requires_replace=True, description="The name."),
                Attribute("on", types.Bool, optional=True, computed=True, default=True, description="Switched on."),
                Attribute("tags", types.Set(types.String), optional=True, description="Tags."),
                Attribute("weights", types.List(types.Number), optional=True, description="Weights."),
                Attribute("labels", types.Map(types.String), optional=True, description="Labels."),
                Attribute("flags", types.Map(types.Bool), optional=True, description="Flags."),
                Attribute("shape", types.Object({"w": types.Number}), optional=True, description="Shape."),
                Attribute("parts", NestedAttributes([Attribute("n", types.String, optional=True)], nesting="list"),
                          optional=True, description="Parts."),
                Attribute("token_wo", types.String, optional=True, write_only=True, sensitive=True,
                          description="Token."),
                Attribute("node", types.Number, optional=True, description="Clashes with Construct.node."),
                Attribute("lambda", types.String, optional=True, description="A Python keyword."),
                Attribute("names", types.List(types.String), computed=True, description="Computed names."),
            ],
            blocks=[Block("rule", Schema(attributes=[Attribute("port", types.Number, required=True)]), nesting="list")],
        )

    class Look(DataSource):
        type_name = "fake_look"
        schema = Schema(attributes=[Attribute("key", types.String, required=True),
                                    Attribute("found", types.Bool, computed=True)])

    class Fake(Provider):
        type_name = "fake"
        schema = Schema(description="Fake.", attributes=[Attribute("endpoint", types.String, optional=True)])
        resources = [Thing]
        data_sources = [Look]

    return Fake


def _load(source: str, name: str):
    module = pytypes.ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)  # noqa: S102 (our own generated code)
    return module


def test_the_generator_handles_every_kind_of_attribute(stack):
    blocks = {b.type_name: b for b in generator.collect(_fake_provider())}
    assert [b.module for b in blocks.values()] == ["provider", "thing", "data_look"]
    thing = _load(generator.render_module(blocks["fake_thing"], "1.2.3", "example.com/x/fake"), "thing")
    look = _load(generator.render_module(blocks["fake_look"], "1.2.3", "example.com/x/fake"), "look")
    provider = _load(generator.render_module(blocks["fake"], "1.2.3", "example.com/x/fake"), "provider")
    assert thing.ATTRIBUTES == {
        "name": "string", "size": "number", "on": "boolean", "tags": "stringSet", "weights": "numberList",
        "labels": "stringMap", "flags": "booleanMap", "shape": "any", "parts": "any", "token_wo": "string",
        "node": "number", "lambda": "string", "rule": BlockSpec("list", {"port": "number"}),
    }
    params = [p for p in inspect.signature(thing.FakeThing.__init__).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert params[0].name == "name" and params[0].default is inspect.Parameter.empty
    assert {"node_attribute", "lambda_", "token_wo", "rule"} <= {p.name for p in params}
    assert not hasattr(thing.FakeThing, "token_wo") and isinstance(thing.FakeThing.names, property)
    assert thing.FakeThing.__doc__.rstrip().endswith("Computed names.")

    provider.FakeProvider(stack, "fake", endpoint="https://fake.example")
    made = thing.FakeThing(
        stack, "t", name="n", size=2, on=False, tags=["a"], weights=[1.5], labels={"k": "v"}, flags={"f": True},
        shape={"w": 3}, parts=[{"n": "x"}], token_wo="secret-ref", node_attribute=7, lambda_="l",
        rule=[{"port": 443}, {"port": 80}],
    )
    found = look.DataFakeLook(stack, "l", key="k")
    cdk.TerraformOutput(stack, "names", value=made.names)
    cdk.TerraformOutput(stack, "found", value=found.found)
    synthesized = json.loads(cdk.Testing.synth(stack))
    body = synthesized["resource"]["fake_thing"]["t"]
    assert body["node"] == 7 and body["lambda"] == "l" and body["rule"] == [{"port": 443}, {"port": 80}]
    assert body["tags"] == ["a"] and body["labels"] == {"k": "v"} and body["parts"] == [{"n": "x"}]
    assert synthesized["provider"]["fake"] == [{"endpoint": "https://fake.example"}]
    assert synthesized["terraform"]["required_providers"]["fake"] == {"source": "example.com/x/fake",
                                                                      "version": "1.2.3"}
    assert synthesized["output"]["names"]["value"] == "${fake_thing.t.names}"
    assert synthesized["output"]["found"]["value"] == "${data.fake_look.l.found}"
    hcl = _hcl_body(made, "resource", "fake_thing")
    assert hcl["rule"]["isBlock"] is True and hcl["weights"]["storageClassType"] == "numberList"


def test_hcl_provider_and_depends_on_are_references(stack):
    other = CodatProvider(stack, "other", alias="second")
    first = CodatWebhook(stack, "first", url="https://acme.example/a", provider=other)
    second = CodatWebhook(stack, "second", url="https://acme.example/b", depends_on=[first])
    assert _hcl_body(first, "resource", "codat_webhook")["provider"]["type"] == "reference"
    depends_on = _hcl_body(second, "resource", "codat_webhook")["depends_on"]
    assert depends_on["type"] == "reference"
    assert depends_on["value"].startswith("[") and depends_on["value"].endswith("]")
