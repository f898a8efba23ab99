"""CodatAccountingIntegration and CodatXeroIntegration: one credential model, secrets only as a Secret."""

from __future__ import annotations

import json

import pytest

from codat_constructs import (
    ACCOUNTING_PLATFORMS,
    CodatAccountingIntegration,
    CodatIntegrationConfigError,
    CodatProvider,
    CodatXeroIntegration,
    Secret,
    XeroApp,
)
from codat_constructs._cdk import cdk

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"


def _xero_app(stack) -> XeroApp:
    return XeroApp(stack, "xero_app", app_name="Acme Lending", company_url="https://acme.example", client_id=CLIENT_ID)


def _resources(stack) -> dict:
    return json.loads(cdk.Testing.synth(stack))["resource"]["codat_integration"]


def _warnings(construct) -> list[str]:
    return [entry.data for entry in construct.node.metadata if entry.type == "@cdktf/warn"]


def test_xero_integration_takes_the_client_id_from_the_app(stack):
    secret = Secret.from_env(stack, "xero_client_secret")
    CodatXeroIntegration(stack, "xero", app=_xero_app(stack), client_secret=secret)
    assert cdk.Testing.to_have_resource_with_properties(
        cdk.Testing.synth(stack),
        "codat_integration",
        {
            "platform_key": "gbol",
            "client_id": CLIENT_ID,
            "client_secret_wo": "${var.xero_client_secret}",
            "client_secret_wo_version": 1,
            "enabled": True,
        },
    )


def test_xero_integration_props(stack):
    provider = CodatProvider(stack, "codat")
    CodatXeroIntegration(
        stack,
        "xero",
        app=_xero_app(stack),
        client_secret=Secret.from_env(stack, "xero_client_secret"),
        enabled=False,
        client_secret_version=3,
        provider=provider,
    )
    (resource,) = _resources(stack).values()
    assert resource["enabled"] is False
    assert resource["client_secret_wo_version"] == 3
    assert resource["provider"] == "codat"


def test_child_id_is_a_stable_contract(stack):
    integration = CodatXeroIntegration(
        stack, "xero", app=_xero_app(stack), client_secret=Secret.from_env(stack, "xero_client_secret")
    )
    assert integration.node.find_child("integration") is integration.resource
    (logical_id,) = _resources(stack)
    assert logical_id.startswith("xero_integration_")  # derived from the path <stack>/xero/integration


def test_every_known_platform(stack):
    secret = Secret.from_env(stack, "shared_secret")
    for key in ACCOUNTING_PLATFORMS:
        integration = CodatAccountingIntegration(stack, key, platform_key=key, client_id=f"id-{key}",
                                                 client_secret=secret)
        assert integration.platform_name == ACCOUNTING_PLATFORMS[key]
        assert _warnings(integration) == []
    synthesized = cdk.Testing.synth(stack)
    for key in ACCOUNTING_PLATFORMS:
        assert cdk.Testing.to_have_resource_with_properties(
            synthesized, "codat_integration", {"platform_key": key, "client_id": f"id-{key}"}
        )
    assert len(ACCOUNTING_PLATFORMS) == 20


def test_an_unknown_but_well_formed_key_is_allowed_with_a_warning(stack):
    integration = CodatAccountingIntegration(
        stack, "new", platform_key="zzzz", client_id="abc", client_secret=Secret.from_env(stack, "new_secret")
    )
    (warning,) = _warnings(integration)
    assert "'zzzz'" in warning and "qhyg (QuickBooks Online)" in warning
    assert cdk.Testing.to_have_resource_with_properties(cdk.Testing.synth(stack), "codat_integration",
                                                        {"platform_key": "zzzz"})


def test_the_secret_reaches_the_json_only_as_a_variable(stack):
    CodatAccountingIntegration(
        stack, "qbo", platform_key="qhyg", client_id="abc", client_secret=Secret.from_env(stack, "qbo_secret")
    )
    synthesized = json.loads(cdk.Testing.synth(stack))
    (resource,) = synthesized["resource"]["codat_integration"].values()
    assert resource["client_secret_wo"] == "${var.qbo_secret}"
    variable = synthesized["variable"]["qbo_secret"]
    assert variable["sensitive"] is True and variable["ephemeral"] is True



