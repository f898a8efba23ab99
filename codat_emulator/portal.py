"""What a person does in Codat's Portal, done to the data folder directly (the CLI's `portal` commands).

The Portal changes the same account the API serves, so these go through the same store lock and
the same account operations as the HTTP handlers; a running server sees each change on its next
request. Each function returns the text to print.
"""

from __future__ import annotations

import json

from . import api, configuration, faults, resources, seed, sync_settings
from .errors import ApiError
from .store import Store


def set_enabled(store: Store, key: str, enabled: bool) -> str:
    with store.state.transaction() as state:
        resources.set_enabled(state, key, enabled)
    return f"{key}: {'enabled' if enabled else 'disabled'}"


def set_credentials(store: Store, key: str, client_id: str, client_secret: str) -> str:
    with store.state.transaction() as state:
        masked = resources.set_credentials(state, key, {"clientId": client_id, "clientSecret": client_secret})
    return json.dumps(masked, indent=2)


def delete_credentials(store: Store, key: str) -> str:
    with store.state.transaction() as state:
        masked = resources.delete_credentials(state, key)
    return json.dumps(masked, indent=2)


def add_company(store: Store, name: str, description: str, platform: str | None, status: str) -> str:
    """Prints `COMPANY_ID CONNECTION_ID` (just the company id without --platform)."""
    with store.state.transaction() as state:
        if platform is not None:
            resources.require_integration(platform)  # before creating anything
        company = resources.new_company(state, name, description)
        if platform is None:
            return company["id"]
        connection = resources.new_connection(company, platform, status)
    return f"{company['id']} {connection['id']}"


def set_connection_status(store: Store, company_id: str, connection_id: str, status: str) -> str:
    with store.state.transaction() as state:
        connection = resources.find_connection(resources.find_company(state, company_id), connection_id)
        connection["status"] = status
    return f"{connection_id}: {status}"


def show(store: Store, key: str) -> str:
    state = store.state.read()
    return json.dumps({"integration": resources.integration_view(state, key),
                       "credentials": resources.get_credentials(state, key)}, indent=2)


def _json(value: object) -> str:
    return json.dumps(value, indent=2)


def show_profile(store: Store) -> str:
    return _json(store.state.read()["profile"])


def set_profile(store: Store, changes: dict) -> str:
    """The Portal's Settings > Organization page: the fields in `changes` are replaced, the others kept, and the
    result is checked as PUT /profile checks it. Text is kept exactly as given (any character)."""
    with store.state.transaction() as state:
        return _json(api.replace_profile(state, {**state["profile"], **changes}))


def show_sync_settings(store: Store) -> str:
    with store.state.transaction() as state:  # a transaction: an older data folder gets its client id saved
        return _json(sync_settings.sync_settings(state))


def set_sync_setting(store: Store, data_type: str, changes: dict) -> str:
    """One data type's row on the Portal's Data types page; saving there overrides Codat's defaults.
    `changes` holds SyncSetting fields; None removes an optional one. A data type not listed is added."""
    with store.state.transaction() as state:
        current = sync_settings.sync_settings(state)
        settings = current["settings"]
        row = next((s for s in settings if s.get("dataType") == data_type), None)
        if row is None:
            row = seed.default_sync_setting(data_type, max((s["syncOrder"] for s in settings), default=-1) + 1)
            settings.append(row)
        for name, value in changes.items():
            if value is None:
                row.pop(name, None)
            else:
                row[name] = value
        sync_settings.set_sync_settings(state, {**current, "overridesDefaults": True})
        return _json(next(s for s in sync_settings.sync_settings(state)["settings"] if s["dataType"] == data_type))


def reset_sync_settings(store: Store) -> str:
    with store.state.transaction() as state:
        return _json(sync_settings.reset_sync_settings(state))


def show_cors(store: Store) -> str:
    return _json(configuration.cors_settings(store.state.read()))


def add_cors_origin(store: Store, origin: str) -> str:
    with store.state.transaction() as state:
        origins = configuration.cors_settings(state)["allowedOrigins"]
        return _json(configuration.set_cors_settings(state, {"allowedOrigins": [*origins, origin]}))


def remove_cors_origin(store: Store, origin: str) -> str:
    with store.state.transaction() as state:
        origins = configuration.cors_settings(state)["allowedOrigins"]
        kept = [o for o in origins if o.lower() != origin.lower()]
        if len(kept) == len(origins):
            raise ApiError(404, f"{origin} is not an allowed origin")
        return _json(configuration.set_cors_settings(state, {"allowedOrigins": kept}))


def show_supplemental_data(store: Store, key: str, data_type: str) -> str:
    return _json(configuration.supplemental_data(store.state.read(), key, data_type))


def set_supplemental_source(store: Store, key: str, data_type: str, name: str, source: dict) -> str:
    """Add or replace one named source configuration, keeping the data type's others."""
    with store.state.transaction() as state:
        config = configuration.supplemental_data(state, key, data_type)["supplementalDataConfig"]
        config[name] = source
        configuration.set_supplemental_data(state, key, data_type, {"supplementalDataConfig": config})
        return _json(configuration.supplemental_data(state, key, data_type))


def remove_supplemental_source(store: Store, key: str, data_type: str, name: str) -> str:
    with store.state.transaction() as state:
        return _json(configuration.remove_supplemental_source(state, key, data_type, name))


def show_custom_data_type(store: Store, key: str, identifier: str) -> str:
    return _json(configuration.custom_data_type(store.state.read(), key, identifier))


def set_custom_data_type(store: Store, key: str, identifier: str, config: dict) -> str:
    with store.state.transaction() as state:
        return _json(configuration.set_custom_data_type(state, key, identifier, config))


def delete_custom_data_type(store: Store, key: str, identifier: str) -> str:
    with store.state.transaction() as state:
        return _json(configuration.delete_custom_data_type(state, key, identifier))


def reset(store: Store, wipe: bool) -> str:
    faults.clear(store)
    if wipe:
        with store.state.transaction() as state:
            resources.reset(state)
    return "faults cleared" + ("; data reset to a fresh account" if wipe else "")
