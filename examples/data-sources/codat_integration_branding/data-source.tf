data "codat_integration_branding" "xero" {
  platform_key = "gbol"
}

output "xero_connect_button" {
  value = {
    src = data.codat_integration_branding.xero.button_default_src
    alt = data.codat_integration_branding.xero.button_default_alt
  }
}
