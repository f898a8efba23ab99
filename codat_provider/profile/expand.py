"""Configuration -> Codat API body for `codat_profile`.

PUT /profile replaces the whole object, so apply reads the profile first and overlays only what the
configuration sets; everything else goes back to Codat as Codat had it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any

# attribute -> field of codat_client.Profile (snake_case; the model sends them camelCased)
FIELDS = {
    "name": "name",
    "redirect_url": "redirect_url",
    "logo_url": "logo_url",
    "icon_url": "icon_url",
    "white_list_urls": "white_list_urls",
}

# Codat's validation itemIds (lower-cased, index stripped) -> attribute names.
API_FIELDS = {
    "name": "name",
    "redirecturl": "redirect_url",
    "logourl": "logo_url",
    "iconurl": "icon_url",
    "whitelisturls": "white_list_urls",
}


def overlay(current: dict[str, Any], config: dict) -> dict[str, Any]:
    """The profile to PUT: Codat's current fields with the configured (non-null) attributes on top."""
    body = dict(current)
    for attribute, field in FIELDS.items():
        value = config.get(attribute)
        if value is not None:
            body[field] = list(value) if isinstance(value, list) else value
    return body
