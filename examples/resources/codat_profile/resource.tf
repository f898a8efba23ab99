resource "codat_profile" "this" {
  name            = "Acme Lending"
  redirect_url    = "https://app.acme.example/codat/{companyId}"
  white_list_urls = ["https://app.acme.example"]
}
