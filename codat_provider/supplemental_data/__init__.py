"""`codat_supplemental_data`: the extra fields Codat pulls and pushes for one platform and data type."""
