"""`codat_custom_data_type`: a custom data type Codat reads from one platform."""
