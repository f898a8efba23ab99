"""The instance's Link and data configuration: CORS origins, supplemental data, custom data types; and
the helpers the sync settings (`sync_settings`) share.

Each write is validated in full before anything is stored and every problem is reported at once with
its JSON path (`allowedOrigins[1]`, `supplementalDataConfig.{name}.dataSource`), as Codat's
`validation.errors` do. The HTTP handlers and the Portal commands both go through these functions, so a
person in the Portal cannot store what the API would refuse. Fields Codat does not define are ignored,
as ASP.NET model binding does. docs/emulator.md lists every rule.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import json
import re
from urllib.parse import urlsplit

from . import seed
from .errors import ApiError, issue, validation_error
from .resources import require_integration

CUSTOM_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def section(state: dict, name: str):
    """A part of the state, created with its fresh-instance value when an older data folder lacks it."""
    if name not in state:
        state[name] = seed.initial_state()[name]
    return state[name]


def shown(value: object) -> str:
    """A value as JSON writes it (`null`, `"x"`), for messages about what was sent."""
    return json.dumps(value)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def unknown_data_type(value: object, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), known, n=1)
    hint = f" Did you mean {close[0]}?" if close else f" Known data types: {', '.join(known)}."
    return f"{shown(value)} is not a data type Codat knows.{hint}"


# --- CORS origins -----------------------------------------------------------------------------

def cors_settings(state: dict) -> dict:
    return {"allowedOrigins": list(section(state, "corsSettings")["allowedOrigins"])}


def set_cors_settings(state: dict, body: dict) -> dict:
    """POST replaces the whole list; both CORS paths share it."""
    origins = body.get("allowedOrigins")
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
        return f"{shown(value)} is not a valid origin: write it as scheme://host[:port], e.g. {example}."
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{shown(value)} is not an http(s) origin: write it as scheme://host[:port], e.g. {example}."
    if parts.username is not None or parts.password is not None:
        return "An origin carries no user name or password (not shown here): write it as scheme://host[:port]."
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return (f"{shown(value)} is not an origin: remove the path, query or fragment "
                f"({parts.scheme}://{parts.netloc}).")
    if port == 0 or not _is_host(parts.hostname or ""):
        return f"{shown(value)} has no valid host or port."
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


def set_supplemental_data(state: dict, key: str, data_type: str, body: dict) -> None:
    """PUT replaces the data type's whole configuration; an empty `supplementalDataConfig` clears it."""
    _supplemental_target(key, data_type)
    config = body.get("supplementalDataConfig")
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
            return f"maps {shown(name)} to {shown(value)}: each value must be a non-empty property name (a string)."
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
        raise validation_error([issue("customDataIdentifier", f"{shown(identifier)} is not a valid custom data type "
                                                              "identifier: 1 to 64 letters, digits, - or _.",
                                      "Identifier")])


def custom_data_type(state: dict, key: str, identifier: str) -> dict:
    _custom_target(key, identifier)
    stored = section(state, "customDataTypes").get(key, {}).get(identifier)
    if stored is None:
        raise ApiError(404, f"No custom data type {identifier} is configured for integration {key}")
    return copy.deepcopy(stored)


def set_custom_data_type(state: dict, key: str, identifier: str, body: dict) -> dict:
    """PUT creates or replaces the configuration and answers it as stored."""
    _custom_target(key, identifier)
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
