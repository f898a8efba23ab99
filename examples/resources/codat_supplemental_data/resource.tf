# Every named configuration of Xero invoices (one resource per platform and data type).
resource "codat_supplemental_data" "xero_invoices" {
  platform_key = "gbol"
  data_type    = "invoices"
  configurations = {
    "invoice-extras" = {
      data_source = "/Invoices"
      pull_data = {
        reference       = "Reference"
        branding_theme  = "BrandingThemeID"
        sent_to_contact = "SentToContact"
      }
    }
  }
}
