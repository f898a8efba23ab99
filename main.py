"""The reference stack: Codat's Xero integration, declared in Python.

Settings come from the environment so the same file deploys to the local emulator (what `make deploy`
sets up) and to real Codat:
  CODAT_BASE_URL             Codat API (https://api.codat.io when unset)
  CODAT_API_KEY              read by the provider at run time; never written into the synthesized stack
  XERO_CLIENT_ID             the Xero app's client id
  TF_VAR_xero_client_secret  the Xero app's client secret; read by Terraform, never by this file
"""

import os
import sys

from cdktf import App, TerraformStack
from constructs import Construct

from codat_constructs import (
    CodatIntegrationConfigError,
    CodatProvider,
    CodatXeroIntegration,
    Secret,
    XeroApp,
    XeroAppConfigError,
)

STACK = "codat"


class CodatStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, *, base_url: str | None, xero_client_id: str) -> None:
        super().__init__(scope, id)
        CodatProvider(self, "codat", base_url=base_url)
        xero_app = XeroApp(
            self, "xero_app", app_name="Codat IaC demo", company_url="https://example.com", client_id=xero_client_id
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
        sys.exit("main.py: set XERO_CLIENT_ID to the Xero app's client id (or run `make deploy`, which sets a demo one).")
    app = App()
    try:
        CodatStack(app, STACK, base_url=os.environ.get("CODAT_BASE_URL"), xero_client_id=client_id)
    except (XeroAppConfigError, CodatIntegrationConfigError) as problem:
        sys.exit(f"main.py: {problem}")
    app.synth()


if __name__ == "__main__":
    main()
