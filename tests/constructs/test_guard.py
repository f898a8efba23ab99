"""The connection-cap guard: a check block warns from 80% of the cap, a precondition fails above it.

The last test runs the real terraform against the emulator: Portal companies are added until the plan
warns, then past the cap until it fails.
"""

from __future__ import annotations

import json

import pytest

from codat_constructs import (
    CodatAccountingIntegration,
    CodatIntegrationConfigError,
    CodatProvider,
    CodatXeroIntegration,
    ConnectionCapGuard,
    Secret,
    XeroApp,
    XeroTier,
)
from codat_constructs._cdk import cdk
from codat_constructs.check import TerraformCheck, _quoted_template, render_checks_hcl
from codat_constructs.guard import CapWording, warn_threshold

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
PARTNER = dict(privacy_policy_url="https://acme.example/privacy", terms_url="https://acme.example/terms")


def _xero(stack, tier=XeroTier.STARTER, **props):
    app = XeroApp(stack, "xero_app", app_name="Acme Lending", company_url="https://acme.example", client_id=CLIENT_ID,
                  tier=tier, **(PARTNER if tier is XeroTier.APP_PARTNER else {}))
    return CodatXeroIntegration(stack, "xero", app=app, client_secret=Secret.from_env(stack, "xero_client_secret"),
                                **props)


def _synth(stack) -> dict:
    return json.loads(cdk.Testing.synth(stack))


@pytest.mark.parametrize("cap, warn_at", [(1, 1), (2, 2), (3, 3), (5, 4), (25, 20), (50, 40), (1000, 800),
                                          (10000, 8000)])
def test_warning_threshold_is_80_percent_rounded_up(cap, warn_at):
    assert warn_threshold(cap) == warn_at


@pytest.mark.parametrize("tier, cap, warn_at, next_tier", [
    (XeroTier.STARTER, 5, 4, "next: Core, 50 connections"),
    (XeroTier.CORE, 50, 40, "next: Plus, 1,000 connections"),
    (XeroTier.PLUS, 1000, 800, "next: Advanced, 10,000 connections"),
    (XeroTier.ADVANCED, 10000, 8000, "Enterprise tier (no cap)"),
])
def test_xero_tiers_with_a_cap_are_guarded(stack, tier, cap, warn_at, next_tier):
    integration = _xero(stack, tier)
    synthesized = _synth(stack)
    (usage_id,) = synthesized["data"]["codat_connection_usage"]
    assert cdk.Testing.to_have_data_source_with_properties(
        cdk.Testing.synth(stack), "codat_connection_usage", {"platform_key": "gbol"}
    )
    linked = f"data.codat_connection_usage.{usage_id}.linked"
    ((check_name, check),) = synthesized["check"].items()
    (assertion,) = check["assert"]
    assert assertion["condition"] == f"${{({linked} < {warn_at})}}"
    assert f"Xero app 'Acme Lending' ({tier.label} tier, cap {cap:,})" in assertion["error_message"]
    assert f"${{{linked}}} of {cap} Xero connections are linked" in assertion["error_message"]
    assert next_tier in assertion["error_message"] and "Xero App Partner" in assertion["error_message"]
    (resource,) = synthesized["resource"]["codat_integration"].values()
    (precondition,) = resource["lifecycle"]["precondition"]
    assert precondition["condition"] == f"${{({linked} <= {cap})}}"
    assert "over the cap" in precondition["error_message"] and next_tier in precondition["error_message"]
    assert '"' not in precondition["error_message"]  # cdktf's HCL renderer would not escape it
    assert integration.guard.warn_at == warn_at and check_name.startswith("xero_connection_cap_warning")
    assert integration.node.find_child("connection_cap") is integration.guard


@pytest.mark.parametrize("tier", [XeroTier.ENTERPRISE, XeroTier.APP_PARTNER])
def test_unlimited_tiers_get_no_guard(stack, tier):
    integration = _xero(stack, tier)
    synthesized = _synth(stack)
    assert "data" not in synthesized and "check" not in synthesized
    (resource,) = synthesized["resource"]["codat_integration"].values()
    assert "lifecycle" not in resource and integration.guard is None


def test_the_guard_can_be_switched_off(stack):
    _xero(stack, connection_guard=False)
    synthesized = _synth(stack)
    assert "data" not in synthesized and "check" not in synthesized


def test_accounting_integration_with_a_cap(stack):
    provider = CodatProvider(stack, "codat")
    CodatAccountingIntegration(stack, "qbo", platform_key="qhyg", client_id="abc", connection_cap=25,
                               client_secret=Secret.from_env(stack, "qbo_secret"), provider=provider)
    CodatAccountingIntegration(stack, "sage", platform_key="tgff", client_id="def",
                               client_secret=Secret.from_env(stack, "sage_secret"))
    synthesized = _synth(stack)
    (usage,) = synthesized["data"]["codat_connection_usage"].values()
    assert usage["platform_key"] == "qhyg" and usage["provider"] == "codat"
    ((_, check),) = synthesized["check"].items()
    assert "< 20)}" in check["assert"][0]["condition"]
    assert "QuickBooks Online app abc (cap 25)" in check["assert"][0]["error_message"]
    assert "set connection_cap to the new limit" in check["assert"][0]["error_message"]
    sage = [r for r in synthesized["resource"]["codat_integration"].values() if r["platform_key"] == "tgff"][0]
    assert "lifecycle" not in sage


