data "codat_integrations" "accounting" {
  source_type = "Accounting"
}

output "accounting_platforms" {
  value = [for i in data.codat_integrations.accounting.integrations : i.name]
}
