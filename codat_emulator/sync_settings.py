"""Sync settings (`/profile/syncSettings`): which data types Codat fetches, how often, from when, and
whether they override Codat's defaults.

POST replaces the whole object, so everything sent is checked before anything is stored, every problem
reported at once with its path (`settings[2].syncSchedule`). A stored setting is rebuilt field by field
in Codat's order, so unknown fields never reach the data file. docs/emulator.md lists every rule.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timezone
from typing import Callable

from . import seed
from .configuration import section, shown, unknown_data_type
from .errors import is_int, issue, validation_error

_SCHEDULE_TEXT = ", ".join(f"{hours} ({name})" for name, hours in seed.SYNC_SCHEDULES.items())


def sync_settings(state: dict) -> dict:
    stored = section(state, "syncSettings")
    return {"clientId": section(state, "clientId"), "settings": copy.deepcopy(stored["settings"]),
            "overridesDefaults": stored["overridesDefaults"]}


def set_sync_settings(state: dict, body: dict) -> None:
    """POST replaces the whole object: the list becomes exactly the settings sent, in the order sent."""
    state["syncSettings"] = parse_sync_settings(body, section(state, "clientId"))


def reset_sync_settings(state: dict) -> dict:
    state["syncSettings"] = seed.default_sync_settings()
    return sync_settings(state)


def parse_sync_settings(body: dict, client_id: str) -> dict:
    issues: list[dict] = []
    sent_id = body.get("clientId")
    if sent_id is None:
        issues.append(issue("clientId", "The clientId field is required: the clientId GET /profile/syncSettings "
                                        "returns.", "Required"))
    elif not _is_uuid(sent_id):
        issues.append(issue("clientId", f"The clientId field must be a UUID, not {shown(sent_id)}.", "Format"))
    elif sent_id.lower() != client_id.lower():
        issues.append(issue("clientId", f"clientId {sent_id} is not the client this API key belongs to; send the "
                                        "clientId GET /profile/syncSettings returns.", "ClientId"))
    overrides = body.get("overridesDefaults")
    if not isinstance(overrides, bool):
        issues.append(issue("overridesDefaults", "The overridesDefaults field is required and must be true or false.",
                            "Required"))
    items = body.get("settings")
    settings: list[dict] = []
    if not isinstance(items, list):
        issues.append(issue("settings", "The settings field is required: a list of sync settings, one per data type.",
                            "Required"))
    else:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            where = f"settings[{index}]"
            setting = _parse_sync_setting(item, where, issues)
            if setting is None:
                continue
            data_type = setting["dataType"]
            if data_type in seen:
                issues.append(issue(f"{where}.dataType", f"{data_type} appears twice in settings (also at "
                                                         f"settings[{seen[data_type]}]): one setting per data type.",
                                    "Unique"))
            seen.setdefault(data_type, index)
            settings.append(setting)
    if issues:
        raise validation_error(issues)
    return {"settings": settings, "overridesDefaults": overrides}


def _parse_sync_setting(item: object, where: str, issues: list[dict]) -> dict | None:
    """The setting rebuilt in Codat's field order, or None (with its problems added to `issues`)."""
    if not isinstance(item, dict):
        issues.append(issue(where, "Each sync setting must be a JSON object.", "Type"))
        return None
    before = len(issues)

    def refuse(field: str, message: str, validator: str) -> None:
        issues.append(issue(f"{where}.{field}" if field else where, message, validator))

    data_type, fetch, schedule, order, sync_from, window, months, locked = (item.get(name) for name in (
        "dataType", "fetchOnFirstLink", "syncSchedule", "syncOrder", "syncFromUtc", "syncFromWindow", "monthsToSync",
        "isLocked"))
    if data_type is None:
        refuse("dataType", "The dataType field is required.", "Required")
    elif data_type not in seed.SYNC_DATA_TYPES:
        refuse("dataType", unknown_data_type(data_type, seed.SYNC_DATA_TYPES), "Enum")
    if not isinstance(fetch, bool):
        refuse("fetchOnFirstLink", "The fetchOnFirstLink field is required and must be true or false.", "Required")
    if not is_int(schedule) or schedule not in seed.SYNC_SCHEDULES.values():
        refuse("syncSchedule", f"syncSchedule is required and must be one of {_SCHEDULE_TEXT} hours, "
                               f"not {shown(schedule)}.", "SyncSchedule")
    if not is_int(order) or order < 0:
        refuse("syncOrder", f"syncOrder is required and must be a whole number, 0 or more, not {shown(order)}.",
               "Range")
    utc = None if sync_from is None else _utc_text(sync_from)
    if sync_from is not None and utc is None:
        refuse("syncFromUtc", f"syncFromUtc must be an ISO 8601 date or date and time such as 2024-01-01T00:00:00Z, "
                              f"not {shown(sync_from)}.", "DateTime")
    for field, value in (("syncFromWindow", window), ("monthsToSync", months)):
        if value is not None and (not is_int(value) or value < 1):
            refuse(field, f"{field} is a number of months, 1 or more, not {shown(value)}.", "Range")
    if locked is not None and not isinstance(locked, bool):
        refuse("isLocked", "The isLocked field must be true or false.", "Type")
    _check_history_fields(data_type, sync_from is not None, window is not None, months is not None, refuse)
    if len(issues) > before:
        return None
    setting = {"dataType": data_type, "fetchOnFirstLink": fetch, "syncSchedule": schedule, "syncOrder": order}
    for name, value in (("syncFromUtc", utc), ("syncFromWindow", window), ("monthsToSync", months)):
        if value is not None:
            setting[name] = value
    setting["isLocked"] = bool(locked)
    return setting


def _check_history_fields(data_type: object, has_from: bool, has_window: bool, has_months: bool,
                          refuse: Callable[[str, str, str], None]) -> None:
    """How much history: a date or a window for most data types, a number of months for financial statements."""
    if has_from and has_window:
        refuse("", "Set syncFromUtc or syncFromWindow, not both.", "Exclusive")
    if data_type in seed.REPORT_DATA_TYPES and (has_from or has_window):
        refuse("", f"{data_type} is a financial statement: limit its history with monthsToSync, not syncFromUtc "
                   "or syncFromWindow.", "ReportDataType")
    if isinstance(data_type, str) and data_type not in seed.REPORT_DATA_TYPES and has_months:
        refuse("monthsToSync", f"monthsToSync applies only to {', '.join(seed.REPORT_DATA_TYPES)}; limit "
                               f"{data_type} with syncFromUtc or syncFromWindow.", "ReportDataType")


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _utc_text(value: object) -> str | None:
    """An ISO 8601 date/time as Codat writes it back: UTC, `Z`, milliseconds only when not zero.
    A time without an offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    millis = moment.microsecond // 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{millis:03d}" if millis else "") + "Z"
