"""Issue #21 item 9 at plan: a configuration the constructs would refuse at synth, written by hand, is refused by
the provider with the same rules (codat_settings) as a diagnostic on the attribute it is about (Terraform quotes
that line; inside a map of objects it quotes the resource). (At synth: tests/constructs/test_refusals.py.)"""

from __future__ import annotations

import json

REFUSED = r"""
resource "codat_profile" "cr" {
  name         = "Acme\rLending"
  redirect_url = "https://alice:hunter2@acme.example/codat"
}
resource "codat_profile" "long" {
  name         = replace(format("%10000s", ""), " ", "n")
  redirect_url = "https://acme.example/codat"
}
resource "codat_profile" "empty" {
  name         = ""
  redirect_url = "https://acme.example/codat"
}
resource "codat_webhook" "credentials" {
  url         = "https://alice:hunter2@hooks.acme.example/codat"
  event_types = ["Data\u0000Sync"]
}
resource "codat_sync_settings" "window" {
  data_types = { invoices = { sync_from_window = 9223372036854775808 } }
}
resource "codat_integration" "nul" {
  platform_key             = "qhyg"
  client_id                = "qbo\u0000client"
  client_secret_wo         = "qbo-s3cret\u0007"
  client_secret_wo_version = 9223372036854775808
}
resource "codat_supplemental_data" "invoices" {
  platform_key   = "gbol"
  data_type      = "invoices"
  configurations = { extras = { data_source = "/Inv\roices" } }
}
"""

#: (resource address, attribute Terraform quotes ("": the resource), summary, words of the detail)
EXPECTED = [
    ("codat_profile.cr", "name", "Invalid name", "name contains a carriage return (U+000D) at character 5"),
    ("codat_profile.cr", "redirect_url", "Invalid redirect_url", "redirect_url carries a user name or password"),
    ("codat_profile.long", "name", "Invalid name", "name has 10000 characters; at most 255 are accepted"),
    ("codat_profile.empty", "name", "Empty profile name", "Codat requires a name for the profile"),
    ("codat_webhook.credentials", "url", "Invalid webhook url", "url carries a user name or password"),
    ("codat_webhook.credentials", "event_types", "Invalid event_types", "event_types[0] contains a NUL (U+0000)"),
    ("codat_sync_settings.window", "", "Invalid sync setting of invoices",
     "sync_from_window is a number of months, at most 1,200"),
    ("codat_integration.nul", "client_id", "Invalid client_id", "client_id contains a NUL (U+0000) at character 4"),
    ("codat_integration.nul", "client_secret_wo", "Invalid client_secret_wo",
     "client_secret_wo contains a control character (U+0007) at character 11"),
    ("codat_integration.nul", "client_secret_wo_version", "Invalid client_secret_wo_version",
     "client_secret_wo_version must be a number from -9,007,199,254,740,992 to 9,007,199,254,740,992"),
    ("codat_supplemental_data.invoices", "", "Invalid supplemental data configuration 'extras'",
     "data_source contains a carriage return (U+000D) at character 5"),
]


def test_every_refused_value_is_a_diagnostic_on_its_attribute(tf):
    tf.write(REFUSED)
    tf.init()
    planned = tf.run("plan", "-input=false", "-no-color", "-json", check=False)
    assert planned.returncode == 1
    diagnostics = [json.loads(line)["diagnostic"] for line in planned.stdout.splitlines()
                   if line.startswith("{") and json.loads(line).get("type") == "diagnostic"]
    for address, attribute, summary, words in EXPECTED:
        found = [d for d in diagnostics if d["summary"] == summary and words in d["detail"]
                 and d.get("address") == address]
        assert found, (address, summary, words, [(d.get("address"), d["summary"], d["detail"]) for d in diagnostics])
        quoted = found[0]["snippet"]["code"].strip()
        assert quoted.startswith(attribute if attribute else f'resource "{address.split(".")[0]}"'), found[0]
    # The messages never repeat a refused value (Terraform's own snippet quotes the configuration line).
    details = " ".join(d["summary"] + d["detail"] for d in diagnostics)
    assert "hunter2" not in details and "qbo-s3cret" not in details
    assert "Traceback" not in planned.stdout + planned.stderr
