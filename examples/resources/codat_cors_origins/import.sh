# One list per Codat instance: any id works.
terraform import codat_cors_origins.this cors
