# The data types to manage, comma-separated:
terraform import codat_sync_settings.this invoices,bills,profitAndLoss
# Or every data type Codat holds:
terraform import codat_sync_settings.this all
