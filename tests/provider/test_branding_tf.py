"""The codat_integration_branding data source through the real terraform, against the emulator."""

from __future__ import annotations

import json

BRANDING = """
data "codat_integration_branding" "xero" {
  platform_key = "%s"
}

output "branding" {
  value = data.codat_integration_branding.xero
}
"""


def test_reads_the_logos_and_buttons_link_shows(tf, codat_api):
    tf.write(BRANDING % "gbol")
    tf.init()
    tf.apply()
    shown = json.loads(tf.run("output", "-json", "branding").stdout)
    codat = codat_api.get("/integrations/gbol/branding").json()
    assert shown["source_id"] == codat["sourceId"] == "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"
    assert shown["logo_full_src"] == codat["logo"]["full"]["image"]["src"]
    assert shown["logo_square_alt"] == "xero square icon"
    assert shown["button_default_src"] == codat["button"]["default"]["image"]["src"]
    assert shown["button_hover_alt"] == "xero hover button icon"


def test_an_unknown_platform_is_a_clean_error(tf):
    tf.write(BRANDING % "zzzz")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1 and "No such Codat integration" in bad.stderr and "Traceback" not in bad.stderr
