"""Codat's sync settings -> `codat_sync_settings` state.

Only the data types the resource manages go into state. Codat answers `syncFromUtc` in UTC
(`2024-01-01` comes back as `2024-01-01T00:00:00Z`): state keeps the text it holds while it names the same
moment as Codat's, so a date written another way is not drift.
"""

from __future__ import annotations

from collections.abc import Iterable

from codat_provider.sync_settings.expand import FIELDS
from codat_provider.sync_settings.schema import SYNC_SETTINGS_ID
from codat_settings.configuration import sync_from_moment


def _sync_from(codat: str | None, held: object) -> str | None:
    if codat is None:
        return None
    if isinstance(held, str):
        mine, theirs = sync_from_moment(held), sync_from_moment(codat)
        if mine is not None and mine == theirs:
            return held
    return codat


def flatten_setting(setting: dict, held: dict | None) -> dict:
    """One data type's attributes; `held` is its entry in the state (or plan) compared with."""
    values = {attribute: setting.get(field) for attribute, field in FIELDS.items()}
    values["sync_from_utc"] = _sync_from(setting.get("syncFromUtc"), (held or {}).get("sync_from_utc"))
    return values


def flatten_sync_settings(codat: dict, managed: Iterable[str], held_data_types: dict | None) -> dict:
    """State from Codat's object (Codat's field names): the managed data types Codat lists, and
    overridesDefaults. A managed data type Codat no longer lists is left out, so the plan adds it back."""
    by_type = {s.get("dataType"): s for s in codat.get("settings") or []}
    held_data_types = held_data_types or {}
    return {
        "id": SYNC_SETTINGS_ID,
        "data_types": {
            data_type: flatten_setting(by_type[data_type], held_data_types.get(data_type))
            for data_type in managed
            if data_type in by_type
        },
        "overrides_defaults": bool(codat.get("overridesDefaults")),
    }
