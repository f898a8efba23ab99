"""Configuration -> the body of POST /profile/syncSettings for `codat_sync_settings`.

The POST replaces the whole object, so the body is Codat's current object (as `get_sync_settings` answered
it, in Codat's field names) with the declared data types changed: every other data type, field and the
order of the list go back as they were. Pure functions over plain dicts, so they are tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable

from codat_settings.configuration import default_sync_setting

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any

# attribute -> Codat's field
FIELDS = {
    "fetch_on_first_link": "fetchOnFirstLink",
    "sync_schedule": "syncSchedule",
    "sync_order": "syncOrder",
    "sync_from_utc": "syncFromUtc",
    "sync_from_window": "syncFromWindow",
    "months_to_sync": "monthsToSync",
    "is_locked": "isLocked",
}
ATTRIBUTES = {field: attribute for attribute, field in FIELDS.items()}
# How far back to fetch is owned by the configuration: left out means not set (all history).
HISTORY = ("sync_from_utc", "sync_from_window")


def _api(value: Any) -> Any:
    """Terraform numbers arrive as int or Decimal; Codat's fields are whole numbers."""
    return value if isinstance(value, (bool, str)) else int(value)


def _next_order(settings: list[dict]) -> int:
    return max((s.get("syncOrder", -1) for s in settings if isinstance(s.get("syncOrder"), int)), default=-1) + 1


def overlay(current: dict, data_types: dict[str, dict | None], overrides_defaults: bool) -> dict:
    """The object to POST: `current` with each declared data type's set attributes on top.

    A declared data type Codat does not list yet is added at the end of the queue, from Codat's defaults."""
    body = dict(current)
    settings = [dict(s) for s in current.get("settings") or []]
    by_type = {s.get("dataType"): s for s in settings}
    for data_type, configured in data_types.items():
        setting = by_type.get(data_type)
        if setting is None:
            setting = {"dataType": data_type, "syncOrder": _next_order(settings)}
            setting.update({FIELDS[a]: v for a, v in default_sync_setting(data_type).items()})
            settings.append(setting)
            by_type[data_type] = setting
        for attribute, field in FIELDS.items():
            value = (configured or {}).get(attribute)
            if value is not None:
                setting[field] = _api(value)
            elif attribute in HISTORY:
                setting.pop(field, None)
    body["settings"] = settings
    body["overridesDefaults"] = bool(overrides_defaults)
    return body


def reset(current: dict, data_types: Iterable[str]) -> dict:
    """The object to POST on destroy with on_destroy = "reset": the given data types back to Codat's
    defaults (their place in the queue kept), everything else as it is."""
    body = dict(current)
    wanted = set(data_types)
    settings = []
    for setting in current.get("settings") or []:
        data_type = setting.get("dataType")
        if data_type in wanted:
            setting = {k: v for k, v in setting.items() if k not in ("syncFromUtc", "syncFromWindow", "monthsToSync")}
            setting.update({FIELDS[a]: v for a, v in default_sync_setting(data_type).items()})
        settings.append(setting)
    body["settings"] = settings
    return body


def changed_data_types(before: dict, after: dict, data_types: Iterable[str]) -> list[str]:
    """The given data types whose setting differs between two objects (for the adoption warning)."""
    old = {s.get("dataType"): s for s in before.get("settings") or []}
    new = {s.get("dataType"): s for s in after.get("settings") or []}
    return [d for d in data_types if old.get(d) != new.get(d)]