def test_a_secret_two_integrations_share_is_one_variable_with_each_rule_once(stack):
    shared = Secret.from_env(stack, "shared_secret")
    for name, key in (("qbo", "qhyg"), ("sage", "tgff")):
        CodatAccountingIntegration(stack, name, platform_key=key, client_id="abc",
                                   client_secret=Secret.from_env(stack, "shared_secret"))
    assert shared.name == "shared_secret"
    variable = json.loads(cdk.Testing.synth(stack))["variable"]["shared_secret"]
    messages = [rule["error_message"] for rule in variable["validation"]]
    assert len(messages) == 2 and len(set(messages)) == 2  # trimmed, and no whitespace: once each
    assert all("TF_VAR_shared_secret" in message for message in messages)

# One bad input each: (the construct, the change, the prop the message must name, words of the fix).
ACCOUNTING = dict(platform_key="qhyg", client_id="abc")
BAD = [
    ("accounting-secret-str", "accounting", dict(client_secret="s3cr3t"), "client_secret", "Secret.from_env(self"),
    ("accounting-secret-none", "accounting", dict(client_secret=None), "client_secret", "TF_VAR_"),
    ("key-upper", "accounting", dict(platform_key="QHYG"), "platform_key", "4 lowercase letters"),
    ("key-short", "accounting", dict(platform_key="qhy"), "platform_key", 'platform_key="qhyg"'),
    ("key-long", "accounting", dict(platform_key="qhygx"), "platform_key", "4 lowercase letters"),
    ("key-digit", "accounting", dict(platform_key="qhy9"), "platform_key", "Known keys"),
    ("key-name", "accounting", dict(platform_key="QuickBooks Online"), "platform_key", 'platform_key="qhyg"'),
    ("key-none", "accounting", dict(platform_key=None), "platform_key", "4 lowercase letters"),
    ("client-id-space", "accounting", dict(client_id="abc def"), "client_id", "strip"),
    ("client-id-newline", "accounting", dict(client_id="abc\n"), "client_id", "without spaces or line breaks"),
    ("client-id-empty", "accounting", dict(client_id=""), "client_id", "copy the Client ID"),
    ("enabled-str", "accounting", dict(enabled="yes"), "enabled", "True or False"),
    ("version-zero", "accounting", dict(client_secret_version=0), "client_secret_version", "start at 1"),
    ("version-bool", "accounting", dict(client_secret_version=True), "client_secret_version", "whole number"),
    ("version-str", "accounting", dict(client_secret_version="2"), "client_secret_version", "whole number"),
    ("xero-secret-str", "xero", dict(client_secret="s3cr3t"), "client_secret", "Secret.from_env(self"),
    ("xero-app-str", "xero", dict(app=CLIENT_ID), "app", "pass app=xero_app"),
    ("xero-app-none", "xero", dict(app=None), "app", "XeroApp(self"),
    ("xero-version-zero", "xero", dict(client_secret_version=0), "client_secret_version", "start at 1"),
]


@pytest.mark.parametrize("kind, change, prop, fix", [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_rejects(stack, kind, change, prop, fix):
    secret = Secret.from_env(stack, "secret")
    if kind == "xero":
        construct, props = CodatXeroIntegration, dict(app=_xero_app(stack), client_secret=secret)
    else:
        construct, props = CodatAccountingIntegration, dict(ACCOUNTING, client_secret=secret)
    with pytest.raises(CodatIntegrationConfigError) as raised:
        construct(stack, "integration", **{**props, **change})
    problems = raised.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(prop), problems[0]
    assert fix in problems[0]
    assert stack.node.try_find_child("integration") is None


def test_a_plain_string_secret_is_a_type_error_with_require_secrets_message(stack):
    with pytest.raises(TypeError) as raised:
        CodatAccountingIntegration(stack, "qbo", platform_key="qhyg", client_id="abc", client_secret="s3cr3t")
    message = str(raised.value)
    assert "client_secret must be a Secret, not a plain string" in message
    assert "cdk.tf.json" in message and "s3cr3t" not in message


def test_reports_every_problem_at_once(stack):
    with pytest.raises(CodatIntegrationConfigError) as raised:
        CodatXeroIntegration(stack, "xero", app="abc", client_secret="s3cr3t", enabled=None, client_secret_version=-1)
    assert [p.split(" ")[0] for p in raised.value.problems] == [
        "app", "client_secret", "enabled", "client_secret_version"]
