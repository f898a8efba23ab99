"""`codat_sync_settings`: which data types Codat fetches, how often and from when (a singleton per instance)."""
