resource "codat_custom_data_type" "xero_purchase_orders" {
  platform_key = "gbol"
  identifier   = "purchaseOrders"
  data_source  = "/api.xro/2.0/PurchaseOrders"
  key_by       = ["$.PurchaseOrderID"]
  required_data = {
    number = "$.PurchaseOrderNumber"
    status = "$.Status"
    total  = "$.Total"
  }
  source_modified_date = ["$.UpdatedDateUTC"]
}
