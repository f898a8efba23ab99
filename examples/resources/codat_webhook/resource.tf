resource "codat_webhook" "sync_complete" {
  url         = "https://hooks.example.com/codat"
  event_types = ["DataSyncCompleted"]
}
