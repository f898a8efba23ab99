"""Codat API replies -> `codat_integration` state.

Codat never returns credentials in clear: GET /integrations/credentials/{key} answers `X`s followed by
the real last 4 characters. State keeps the configured client id while its last 4 match Codat's, and
takes Codat's masked value once they differ, so a plan shows drift without showing more than Codat does.
"""

from __future__ import annotations

from typing import Any


def last4(value: str) -> str:
    return value[-4:]


def is_masked(value: str) -> bool:
    """True for Codat's masked form: only `X`s before the last 4 characters."""
    return len(value) > 4 and set(value[:-4]) == {"X"}


def flatten_integration(integration: Any) -> dict:
    source_type = integration.source_type
    return {
        "name": integration.name,
        "source_type": getattr(source_type, "value", source_type),
        "enabled": integration.enabled,
    }


def flatten_credentials(masked: dict[str, str], state: dict) -> dict:
    """Credential attributes of state from Codat's masked map; an unmanaged client id stays null."""
    held_id = masked.get("clientId")
    client_id = state.get("client_id")
    if client_id is not None and (held_id is None or last4(held_id) != last4(client_id)):
        client_id = held_id
    return {"client_id": client_id, "client_secret_masked": masked.get("clientSecret")}
