"""The environments file's instance configuration tables, read into the configuration constructs' props:

    [environments.<name>.sync_settings]                          overrides_defaults, on_destroy, import_id
    [environments.<name>.sync_settings.data_types.<data type>]   sync_schedule, fetch_on_first_link, ...
    [environments.<name>.cors_origins]                           allowed_origins (required), on_destroy, import_id
    [environments.<name>.xero.supplemental_data.<data type>.<name>]   data_source (required), pull_data, push_data
    [environments.<name>.xero.custom_data_types.<identifier>]         data_source, key_by (required),
                                                                      required_data, source_modified_date
    (the last two also under [environments.<name>.accounting.<id>])

Each problem names its key (`environments.sandbox.sync_settings.data_types.invoices.sync_schedule: ...`) and
the fix; the values are checked by the same rules as the constructs' props and the provider's plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from codat_constructs._file_reader import _Reader, _shown
from codat_constructs.configuration import (
    CustomDataType,
    SupplementalDataSource,
    SyncSetting,
    cors_origins_problems,
    dotted,
    integration_data_problems,
    sync_settings_problems,
)
from codat_settings.configuration import SYNC_SETTING_FIELDS


@dataclass(frozen=True)
class SyncSettingsTable:
    """`[environments.<name>.sync_settings]`: the instance's `SyncSettings`."""

    data_types: Mapping[str, SyncSetting] = field(default_factory=dict)
    overrides_defaults: bool = True
    on_destroy: str = "keep"
    import_id: Optional[str] = None


@dataclass(frozen=True)
class CorsOriginsTable:
    """`[environments.<name>.cors_origins]`: the instance's `CorsOrigins`."""

    allowed_origins: tuple[str, ...]
    on_destroy: str = "keep"
    import_id: Optional[str] = None


@dataclass(frozen=True)
class IntegrationData:
    """An integration table's `supplemental_data` and `custom_data_types` sub-tables."""

    supplemental_data: Mapping[str, Mapping[str, SupplementalDataSource]] = field(default_factory=dict)
    custom_data_types: Mapping[str, CustomDataType] = field(default_factory=dict)


def _tables(problems: list[str], path: str, value: Any, example: str) -> dict[str, Any]:
    """A table of tables (`[path.<key>]`), or {} with a problem."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        problems.append(f"{path} must be a table of tables, e.g. [{path}.{example}], not {_shown(value)}.")
        return {}
    return value


def _text(value: Any) -> Any:
    """TOML writes dates bare (`sync_from_utc = 2024-01-01`): Codat takes ISO 8601 text."""
    return value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else value


def read_sync_settings(problems: list[str], path: str, table: Any) -> Optional[SyncSettingsTable]:
    if not isinstance(table, dict):
        problems.append(f"{path} must be a table ([{path}]), not {_shown(table)}.")
        return None
    r = _Reader(problems, path, table, ("data_types", "overrides_defaults", "on_destroy", "import_id"))
    data_types = {}
    for data_type, setting in _tables(problems, r.at("data_types"), table.get("data_types", {}), "invoices").items():
        _Reader(problems, f"{r.at('data_types')}.{data_type}", setting, SYNC_SETTING_FIELDS)
        data_types[data_type] = SyncSetting(**{k: _text(v) for k, v in setting.items() if k in SYNC_SETTING_FIELDS})
    found = SyncSettingsTable(
        data_types=data_types,
        overrides_defaults=table.get("overrides_defaults", True),
        on_destroy=table.get("on_destroy", "keep"),
        import_id=r.import_id('"all" or data types comma-separated (Terraform imports them)'),
    )
    problems += dotted(sync_settings_problems(found.data_types, found.overrides_defaults, found.on_destroy), path)
    return found


def read_cors_origins(problems: list[str], path: str, table: Any) -> Optional[CorsOriginsTable]:
    if not isinstance(table, dict):
        problems.append(f"{path} must be a table ([{path}]), not {_shown(table)}.")
        return None
    r = _Reader(problems, path, table, ("allowed_origins", "on_destroy", "import_id"))
    origins = r.get("allowed_origins", list, 'a list of origins, e.g. ["https://app.example.com"]', required=True)
    import_id = r.import_id('"cors" (Terraform imports the list Codat has)')
    if origins is None:
        return None
    found = CorsOriginsTable(allowed_origins=tuple(origins), on_destroy=table.get("on_destroy", "keep"),
                             import_id=import_id)
    problems += dotted(cors_origins_problems(list(found.allowed_origins), found.on_destroy), path)
    return found


def read_integration_data(
    problems: list[str], path: str, table: Mapping[str, Any], platform_key: Any
) -> IntegrationData:
    """The `supplemental_data` and `custom_data_types` sub-tables of the integration table at `path`."""
    supplemental: dict[str, dict[str, SupplementalDataSource]] = {}
    at = f"{path}.supplemental_data"
    for data_type, sources in _tables(problems, at, table.get("supplemental_data", {}), "invoices").items():
        supplemental[data_type] = {}
        for name, source in _tables(problems, f"{at}.{data_type}", sources, "extras").items():
            source_fields = ("data_source", "pull_data", "push_data")
            _Reader(problems, f"{at}.{data_type}.{name}", source, source_fields)
            supplemental[data_type][name] = SupplementalDataSource(**{k: source.get(k) for k in source_fields})
    custom: dict[str, CustomDataType] = {}
    at = f"{path}.custom_data_types"
    custom_tables = _tables(problems, at, table.get("custom_data_types", {}), "purchaseOrders")
    for identifier, configuration in custom_tables.items():
        known = ("data_source", "key_by", "required_data", "source_modified_date")
        _Reader(problems, f"{at}.{identifier}", configuration, known)
        custom[identifier] = CustomDataType(**{k: configuration.get(k) for k in known})
    found = IntegrationData(supplemental_data=supplemental, custom_data_types=custom)
    if isinstance(platform_key, str):
        problems += dotted(integration_data_problems(platform_key, supplemental, custom), path)
    return found
