"""A local emulator of the Codat API, independent of `codat_client` so tests catch mismatches.

Run it with `python -m codat_emulator serve --data DIR --api-key KEY`; see `__main__` for the CLI,
`api` for the endpoints, `store` for durability and locking, `faults` for injected trouble.
"""
