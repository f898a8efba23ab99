"""Reading an environments file's tables (`[environments.<name>]` and the tables under it) into `Environment`s,
checked by the same rules as the constructs they become, so a mistake is reported at load with its field path
(`environments.sandbox.xero.client_id ...`) and the fix, every problem at once (`EnvironmentConfigError`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Mapping, Optional

from codat_constructs._file_reader import _Reader, _shown
from codat_constructs.accounting import cap_problems, declared_credential_problems
from codat_constructs.configuration import dotted
from codat_constructs.environment_configuration import read_cors_origins, read_integration_data, read_sync_settings
from codat_constructs.environment_settings import (
    AccountingSettings,
    Environment,
    EnvironmentConfigError,
    ProfileSettings,
    WebhookSettings,
    XeroSettings,
)
from codat_constructs.xero import XERO_PLATFORM_KEY
from codat_constructs.xero_app import CODAT_XERO_REDIRECT_URI, XeroIntegrationType, XeroTier, _check
from codat_settings import RESERVED_TABLE_NAMES, TABLE_NAME
from codat_settings.configuration import profile_problems, webhook_problems

_NAME = TABLE_NAME
_TIERS = {tier.name.lower(): tier for tier in XeroTier}


def _or(value: Any, placeholder: Any) -> Any:
    return placeholder if value is None else value


def _prefixed(path: str, problems: list[str]) -> list[str]:
    """Construct problems start with the prop name, which is the field name: put the table's path in front."""
    return [f"{path}.{problem}" for problem in problems]


def _import_id(r: _Reader, platform_key: Any) -> Optional[str]:
    """An integration table's `import_id`: its platform key (Terraform imports the integration Codat has)."""
    value = r.import_id(f"the platform key, {platform_key!r}")
    if value is not None and isinstance(platform_key, str) and value != platform_key:
        r.problems.append(f"{r.at('import_id')} must be {platform_key!r}, the platform key (got {value!r}): an "
                          "integration is imported by its platform key.")
    return value


