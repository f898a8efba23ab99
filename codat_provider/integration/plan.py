"""Planning `codat_integration`: when the configured credentials must be sent to Codat again (pure functions).

Codat shows only `X`s and the last 4 characters of what it holds, so that is what a plan compares: the
configured `client_id` against the client id in (refreshed) state, and the configured write-only secret,
which Terraform hands to the provider at plan time, against `client_secret_masked`. The reasons name the
attribute that differs and quote only Codat's own last 4 characters, never the configured secret's.
"""

from __future__ import annotations

from codat_provider.integration.flatten import is_masked, last4, matches_masked, same_client_id
from tfplugin import UNKNOWN

VERSION_BUMPED = "client_secret_wo_version changed, so the secret is sent again"
# How a reason starts when a configured credential's last 4 characters differ from Codat's.
DIFFERS = {"client_id": "client_id differs from the one Codat holds",
           "client_secret_wo": "client_secret_wo differs from the secret Codat holds"}


def _version_bumped(prior: dict, planned: dict) -> bool:
    """A version that changes from one number to another re-sends; one first set (e.g. after import) does not."""
    old, new = prior.get("client_secret_wo_version"), planned.get("client_secret_wo_version")
    return new is UNKNOWN or (old is not None and new is not None and new != old)


def _codat_shows(masked: str) -> str:
    return f"Codat shows ...{last4(masked)}" if is_masked(masked) else "Codat shows none of its characters"


def credentials_to_send(prior: dict, planned: dict, config: dict) -> dict[str, str]:
    """Why this plan must send the configured credentials, by attribute; empty when Codat holds them.

    Empty when the configuration does not manage credentials. When Codat's credentials endpoints were
    unavailable at the last refresh (`credentials_api_available` false) nothing can be compared: only a
    change of the configuration itself (client id, secret version) sends, so a plan never wants to send
    the same credentials again and again.
    """
    client_id, secret = config.get("client_id"), config.get("client_secret_wo")
    if client_id is None and secret is None:
        return {}
    reasons: dict[str, str] = {}
    held_id = prior.get("client_id")
    held_secret = prior.get("client_secret_masked")
    endpoints_unavailable = prior.get("credentials_api_available") is False
    if client_id is UNKNOWN:
        reasons["client_id"] = "client_id is known only at apply"
    elif endpoints_unavailable:
        if client_id is not None and (held_id is None or not same_client_id(held_id, client_id)):
            reasons["client_id"] = "client_id changed in the configuration"
    elif held_id is None:
        reasons["client_id"] = "Codat holds no client id"
    elif client_id is not None and not same_client_id(held_id, client_id):
        reasons["client_id"] = f"{DIFFERS['client_id']} ({_codat_shows(held_id)})"
    if _version_bumped(prior, planned):
        reasons["client_secret_wo"] = VERSION_BUMPED
    elif endpoints_unavailable:
        pass  # nothing of Codat's secret to compare with
    elif secret is UNKNOWN:
        reasons["client_secret_wo"] = "client_secret_wo is known only at apply"
    elif held_secret is None:
        reasons["client_secret_wo"] = "Codat holds no client secret"
    elif secret is not None and not matches_masked(held_secret, secret):
        reasons["client_secret_wo"] = (
            f"{DIFFERS['client_secret_wo']}: the last 4 characters differ ({_codat_shows(held_secret)})"
        )
    return reasons


def differ_from_codat(reasons: dict[str, str]) -> list[str]:
    """The attributes `credentials_to_send` wants to send only because their last 4 characters differ from
    Codat's (not because the configuration asked: a new secret version, a value known only at apply)."""
    if VERSION_BUMPED in reasons.values():
        return []
    return [attribute for attribute, reason in reasons.items() if reason.startswith(DIFFERS.get(attribute, "\0"))]


def records_only(prior: dict, planned: dict, config: dict) -> list[str]:
    """Credential attributes this plan writes to state although nothing is sent (e.g. after a plain import)."""
    if config.get("client_id") is None:
        return []
    changed = []
    if prior.get("client_id") != planned.get("client_id"):
        changed.append("client_id")
    if prior.get("client_secret_wo_version") is None and planned.get("client_secret_wo_version") is not None:
        changed.append("client_secret_wo_version")
    return changed
