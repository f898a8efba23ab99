# By the consumer's id (GET /webhooks lists them):
terraform import codat_webhook.sync_complete 5f3e8c1a-0000-4000-8000-000000000000
