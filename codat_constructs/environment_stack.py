"""`CodatEnvironmentStack`: one Codat instance's stack, made from an `Environment` (its provider with its own
base URL and API key, and a construct for each table the environment declares)."""

from __future__ import annotations

from typing import Any, Optional

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs._stack_hooks import after_synth
from codat_constructs.accounting import ACCOUNTING_PLATFORMS, CodatAccountingIntegration
from codat_constructs.bindings import CodatProfile, CodatProvider, CodatWebhook
from codat_constructs.bindings._base import TerraformExpression
from codat_constructs.configuration import CorsOrigins, SyncSettings
from codat_constructs.environment_settings import AccountingSettings, Environment, XeroSettings
from codat_constructs.secret import Secret
from codat_constructs.xero import API_KEY_ENV_CONTEXT, XERO_PLATFORM_KEY, XERO_TABLE_CONTEXT, CodatXeroIntegration
from codat_constructs.xero_app import XeroApp


class CodatEnvironmentStack(cdk.TerraformStack):
    """One Codat instance: its provider (its own base URL and API key) and what the environment declares.

    Children (stable ids: renaming one replaces what it creates): "codat" (the provider), the API key
    variable, "xero_app" and "xero" (with `[xero]`), one `CodatAccountingIntegration` per
    `[accounting.<id>]` under that id, "profile" (with `[profile]`), "webhook_<id>" per `[webhooks.<id>]`,
    "sync_settings" (with `[sync_settings]`) and "cors_origins" (with `[cors_origins]`). An integration's
    supplemental data and custom data types are children of its construct.
    """

    def __init__(self, scope: Construct, environment: Environment) -> None:
        super().__init__(scope, environment.name)
        self.environment = environment
        after_synth(self, "tidy", lambda stack, output: None)  # tidy the folder even without a XeroApp
        self.node.set_context(API_KEY_ENV_CONTEXT, f"TF_VAR_{environment.api_key_variable}")
        self.node.set_context(XERO_TABLE_CONTEXT, f"environments.{environment.name}.xero")
        api_key = Secret.from_env(
            self, environment.api_key_variable, description=f"Codat API key of environment {environment.name}."
        )
        self.provider = CodatProvider(self, "codat", base_url=environment.base_url, api_key=api_key.token)
        xero = environment.xero
        if xero is not None:
            integration = self._xero(xero)
            if xero.import_id is not None:
                integration.import_existing()
        for accounting in environment.accounting:
            integration = CodatAccountingIntegration(
                self, accounting.id, platform_key=accounting.platform_key,
                **self._credentials(accounting,
                                    ACCOUNTING_PLATFORMS.get(accounting.platform_key, accounting.platform_key)),
                enabled=accounting.enabled, client_secret_version=accounting.client_secret_version,
                connection_cap=accounting.connection_cap, supplemental_data=accounting.data.supplemental_data,
                custom_data_types=accounting.data.custom_data_types,
            )
            if accounting.import_id is not None:
                integration.import_existing()
        if environment.profile is not None:
            profile = environment.profile
            _imported(profile.import_id, CodatProfile(
                self, "profile", name=profile.name, redirect_url=profile.redirect_url, logo_url=profile.logo_url,
                icon_url=profile.icon_url,
                white_list_urls=list(profile.white_list_urls) if profile.white_list_urls is not None else None,
            ))
        for hook in environment.webhooks:
            _imported(hook.import_id, CodatWebhook(
                self, f"webhook_{hook.id}", url=hook.url,
                event_types=list(hook.event_types) if hook.event_types is not None else None,
                company_tags=list(hook.company_tags) if hook.company_tags is not None else None,
                disabled=hook.disabled,
            ))
        if environment.sync_settings is not None:
            sync = environment.sync_settings
            _imported(sync.import_id, SyncSettings(
                self, "sync_settings", data_types=sync.data_types, overrides_defaults=sync.overrides_defaults,
                on_destroy=sync.on_destroy).resource)
        if environment.cors_origins is not None:
            cors = environment.cors_origins
            _imported(cors.import_id, CorsOrigins(
                self, "cors_origins", allowed_origins=cors.allowed_origins, on_destroy=cors.on_destroy).resource)

    def _xero(self, xero: XeroSettings) -> CodatAccountingIntegration:
        """The Xero app and integration, or (adopted without its app) the integration alone, both as child "xero"."""
        data: dict[str, Any] = dict(enabled=xero.enabled, client_secret_version=xero.client_secret_version,
                    supplemental_data=xero.data.supplemental_data, custom_data_types=xero.data.custom_data_types)
        if xero.app_name is None:
            return CodatAccountingIntegration(self, "xero", platform_key=XERO_PLATFORM_KEY,
                                              **self._credentials(xero, "Xero"), **data)
        # With app_name, the environments file's reader required these (environment_tables.py).
        assert xero.company_url is not None and xero.client_id is not None and xero.client_secret_variable is not None
        app = XeroApp(
            self, "xero_app", app_name=xero.app_name, company_url=xero.company_url, client_id=xero.client_id,
            redirect_uris=xero.redirect_uris, privacy_policy_url=xero.privacy_policy_url,
            terms_url=xero.terms_url, tier=xero.tier,
        )
        return CodatXeroIntegration(
            self, "xero", app=app,
            client_secret=Secret.from_env(self, xero.client_secret_variable,
                                          description="The Xero app's client secret."),
            connection_guard=xero.connection_guard, **data,
        )

    def _credentials(self, table: XeroSettings | AccountingSettings, platform: str) -> dict[str, Any]:
        """client_id and client_secret props of an integration table: none, the file's client id, or a Terraform
        variable's (client_id_variable: not a secret, but not in the file either)."""
        if table.client_secret_variable is None:
            return {}
        client_id = table.client_id
        if table.client_id_variable is not None:
            name = table.client_id_variable
            variable = cdk.TerraformVariable(
                self, name, type="string", nullable=False,
                description=f"The {platform} app's client id (Codat shows it masked, so it is not in the file).",
            )
            variable.add_validation(
                condition=f'${{length(var.{name}) > 0 && length(regexall("[[:space:]]", var.{name})) == 0}}',
                error_message=f"TF_VAR_{name} (the {platform} app's client id) is empty or contains whitespace: copy "
                              f"the Client ID again from the platform's developer portal.",
            )
            client_id = TerraformExpression(variable.string_value)
        return {"client_id": client_id, "client_secret": Secret.from_env(self, table.client_secret_variable)}


def _imported(import_id: Optional[str], resource: cdk.TerraformResource) -> None:
    """A Terraform `import` block for `resource` when its table names what Codat has (`import_id`)."""
    if import_id is not None:
        resource.import_from(import_id)
