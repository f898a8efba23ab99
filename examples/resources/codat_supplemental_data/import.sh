# <platform_key>/<data_type>:
terraform import codat_supplemental_data.xero_invoices gbol/invoices
