"""Read-only views of Codat: `codat_integration`, `codat_integrations`, `codat_connection_usage` and
`codat_integration_branding`."""
