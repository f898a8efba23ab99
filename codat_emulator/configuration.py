"""The instance's configuration beyond the profile: sync settings, CORS origins, supplemental data and
custom data types.

Each write is validated here in full before anything is stored, and every problem is reported at once
with its JSON path (`settings[2].syncSchedule`), as Codat's `validation.errors` do; the HTTP handlers and
the Portal commands both go through these functions, so a person in the Portal cannot store what the API
would refuse. Unknown fields are ignored, as ASP.NET model binding does. docs/emulator.md lists the rules.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import json
import re
import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit

from . import seed
from .errors import ApiError, issue, validation_error
from .resources import require_integration

CUSTOM_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SCHEDULE_TEXT = ", ".join(f"{hours} ({name})" for name, hours in seed.SYNC_SCHEDULES.items())


def section(state: dict, name: str):
    """A part of the state, created with its fresh-instance value when an older data folder lacks it."""
    if name not in state:
        state[name] = seed.initial_state()[name]
    return state[name]


def _shown(value: object) -> str:
    """A value as JSON writes it (`null`, `"x"`), for messages about what was sent."""
    return json.dumps(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _object(body: object, where: str = "body") -> dict:
    if not isinstance(body, dict):
        raise validation_error([issue(where, "The request body must be a JSON object.", "Type")])
    return body


# --- sync settings ----------------------------------------------------------------------------

def sync_settings(state: dict) -> dict:
    stored = section(state, "syncSettings")
    return {"clientId": section(state, "clientId"), "settings": copy.deepcopy(stored["settings"]),
            "overridesDefaults": stored["overridesDefaults"]}


def set_sync_settings(state: dict, body: object) -> None:
    """POST replaces the whole object: the list becomes exactly the settings sent, in the order sent."""
    state["syncSettings"] = parse_sync_settings(body, section(state, "clientId"))


def reset_sync_settings(state: dict) -> dict:
    state["syncSettings"] = seed.default_sync_settings()
    return sync_settings(state)


def parse_sync_settings(body: object, client_id: str) -> dict:
    body = _object(body)
    issues: list[dict] = []
    sent_id = body.get("clientId")
    if sent_id is None:
        issues.append(issue("clientId", "The clientId field is required: the clientId GET /profile/syncSettings "
                                        "returns.", "Required"))
    elif not _is_uuid(sent_id):
        issues.append(issue("clientId", f"The clientId field must be a UUID, not {_shown(sent_id)}.", "Format"))
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
    """The setting in Codat's field order, or None (with the problems added to `issues`)."""
    if not isinstance(item, dict):
        issues.append(issue(where, "Each sync setting must be a JSON object.", "Type"))
        return None
    before = len(issues)
    data_type = item.get("dataType")
    if data_type is None:
        issues.append(issue(f"{where}.dataType", "The dataType field is required.", "Required"))
    elif data_type not in seed.SYNC_DATA_TYPES:
        issues.append(issue(f"{where}.dataType", unknown_data_type(data_type, seed.SYNC_DATA_TYPES), "Enum"))
    fetch = item.get("fetchOnFirstLink")
    if not isinstance(fetch, bool):
        issues.append(issue(f"{where}.fetchOnFirstLink", "The fetchOnFirstLink field is required and must be true or "
                                                         "false.", "Required"))
    schedule = item.get("syncSchedule")
    if not _is_int(schedule) or schedule not in seed.SYNC_SCHEDULES.values():
        issues.append(issue(f"{where}.syncSchedule", f"syncSchedule is required and must be one of {_SCHEDULE_TEXT} "
                                                     f"hours, not {_shown(schedule)}.", "SyncSchedule"))
    order = item.get("syncOrder")
    if not _is_int(order) or order < 0:
        issues.append(issue(f"{where}.syncOrder", f"syncOrder is required and must be a whole number, 0 or more, "
                                                  f"not {_shown(order)}.", "Range"))
    sync_from = item.get("syncFromUtc")
    normalised_from = None
    if sync_from is not None:
        normalised_from = _utc_text(sync_from)
        if normalised_from is None:
            issues.append(issue(f"{where}.syncFromUtc", f"syncFromUtc must be an ISO 8601 date or date and time, "
                                                        f"such as 2024-01-01T00:00:00Z, not {_shown(sync_from)}.", "DateTime"))
    window = item.get("syncFromWindow")
    if window is not None and (not _is_int(window) or window < 1):
        issues.append(issue(f"{where}.syncFromWindow", f"syncFromWindow is a number of months, 1 or more, not "
                                                       f"{_shown(window)}.", "Range"))
    months = item.get("monthsToSync")
    if months is not None and (not _is_int(months) or months < 1):
        issues.append(issue(f"{where}.monthsToSync", f"monthsToSync is a number of months, 1 or more, not {_shown(months)}.",
                            "Range"))
    if sync_from is not None and window is not None:
        issues.append(issue(where, "Set syncFromUtc or syncFromWindow, not both.", "Exclusive"))
    if data_type in seed.REPORT_DATA_TYPES and (sync_from is not None or window is not None):
        issues.append(issue(where, f"{data_type} is a financial statement: limit its history with monthsToSync, not "
                                   "syncFromUtc or syncFromWindow.", "ReportDataType"))
    if isinstance(data_type, str) and data_type not in seed.REPORT_DATA_TYPES and months is not None:
        issues.append(issue(f"{where}.monthsToSync", f"monthsToSync applies only to {', '.join(seed.REPORT_DATA_TYPES)}; "
                                                     f"limit {data_type} with syncFromUtc or syncFromWindow.",
                            "ReportDataType"))
    locked = item.get("isLocked")
    if locked is not None and not isinstance(locked, bool):
        issues.append(issue(f"{where}.isLocked", "The isLocked field must be true or false.", "Type"))
    if len(issues) > before:
        return None
    setting = {"dataType": data_type, "fetchOnFirstLink": fetch, "syncSchedule": schedule, "syncOrder": order}
    for name, value in (("syncFromUtc", normalised_from), ("syncFromWindow", window), ("monthsToSync", months)):
        if value is not None:
            setting[name] = value
    setting["isLocked"] = bool(locked)
    return setting


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
    millis = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + millis + "Z"


