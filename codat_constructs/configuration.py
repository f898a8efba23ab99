"""A Codat instance's configuration as constructs: `SyncSettings` and `CorsOrigins` (one each per instance),
and the supplemental data and custom data types an integration construct declares for its platform.

Props are typed (`SyncSetting`, `SupplementalDataSource`, `CustomDataType`) and checked at synth by the rules
`codat_settings.configuration` shares with the provider and the environments file, so a mistake fails
`cdktf synth` with every problem named by its prop (`data_types.invoices.sync_schedule: ...`) instead of
reaching a plan. The `*_problems` functions are what the environments file reuses with its own keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Optional

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs.bindings import CodatCorsOrigins, CodatCustomDataType, CodatSupplementalData, CodatSyncSettings
from codat_constructs.bindings.platforms import KNOWN_PLATFORMS
from codat_settings.configuration import (
    SINGLETON_ON_DESTROY,
    Problem,
    custom_data_type_problems,
    custom_identifier_problem,
    origins_problems,
    supplemental_data_type_problem,
    supplemental_source_problems,
    sync_data_type_problem,
    sync_setting_problems,
)

_BARE_KEY = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class SyncSetting:
    """One data type's sync setting. A field left as None keeps Codat's value, except the history: give
    `sync_from_utc` (an ISO 8601 date) or `sync_from_window` (months), or neither for all history.
    `sync_schedule` is in hours: 0 none, 1 hourly, 24 daily, 168 weekly, 720 monthly."""

    sync_schedule: Optional[int] = None
    fetch_on_first_link: Optional[bool] = None
    sync_order: Optional[int] = None
    sync_from_utc: Optional[str] = None
    sync_from_window: Optional[int] = None
    months_to_sync: Optional[int] = None
    is_locked: Optional[bool] = None


@dataclass(frozen=True)
class SupplementalDataSource:
    """One named source of supplemental data: the platform endpoint, and your names for the platform's
    properties to read (`pull_data`) and to write (`push_data`)."""

    data_source: str
    pull_data: Optional[Mapping[str, str]] = None
    push_data: Optional[Mapping[str, str]] = None


@dataclass(frozen=True)
class CustomDataType:
    """A custom data type's configuration: the platform endpoint, the property paths that key a record, and
    optionally the properties to fetch and where the last-modified date is."""

    data_source: str
    key_by: Sequence[str]
    required_data: Optional[Mapping[str, str]] = None
    source_modified_date: Optional[Sequence[str]] = None


class CodatConfigurationError(ValueError):
    """Every problem of one configuration construct's props, each naming its prop and the fix."""

    def __init__(self, kind: str, path: str, problems: list[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{kind} {path!r} is not valid ({len(self.problems)} problem(s)):\n{listed}")


def _rendered(steps: tuple, prefix: str = "") -> str:
    where = prefix
    for step in steps:
        key = step if isinstance(step, int) or _BARE_KEY.fullmatch(step) else f'"{step}"'  # TOML's quoting
        where += f"[{key}]" if isinstance(step, int) else (f".{key}" if where else str(key))
    return where


def dotted(problems: list[Problem], prefix: str = "") -> list[str]:
    """Problems as lines that start with the prop path (`data_types.invoices.sync_schedule ...`), or with the
    file key when `prefix` is the table's (`environments.sandbox.sync_settings.data_types...`). A message that
    starts with its own field's name continues the path; any other follows a colon."""
    lines = []
    for problem in problems:
        where = _rendered(problem.path, prefix)
        for size in range(len(problem.path), 0, -1):
            tail = _rendered(problem.path[-size:])
            if problem.message.startswith(tail + " "):
                lines.append(where + problem.message[len(tail):])
                break
        else:
            lines.append(f"{where}: {problem.message}" if where else problem.message)
    return lines


def _fields(value: SyncSetting | SupplementalDataSource | CustomDataType) -> dict:
    """A dataclass's fields, without the ones left as None (those are not sent)."""
    return {k: (dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, (list, tuple)) else v)
            for k, v in asdict(value).items() if v is not None}


def _typed(value: object, kind: type, example: str) -> list[Problem]:
    if isinstance(value, kind):
        return []
    return [Problem((), f"must be a {kind.__name__}, e.g. {example} (got {type(value).__name__}).")]


def _on_destroy(on_destroy: object) -> list[Problem]:
    if on_destroy in SINGLETON_ON_DESTROY:
        return []
    return [Problem(("on_destroy",), f"on_destroy must be one of {', '.join(SINGLETON_ON_DESTROY)} "
                                     f"(got {on_destroy!r}): keep leaves Codat as it is, reset restores Codat's "
                                     "default.")]


# --- problems --------------------------------------------------------------------------------------


def sync_settings_problems(data_types: object, overrides_defaults: object, on_destroy: object) -> list[Problem]:
    if not isinstance(data_types, Mapping):
        return [Problem(("data_types",), "data_types must map Codat data type names to SyncSetting(...), e.g. "
                                         "{\"invoices\": SyncSetting(sync_schedule=24)}.")] + _on_destroy(on_destroy)
    problems = []
    for data_type, setting in data_types.items():
        where = ("data_types", data_type)
        unknown = sync_data_type_problem(data_type)
        if unknown:
            problems.append(Problem(where, unknown))
        typed = _typed(setting, SyncSetting, "SyncSetting(sync_schedule=24)")
        if typed:
            problems += [Problem(where, p.message) for p in typed]
            continue
        problems += [Problem(where + p.path, p.message) for p in sync_setting_problems(data_type, asdict(setting))]
    if not isinstance(overrides_defaults, bool):
        problems.append(Problem(("overrides_defaults",), f"overrides_defaults must be True or False "
                                                         f"(got {overrides_defaults!r})."))
    return problems + _on_destroy(on_destroy)


def cors_origins_problems(allowed_origins: object, on_destroy: object) -> list[Problem]:
    if isinstance(allowed_origins, str) or not isinstance(allowed_origins, Sequence):
        problems = [Problem(("allowed_origins",), "allowed_origins must be a list of origins, e.g. "
                                                  "[\"https://app.example.com\"] ([] allows none).")]
    else:
        problems = [Problem(("allowed_origins",) + p.path, p.message) for p in origins_problems(list(allowed_origins))]
    return problems + _on_destroy(on_destroy)


def integration_data_problems(platform_key: str, supplemental_data: object, custom_data_types: object) -> list[Problem]:
    """What is wrong with an integration's `supplemental_data` and `custom_data_types` props."""
    problems = []
    if not isinstance(supplemental_data, Mapping):
        problems.append(Problem(("supplemental_data",), "supplemental_data must map data types to named "
                                                        "SupplementalDataSource(...), e.g. {\"invoices\": "
                                                        "{\"extras\": "
                                                        "SupplementalDataSource(data_source=\"/Invoices\")}}."))
        supplemental_data = {}
    for data_type, sources in supplemental_data.items():
        where = ("supplemental_data", data_type)
        wrong = supplemental_data_type_problem(data_type, accounting_platform=platform_key in KNOWN_PLATFORMS)
        if wrong:
            problems.append(Problem(where, wrong))
        if not isinstance(sources, Mapping):
            problems.append(Problem(where, "must map your names to SupplementalDataSource(...)."))
            continue
        for name, source in sources.items():
            typed = _typed(source, SupplementalDataSource, "SupplementalDataSource(data_source=\"/Invoices\")")
            found = typed or supplemental_source_problems(name, _fields(source))
            problems += [Problem(where + (name,) + p.path, p.message) for p in found]
    if not isinstance(custom_data_types, Mapping):
        problems.append(Problem(("custom_data_types",), "custom_data_types must map identifiers to "
                                                        "CustomDataType(...), "
                                                        "e.g. {\"purchaseOrders\": CustomDataType(data_source=..., "
                                                        "key_by=[\"$.Id\"])}."))
        custom_data_types = {}
    for identifier, configuration in custom_data_types.items():
        where = ("custom_data_types", identifier)
        wrong = custom_identifier_problem(identifier)
        if wrong:
            problems.append(Problem(where, wrong))
        typed = _typed(configuration, CustomDataType, "CustomDataType(data_source=\"/po\", key_by=[\"$.Id\"])")
        found = typed or custom_data_type_problems(asdict(configuration))
        problems += [Problem(where + p.path, p.message) for p in found]
    return problems


# --- constructs ------------------------------------------------------------------------------------


class SyncSettings(Construct):
    """The Codat instance's sync settings (`codat_sync_settings`; one per instance).

    Props:
      data_types: Codat data type name -> `SyncSetting`, e.g. {"invoices": SyncSetting(sync_schedule=24)}.
        Only these data types are managed: Codat keeps its settings for the others.
      overrides_defaults: Codat's `overridesDefaults`. Default: True (the declared settings take effect).
      on_destroy: "keep" (default: Codat keeps the settings) or "reset" (the declared data types go back to
        Codat's defaults).
      provider: the `CodatProvider` to use. Default: None (the stack's default `codat` provider).
    Invalid props raise `CodatConfigurationError` at synth, listing every problem. The child resource's id is
    "resource": a stable contract.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        data_types: Mapping[str, SyncSetting],
        overrides_defaults: bool = True,
        on_destroy: str = "keep",
        provider: Optional[cdk.TerraformProvider] = None,
    ) -> None:
        problems = sync_settings_problems(data_types, overrides_defaults, on_destroy)
        if problems:
            raise CodatConfigurationError(type(self).__name__, f"{scope.node.path}/{id}".lstrip("/"), dotted(problems))
        super().__init__(scope, id)
        self.resource = CodatSyncSettings(
            self, "resource", data_types={name: _fields(setting) for name, setting in data_types.items()},
            overrides_defaults=overrides_defaults, on_destroy=on_destroy, provider=provider,
        )


class CorsOrigins(Construct):
    """The origins allowed to call Codat from a browser (`codat_cors_origins`; one list per instance).

    Props:
      allowed_origins: every allowed origin, `https://host[:port]` (plain http only for localhost). This is
        the whole list: an origin added in the Portal shows as drift and deploy removes it.
      on_destroy: "keep" (default: Codat keeps the list) or "reset" (empty it).
      provider: the `CodatProvider` to use. Default: None (the stack's default `codat` provider).
    Invalid props raise `CodatConfigurationError` at synth, listing every problem. The child resource's id is
    "resource": a stable contract.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        allowed_origins: Sequence[str],
        on_destroy: str = "keep",
        provider: Optional[cdk.TerraformProvider] = None,
    ) -> None:
        problems = cors_origins_problems(allowed_origins, on_destroy)
        if problems:
            raise CodatConfigurationError(type(self).__name__, f"{scope.node.path}/{id}".lstrip("/"), dotted(problems))
        super().__init__(scope, id)
        self.resource = CodatCorsOrigins(self, "resource", allowed_origins=list(allowed_origins),
                                         on_destroy=on_destroy, provider=provider)


def add_integration_data(
    scope: Construct,
    platform_key: str,
    supplemental_data: Mapping[str, Mapping[str, SupplementalDataSource]],
    custom_data_types: Mapping[str, CustomDataType],
    provider: Optional[cdk.TerraformProvider],
) -> dict[str, CodatSupplementalData]:
    """The integration construct's children for its platform (props checked already): one
    `codat_supplemental_data` per data type ("supplemental_data_<data type>", returned by data type) and one
    `codat_custom_data_type` per identifier ("custom_data_type_<identifier>"). Their ids are a stable contract."""
    supplemental = {
        data_type: CodatSupplementalData(
            scope, f"supplemental_data_{data_type}", platform_key=platform_key, data_type=data_type,
            configurations={name: _fields(source) for name, source in sources.items()}, provider=provider,
        )
        for data_type, sources in supplemental_data.items()
    }
    for identifier, configuration in custom_data_types.items():
        fields = _fields(configuration)
        CodatCustomDataType(
            scope, f"custom_data_type_{identifier}", platform_key=platform_key, identifier=identifier,
            data_source=fields["data_source"], key_by=fields["key_by"], required_data=fields.get("required_data"),
            source_modified_date=fields.get("source_modified_date"), provider=provider,
        )
    return supplemental
