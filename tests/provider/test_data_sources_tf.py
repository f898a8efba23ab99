"""codat_integration, codat_integrations and codat_connection_usage data sources through the real terraform."""

from __future__ import annotations

import json

DATA = """
data "codat_integration" "xero" {
  platform_key = "gbol"
}
data "codat_integrations" "all" {}
data "codat_integrations" "accounting_on" {
  source_type = "Accounting"
  enabled     = true
}
data "codat_integrations" "off" {
  enabled = false
}
data "codat_connection_usage" "xero" {
  platform_key = "gbol"
}
data "codat_connection_usage" "wave" {
  platform_key = "pbtz"
}
output "xero"          { value = data.codat_integration.xero }
output "all"           { value = data.codat_integrations.all.integrations }
output "accounting_on" { value = data.codat_integrations.accounting_on.integrations }
output "off"           { value = data.codat_integrations.off.integrations }
output "usage"         { value = data.codat_connection_usage.xero }
output "wave_usage"    { value = data.codat_connection_usage.wave }
"""


def test_data_sources_read_filter_and_count(tf, emulator):
    emulator.portal("enable", "gbol")
    emulator.portal("enable", "qhyg")
    for name, status in (("Acme", "Linked"), ("Bolt", "Linked"), ("Cask", "PendingAuth"), ("Dune", "Deauthorized")):
        emulator.portal("add-company", name, "--platform", "gbol", "--status", status)
    emulator.portal("add-company", "Echo", "--platform", "qhyg", "--status", "Linked")
    tf.write(DATA)
    tf.init()
    tf.apply()
    out = {k: v["value"] for k, v in json.loads(tf.run("output", "-json").stdout).items()}

    assert out["xero"] == {
        "platform_key": "gbol",
        "name": "Xero",
        "enabled": True,
        "source_type": "Accounting",
        "logo_url": "https://static.codat.io/public/platforms/gbol.png",
        "integration_id": "0f20c943-12d0-4800-9f6c-d218f62d494c",
        "source_id": "8a156a5a-39cb-4f9d-856e-76ef9b9a9607",
        "is_beta": False,
        "is_offline_connector": False,
    }
    keys = [i["platform_key"] for i in out["all"]]
    assert keys == sorted(keys) and len(keys) == 20 and "gbol" in keys
    assert [(i["platform_key"], i["enabled"]) for i in out["accounting_on"]] == [("gbol", True), ("qhyg", True)]
    assert {i["source_type"] for i in out["accounting_on"]} == {"Accounting"}
    assert len(out["off"]) == 18 and not any(i["enabled"] for i in out["off"])
    assert out["usage"] == {"platform_key": "gbol", "linked": 2, "pending": 1, "total": 4}
    assert out["wave_usage"] == {"platform_key": "pbtz", "linked": 0, "pending": 0, "total": 0}


def test_data_source_errors_name_the_attribute(tf):
    tf.write("""
data "codat_integration" "nope" {
  platform_key = "zzzz"
}
data "codat_connection_usage" "bad" {
  platform_key = "XERO"
}
""")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    assert "Invalid platform_key" in bad.stderr and 'platform_key = "XERO"' in bad.stderr, bad.stderr
    tf.write("""
data "codat_integration" "nope" {
  platform_key = "zzzz"
}
""")
    bad = tf.plan()
    assert bad.returncode == 1
    assert "No such Codat integration" in bad.stderr and 'platform_key = "zzzz"' in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr
