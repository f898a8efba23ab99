"""`CodatXeroIntegration`: Codat's Xero integration (platform key `gbol`) with the credentials of a `XeroApp`."""

from __future__ import annotations

from typing import Optional

import cdktf
from constructs import Construct

from codat_constructs.accounting import CodatAccountingIntegration, CodatIntegrationConfigError, credential_problems
from codat_constructs.runbook import CodatSideFacts
from codat_constructs.secret import Secret
from codat_constructs.xero_app import XeroApp

XERO_PLATFORM_KEY = "gbol"


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
    Invalid props raise `CodatIntegrationConfigError` at synth, listing every problem.
    The child resource's id is "integration": a stable contract, renaming it replaces the resource.
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
        provider: Optional[cdktf.TerraformProvider] = None,
    ) -> None:
        if not isinstance(app, XeroApp):
            got = "a plain string (a client id?)" if isinstance(app, str) else type(app).__name__
            problems = [
                f"app must be a XeroApp, not {got}: declare the app with "
                'xero_app = XeroApp(self, "xero_app", app_name=..., company_url=..., client_id=...) '
                "and pass app=xero_app (the client id comes from the app)."
            ]
            problems += credential_problems(
                platform_key=XERO_PLATFORM_KEY,
                client_id="unused",
                client_secret=client_secret,
                enabled=enabled,
                client_secret_version=client_secret_version,
            )
            raise CodatIntegrationConfigError(type(self).__name__, f"{scope.node.path}/{id}".lstrip("/"), problems)
        super().__init__(
            scope,
            id,
            platform_key=XERO_PLATFORM_KEY,
            client_id=app.client_id,
            client_secret=client_secret,
            enabled=enabled,
            client_secret_version=client_secret_version,
            provider=provider,
        )
        self.app = app
        app._used_by(
            CodatSideFacts(
                construct_path=self.node.path,
                stack=cdktf.TerraformStack.of(self).node.id,
                platform_key=XERO_PLATFORM_KEY,
                secret_env_var=client_secret.env_var,
                enabled=enabled,
                client_secret_version=client_secret_version,
            ),
        )
