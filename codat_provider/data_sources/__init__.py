"""Read-only views of Codat: `codat_integration`, `codat_integrations` and `codat_connection_usage`."""
