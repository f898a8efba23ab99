"""The test provider driven by the real `terraform` CLI through a temp filesystem mirror."""
from __future__ import annotations

import json
import re

HEAD = '''terraform {
  required_providers {
    tpt = { source = "@SOURCE@" }
  }
}

provider "tpt" {
  store = "@STORE@"
}

variable "pw" {
  type      = string
  ephemeral = true
  default   = "hunter2-ephemeral"
}
'''


def thing(name="alpha", tags='{ env = "dev" }', zone='"z1"', extra=""):
    return f'''
resource "tpt_thing" "a" {{
  name   = "{name}"
  secret = var.pw
  tags   = {tags}
  zone   = {zone}
{extra}
  rule {{
    port = 80
  }}
}}
'''


def test_lifecycle_create_update_replace_drift_data_import(tf_env):
    wd = tf_env.workdir("lifecycle", HEAD + thing())
    wd.tf("init", "-input=false")

    # create; the write-only value reaches the provider but never the state
    out = wd.tf("apply", "-input=false", "-auto-approve").stdout
    assert "1 added" in out
    inst = wd.resource("tpt_thing.a")
    attrs = inst["attributes"]
    assert attrs["secret"] is None and attrs["size"] == 3 and attrs["rule"] == [{"port": 80, "proto": "tcp"}]
    assert "hunter2" not in wd.state_text()
    first_id = attrs["id"]
    saved = json.load(open(f"{wd.store}/thing/{first_id}.json"))
    assert saved["secret_seen"] is True
    assert wd.tf("plan", "-input=false", "-detailed-exitcode", check=False).returncode == 0  # converged

    # update in place
    wd.write(HEAD + thing(tags='{ env = "prod" }'))
    out = wd.tf("apply", "-input=false", "-auto-approve").stdout
    assert "1 changed" in out and "update in-place" in out
    assert wd.resource("tpt_thing.a")["attributes"]["tags"] == {"env": "prod"}
    assert wd.resource("tpt_thing.a")["attributes"]["id"] == first_id

    # replace (requires_replace attribute)
    wd.write(HEAD + thing(tags='{ env = "prod" }', zone='"z2"'))
    out = wd.tf("apply", "-input=false", "-auto-approve").stdout
    assert "forces replacement" in out and "1 added" in out and "1 destroyed" in out
    new_id = wd.resource("tpt_thing.a")["attributes"]["id"]
    assert new_id != first_id

    # drift: change the object behind Terraform's back; plan shows it and proposes to fix it
    path = f"{wd.store}/thing/{new_id}.json"
    obj = json.load(open(path))
    obj["size"] = 9
    json.dump(obj, open(path, "w"))
    p = wd.tf("plan", "-input=false", "-detailed-exitcode", check=False)
    assert p.returncode == 2, p.stdout + p.stderr
    assert re.search(r"size\s+= 9 -> 3", p.stdout), p.stdout

    # data source reading what the resource made
    wd.write(HEAD + thing(tags='{ env = "prod" }', zone='"z2"') + '''
data "tpt_lookup" "x" {
  name = tpt_thing.a.name
}

output "found" {
  value = data.tpt_lookup.x.id
}
''')
    wd.tf("apply", "-input=false", "-auto-approve")
    out = json.loads(wd.tf("output", "-json").stdout)
    assert out["found"]["value"] == new_id

    # import an object created outside Terraform
    wd.write(HEAD + thing(tags='{ env = "prod" }', zone='"z2"') + '''
resource "tpt_thing" "imp" {
  name = "outside"
}
''')
    with open(f"{wd.store}/thing/ext123.json", "w") as f:
        json.dump({"id": "ext123", "name": "outside", "size": 3, "tags": None, "zone": None, "secret_sha": None,
                   "fail_on": None, "rule": []}, f)
    wd.tf("import", "-input=false", "tpt_thing.imp", "ext123")
    assert wd.resource("tpt_thing.imp")["attributes"]["name"] == "outside"
    p = wd.tf("plan", "-input=false", "-target=tpt_thing.imp", "-detailed-exitcode", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    p = wd.tf("import", "-input=false", "tpt_thing.imp", "nope", check=False)
    assert p.returncode != 0


def test_state_upgrade_with_schema_version_bump(tf_env):
    wd = tf_env.workdir("upgrade", HEAD + '''
resource "tpt_versioned" "v" {
  label = "hello"
}
''')
    wd.tf("init", "-input=false")
    wd.tf("apply", "-input=false", "-auto-approve", TPT_VERSIONED_V="0")
    assert wd.resource("tpt_versioned.v")["schema_version"] == 0
    wd.write(HEAD + '''
resource "tpt_versioned" "v" {
  title = "hello"
}
''')
    p = wd.tf("plan", "-input=false", "-detailed-exitcode", check=False, TPT_VERSIONED_V="1")
    assert p.returncode == 0, p.stdout + p.stderr  # upgraded state matches the new config: no changes
    wd.tf("apply", "-input=false", "-auto-approve", "-refresh-only", TPT_VERSIONED_V="1")
    inst = wd.resource("tpt_versioned.v")
    assert inst["schema_version"] == 1 and inst["attributes"]["title"] == "hello"
    assert "label" not in inst["attributes"]


def test_validation_error_points_at_the_right_line(tf_env):
    main = HEAD + '''
resource "tpt_thing" "bad" {
  name = "has space"

  rule {
    port = 22
  }

  rule {
    port = 70000
  }
}
'''
    wd = tf_env.workdir("validation", main)
    wd.tf("init", "-input=false")
    p = wd.tf("validate", check=False)
    assert p.returncode == 1
    lines = main.splitlines()
    name_line = next(i for i, s in enumerate(lines, 1) if "has space" in s)
    port_line = next(i for i, s in enumerate(lines, 1) if "70000" in s)
    err = p.stderr
    assert "Invalid name" in err and f"on main.tf line {name_line}" in err
    assert "Invalid port" in err and f"on main.tf line {port_line}" in err


def test_provider_errors_are_clean_diagnostics(tf_env):
    wd = tf_env.workdir("crash", HEAD + '''
resource "tpt_thing" "c" {
  name    = "c"
  fail_on = "create"
}
''')
    wd.tf("init", "-input=false")
    p = wd.tf("apply", "-input=false", "-auto-approve", check=False)
    assert p.returncode == 1
    both = p.stdout + p.stderr
    assert "tpt_thing: create failed: simulated failure in create" in both
    for bad in ("Traceback", "panic", "plugin crashed", "rpc error"):
        assert bad not in both, both
    # the next run works: the provider process never crashed
    wd.write(HEAD + '''
resource "tpt_thing" "c" {
  name = "c"
}
''')
    wd.tf("apply", "-input=false", "-auto-approve")
    # an error while refreshing (read) is also a clean diagnostic
    oid = wd.resource("tpt_thing.c")["attributes"]["id"]
    path = f"{wd.store}/thing/{oid}.json"
    obj = json.load(open(path))
    obj["fail_on"] = "read"
    json.dump(obj, open(path, "w"))
    p = wd.tf("plan", "-input=false", check=False)
    assert p.returncode == 1 and "tpt_thing: read failed: simulated failure in read" in p.stderr
    assert "Traceback" not in p.stdout + p.stderr
