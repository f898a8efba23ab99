"""Codat integrations of this repository, declared in Python (made by `codat-iac init`; yours to edit).

`codat-iac deploy` runs this file to synthesize the stack, then applies it with Terraform. Settings come from
the environment, so the same file deploys to the local Codat emulator (what `codat-iac deploy` uses while
CODAT_BASE_URL is unset) and to real Codat:
  CODAT_BASE_URL             the Codat API, e.g. https://api.codat.io (unset: the local emulator)
  CODAT_API_KEY              read by the provider when Terraform runs; never written into the synthesized stack
  XERO_CLIENT_ID             the Xero app's client id (the local emulator gets a demo one)
  TF_VAR_xero_client_secret  the Xero app's client secret; read by Terraform, never by this file
  CODAT_IAC_STATE            postgres://... for team state; unset: terraform.<stack>.tfstate in this folder
"""

import os
import sys

from constructs import Construct

from codat_constructs import (  # App and TerraformStack come from the CDK CODAT_IAC_CDK picks (cdktf or cdktn)
    App,
    CodatIntegrationConfigError,
    CodatProvider,
    CodatXeroIntegration,
    Secret,
    TerraformStack,
    XeroApp,
    XeroAppConfigError,
)
from codat_constructs.state import use_state_backend
from codat_settings import SettingError, check_base_url


class CodatStack(TerraformStack):
    """One Codat instance: the Xero app as Xero knows it, and Codat's Xero integration wired to it."""

    def __init__(self, scope: Construct, id: str, *, base_url: str | None, xero_client_id: str) -> None:
        super().__init__(scope, id)
        use_state_backend(self)
        CodatProvider(self, "codat", base_url=base_url)
        xero_app = XeroApp(
            self, "xero_app", app_name="Acme books sync", company_url="https://acme.example", client_id=xero_client_id
        )
        CodatXeroIntegration(
            self,
            "xero",
            app=xero_app,
            client_secret=Secret.from_env(self, "xero_client_secret", description="The Xero app's client secret."),
        )


def main() -> None:
    client_id = os.environ.get("XERO_CLIENT_ID")
    if not client_id:
        sys.exit("main.py: set XERO_CLIENT_ID to the Xero app's client id (`codat-iac deploy` sets a demo one for "
                 "the local emulator).")
    base_url = os.environ.get("CODAT_BASE_URL")
    try:
        app = App()
        CodatStack(app, "codat", base_url=check_base_url(base_url, "CODAT_BASE_URL") if base_url else None,
                   xero_client_id=client_id)
    except (SettingError, XeroAppConfigError, CodatIntegrationConfigError) as problem:
        sys.exit(f"main.py: {str(problem).replace('- client_id ', '- XERO_CLIENT_ID (the client_id prop) ')}")
    app.synth()


if __name__ == "__main__":
    main()
