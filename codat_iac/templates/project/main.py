"""Codat integrations of this repository, declared in Python (made by `codat-iac init`; yours to edit).

`codat-iac deploy` runs this file to synthesize the stacks, then applies them with Terraform. Settings come from
the environment, so the same file deploys to the local Codat emulator (what `codat-iac deploy` uses while
CODAT_BASE_URL is unset) and to real Codat:
  CODAT_BASE_URL             the Codat API, e.g. https://api.codat.io (unset: the local emulator)
  CODAT_API_KEY              read by the provider when Terraform runs; never written into the synthesized stack
  XERO_CLIENT_ID             the Xero app's client id (the local emulator gets a demo one)
  TF_VAR_xero_client_secret  the Xero app's client secret; read by Terraform, never by this file
  CODAT_IAC_STATE            postgres://... for team state; unset: terraform.<stack>.tfstate in this folder

With CODAT_IAC_ENVIRONMENTS naming an environments file (what `codat-iac adopt --out FILE` writes), it declares
one stack per Codat instance instead (e.g. `codat-iac deploy production`), each with its own base URL and its own
API key and secrets from TF_VAR_..._<name>, as the file's comments say.
"""

import os
import sys

from constructs import Construct

from codat_constructs import (  # App and TerraformStack come from the CDK CODAT_IAC_CDK picks (cdktf or cdktn)
    App,
    CodatEnvironmentStack,
    CodatIntegrationConfigError,
    CodatProvider,
    CodatXeroIntegration,
    EnvironmentConfigError,
    Secret,
    TerraformStack,
    XeroApp,
    XeroAppConfigError,
    load_environments,
)
from codat_constructs.state import use_state_backend
from codat_settings import SettingError, check_base_url

STACK = "codat"
# The props this file takes from the environment: errors about them name the variable the user set.
FROM_ENVIRONMENT = {"client_id": "XERO_CLIENT_ID"}


class CodatStack(TerraformStack):
    """One Codat instance: the Xero app as Xero knows it, and Codat's Xero integration wired to it."""

    def __init__(self, scope: Construct, id: str, *, base_url: str | None, xero_client_id: str) -> None:
        super().__init__(scope, id)
        use_state_backend(self)  # local state file, or PostgreSQL when CODAT_IAC_STATE=postgres://...
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


def declare_stacks(app: App, environments: list | None) -> None:
    """One stack per environment when CODAT_IAC_ENVIRONMENTS names a file, else the single stack `codat`."""
    if environments:
        for environment in environments:
            use_state_backend(CodatEnvironmentStack(app, environment))
        return
    client_id = os.environ.get("XERO_CLIENT_ID")
    if not client_id:
        sys.exit("main.py: set XERO_CLIENT_ID to the Xero app's client id (`codat-iac deploy` sets a demo one for "
                 "the local emulator).")
    base_url = os.environ.get("CODAT_BASE_URL")
    CodatStack(app, STACK, base_url=check_base_url(base_url, "CODAT_BASE_URL") if base_url else None,
               xero_client_id=client_id)


def in_users_words(problem: Exception) -> str:
    """The problem, with each prop this file read from the environment named by that variable first."""
    text = str(problem)
    if isinstance(problem, (XeroAppConfigError, CodatIntegrationConfigError)):
        for prop, variable in FROM_ENVIRONMENT.items():
            text = text.replace(f"\n  - {prop} ", f"\n  - {variable} (the {prop} prop) ")
    return text


def main() -> None:
    try:
        environments = load_environments()  # CODAT_IAC_ENVIRONMENTS, checked before App() creates the output folder
        app = App()
        declare_stacks(app, environments)
    except (EnvironmentConfigError, SettingError, XeroAppConfigError, CodatIntegrationConfigError) as problem:
        sys.exit(f"main.py: {in_users_words(problem)}")
    app.synth()


if __name__ == "__main__":
    main()
