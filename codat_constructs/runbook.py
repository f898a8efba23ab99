"""The Xero app runbook: plain values in, markdown out (a pure function, no constructs, no I/O).

Xero has no API that creates or reads an app's configuration, so the Xero side of an integration is
declared in the stack (`XeroApp`), validated at synth, and handed to a person as exact steps. `XeroApp`
collects the values and the stack writes the rendered text to `cdktf.out/stacks/<stack>/RUNBOOK.md`.

Nothing here ever sees a secret: the runbook names the environment variable that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

RUNBOOK_FILE = "RUNBOOK.md"
# How codat-iac is run where no other is named: this repository's wrapper. codat-iac names the project's own
# (codat_settings.COMMAND_ENV) in the environment it synthesizes in.
DEFAULT_COMMAND = "bin/codat-iac"
XERO_PORTAL = "https://developer.xero.com"


@dataclass(frozen=True)
class XeroAppFacts:
    """What a person types into the Xero developer portal, already validated."""

    construct_path: str
    app_name: str
    integration_type: str  # the portal's label, e.g. "Web app"
    company_url: str
    redirect_uris: tuple[str, ...]  # Codat's callback first: it goes in the New app form
    client_id: str
    tier: str  # the tier's name, e.g. "Starter"
    connection_cap: Optional[int]  # None: unlimited
    needs_partner_terms: bool
    privacy_policy_url: Optional[str] = None
    terms_url: Optional[str] = None


@dataclass(frozen=True)
class CodatSideFacts:
    """What a deploy does in Codat for one integration that uses the app."""

    construct_path: str
    stack: str
    platform_key: str
    secret_env_var: str
    enabled: bool
    client_secret_version: int
    connection_cap: Optional[int] = None  # guarded by plans when set
    warn_at: Optional[int] = None  # linked connections from which plans warn
    api_key_env_var: str = "CODAT_API_KEY"  # where the deploy finds the Codat API key


def _cap(cap: Optional[int]) -> str:
    return "unlimited" if cap is None else f"{cap:,}"


def render_xero_app(
    app: XeroAppFacts, codat: Sequence[CodatSideFacts], *, heading_level: int = 2, command: str = DEFAULT_COMMAND
) -> str:
    """The steps for one Xero app, in the order a person does them, with the values filled in; `command` is
    how codat-iac is run in the project (`bin/codat-iac` in its own repository, `codat-iac` elsewhere)."""
    h = "#" * heading_level
    form_uri, *more_uris = app.redirect_uris
    lines: list[str] = []
    add = lines.append

    add(f"{h} Xero app `{app.app_name}` (construct `{app.construct_path}`)")
    step = 0

    def section(title: str) -> None:
        nonlocal step
        step += 1
        add("")
        add(f"{h}# Step {step}. {title}")
        add("")

    section("Create the app in the Xero developer portal")
    add(f"1. Sign in at {XERO_PORTAL} with the Xero login that should own the app (a shared one, not a person's),")
    add("   and open **My Apps**.")
    add("2. Click **New app** and fill in the form exactly:")
    add(f"   - **App name**: `{app.app_name}`")
    add(f"   - **Integration type**: **{app.integration_type}**")
    add(f"   - **Company or application URL**: `{app.company_url}`")
    add(f"   - **Redirect URI**: `{form_uri}`")
    add("3. Read and accept the Xero Developer Platform terms, then click **Create app**.")
    if more_uris:
        add("4. Open **Configuration** and make **Redirect URIs** exactly this list (Xero compares them")
        add("   character for character), then click **Save**:")
        for uri in app.redirect_uris:
            add(f"   - `{uri}`")

    section("Copy the client id")
    add("1. Open **Configuration** and copy **Client id**.")
    add(f"2. It must be `{app.client_id}`, the `client_id` this stack declares. If it differs, this stack")
    add("   describes another app: set `client_id` in the stack to the portal's value and synth again.")

    section("Generate the client secret and put it in the secret store")
    add("1. In **Configuration**, click **Generate a secret**. Xero shows it **once**: copy it now.")
    if codat:
        env_vars = sorted({side.secret_env_var for side in codat})
        names = " and ".join(f"`{name}`" for name in env_vars)
        add(f"2. Store it in your secret store as the value of {names}, and have the pipeline export it")
        add(f"   in the environment of `{command} deploy`. Terraform reads it there; it is never written to")
        add("   `cdk.tf.json`, to state or to a saved plan (the variable is sensitive and ephemeral).")
    else:
        add("2. Store it in your secret store. No `CodatXeroIntegration` in this app uses this Xero app yet,")
        add("   so no variable is named here: add one with `client_secret=Secret.from_env(...)`.")
    add("3. Never paste it into code, `cdktf.json`, a ticket or this file.")
    add("4. To rotate: generate the second secret (Xero keeps two), replace the stored value, bump")
    add("   `client_secret_version` in the stack, deploy, then delete the old secret in Xero.")

    section(f"Connection cap: {app.tier} tier, {_cap(app.connection_cap)} connections")
    if app.connection_cap is None:
        add(f"The {app.tier} tier has no connection cap.")
    else:
        add(f"The {app.tier} tier lets at most {_cap(app.connection_cap)} Xero organisations connect to this app.")
        add("Past the cap, existing connections keep working but the next organisation cannot connect: Xero")
        add("stops the user at its consent step and says the app must complete certification first.")
        add("Becoming a Xero App Partner (certification) lifts the cap.")
        for side in codat:
            if side.connection_cap is not None:
                add(f"Every plan of stack `{side.stack}` counts the linked Xero connections in Codat: it warns from")
                add(f"{side.warn_at} linked and fails above {_cap(side.connection_cap)}, until the tier here and "
                    "in Xero is raised.")
    add("One Codat company maps to one Xero organisation. A person who links several organisations")
    add("with one Xero login may see connections deauthorised without notice: use a login per organisation.")
    if app.needs_partner_terms:
        add("")
        add("This app is declared as a Xero App Partner app. In the app's details in the portal, set:")
        add(f"- **Privacy policy URL**: `{app.privacy_policy_url}`")
        add(f"- **Terms and conditions URL**: `{app.terms_url}`")
        add("Then complete Xero's certification checkpoints; Xero, not this stack, grants partner status.")

    section(f"Codat side: what `{command} deploy` does")
    if not codat:
        add("Nothing yet: no `CodatXeroIntegration` uses this app. Add one to send the credentials to Codat.")
    for side in codat:
        state = "switches the integration **on**" if side.enabled else "leaves the integration **off**"
        add(f"- `{side.construct_path}` (stack `{side.stack}`, platform key `{side.platform_key}`): sets")
        add(f"  Codat's Client ID to `{app.client_id}` and Client secret to the value of `{side.secret_env_var}`,")
        add(f"  and {state}. The secret is write-only: sent when `client_secret_version`")
        add(f"  (now {side.client_secret_version}) changes, never stored in state.")
    if codat:
        add("")
        keys = " or ".join(f"`{name}`" for name in sorted({side.api_key_env_var for side in codat}))
        add(f"Run it from the repo root with the Codat API key in {keys} (and the secret's variable) in the")
        add("environment:")
        add("")
        add("```sh")
        for stack in sorted({side.stack for side in codat}):
            add(f"{command} deploy {stack}")
        add("```")
        add("")
        add(f"Afterwards `{command} drift` exits 0 when Codat matches the stack (2 means drift, e.g.")
        add(f"someone switched the integration off in the Portal; `{command} deploy` puts it back).")
    return "\n".join(lines)


def render_runbook(
    stack: str, apps: Sequence[tuple[XeroAppFacts, Sequence[CodatSideFacts]]], *, command: str = DEFAULT_COMMAND
) -> str:
    """The whole `RUNBOOK.md` of one stack: one section per Xero app, in construct order."""
    out = [
        f"# Runbook for stack `{stack}`: Xero app setup",
        "",
        "Generated at synth; do not edit (change the stack and synth again). Xero has no API to create",
        "or configure an app, so a person does the Xero steps below once per app, in order;",
        f"`{command} deploy` then does the Codat side. This file holds no secret.",
    ]
    for app, codat in apps:
        out += ["", render_xero_app(app, codat, command=command)]
    return "\n".join(out) + "\n"
