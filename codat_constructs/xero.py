"""`CodatXeroIntegration`: Codat's Xero integration (platform key `gbol`) with the credentials of a `XeroApp`."""

from __future__ import annotations

from typing import Mapping, Optional

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs.accounting import CodatAccountingIntegration, CodatIntegrationConfigError, credential_problems
from codat_constructs.configuration import CustomDataType, SupplementalDataSource
from codat_constructs.guard import CapWording
from codat_constructs.runbook import CodatSideFacts
from codat_constructs.secret import Secret
from codat_constructs.xero_app import XeroApp, XeroTier

XERO_PLATFORM_KEY = "gbol"
#: Construct context naming the environments file's table of the stack's Xero settings (for messages).
XERO_TABLE_CONTEXT = "codat-iac:xero-table"
#: Construct context naming the environment variable with the stack's Codat API key (for the runbook);
#: `CodatEnvironmentStack` sets it, and without it the provider reads CODAT_API_KEY.
API_KEY_ENV_CONTEXT = "codat-iac:api-key-env"


def _xero_table(scope: Construct) -> Optional[str]:
    """The environments file's table this integration comes from, if any (see `XERO_TABLE_CONTEXT`)."""
    return scope.node.try_get_context(XERO_TABLE_CONTEXT)


class CodatXeroIntegration(CodatAccountingIntegration):
    """Switches Xero on in Codat with the client id of a `XeroApp` and that app's client secret.

    Props:
      app: the `XeroApp` whose Client id Codat uses; its RUNBOOK.md then names `client_secret`'s
        environment variable and what `cdktf deploy` does in Codat.
      client_secret: a `Secret` (never a string), e.g. `Secret.from_env(self, "xero_client_secret")`,
        holding the secret generated on the app's Configuration page; sent write-only, so neither state
        nor plan files hold it.
      enabled: whether Xero is switched on in Codat. Default: True.
      client_secret_version: add 1 to send the secret again after rotating it. Default: 1.
      provider: the `CodatProvider` to use. Default: None (the stack's default `codat` provider).
      connection_guard: guard the app's connection cap (its `tier`): every plan reads
        `data.codat_connection_usage` for Xero, warns from 80% of the cap linked and fails above the cap,
        saying which tier to move to. Tiers without a cap (Enterprise, App Partner) get no guard. Default: True.
      supplemental_data, custom_data_types: Xero's supplemental data and custom data types, as on
        `CodatAccountingIntegration`. Default: none.
    Invalid props raise `CodatIntegrationConfigError` at synth, listing every problem.
    The child resource's id is "integration": a stable contract, renaming it replaces the resource. With a
    guard, the guard is the child "connection_cap" (`ConnectionCapGuard`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app: XeroApp,
        client_secret: Secret,
        enabled: bool = True,
        client_secret_version: int = 1,
        provider: Optional[cdk.TerraformProvider] = None,
        connection_guard: bool = True,
        supplemental_data: Optional[Mapping[str, Mapping[str, SupplementalDataSource]]] = None,
        custom_data_types: Optional[Mapping[str, CustomDataType]] = None,
    ) -> None:
        app_problems: list[str] = []
        if not isinstance(app, XeroApp):
            got = "a plain string (a client id?)" if isinstance(app, str) else type(app).__name__
            app_problems.append(
                f"app must be a XeroApp, not {got}: declare the app with "
                'xero_app = XeroApp(self, "xero_app", app_name=..., company_url=..., client_id=...) '
                "and pass app=xero_app (the client id comes from the app)."
            )
        guard_problems: list[str] = (
            [] if isinstance(connection_guard, bool)
            else [f"connection_guard must be True or False (got {connection_guard!r})."]
        )
        if app_problems or guard_problems:
            # Every problem in one message: the credential props too, which the parent would check only later.
            problems = app_problems + credential_problems(
                platform_key=XERO_PLATFORM_KEY,
                client_id=app.client_id if isinstance(app, XeroApp) else "unused",
                client_secret=client_secret,
                enabled=enabled,
                client_secret_version=client_secret_version,
            ) + guard_problems
            raise CodatIntegrationConfigError(type(self).__name__, f"{scope.node.path}/{id}".lstrip("/"), problems)
        cap = app.connection_cap if connection_guard else None
        super().__init__(
            scope,
            id,
            platform_key=XERO_PLATFORM_KEY,
            client_id=app.client_id,
            client_secret=client_secret,
            enabled=enabled,
            client_secret_version=client_secret_version,
            provider=provider,
            connection_cap=cap,
            supplemental_data=supplemental_data,
            custom_data_types=custom_data_types,
            _cap_wording=_xero_wording(app, _xero_table(scope)) if cap is not None else None,
        )
        self.app = app
        app._used_by(
            CodatSideFacts(
                construct_path=self.node.path,
                stack=cdk.TerraformStack.of(self).node.id,
                platform_key=XERO_PLATFORM_KEY,
                secret_env_var=client_secret.env_var,
                enabled=enabled,
                client_secret_version=client_secret_version,
                connection_cap=cap,
                warn_at=self.guard.warn_at if self.guard else None,
                api_key_env_var=self.node.try_get_context(API_KEY_ENV_CONTEXT) or "CODAT_API_KEY",
            ),
        )


def _xero_wording(app: XeroApp, table: Optional[str] = None) -> CapWording:
    """The guard's messages for a Xero app: its tier, the tier to move to, and where to say so (the XeroApp's
    `tier` prop, or `tier` in the environments file's table when the stack comes from one)."""

    def setting(tier: XeroTier) -> str:
        if table:
            return f"tier = '{tier.name.lower()}' in [{table}]"
        return f"tier=XeroTier.{tier.name} on the XeroApp"

    cap = app.tier.connection_cap  # the guard words only a capped tier's messages
    bigger = [tier for tier in XeroTier
              if tier.connection_cap is not None and cap is not None and tier.connection_cap > cap]
    move = (
        f"move the app to a higher Xero tier (next: {bigger[0].label}, {bigger[0].connection_cap:,} connections; "
        f"Enterprise has no cap) in the Xero developer portal and set {setting(bigger[0])}"
        if bigger
        else f"move the app to Xero's Enterprise tier (no cap) and set {setting(XeroTier.ENTERPRISE)}"
    )
    return CapWording(
        what=f"Xero app '{app.app_name}' ({app.tier.label} tier, cap {app.connection_cap:,})",
        platform="Xero",
        fix=f"To connect more organisations, {move}, or become a Xero App Partner (certification lifts the cap; "
        f"{setting(XeroTier.APP_PARTNER).replace(' on the XeroApp', '')}).",
    )
