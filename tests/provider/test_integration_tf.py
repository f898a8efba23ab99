"""codat_integration through the real terraform over HCL, against the emulator."""

from __future__ import annotations

SECRET = "hcl-test-secret-value-91ab"
CLIENT_ID = "00112233445566778899AABBCCDDEEFF"

XERO = f"""
variable "secret" {{
  type      = string
  sensitive = true
  ephemeral = true
}}
resource "codat_integration" "xero" {{
  platform_key             = "gbol"
  client_id                = "{CLIENT_ID}"
  client_secret_wo         = var.secret
  client_secret_wo_version = 1
}}
"""


def test_create_then_plan_is_clean_and_secret_stays_out_of_state(tf):
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(XERO)
    tf.init()
    tf.apply()
    values = tf.state()["codat_integration.xero"]
    assert values["enabled"] is True and values["name"] == "Xero"
    assert values["client_secret_wo"] is None
    assert values["client_secret_masked"].endswith(SECRET[-4:])
    assert tf.plan().returncode == 0
    assert SECRET not in tf.state_text()
    assert all(SECRET not in text for text in tf.outputs)
