"""Codat API replies -> `codat_profile` state.

Codat may answer an empty logo or icon as `""` or as null. The two mean the same, so state keeps
whichever form it already holds: `logo_url = ""` in configuration never shows as drift.
"""

from __future__ import annotations

from codat_provider.profile.schema import PROFILE_ID

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def _string(held: str | None, current: Any) -> str | None:
    if not held and current in ("", None):
        return current
    return held


def flatten_profile(profile: Any, state: dict) -> dict:
    return {
        "id": PROFILE_ID,
        "name": profile.name,
        "redirect_url": profile.redirect_url,
        "logo_url": _string(profile.logo_url, state.get("logo_url")),
        "icon_url": _string(profile.icon_url, state.get("icon_url")),
        "white_list_urls": list(profile.white_list_urls),
    }