def _credentials(r: _Reader, default_secret: str) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(client_id, client_id_variable, client_secret_variable) of an integration table: the client id is given
    as client_id or as client_id_variable (Terraform's TF_VAR_<name>), or neither, and then the table manages
    no credentials (Codat's are left as they are) and names no secret."""
    client_id = r.get("client_id", str, "your app's Client ID on the platform")
    variable = r.variable("client_id_variable", "") if "client_id_variable" in r.table else None
    if client_id is not None and variable is not None:
        r.problems.append(f"{r.at('client_id_variable')}: give client_id or client_id_variable, not both.")
    if client_id is None and variable is None:
        for key in ("client_secret_variable", "client_secret_version"):
            if key in r.table:
                r.problems.append(f"{r.at(key)} needs the client id too: add client_id (or client_id_variable), or "
                                  f"remove {key} to leave the credentials Codat holds as they are.")
        return None, None, None
    return client_id, variable, r.variable("client_secret_variable", default_secret)


_APP_FIELDS = ("tier", "redirect_uris", "privacy_policy_url", "terms_url", "connection_guard")


def _xero(problems: list[str], env: str, table: Any) -> Optional[XeroSettings]:
    path = f"environments.{env}.xero"
    if not isinstance(table, dict):
        problems.append(f"{path} must be a table ([{path}]), not {_shown(table)}.")
        return None
    known = ("app_name", "company_url", "client_id", "client_id_variable", "client_secret_variable", "tier",
             "redirect_uris", "privacy_policy_url", "terms_url", "enabled", "client_secret_version", "connection_guard",
             "import_id", "supplemental_data", "custom_data_types")
    r = _Reader(problems, path, table, known)
    import_id = _import_id(r, XERO_PLATFORM_KEY)
    if import_id is not None and "app_name" not in table and "company_url" not in table:
        return _xero_without_app(r, env, import_id)
    if "client_id_variable" in table:
        problems.append(f"{r.at('client_id_variable')} is for a Xero integration adopted without its app "
                        f"(import_id and no app_name): with the app declared, give client_id itself.")
    tier_name = r.get("tier", str, f"one of {', '.join(_TIERS)}", default="starter")
    tier = _TIERS.get(tier_name.lower())
    if tier is None:
        problems.append(f"{r.at('tier')} must be one of {', '.join(_TIERS)} (got {tier_name!r}).")
    settings = dict(
        app_name=r.get("app_name", str, "the app's name as in the Xero developer portal", required=True),
        company_url=r.get("company_url", str, "an https:// URL", required=True),
        client_id=r.get("client_id", str, "the app's 32-hex-character Client id", required=True),
        client_secret_variable=r.variable("client_secret_variable", f"xero_client_secret_{env}"),
        redirect_uris=r.strings("redirect_uris", "redirect URIs") or (CODAT_XERO_REDIRECT_URI,),
        privacy_policy_url=r.get("privacy_policy_url", str, "an https:// URL"),
        terms_url=r.get("terms_url", str, "an https:// URL"),
        enabled=r.get("enabled", bool, "true or false", default=True),
        client_secret_version=r.get("client_secret_version", int, "a whole number from 1", default=1),
        connection_guard=r.get("connection_guard", bool, "true or false", default=True),
    )
    missing = [k for k in ("app_name", "company_url", "client_id") if settings[k] is None]
    # XeroApp's own rules (https, the exact redirect URI, a 32-hex client id, partner terms, ...), now, for
    # the fields that are there.
    app_problems = [
        problem
        for problem in _check(
            app_name=_or(settings["app_name"], "unset"), company_url=_or(settings["company_url"], "https://unset"),
            client_id=_or(settings["client_id"], "0" * 32), redirect_uris=list(settings["redirect_uris"]),
            integration_type=XeroIntegrationType.WEB_APP, privacy_policy_url=settings["privacy_policy_url"],
            terms_url=settings["terms_url"], tier=tier or XeroTier.STARTER,
        )
        if problem.split(" ", 1)[0] not in missing
    ]
    if settings["client_secret_version"] < 1:
        app_problems.append("client_secret_version must be a whole number from 1: add 1 each time you rotate the "
                            "secret.")
    problems += _prefixed(path, app_problems)
    data = read_integration_data(problems, path, table, XERO_PLATFORM_KEY)
    if missing or tier is None:
        return None
    return XeroSettings(tier=tier, data=data, import_id=import_id, **settings)


def _xero_without_app(r: _Reader, env: str, import_id: str) -> XeroSettings:
    """An adopted Xero integration declared without its app: Codat knows no app name, URL or tier."""
    for key in _APP_FIELDS:
        if key in r.table:
            r.problems.append(f"{r.at(key)} describes the Xero app: declare the app too (app_name, company_url, "
                              f"client_id), or remove {key}.")
    client_id, client_id_variable, secret_variable = _credentials(r, f"xero_client_secret_{env}")
    settings = XeroSettings(
        app_name=None, company_url=None, client_id=client_id, client_secret_variable=secret_variable,
        client_id_variable=client_id_variable, import_id=import_id, connection_guard=False,
        enabled=r.get("enabled", bool, "true or false", default=True),
        client_secret_version=r.get("client_secret_version", int, "a whole number from 1", default=1),
        data=read_integration_data(r.problems, r.path, r.table, XERO_PLATFORM_KEY),
    )
    r.problems.extend(_prefixed(r.path, _credential_problems(XERO_PLATFORM_KEY, settings)))
    return settings


def _credential_problems(platform_key: Any, settings: XeroSettings | AccountingSettings) -> list[str]:
    """The integration construct's own rules for a table's credential fields; the secret is the variable the
    table names, which the stack makes into a `Secret`."""
    managed = settings.client_secret_variable is not None
    return declared_credential_problems(
        platform_key=platform_key, client_id=(settings.client_id or "from-a-variable") if managed else None,
        secret_declared=managed, enabled=settings.enabled, client_secret_version=settings.client_secret_version,
    )


def _named_tables(problems: list[str], path: str, tables: Any, what: str,
                  example: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each well-named table under `path` as (name, its path, table); a problem for each that is not one."""
    if not isinstance(tables, dict):
        problems.append(f"{path} must be a table of {what}, e.g. [{path}.{example}].")
        return
    for key, table in tables.items():
        at = f"{path}.{key}"
        if not _NAME.fullmatch(key) or not isinstance(table, dict):
            problems.append(f"{at} must be a table named with lowercase letters, digits and _ "
                            f"(e.g. [{path}.{example}]).")
            continue
        yield key, at, table


def _accounting(problems: list[str], env: str, tables: Any) -> tuple[AccountingSettings, ...]:
    path = f"environments.{env}.accounting"
    found = []
    for key, at, table in _named_tables(problems, path, tables, "integrations", "quickbooks"):
        r = _Reader(problems, at, table, ("platform_key", "client_id", "client_id_variable", "client_secret_variable",
                                           "enabled", "client_secret_version", "connection_cap", "import_id",
                                           "supplemental_data", "custom_data_types"))
        platform_key = r.get("platform_key", str, "Codat's 4-letter platform key, e.g. \"qhyg\"", required=True)
        client_id, client_id_variable, secret_variable = _credentials(r, f"{key}_client_secret_{env}")
        settings = AccountingSettings(
            id=key,
            platform_key=platform_key,
            client_id=client_id,
            client_secret_variable=secret_variable,
            client_id_variable=client_id_variable,
            import_id=_import_id(r, platform_key),
            enabled=r.get("enabled", bool, "true or false", default=True),
            client_secret_version=r.get("client_secret_version", int, "a whole number from 1", default=1),
            connection_cap=r.get("connection_cap", int, "a whole number from 1"),
            data=read_integration_data(problems, at, table, table.get("platform_key")),
        )
        if settings.platform_key is None:
            continue
        problems += _prefixed(at, _credential_problems(settings.platform_key, settings)
                              + cap_problems(settings.connection_cap))
        found.append(settings)
    return tuple(found)


def _profile(problems: list[str], env: str, table: Any) -> Optional[ProfileSettings]:
    path = f"environments.{env}.profile"
    if not isinstance(table, dict):
        problems.append(f"{path} must be a table ([{path}]), not {_shown(table)}.")
        return None
    r = _Reader(problems, path, table, ("name", "redirect_url", "logo_url", "icon_url", "white_list_urls", "import_id"))
    fields: dict[str, Any] = dict(
        name=r.get("name", str, "your Codat instance's name", required=True),
        redirect_url=r.url("redirect_url", required=True, localhost_http=True),
        logo_url=r.url("logo_url"),
        icon_url=r.url("icon_url"),
        white_list_urls=r.strings("white_list_urls", "URLs"),
        import_id=r.import_id('"profile" (Terraform imports the profile Codat has)'),
    )
    problems += dotted(profile_problems(fields), path)
    return ProfileSettings(**fields) if fields["name"] is not None and fields["redirect_url"] is not None else None


def _webhooks(problems: list[str], env: str, tables: Any) -> tuple[WebhookSettings, ...]:
    path = f"environments.{env}.webhooks"
    found = []
    for key, at, table in _named_tables(problems, path, tables, "webhooks", "sync_done"):
        r = _Reader(problems, at, table, ("url", "event_types", "company_tags", "disabled", "import_id"))
        fields: dict[str, Any] = dict(
            id=key,
            url=r.url("url", required=True, localhost_http=True),
            event_types=r.strings("event_types", "event type names"),
            company_tags=r.strings("company_tags", "tags (tagKey:tagValue)"),
            disabled=r.get("disabled", bool, "true or false", default=False),
            import_id=r.import_id("the consumer's id in Codat (Terraform imports it)"),
        )
        problems += dotted(webhook_problems(fields), at)
        if fields["url"] is not None:
            found.append(WebhookSettings(**fields))
    return tuple(found)


def _clashes(environment: Environment) -> list[str]:
    """Names that would collide in the stack: the API key's variable reused for a client secret, or a
    child id taken twice. (Two integrations may share one client secret variable on purpose.)"""
    path = f"environments.{environment.name}"
    integrations: list[tuple[str, XeroSettings | AccountingSettings]] = (
        [("xero", environment.xero)] if environment.xero else [])
    integrations += [(f"accounting.{a.id}", a) for a in environment.accounting]
    secrets = [(f"{path}.{at}.client_secret_variable", i.client_secret_variable)
               for at, i in integrations if i.client_secret_variable]
    ids = [(f"{path}.{at}.client_id_variable", i.client_id_variable) for at, i in integrations if i.client_id_variable]
    problems = [
        f"{field_path} is {name!r}, the variable of this environment's Codat API key: give the secret its own variable."
        for field_path, name in secrets
        if name == environment.api_key_variable
    ]
    secret_names = {environment.api_key_variable} | {name for _, name in secrets}
    problems += [f"{field_path} is {name!r}, a secret's variable: give the client id its own variable."
                 for field_path, name in ids if name in secret_names]
    taken = set(RESERVED_TABLE_NAMES) | secret_names | {name for _, name in ids}
    for a in environment.accounting:
        if a.id in taken or a.id.startswith("webhook_"):
            problems.append(
                f"{path}.accounting.{a.id}: the name {a.id!r} is taken in the stack (names in use: "
                f"{', '.join(sorted(taken))}, webhook_*): rename the table, e.g. [{path}.accounting.quickbooks]."
            )
    return problems


def parse_environments(data: Mapping[str, Any], source: str = "the environments file") -> list[Environment]:
    """The environments of a parsed TOML document; raises EnvironmentConfigError listing every problem."""
    problems: list[str] = []
    unknown = [key for key in data if key != "environments"]
    for key in unknown:
        problems.append(f"{key} is not a known field: put every environment under [environments.<name>].")
    tables = data.get("environments")
    if not isinstance(tables, dict) or not tables:
        problems.append("environments is missing or empty: add at least one table, e.g. [environments.sandbox].")
        raise EnvironmentConfigError(source, problems)
    found = []
    for name, table in tables.items():
        path = f"environments.{name}"
        if not _NAME.fullmatch(name):
            problems.append(
                f"{path}: an environment's name must be lowercase letters, digits and _, starting with a letter, "
                f"at most 40 characters (it names the stack and the TF_VAR_ variables), e.g. [environments.sandbox]."
            )
            continue
        if not isinstance(table, dict):
            problems.append(f"{path} must be a table ([{path}]), not {_shown(table)}.")
            continue
        r = _Reader(problems, path, table, ("base_url", "api_key_variable", "xero", "accounting", "profile", "webhooks",
                                            "sync_settings", "cors_origins"))
        environment = Environment(
            name=name,
            base_url=r.base_url("base_url"),
            api_key_variable=r.variable("api_key_variable", f"codat_api_key_{name}"),
            xero=_xero(problems, name, table["xero"]) if "xero" in table else None,
            accounting=_accounting(problems, name, table["accounting"]) if "accounting" in table else (),
            profile=_profile(problems, name, table["profile"]) if "profile" in table else None,
            webhooks=_webhooks(problems, name, table["webhooks"]) if "webhooks" in table else (),
            sync_settings=(read_sync_settings(problems, f"{path}.sync_settings", table["sync_settings"])
                           if "sync_settings" in table else None),
            cors_origins=(read_cors_origins(problems, f"{path}.cors_origins", table["cors_origins"])
                          if "cors_origins" in table else None),
        )
        problems += _clashes(environment)
        found.append(environment)
    if problems:
        raise EnvironmentConfigError(source, problems)
    return found
