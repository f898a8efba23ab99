"""`codat_cors_origins`: the origins allowed to call Codat from a browser (a singleton per instance)."""
