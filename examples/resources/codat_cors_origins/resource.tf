# The whole list: an origin allowed in the Portal but not listed here shows as drift and is removed.
resource "codat_cors_origins" "this" {
  allowed_origins = [
    "https://app.acme.example",
    "https://staging.acme.example:8443",
    "http://localhost:3000", # plain http only for localhost, to try Link locally
  ]
  on_destroy = "keep" # or "reset": empty the list
}
