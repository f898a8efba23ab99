# Only the data types listed here are managed; Codat keeps its settings for the others.
resource "codat_sync_settings" "this" {
  data_types = {
    invoices = {
      sync_schedule       = 24 # hours: 0 none, 1 hourly, 24 daily, 168 weekly, 720 monthly
      fetch_on_first_link = true
      sync_from_window    = 24 # months back; or sync_from_utc = "2024-01-01T00:00:00Z"
    }
    bills = {
      sync_schedule = 24
    }
    profitAndLoss = {
      sync_schedule  = 720
      months_to_sync = 36 # financial statements: months, not a date or window
    }
  }
  on_destroy = "keep" # or "reset": the listed data types back to Codat's defaults
}
