"""Codat API replies -> `codat_integration` state, and the masked-value comparisons planning relies on.

Codat never returns credentials in clear: GET /integrations/credentials/{key} answers `X`s followed by
the real last 4 characters. State keeps the configured client id while its last 4 match Codat's, and
takes Codat's masked value once they differ (or when no client id is configured), so a plan shows drift
without showing more than Codat does.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def last4(value: str) -> str:
    return value[-4:]


def is_masked(value: str) -> bool:
    """True for Codat's masked form: `X`s only before the last 4 characters (or `X`s only)."""
    if len(value) <= 4:
        return shows_nothing(value)
    return set(value[:-4]) == {"X"}


def shows_nothing(masked: str) -> bool:
    """Codat masks values of 4 characters or fewer entirely: nothing can be compared."""
    return 0 < len(masked) <= 4 and set(masked) == {"X"}


def matches_masked(masked: str, value: str) -> bool:
    """Whether `value` can be what Codat shows as `masked`: same last 4 (nothing to compare when all `X`s)."""
    return shows_nothing(masked) or last4(masked) == last4(value)


def same_client_id(held: str, configured: str) -> bool:
    """`held` is a client id from state: Codat's masked one (compare the last 4) or a configured one (exact)."""
    return matches_masked(held, configured) if is_masked(held) else held == configured


def flatten_integration(integration: Any) -> dict:
    source_type = integration.source_type
    return {
        "name": integration.name,
        "source_type": getattr(source_type, "value", source_type),
        "enabled": integration.enabled,
    }


def flatten_credentials(masked: dict[str, str], state: dict) -> dict:
    """Credential attributes of state from Codat's masked map.

    The client id in state stays the configured (clear) one while Codat's last 4 match it; otherwise it
    becomes Codat's masked value (None when Codat holds none).
    """
    held_id = masked.get("clientId")
    current = state.get("client_id")
    if held_id is None:
        client_id = None
    elif isinstance(current, str) and not is_masked(current) and matches_masked(held_id, current):
        client_id = current
    else:
        client_id = held_id
    return {"client_id": client_id, "client_secret_masked": masked.get("clientSecret")}
