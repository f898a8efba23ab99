"""`codat_webhook`: a webhook consumer (an HTTPS endpoint Codat sends events to)."""
