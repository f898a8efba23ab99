"""The Xero runbook: rendered by a pure function, written beside cdk.tf.json by a full synth, secret-free."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from codat_constructs import (
    RUNBOOK_FILE,
    CodatProvider,
    CodatXeroIntegration,
    Secret,
    XeroApp,
    XeroTier,
)
from codat_constructs._cdk import cdk
from codat_constructs.runbook import CodatSideFacts, XeroAppFacts, render_runbook, render_xero_app
from codat_iac.toolenv import tool_environment

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
SECRET = "s3cr3t-Xero-Client-Secret-runbook-5d2e"
CODAT_URI = "https://xero.codat.io/oauth2/callback"

APP = XeroAppFacts(
    construct_path="codat/xero_app",
    app_name="Acme Lending",
    integration_type="Web app",
    company_url="https://acme.example",
    redirect_uris=(CODAT_URI,),
    client_id=CLIENT_ID,
    tier="Starter",
    connection_cap=5,
    needs_partner_terms=False,
)
SIDE = CodatSideFacts(
    construct_path="codat/xero",
    stack="codat",
    platform_key="gbol",
    secret_env_var="TF_VAR_xero_client_secret",
    enabled=True,
    client_secret_version=1,
)


def _in_order(text: str, *parts: str) -> None:
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        assert found > at, f"{part!r} missing or out of order"
        at = found


def test_steps_in_order_with_the_values_filled_in():
    text = render_runbook("codat", [(APP, [SIDE])])
    _in_order(
        text,
        "# Runbook for stack `codat`",
        "developer.xero.com",
        "My Apps",
        "New app",
        "**App name**: `Acme Lending`",
        "**Integration type**: **Web app**",
        "**Company or application URL**: `https://acme.example`",
        f"**Redirect URI**: `{CODAT_URI}`",
        "Create app",
        "Configuration",
        "Client id",
        f"`{CLIENT_ID}`",
        "Generate a secret",
        "once",
        "`TF_VAR_xero_client_secret`",
        "Starter tier, 5 connections",
        "Past the cap",
        "Codat side",
        "`gbol`",
        "switches the integration **on**",
        "bin/codat-iac deploy codat",
    )
    assert [line for line in text.splitlines() if line.startswith("### Step")] == [
        "### Step 1. Create the app in the Xero developer portal",
        "### Step 2. Copy the client id",
        "### Step 3. Generate the client secret and put it in the secret store",
        "### Step 4. Connection cap: Starter tier, 5 connections",
        "### Step 5. Codat side: what `bin/codat-iac deploy` does",
    ]
    assert "Privacy policy URL" not in text


def test_partner_tier_lists_privacy_and_terms_and_no_cap():
    partner = XeroAppFacts(
        **{
            **APP.__dict__,
            "tier": "App Partner",
            "connection_cap": None,
            "needs_partner_terms": True,
            "privacy_policy_url": "https://acme.example/privacy",
            "terms_url": "https://acme.example/terms",
        }
    )
    text = render_xero_app(partner, [SIDE])
    assert "App Partner tier, unlimited connections" in text and "Past the cap" not in text
    _in_order(text, "**Privacy policy URL**: `https://acme.example/privacy`", "**Terms and conditions URL**: `https://acme.example/terms`")


def test_extra_redirect_uris_are_listed_after_creation():
    more = XeroAppFacts(**{**APP.__dict__, "redirect_uris": (CODAT_URI, "http://localhost:3000/cb")})
    text = render_xero_app(more, [SIDE])
    _in_order(text, f"**Redirect URI**: `{CODAT_URI}`", "Create app", "**Redirect URIs**", f"`{CODAT_URI}`", "`http://localhost:3000/cb`")


def test_disabled_integration_and_rotation_version():
    side = CodatSideFacts(**{**SIDE.__dict__, "enabled": False, "client_secret_version": 4})
    text = render_xero_app(APP, [side])
    assert "leaves the integration **off**" in text and "(now 4)" in text


def test_an_app_no_integration_uses_says_so():
    text = render_xero_app(APP, [])
    assert "no `CodatXeroIntegration` uses this app" in text and "TF_VAR_" not in text


# A full synth through App.synth(), as `cdktf synth` runs main.py: one App for the tests below.


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    os.environ["TF_VAR_xero_client_secret"] = SECRET  # where a pipeline puts it; Python never reads it
    try:
        app = cdk.App(outdir=str(outdir))
        stack = cdk.TerraformStack(app, "codat")
        CodatProvider(stack, "codat")
        xero_app = XeroApp(
            stack, "xero_app", app_name="Acme Lending", company_url="https://acme.example", client_id=CLIENT_ID,
            redirect_uris=[CODAT_URI, "http://localhost:3000/callback"], tier=XeroTier.CORE,
        )
        CodatXeroIntegration(stack, "xero", app=xero_app, client_secret=Secret.from_env(stack, "xero_client_secret"))
        plain = cdk.TerraformStack(app, "plain")  # no XeroApp: no runbook
        CodatProvider(plain, "codat")
        app.synth()
    finally:
        del os.environ["TF_VAR_xero_client_secret"]
    return outdir


def test_runbook_lands_beside_the_stacks_json(synthesized):
    assert sorted(p.name for p in (synthesized / "stacks" / "codat").iterdir()) == ["RUNBOOK.md", "cdk.tf.json"]
    assert not (synthesized / "stacks" / "plain" / RUNBOOK_FILE).exists()
    text = (synthesized / "stacks" / "codat" / RUNBOOK_FILE).read_text()
    for value in ("Acme Lending", "https://acme.example", CLIENT_ID, CODAT_URI, "http://localhost:3000/callback",
                  "Core tier, 50 connections", "TF_VAR_xero_client_secret", "`codat/xero`"):
        assert value in text


def test_the_secret_is_in_no_synthesized_file(synthesized):
    files = [p for p in synthesized.rglob("*") if p.is_file()]
    assert len(files) >= 4
    for path in files:
        assert SECRET not in path.read_text(errors="replace"), f"secret leaked into {path}"
    stack = json.loads((synthesized / "stacks" / "codat" / "cdk.tf.json").read_text())
    (resource,) = stack["resource"]["codat_integration"].values()
    assert resource["client_secret_wo"] == "${var.xero_client_secret}"
    assert resource["//"]["metadata"]["path"] == "codat/xero/integration"


def test_the_synthesized_stack_is_valid_terraform(synthesized, kernel_has_tool_env):
    if not kernel_has_tool_env:
        pytest.skip("the jsii kernel started before tests/constructs/conftest.py could give it the tool environment")
    stack_dir = synthesized / "stacks" / "codat"
    if not cdk.Testing.to_be_valid_terraform(str(synthesized)):
        env = {**tool_environment(), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        done = [subprocess.run(["terraform", *args], cwd=stack_dir, env=env, capture_output=True, text=True)
                for args in (("init", "-input=false", "-no-color"), ("validate", "-no-color"))]
        pytest.fail("terraform validate failed:\n" + "\n".join(d.stdout + d.stderr for d in done))
