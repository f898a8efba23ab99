"""What an environments file declares, once read and checked: one `Environment` per Codat instance, with its
tables as `XeroSettings`, `AccountingSettings`, `ProfileSettings` and `WebhookSettings` (the sync settings and
CORS origins tables are `environment_configuration`'s). Plain frozen data: `environment_tables` makes them,
`environment_stack` turns them into constructs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from codat_constructs.environment_configuration import CorsOriginsTable, IntegrationData, SyncSettingsTable
from codat_constructs.xero_app import CODAT_XERO_REDIRECT_URI, XeroTier


class EnvironmentConfigError(ValueError):
    """Every problem of an environments file, each naming its field and the fix."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source} is not valid ({len(self.problems)} problem(s)):\n{listed}")


@dataclass(frozen=True)
class XeroSettings:
    """`[environments.<name>.xero]`: a `XeroApp` and the `CodatXeroIntegration` that uses it; or, for an
    integration adopted from Codat (`import_id`) without its app (no `app_name`), Codat's Xero integration alone.
    No credentials (neither `client_id` nor `client_id_variable`): Codat's are left as they are."""

    app_name: Optional[str]
    company_url: Optional[str]
    client_id: Optional[str]
    client_secret_variable: Optional[str]
    client_id_variable: Optional[str] = None
    import_id: Optional[str] = None
    tier: XeroTier = XeroTier.STARTER
    redirect_uris: tuple[str, ...] = (CODAT_XERO_REDIRECT_URI,)
    privacy_policy_url: Optional[str] = None
    terms_url: Optional[str] = None
    enabled: bool = True
    client_secret_version: int = 1
    connection_guard: bool = True
    data: IntegrationData = field(default_factory=IntegrationData)


@dataclass(frozen=True)
class AccountingSettings:
    """`[environments.<name>.accounting.<id>]`: a `CodatAccountingIntegration` (QuickBooks Online, ...)."""

    id: str
    platform_key: str
    client_id: Optional[str]
    client_secret_variable: Optional[str]
    client_id_variable: Optional[str] = None
    import_id: Optional[str] = None
    enabled: bool = True
    client_secret_version: int = 1
    connection_cap: Optional[int] = None
    data: IntegrationData = field(default_factory=IntegrationData)


@dataclass(frozen=True)
class ProfileSettings:
    """`[environments.<name>.profile]`: the account's `codat_profile` (one per Codat instance)."""

    name: str
    redirect_url: str
    logo_url: Optional[str] = None
    icon_url: Optional[str] = None
    white_list_urls: Optional[tuple[str, ...]] = None
    import_id: Optional[str] = None


@dataclass(frozen=True)
class WebhookSettings:
    """`[environments.<name>.webhooks.<id>]`: one `codat_webhook` consumer."""

    id: str
    url: str
    event_types: Optional[tuple[str, ...]] = None
    company_tags: Optional[tuple[str, ...]] = None
    disabled: bool = False
    import_id: Optional[str] = None


@dataclass(frozen=True)
class Environment:
    """One Codat instance: becomes the stack `name`."""

    name: str
    api_key_variable: str
    base_url: Optional[str] = None
    xero: Optional[XeroSettings] = None
    accounting: tuple[AccountingSettings, ...] = ()
    profile: Optional[ProfileSettings] = None
    webhooks: tuple[WebhookSettings, ...] = field(default_factory=tuple)
    sync_settings: Optional[SyncSettingsTable] = None
    cors_origins: Optional[CorsOriginsTable] = None

    @property
    def api_key_env_var(self) -> str:
        return f"TF_VAR_{self.api_key_variable}"

    def secret_env_vars(self) -> list[str]:
        """Every environment variable this stack's deploy needs (API key first)."""
        names: list[str | None] = [self.api_key_variable]
        if self.xero:
            names.append(self.xero.client_secret_variable)
        names += [a.client_secret_variable for a in self.accounting]
        return [f"TF_VAR_{n}" for n in dict.fromkeys(names) if n]
