"""`codat-iac adopt`: describe a Codat instance that was set up by hand as one environment of the environments
file (CODAT_IAC_ENVIRONMENTS), so it can be managed as code from an empty first plan.

It reads Codat through codat_client with GET requests only (no write, ever), and decides what each finding
becomes (`Adopted`): a table of the file with the import id Terraform imports it by, or an entry of
`not_represented` saying why it is not in the file (no resource manages it, or a value the file's rules refuse,
which written as it is would make the first plan change Codat). adopt_file.py turns the result into the file.

What is adopted, and what that costs in requests (all GETs):
  - integrations that are enabled or hold credentials: the list (1 request), then each integration's
    credentials, masked (1 each; Codat has no list of them). Xero becomes [xero], the others [accounting.<id>];
  - the profile (1), every webhook consumer (1), the sync settings (1; the data types whose setting is not
    Codat's default), the CORS origins (1; when there are any);
  - the supplemental data of each adopted integration: 1 request per data type Codat accepts for the platform
    (10 for an accounting platform, 21 otherwise), as Codat has no list of the configured ones.
Custom data types cannot be listed at all (Codat has no such endpoint): always named in `not_represented`.

What Codat returns is attacker data. A value that holds a secret this process knows (the API key adopt reads with,
a client secret in a `TF_VAR_` variable; withholding.py) is never written: such a field is left out and named in
`not_represented` with "set it by hand" (writing the value, or a marker in its place, would deploy it to Codat);
a name that held one is shown as the marker, and no table name is made from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from codat_iac.withholding import WITHHELD, holds_secret
from codat_settings import RESERVED_TABLE_NAMES, TABLE_NAME, url_allowed
from codat_settings.configuration import (
    SUPPLEMENTAL_DATA_TYPES,
    default_sync_setting,
    origins_problems,
    supplemental_source_problems,
    sync_data_type_problem,
    sync_setting_problems,
)
from codat_settings.secrets import scrub

XERO = "gbol"
#: Fields of Codat's sync setting -> the file's (provider's) names.
SYNC_FIELDS = {"fetchOnFirstLink": "fetch_on_first_link", "syncSchedule": "sync_schedule", "syncOrder": "sync_order",
               "syncFromUtc": "sync_from_utc", "syncFromWindow": "sync_from_window", "monthsToSync": "months_to_sync",
               "isLocked": "is_locked"}
PROFILE_FIELDS = {"name": "name", "redirectUrl": "redirect_url", "logoUrl": "logo_url", "iconUrl": "icon_url",
                  "whiteListUrls": "white_list_urls"}
CUSTOM_DATA_TYPES = (
    "custom data types",
    "Codat has no endpoint that lists them, so adopt cannot find any. Declare the ones your account has under "
    "custom_data_types of their integration's table: the first apply adopts one that exists, with a warning.")
HELD_A_SECRET = "its value held a secret (the API key or a client secret)"
SET_BY_HAND = (f"{HELD_A_SECRET}, so it is left out of the file: set it there by hand. Writing the value, or a marker "
               "in its place, would deploy it to Codat.")


class AdoptError(RuntimeError):
    """Adopt cannot go on (Codat refused the key, the file exists, ...); the message names the fix."""


@dataclass
class Integration:
    """An integration to adopt: its table ([xero] or [accounting.<table>]) and what Codat holds."""

    key: str
    name: str
    table: str
    enabled: bool
    credentials: bool  # Codat holds credentials (shown masked: never written)
    accounting: bool
    client_id_masked: Optional[str] = None  # Codat's client id as it shows it: X's and the last 4 characters
    supplemental_data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


@dataclass
class NotRepresented:
    """Something found in Codat that the file does not hold, and why."""

    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


@dataclass
class Adopted:
    """What one Codat instance holds, as one environment `name` of the environments file."""

    name: str
    base_url: str
    integrations: list[Integration] = field(default_factory=list)
    profile: Optional[dict[str, Any]] = None
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # table id -> fields (import_id first)
    sync_settings: Optional[dict[str, Any]] = None  # overrides_defaults, data_types
    cors_origins: Optional[list[str]] = None
    # platform key -> identifier -> configuration, for the identifiers read() was asked for (Codat lists none)
    custom_data_types: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    not_represented: list[NotRepresented] = field(default_factory=list)
    credentials_unreadable: list[str] = field(default_factory=list)  # keys whose credentials Codat did not show
    requests: int = 0

    @property
    def anything(self) -> bool:
        """Whether there is anything to adopt. The profile alone does not count: every instance has one from the
        start, so an instance with nothing else is one nobody set up."""
        return bool(self.integrations or self.webhooks or self.sync_settings or self.cors_origins)

    def client_id_variable(self, integration: Integration) -> str:
        return f"{integration.table}_client_id_{self.name}"

    def client_secret_variable(self, integration: Integration) -> str:
        return f"{integration.table}_client_secret_{self.name}"

    @property
    def api_key_variable(self) -> str:
        return f"codat_api_key_{self.name}"

    def variables(self) -> dict[str, str]:
        """TF_VAR_<name> -> what to set it to: every value the stack needs that the file does not hold."""
        found = {f"TF_VAR_{self.api_key_variable}": "the Codat API key (the one adopt read this instance with)"}
        for integration in self.integrations:
            if integration.credentials:
                where = "developer.xero.com > My Apps > your app > Configuration" if integration.key == XERO else \
                    "the platform's developer portal"
                found[f"TF_VAR_{self.client_id_variable(integration)}"] = (
                    f"{integration.name}'s client id: Codat shows it only masked ({where})")
                found[f"TF_VAR_{self.client_secret_variable(integration)}"] = (
                    f"{integration.name}'s client secret: the plan checks its last 4 characters against Codat's")
        return found


class ReadFailed(AdoptError):
    """Codat answered a read with an error; `codat_error` is the client's exception (e.g. a 401's)."""

    def __init__(self, message: str, codat_error: Exception) -> None:
        super().__init__(message)
        self.codat_error = codat_error


class _Reads:
    """The client calls adopt makes, counted: each is one GET (lists are read in one page; retries the client
    makes after a 429 or 5xx are not counted)."""

    def __init__(self, client: Any) -> None:
        self.client, self.count = client, 0

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        result = getattr(self.client, method)(*args, **kwargs)
        return list(result) if method.startswith("list_") else result


def read(client: Any, name: str, base_url: str, custom_data_types: Mapping[str, list[str]] | None = None) -> Adopted:
    """What the Codat instance behind `client` holds, as environment `name`. GET requests only.
    `custom_data_types` (platform key -> identifiers) names the custom data types to read too."""
    from codat_client import CodatError

    if not TABLE_NAME.fullmatch(name):
        raise AdoptError(f"--name {name!r}: an environment's name must be lowercase letters, digits and _, starting "
                         "with a letter, at most 40 characters (it names the stack and its TF_VAR_ variables).")
    reads = _Reads(client)
    found = Adopted(name, base_url)
    try:
        _integrations(reads, found)
        _profile(reads, found)
        _webhooks(reads, found)
        _sync_settings(reads, found)
        _cors_origins(reads, found)
        for integration in found.integrations:
            _supplemental_data(reads, integration, found)
        _custom_data_types(reads, custom_data_types or {}, found)
    except CodatError as failed:
        raise ReadFailed(f"reading Codat at {base_url} failed, so nothing was written: {failed}", failed) from None
    found.not_represented.append(NotRepresented(*CUSTOM_DATA_TYPES))
    found.requests = reads.count
    return found


def secret_free(text: str) -> str:
    """The environments file's text, refused when it holds a secret after all (in a form the scrubber finds)."""
    if scrub(text) != text:
        raise AdoptError("the environments file would hold a secret (the API key or a client secret) that Codat "
                         "returned in a place adopt does not check, so nothing was written. Run adopt with --json "
                         "to review what Codat holds, and report this as a bug of codat-iac.")
    return text


