"""HCL the provider tests share (imported by name: pytest puts each test folder on sys.path)."""

from __future__ import annotations


def xero_integration(client_id: str, version: int = 1, more: str = "") -> str:
    """Xero (`gbol`) with `client_id`, its secret the ephemeral variable `secret` (set TF_VAR_secret); `more`: further
    lines of the resource block."""
    return f"""
variable "secret" {{
  type      = string
  sensitive = true
  ephemeral = true
}}
resource "codat_integration" "xero" {{
  platform_key             = "gbol"
  client_id                = "{client_id}"
  client_secret_wo         = var.secret
  client_secret_wo_version = {version}
{more}}}
"""