def unknown_data_type(value: object, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), known, n=1)
    hint = f" Did you mean {close[0]}?" if close else f" Known data types: {', '.join(known)}."
    return f"{_shown(value)} is not a data type Codat knows.{hint}"


# --- CORS origins -----------------------------------------------------------------------------

def cors_settings(state: dict) -> dict:
    return {"allowedOrigins": list(section(state, "corsSettings")["allowedOrigins"])}


def set_cors_settings(state: dict, body: object) -> dict:
    """POST replaces the whole list; both CORS paths share it."""
    origins = _object(body).get("allowedOrigins")
    if not isinstance(origins, list):
        raise validation_error([issue("allowedOrigins", "The allowedOrigins field is required: a list of origins such "
                                                        "as https://app.example.com (an empty list allows none).",
                                      "Required")])
    issues = []
    seen: dict[str, int] = {}
    for index, origin in enumerate(origins):
        problem = origin_problem(origin)
        if problem:
            issues.append(issue(f"allowedOrigins[{index}]", problem, "Origin"))
            continue
        key = origin.lower()
        if key in seen:
            issues.append(issue(f"allowedOrigins[{index}]", f"{origin} appears twice (also at allowedOrigins"
                                                            f"[{seen[key]}]).", "Unique"))
        seen.setdefault(key, index)
    if issues:
        raise validation_error(issues)
    section(state, "corsSettings")["allowedOrigins"] = list(origins)
    return cors_settings(state)


def origin_problem(value: object) -> str | None:
    """Why `value` is not a browser origin (`scheme://host[:port]`, http or https), or None."""
    example = "https://app.example.com"
    if not isinstance(value, str) or not value:
        return f"An origin must be a string such as {example}."
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return f"{_shown(value)} is not a valid origin: write it as scheme://host[:port], e.g. {example}."
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{_shown(value)} is not an http(s) origin: write it as scheme://host[:port], e.g. {example}."
    if parts.username is not None or parts.password is not None:
        return "An origin carries no user name or password (not shown here): write it as scheme://host[:port]."
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return (f"{_shown(value)} is not an origin: remove the path, query or fragment "
                f"({parts.scheme}://{parts.netloc}).")
    if port == 0 or not _is_host(parts.hostname or ""):
        return f"{_shown(value)} has no valid host or port."
    return None


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


# --- supplemental data ------------------------------------------------------------------------

def _supplemental_target(key: str, data_type: str) -> None:
    require_integration(key)
    if data_type not in seed.SUPPLEMENTAL_DATA_TYPES:
        raise validation_error([issue("dataType", f"{unknown_data_type(data_type, seed.SUPPLEMENTAL_DATA_TYPES)} "
                                                  "Supplemental data is supported for: "
                                                  f"{', '.join(seed.SUPPLEMENTAL_DATA_TYPES)}.", "Enum")])
    if data_type.startswith("commerce-"):  # every emulated platform is an accounting platform
        raise validation_error([issue("dataType", f"{data_type} is a commerce data type; integration {key} is an "
                                                  "accounting platform.", "SourceType")])


def supplemental_data(state: dict, key: str, data_type: str) -> dict:
    _supplemental_target(key, data_type)
    stored = section(state, "supplementalData").get(key, {}).get(data_type, {})
    return {"supplementalDataConfig": copy.deepcopy(stored)}


