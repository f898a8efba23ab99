# By platform key (Xero is gbol):
terraform import codat_integration.xero gbol
