"""`codat_profile`: the account's profile (a singleton: name, redirect URL, logos, allowed URLs)."""
