"""The layer's default plan (PlanResourceChange before modify_plan), and docs rendering."""
from __future__ import annotations

import pytest

from tfplugin import UNKNOWN, Attribute, Block, NestedAttributes, Schema, types
from tfplugin._messages import path_steps
from tfplugin._planning import default_plan
from tfplugin._write_only import write_only_paths_set

SCHEMA = Schema(attributes=[
    Attribute("id", types.String, computed=True),
    Attribute("name", types.String, required=True),
    Attribute("mode", types.String, optional=True, computed=True),
    Attribute("level", types.Number, optional=True, computed=True, default=1),
    Attribute("region", types.String, optional=True, requires_replace=True),
    Attribute("password", types.String, optional=True, write_only=True),
    Attribute("settings", NestedAttributes([
        Attribute("key", types.String, required=True),
        Attribute("token", types.String, optional=True, write_only=True),
        Attribute("etag", types.String, computed=True),
    ], nesting="list"), optional=True),
], blocks=[
    Block("net", Schema(attributes=[
        Attribute("cidr", types.String, required=True),
        Attribute("gw", types.String, computed=True),
    ]), nesting="set"),
    Block("opts", Schema(attributes=[Attribute("x", types.String, optional=True, computed=True, default="d")]),
          nesting="group"),
])


def obj(**kw):
    base = {a.name: None for a in SCHEMA.attributes}
    base.update(net=[], opts={"x": None})
    base.update(kw)
    return base


def plan(prior, config, proposed=None):
    planned = dict(proposed if proposed is not None else config)
    planned = {k: (list(v) if isinstance(v, list) else (dict(v) if isinstance(v, dict) else v))
               for k, v in planned.items()}
    rr: list = []
    default_plan(SCHEMA, prior, config, planned, rr)
    return planned, rr


def test_create():
    cfg = obj(name="n", password="pw", settings=[{"key": "k", "token": "t", "etag": None}],
              net=[{"cidr": "10.0.0.0/8", "gw": None}])
    planned, rr = plan(None, cfg)
    assert planned["id"] is UNKNOWN and planned["mode"] is UNKNOWN and planned["level"] == 1
    assert planned["password"] is None
    assert planned["settings"] == [{"key": "k", "token": None, "etag": UNKNOWN}]
    assert planned["net"] == [{"cidr": "10.0.0.0/8", "gw": UNKNOWN}]
    assert planned["opts"] == {"x": "d"}
    assert rr == []


def test_update_keeps_prior_computed_values_and_applies_defaults():
    prior = obj(id="i", name="n", mode="fast", level=5, region="eu", settings=[{"key": "k", "token": None,
                                                                                "etag": "e1"}],
                net=[{"cidr": "a", "gw": "g1"}], opts={"x": "custom"})
    cfg = obj(name="n2", region="eu", settings=[{"key": "k", "token": "t", "etag": None}],
              net=[{"cidr": "a", "gw": None}], opts={"x": None})
    # Terraform's proposed new state already carries prior values of computed attributes
    proposed = dict(cfg, id="i", mode="fast", level=5, settings=[{"key": "k", "token": "t", "etag": "e1"}],
                    net=[{"cidr": "a", "gw": "g1"}], opts={"x": "custom"})
    planned, rr = plan(prior, cfg, proposed)
    assert planned["id"] == "i" and planned["mode"] == "fast"
    assert planned["level"] == 1  # the default wins when the config leaves it out
    assert planned["opts"] == {"x": "d"}
    assert planned["settings"] == [{"key": "k", "token": None, "etag": "e1"}]
    assert planned["net"] == [{"cidr": "a", "gw": "g1"}]
    assert rr == []


def test_requires_replace_makes_computed_unknown_again():
    prior = obj(id="i", name="n", mode="fast", level=5, region="eu", net=[{"cidr": "a", "gw": "g1"}])
    cfg = obj(name="n", region="us", net=[{"cidr": "a", "gw": None}])
    proposed = dict(cfg, id="i", mode="fast", level=5, net=[{"cidr": "a", "gw": "g1"}])
    planned, rr = plan(prior, cfg, proposed)
    assert rr == [("region",)]
    assert planned["id"] is UNKNOWN and planned["mode"] is UNKNOWN and planned["level"] == 1
    # unknown config values also force replacement (they may differ)
    cfg = obj(name="n", region=UNKNOWN)
    planned, rr = plan(prior, cfg, dict(cfg, id="i", mode="fast", level=5))
    assert rr == [("region",)] and planned["region"] is UNKNOWN


