# <platform_key>/<identifier>:
terraform import codat_custom_data_type.xero_purchase_orders gbol/purchaseOrders
