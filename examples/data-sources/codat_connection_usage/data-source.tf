data "codat_connection_usage" "xero" {
  platform_key = "gbol"
}

# Xero's Starter tier allows 5 connected organisations for an app that is not an App Partner.
check "xero_connection_cap" {
  assert {
    condition     = data.codat_connection_usage.xero.linked < 4
    error_message = "Xero connections are near the Starter tier's cap of 5: move the Xero app to a higher tier."
  }
}