def test_set_elements_are_matched_to_prior_by_their_configured_attributes():
    prior = obj(id="i", name="n", net=[{"cidr": "a", "gw": "ga"}, {"cidr": "b", "gw": "gb"}])
    cfg = obj(name="n", net=[{"cidr": "b", "gw": None}, {"cidr": "c", "gw": None}])
    proposed = dict(cfg, id="i", mode=None, level=1, net=[{"cidr": "b", "gw": "gb"}, {"cidr": "c", "gw": None}])
    planned, rr = plan(prior, cfg, proposed)
    assert planned["net"] == [{"cidr": "b", "gw": "gb"}, {"cidr": "c", "gw": UNKNOWN}]
    assert rr == []


def test_requires_replace_inside_a_set_replaces_on_the_set():
    schema = Schema(attributes=[Attribute("id", types.String, computed=True)], blocks=[
        Block("net", Schema(attributes=[Attribute("cidr", types.String, required=True, requires_replace=True),
                                        Attribute("note", types.String, optional=True)]), nesting="set")])
    prior = {"id": "i", "net": [{"cidr": "a", "note": None}]}
    same = {"id": None, "net": [{"cidr": "a", "note": "changed"}]}
    rr: list = []
    default_plan(schema, prior, same, {"id": "i", "net": [{"cidr": "a", "note": "changed"}]}, rr)
    assert rr == []
    other = {"id": None, "net": [{"cidr": "b", "note": None}]}
    planned = {"id": "i", "net": [{"cidr": "b", "note": None}]}
    default_plan(schema, prior, other, planned, rr)
    assert rr == [("net",)] and planned["id"] is UNKNOWN


def test_nested_requires_replace_path():
    schema = Schema(attributes=[Attribute("id", types.String, computed=True)], blocks=[
        Block("rule", Schema(attributes=[Attribute("port", types.Number, required=True, requires_replace=True)]),
              nesting="list")])
    prior = {"id": "i", "rule": [{"port": 1}, {"port": 2}]}
    cfg = {"id": None, "rule": [{"port": 1}, {"port": 3}]}
    planned = {"id": "i", "rule": [{"port": 1}, {"port": 3}]}
    rr: list = []
    default_plan(schema, prior, cfg, planned, rr)
    assert rr == [("rule", 1, "port")] and planned["id"] is UNKNOWN


def test_write_only_paths_and_attribute_paths():
    cfg = obj(name="n", password="p", settings=[{"key": "k", "token": None, "etag": None},
                                                 {"key": "k2", "token": "t", "etag": None}])
    assert write_only_paths_set(SCHEMA, cfg, ()) == [("password",), ("settings", 1, "token")]
    typ = SCHEMA.implied_type()
    assert path_steps(("settings", 1, "token"), typ) == [
        {"attribute_name": "settings"}, {"element_key_int": 1}, {"attribute_name": "token"}]
    t2 = types.Object({"tags": types.Map(types.String), "s": types.Set(types.String)})
    assert path_steps(("tags", "env"), t2) == [{"attribute_name": "tags"}, {"element_key_string": "env"}]
    assert path_steps(("s", 0), t2) == [{"attribute_name": "s"}]  # sets cannot be indexed: stop there


def test_schema_rules():
    with pytest.raises(ValueError):
        Attribute("x", types.String, required=True, computed=True)
    with pytest.raises(ValueError):
        Attribute("x", types.String)
    with pytest.raises(ValueError):
        Attribute("x", types.String, optional=True, computed=True, write_only=True)
    with pytest.raises(ValueError):
        Attribute("x", types.String, optional=True, default="d")
    with pytest.raises(ValueError):
        Schema(attributes=[Attribute("x", types.String, optional=True)], blocks=[Block("x", Schema())])
    with pytest.raises(ValueError):
        Block("b", Schema(), nesting="tuple")
    assert SCHEMA.implied_type().attributes["net"] == types.Set(types.Object({"cidr": types.String,
                                                                               "gw": types.String}))
    assert SCHEMA.has_write_only()


def test_docs_render_every_page():
    from testprovider import TptProvider
    from tfplugin.docs import render_markdown
    pages = render_markdown(TptProvider())
    assert set(pages) == {"index.md", "resources/thing.md", "resources/versioned.md", "resources/counter.md",
                          "data-sources/lookup.md"}
    thing = pages["resources/thing.md"]
    assert "## Argument Reference" in thing and "## Attributes Reference" in thing
    assert "- `name` (String) Name (no spaces)." in thing
    assert "`secret` (String, Write-only)" in thing and "never stored" in thing
    assert "Defaults to `3`." in thing and "forces a new resource" in thing
    assert '<a id="nestedblock--rule"></a>' in thing and "(#nestedblock--rule)" in thing
    assert "terraform import tpt_thing.example" in thing
    assert "`token` (String, Sensitive)" in pages["index.md"]
    assert "## Attributes Reference" in pages["data-sources/lookup.md"]