BAD = [
    ("cap-zero", "accounting", dict(connection_cap=0), "connection_cap", "whole number from 1"),
    ("cap-bool", "accounting", dict(connection_cap=True), "connection_cap", "whole number from 1"),
    ("cap-str", "accounting", dict(connection_cap="25"), "connection_cap", "connection_cap=25"),
    ("cap-float", "accounting", dict(connection_cap=2.5), "connection_cap", "for no cap guard"),
    ("guard-str", "xero", dict(connection_guard="yes"), "connection_guard", "True or False"),
    ("guard-none", "xero", dict(connection_guard=None), "connection_guard", "True or False"),
]


@pytest.mark.parametrize("kind, change, prop, fix", [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_rejects(stack, kind, change, prop, fix):
    with pytest.raises(CodatIntegrationConfigError) as raised:
        if kind == "xero":
            _xero(stack, **change)
        else:
            CodatAccountingIntegration(stack, "qbo", platform_key="qhyg", client_id="abc",
                                       client_secret=Secret.from_env(stack, "s"), **change)
    (problem,) = raised.value.problems
    assert problem.startswith(prop) and fix in problem, problem


def test_the_guard_itself_rejects_a_bad_cap(stack):
    wording = CapWording(what="app", platform="Xero", fix="Fix it.")
    with pytest.raises(ValueError, match="cap must be a whole number from 1"):
        ConnectionCapGuard(stack, "guard", platform_key="gbol", cap=0, wording=wording)
    with pytest.raises(TypeError, match="non-empty list of CheckAssertion"):
        TerraformCheck(stack, "check", assertions=[])


def test_check_blocks_as_hcl():
    assert _quoted_template('a "b" \\ ${format("%d", x.y)} $${literal} %{ if c }d%{ endif }\n') == (
        '"a \\"b\\" \\\\ ${format("%d", x.y)} $${literal} %{ if c }d%{ endif }\\n"'
    )
    hcl = render_checks_hcl(
        {"cap": {"assert": [{"condition": "${(x.linked < 4)}", "error_message": "at ${x.linked}"}]}})
    assert hcl == (
        'check "cap" {\n  assert {\n    condition     = "${(x.linked < 4)}"\n'
        '    error_message = "at ${x.linked}"\n  }\n}'
    )


# Against the emulator: warn at 80%, fail over the cap ---------------------------------------------------


def test_plan_warns_from_80_percent_and_fails_over_the_cap(tmp_path, start_codat, terraform, synthesize):
    codat = start_codat()

    def build(app):
        stack = cdk.TerraformStack(app, "guarded")
        CodatProvider(stack, "codat", base_url=codat.url)
        _xero(stack)  # Starter: cap 5, warns from 4
        return stack

    folder = synthesize(tmp_path / "out", build) / "stacks" / "guarded"
    env = {"CODAT_API_KEY": codat.api_key, "TF_VAR_xero_client_secret": "s3cr3t-guard-test-9a1b"}
    terraform.init(folder)

    def plan():
        return terraform(folder, "plan", "-input=false", "-no-color", "-detailed-exitcode", env=env)

    first = plan()
    assert first.returncode == 2, first.stdout + first.stderr  # the integration is to be created
    assert "Check block assertion failed" not in first.stdout + first.stderr

    codat.add_companies(3)
    codat.add_companies(2, status="PendingAuth")  # pending connections are not linked ones
    below = plan()
    assert below.returncode == 2 and "Check block assertion failed" not in below.stdout + below.stderr

    codat.add_companies(1, prefix="More")  # 4 of 5 linked: 80%
    warned = plan()
    out = " ".join((warned.stdout + warned.stderr).split())
    assert warned.returncode == 2, out  # a warning, not an error: the plan goes on
    assert "Warning: Check block assertion failed" in out
    assert "Xero app 'Acme Lending' (Starter tier, cap 5): 4 of 5 Xero connections are linked (2 pending)" in out
    assert "set tier=XeroTier.CORE on the XeroApp" in out and "become a Xero App Partner" in out

    codat.add_companies(2, prefix="Over")  # 6 of 5: over the cap
    failed = plan()
    out = " ".join((failed.stdout + failed.stderr).split())
    assert failed.returncode == 1, out
    assert "Error: Resource precondition failed" in out
    assert "6 Xero connections are linked, over the cap of 5" in out and "Then plan again." in out
