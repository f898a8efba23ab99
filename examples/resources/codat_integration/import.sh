# By platform key (Xero is gbol): state then holds Codat's masked client id.
terraform import codat_integration.xero gbol
# With the client id and secret version of your configuration, so the first plan is empty:
terraform import codat_integration.xero 'gbol:client_id=0123456789ABCDEF0123456789ABCDEF,client_secret_wo_version=1'
