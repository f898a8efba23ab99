"""What a person does in Codat's Portal, done to the data folder directly (the CLI's `portal` commands).

The Portal changes the same account the API serves, so these go through the same store lock and
the same account operations as the HTTP handlers; a running server sees each change on its next
request. Each function returns the text to print.
"""

from __future__ import annotations

import json

from . import faults, resources
from .store import Store


def set_enabled(store: Store, key: str, enabled: bool) -> str:
    with store.state.transaction() as state:
        resources.set_enabled(state, key, enabled)
    return f"{key}: {'enabled' if enabled else 'disabled'}"


def set_credentials(store: Store, key: str, client_id: str, client_secret: str) -> str:
    with store.state.transaction() as state:
        masked = resources.set_credentials(state, key, {"clientId": client_id, "clientSecret": client_secret})
    return json.dumps(masked, indent=2)


def delete_credentials(store: Store, key: str) -> str:
    with store.state.transaction() as state:
        masked = resources.delete_credentials(state, key)
    return json.dumps(masked, indent=2)


def add_company(store: Store, name: str, description: str, platform: str | None, status: str) -> str:
    """Prints `COMPANY_ID CONNECTION_ID` (just the company id without --platform)."""
    with store.state.transaction() as state:
        if platform is not None:
            resources.require_integration(platform)  # before creating anything
        company = resources.new_company(state, name, description)
        if platform is None:
            return company["id"]
        connection = resources.new_connection(company, platform, status)
    return f"{company['id']} {connection['id']}"


def set_connection_status(store: Store, company_id: str, connection_id: str, status: str) -> str:
    with store.state.transaction() as state:
        connection = resources.find_connection(resources.find_company(state, company_id), connection_id)
        connection["status"] = status
    return f"{connection_id}: {status}"


def show(store: Store, key: str) -> str:
    state = store.state.read()
    return json.dumps({"integration": resources.integration_view(state, key),
                       "credentials": resources.get_credentials(state, key)}, indent=2)


def reset(store: Store, wipe: bool) -> str:
    faults.clear(store)
    if wipe:
        with store.state.transaction() as state:
            resources.reset(state)
    return "faults cleared" + ("; data reset to a fresh account" if wipe else "")