# ------------------------------------------------------------------------------------------ integrations


def _table_id(name: str, key: str, taken: set[str]) -> str:
    """An [accounting.<id>] name from the platform's name (QuickBooks Online -> quickbooks_online)."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or key
    base = (base if base[0].isalpha() else f"p_{base}")[:30].rstrip("_")
    candidate = base if base not in taken and not base.startswith("webhook_") else f"{base}_{key}"
    taken.add(candidate)
    return candidate


def _integrations(reads: _Reads, found: Adopted) -> None:
    from codat_client import LegacyEndpointUnavailableError, NotFoundError

    taken = set(RESERVED_TABLE_NAMES)
    for integration in reads("list_integrations", page_size=5000):
        if holds_secret(integration.key):
            found.not_represented.append(NotRepresented(
                "an integration", "its platform key held a secret (the API key or a client secret): left out "
                "(Codat keeps it)."))
            continue
        masked: Mapping[str, str] = {}
        try:
            masked = reads("get_credentials", integration.key)
        except NotFoundError:
            pass
        except LegacyEndpointUnavailableError:  # 404/405 from the legacy endpoint: unknown, not "none"
            if integration.enabled:
                found.credentials_unreadable.append(integration.key)
        held = bool(masked)
        if not (integration.enabled or held):
            continue
        source_type = getattr(integration.source_type, "value", integration.source_type)
        name = integration.name
        if holds_secret(name):
            name = WITHHELD
            found.not_represented.append(NotRepresented(
                f"the name of integration {integration.key}", f"{HELD_A_SECRET}: shown as {WITHHELD!r}, and its "
                "table is named after its platform key (the file holds no names)."))
        table = "xero" if integration.key == XERO else _table_id(integration.key if name == WITHHELD else name,
                                                                  integration.key, taken)
        found.integrations.append(Integration(integration.key, name, table, integration.enabled, held,
                                              accounting=source_type == "Accounting",
                                              client_id_masked=masked.get("clientId")))
    found.integrations.sort(key=lambda i: i.key != XERO)  # Xero first, the others in Codat's order
    if found.credentials_unreadable:
        found.not_represented.append(NotRepresented(
            "credentials", f"Codat's credentials endpoint did not answer for {', '.join(found.credentials_unreadable)} "
            "(404/405: legacy endpoints unavailable), so whether they hold credentials is unknown: they are adopted "
            "without them (Codat keeps its own). Add client_id and the secret to a table to manage them."))


def _supplemental_data(reads: _Reads, integration: Integration, found: Adopted) -> None:
    """Every data type Codat accepts for the platform, probed one by one (Codat lists none)."""
    from codat_client import BadRequestError, NotFoundError

    kinds = [t for t in SUPPLEMENTAL_DATA_TYPES if not (integration.accounting and t.startswith("commerce-"))]
    for data_type in kinds:
        try:
            sources = reads("get_supplemental_data", integration.key, data_type)
        except (BadRequestError, NotFoundError):
            continue  # not a data type this platform takes
        if not sources:
            continue
        fields = {name: source.model_dump(mode="json", exclude_none=True) for name, source in sources.items()}
        if holds_secret(fields):
            found.not_represented.append(NotRepresented(
                f"{integration.name} ({integration.key}) supplemental data for {data_type}",
                "a name or value in it held a secret (the API key or a client secret). The table would own the whole "
                "configuration, so it is left out: Codat keeps it; write it by hand without the secret."))
            continue
        refused = [f"{name}.{'.'.join(map(str, p.path))}: {p.message}" if p.path else f"{name}: {p.message}"
                   for name, source in fields.items() for p in supplemental_source_problems(name, source)]
        if refused:
            found.not_represented.append(NotRepresented(
                f"{integration.name} ({integration.key}) supplemental data for {data_type}",
                f"{'; '.join(refused)}. The table would own the whole configuration, so it is left out rather than "
                "written in part; Codat keeps it."))
            continue
        integration.supplemental_data[data_type] = fields


def _custom_data_types(reads: _Reads, named: Mapping[str, list[str]], found: Adopted) -> None:
    """The named custom data types that exist (Codat has no list of them, so only named ones can be read)."""
    from codat_client import NotFoundError

    for key, identifiers in named.items():
        for identifier in identifiers:
            try:
                configuration = reads("get_custom_data_type", key, identifier)
            except NotFoundError:
                continue
            fields = configuration.model_dump(mode="json", exclude_none=True)
            if holds_secret(fields):
                found.not_represented.append(NotRepresented(f"integrations.{key}.custom_data_types.{identifier}",
                                                            f"{HELD_A_SECRET}: left out (Codat keeps it)."))
                continue
            found.custom_data_types.setdefault(key, {})[identifier] = fields


# --------------------------------------------------------------------------------------- the instance


def _profile(reads: _Reads, found: Adopted) -> None:
    codat = reads("get_profile").model_dump(mode="json", by_alias=True)
    redirect = codat.get("redirectUrl") or ""
    if not holds_secret(redirect) and not url_allowed(redirect, localhost_http=True):
        found.not_represented.append(NotRepresented(
            "profile", f"its redirectUrl {codat.get('redirectUrl')!r} is not an https:// URL, which the file "
            "requires: the profile is left out (Codat keeps it)."))
        return
    profile: dict[str, Any] = {"import_id": "profile"}
    for api, name in PROFILE_FIELDS.items():
        value = codat.get(api)
        if value in (None, "", []):
            continue  # left out: Codat's value is kept
        if holds_secret(value):
            found.not_represented.append(NotRepresented(f"profile.{name}", SET_BY_HAND))
            continue
        if name in ("logo_url", "icon_url") and not url_allowed(value):
            found.not_represented.append(NotRepresented(
                f"profile.{name}", f"{value!r} is not an https:// URL, which the file requires: left out, so Codat "
                "keeps it."))
            continue
        profile[name] = value
    for api in sorted(set(codat) - set(PROFILE_FIELDS)):
        found.not_represented.append(NotRepresented(
            f"profile.{api}", f"{_shown(codat[api])}: codat_profile does not manage it (Codat keeps it as it is)."))
    found.profile = profile


def _webhook_id(consumer: Any, taken: set[str]) -> str:
    """A [webhooks.<id>] name: the one event type it listens to, else the URL's host (never words that hold a
    secret)."""
    from urllib.parse import urlsplit

    words = consumer.event_types[0] if len(consumer.event_types) == 1 else (urlsplit(consumer.url).hostname or "")
    words = "" if holds_secret(words) else words
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", words)
    base = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_") or "consumer"
    base = (base if base[0].isalpha() else f"consumer_{base}")[:32].rstrip("_")
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def _webhooks(reads: _Reads, found: Adopted) -> None:
    taken: set[str] = set()
    for consumer in reads("list_webhooks"):
        if holds_secret(consumer.id):
            found.not_represented.append(NotRepresented(
                "a webhook consumer", "its id held a secret (the API key or a client secret): left out (Codat keeps "
                "it)."))
            continue
        if not holds_secret(consumer.url) and not url_allowed(consumer.url, localhost_http=True):
            found.not_represented.append(NotRepresented(
                f"webhook consumer {consumer.id}", f"its url {consumer.url!r} is not an https:// URL (or http:// to "
                "localhost), which the file requires: left out (Codat keeps it)."))
            continue
        table = _webhook_id(consumer, taken)
        hook: dict[str, Any] = {"import_id": consumer.id}
        for name, value in (("url", consumer.url), ("event_types", list(consumer.event_types)),
                            ("company_tags", list(consumer.company_tags))):
            if holds_secret(value):
                found.not_represented.append(NotRepresented(f"webhooks.{table}.{name}", SET_BY_HAND))
            elif value:
                hook[name] = value
        if consumer.disabled:
            hook["disabled"] = True
        found.webhooks[table] = hook


def _sync_settings(reads: _Reads, found: Adopted) -> None:
    """The data types whose setting is not Codat's default (the table manages only those: Codat keeps the rest),
    with every field as Codat holds it, so the first plan is empty."""
    codat = reads("get_sync_settings").model_dump(mode="json", by_alias=True, exclude_none=True)
    data_types: dict[str, dict[str, Any]] = {}
    for setting in codat.get("settings") or []:
        if holds_secret(setting):
            found.not_represented.append(NotRepresented(
                "sync settings of a data type", "a name or value in it held a secret (the API key or a client "
                "secret): left out (Codat keeps it)."))
            continue
        data_type = setting.get("dataType")
        fields = {name: setting[api] for api, name in SYNC_FIELDS.items() if api in setting}
        default = default_sync_setting(str(data_type))
        customised = any(fields.get(name, default.get(name)) != default.get(name)
                         for name in ("fetch_on_first_link", "sync_schedule", "months_to_sync", "is_locked"))
        if not (customised or "sync_from_utc" in fields or "sync_from_window" in fields):
            continue
        problems = [sync_data_type_problem(data_type)] + [
            p.message for p in sync_setting_problems(str(data_type), fields)]
        if any(problems):
            found.not_represented.append(NotRepresented(
                f"sync settings for {data_type}", f"{' '.join(p for p in problems if p)} Left out: Codat keeps it."))
            continue
        data_types[str(data_type)] = fields
    overrides = bool(codat.get("overridesDefaults"))
    if data_types:
        found.sync_settings = {"import_id": ",".join(data_types), "overrides_defaults": overrides,
                               "data_types": data_types}
    elif overrides:
        found.not_represented.append(NotRepresented(
            "sync settings", "overridesDefaults is true while every data type holds Codat's default setting: a "
            "sync_settings table manages the data types it lists, and there is none to list (Codat keeps it)."))


def _cors_origins(reads: _Reads, found: Adopted) -> None:
    origins = reads("get_cors_origins")
    if not origins:
        return
    if holds_secret(list(origins)):
        found.not_represented.append(NotRepresented(
            "CORS origins", "an origin held a secret (the API key or a client secret). The table would own the whole "
            "list, so it is left out (Codat keeps the list): write it by hand without that origin."))
        return
    problems = origins_problems(list(origins))
    if problems:
        found.not_represented.append(NotRepresented(
            "CORS origins", f"{' '.join(p.message for p in problems)} The table would own the whole list, so it is "
            "left out rather than written without them (the first apply would remove them); Codat keeps the list."))
        return
    found.cors_origins = list(origins)


def _shown(value: Any) -> str:
    if holds_secret(value):
        return WITHHELD
    return "a table" if isinstance(value, Mapping) else json.dumps(value)
