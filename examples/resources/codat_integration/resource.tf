variable "xero_client_secret" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform 1.10+: kept out of plan files and state; set TF_VAR_xero_client_secret
}

resource "codat_integration" "xero" {
  platform_key             = "gbol"
  client_id                = "0123456789ABCDEF0123456789ABCDEF"
  client_secret_wo         = var.xero_client_secret
  client_secret_wo_version = 1 # bump after rotating the secret to send it again
  enabled                  = true
  on_destroy               = "disable" # keep the credentials so existing connections keep refreshing
}