def set_supplemental_data(state: dict, key: str, data_type: str, body: object) -> None:
    """PUT replaces the data type's whole configuration; an empty `supplementalDataConfig` clears it."""
    _supplemental_target(key, data_type)
    config = _object(body).get("supplementalDataConfig")
    if not isinstance(config, dict):
        raise validation_error([issue("supplementalDataConfig", "The supplementalDataConfig field is required: an "
                                                                "object of named source configurations ({} clears "
                                                                "them).", "Required")])
    issues: list[dict] = []
    parsed = {name: _parse_supplemental_source(name, source, issues) for name, source in config.items()}
    if issues:
        raise validation_error(issues)
    stored = section(state, "supplementalData")
    platform = stored.setdefault(key, {})
    if parsed:
        platform[data_type] = parsed
    else:  # keep the data file free of empty entries
        platform.pop(data_type, None)
        if not platform:
            del stored[key]


def _parse_supplemental_source(name: str, source: object, issues: list[dict]) -> dict:
    where = f"supplementalDataConfig.{name}"
    if not name.strip():
        issues.append(issue(where, "A source configuration needs a non-empty name.", "Required"))
    if not isinstance(source, dict):
        issues.append(issue(where, "A source configuration must be an object with dataSource, pullData and/or "
                                   "pushData.", "Type"))
        return {}
    parsed = {"dataSource": source.get("dataSource")}
    if not _is_text(parsed["dataSource"]):
        issues.append(issue(f"{where}.dataSource", "The dataSource field is required: the platform endpoint, e.g. "
                                                   "/Invoices.", "Required"))
    for part in ("pullData", "pushData"):
        mapping = source.get(part)
        if mapping is None:
            continue
        problem = _string_map_problem(mapping)
        if problem:
            issues.append(issue(f"{where}.{part}", f"{part} {problem}", "Type"))
        parsed[part] = mapping
    return parsed


def _string_map_problem(mapping: object) -> str | None:
    if not isinstance(mapping, dict):
        return "must be an object of your name to the platform's property name."
    for name, value in mapping.items():
        if not name.strip():
            return "has an empty name."
        if not _is_text(value):
            return f"maps {_shown(name)} to {_shown(value)}: each value must be a non-empty property name (a string)."
    return None


def remove_supplemental_source(state: dict, key: str, data_type: str, name: str) -> dict:
    """The Portal removing one named source configuration."""
    config = supplemental_data(state, key, data_type)["supplementalDataConfig"]
    if name not in config:
        raise ApiError(404, f"No supplemental data configuration named {name} for {data_type} on integration {key}")
    del config[name]
    set_supplemental_data(state, key, data_type, {"supplementalDataConfig": config})
    return supplemental_data(state, key, data_type)


# --- custom data types ------------------------------------------------------------------------

def _custom_target(key: str, identifier: str) -> None:
    require_integration(key)
    if not CUSTOM_IDENTIFIER.fullmatch(identifier):
        raise validation_error([issue("customDataIdentifier", f"{_shown(identifier)} is not a valid custom data type "
                                                              "identifier: 1 to 64 letters, digits, - or _.",
                                      "Identifier")])


def custom_data_type(state: dict, key: str, identifier: str) -> dict:
    _custom_target(key, identifier)
    stored = section(state, "customDataTypes").get(key, {}).get(identifier)
    if stored is None:
        raise ApiError(404, f"No custom data type {identifier} is configured for integration {key}")
    return copy.deepcopy(stored)


def set_custom_data_type(state: dict, key: str, identifier: str, body: object) -> dict:
    """PUT creates or replaces the configuration and answers it as stored."""
    _custom_target(key, identifier)
    body = _object(body)
    issues = []
    if not _is_text(body.get("dataSource")):
        issues.append(issue("dataSource", "The dataSource field is required: the platform endpoint to read, e.g. "
                                          "/api.xro/2.0/Accounts.", "Required"))
    required = body.get("requiredData")
    problem = None if required is None else _string_map_problem(required)
    if problem:
        issues.append(issue("requiredData", f"requiredData {problem} Nested objects and arrays are not supported.",
                            "Type"))
    for name, is_required in (("keyBy", True), ("sourceModifiedDate", False)):
        value = body.get(name)
        if value is None and not is_required:
            continue
        if not isinstance(value, list) or not value or not all(_is_text(v) for v in value):
            need = "is required: " if is_required else "must be null or "
            issues.append(issue(name, f"{name} {need}a non-empty list of source property paths, e.g. [\"$.Id\"].",
                                "Required" if value is None else "Type"))
    if issues:
        raise validation_error(issues)
    config = {"dataSource": body["dataSource"], "requiredData": dict(required or {}), "keyBy": list(body["keyBy"]),
              "sourceModifiedDate": body.get("sourceModifiedDate")}
    section(state, "customDataTypes").setdefault(key, {})[identifier] = config
    return copy.deepcopy(config)


def delete_custom_data_type(state: dict, key: str, identifier: str) -> dict:
    """The Portal removing a custom data type (the API has no DELETE for them)."""
    config = custom_data_type(state, key, identifier)
    platform = state["customDataTypes"][key]
    del platform[identifier]
    if not platform:
        del state["customDataTypes"][key]
    return config
