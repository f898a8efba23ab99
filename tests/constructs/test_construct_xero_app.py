"""XeroApp: validated at synth, every problem named with its prop and its fix; no Terraform resource."""

from __future__ import annotations

import json

import pytest

from codat_constructs import (
    CODAT_XERO_REDIRECT_URI,
    XeroApp,
    XeroAppConfigError,
    XeroIntegrationType,
    XeroTier,
)
from codat_constructs._cdk import cdk

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
GOOD = dict(app_name="Acme Lending", company_url="https://acme.example", client_id=CLIENT_ID)


def _problems(stack, **change) -> list[str]:
    with pytest.raises(XeroAppConfigError) as raised:
        XeroApp(stack, "xero_app", **{**GOOD, **change})
    assert isinstance(raised.value, ValueError)
    return raised.value.problems


def test_defaults(stack):
    app = XeroApp(stack, "xero_app", **GOOD)
    assert app.redirect_uris == (CODAT_XERO_REDIRECT_URI,)
    assert app.integration_type is XeroIntegrationType.WEB_APP
    assert app.tier is XeroTier.STARTER and app.connection_cap == 5
    assert app.needs_partner_terms is False
    assert (app.privacy_policy_url, app.terms_url) == (None, None)
    assert app.node.children == []


def test_declares_no_terraform_resource(stack):
    XeroApp(stack, "xero_app", **GOOD)
    synthesized = json.loads(cdk.Testing.synth(stack))
    assert "resource" not in synthesized and "data" not in synthesized


@pytest.mark.parametrize(
    "tier, cap",
    [
        (XeroTier.STARTER, 5),
        (XeroTier.CORE, 50),
        (XeroTier.PLUS, 1000),
        (XeroTier.ADVANCED, 10000),
        (XeroTier.ENTERPRISE, None),
        (XeroTier.APP_PARTNER, None),
    ],
)
def test_connection_cap_of_each_tier(stack, tier, cap):
    partner = dict(privacy_policy_url="https://acme.example/privacy", terms_url="https://acme.example/terms")
    app = XeroApp(stack, "xero_app", **GOOD, tier=tier, **partner)
    assert app.connection_cap == cap
    assert app.needs_partner_terms is (tier is XeroTier.APP_PARTNER)


def test_integration_type_labels_are_the_portals():
    assert [t.value for t in XeroIntegrationType] == ["Web app", "Mobile or desktop app", "Custom connection"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(dict(redirect_uris=[CODAT_XERO_REDIRECT_URI, "http://localhost:3000/callback"]),
                     id="localhost-http"),
        pytest.param(dict(redirect_uris=[CODAT_XERO_REDIRECT_URI, "http://localhost"]), id="localhost-bare"),
        pytest.param(
            dict(redirect_uris=[CODAT_XERO_REDIRECT_URI] + [f"https://acme.example/cb/{i}" for i in range(49)]),
            id="fifty-uris",
        ),
        pytest.param(dict(client_id=CLIENT_ID.lower()), id="lowercase-client-id"),
        pytest.param(dict(app_name="A" * 100), id="name-at-limit"),
        pytest.param(dict(privacy_policy_url="https://acme.example/privacy"), id="privacy-without-partner"),
        pytest.param(
            dict(
                tier=XeroTier.APP_PARTNER,
                privacy_policy_url="https://acme.example/privacy",
                terms_url="https://acme.example/terms",
            ),
            id="partner-with-terms",
        ),
    ],
)
def test_accepts(stack, change):
    XeroApp(stack, "xero_app", **{**GOOD, **change})


# One bad input each: (the change, the prop the message must name, words of the fix it must give).
BAD = [
    ("empty-name", dict(app_name=""), "app_name", 'app_name="'),
    ("blank-name", dict(app_name="   "), "app_name", "non-empty"),
    ("name-not-str", dict(app_name=None), "app_name", "non-empty string"),
    ("name-too-long", dict(app_name="A" * 101), "app_name", "shorten"),
    ("company-http", dict(company_url="http://acme.example"), "company_url", "https://"),
    ("company-no-scheme", dict(company_url="acme.example"), "company_url", 'company_url="https://'),
    ("company-no-host", dict(company_url="https://"), "company_url", "https://"),
    ("client-id-space", dict(client_id=CLIENT_ID[:16] + " " + CLIENT_ID[16:]), "client_id", "strip"),
    ("client-id-newline", dict(client_id=CLIENT_ID + "\n"), "client_id", "without spaces or line breaks"),
    ("client-id-short", dict(client_id=CLIENT_ID[:-1]), "client_id", "32 hexadecimal"),
    ("client-id-not-hex", dict(client_id="G" * 32), "client_id", "32 hexadecimal"),
    ("client-id-uuid", dict(client_id="0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"), "client_id", "Configuration page"),
    ("client-id-not-str", dict(client_id=12345), "client_id", "Configuration page"),
    ("no-codat-uri", dict(redirect_uris=["https://acme.example/cb"]), "redirect_uris", CODAT_XERO_REDIRECT_URI),
    ("codat-uri-slash", dict(redirect_uris=[CODAT_XERO_REDIRECT_URI + "/"]), "redirect_uris",
     "character for character"),
    ("empty-uris", dict(redirect_uris=[]), "redirect_uris", "leave redirect_uris out"),
    ("uris-one-string", dict(redirect_uris=CODAT_XERO_REDIRECT_URI), "redirect_uris", "redirect_uris=[...]"),
    ("uri-http", dict(redirect_uris=[CODAT_XERO_REDIRECT_URI, "http://acme.example/cb"]), "redirect_uris", "https://"),
    ("uri-wildcard", dict(redirect_uris=[CODAT_XERO_REDIRECT_URI, "https://*.acme.example/cb"]), "redirect_uris",
     "each exact URI"),
    (
        "too-many-uris",
        dict(redirect_uris=[CODAT_XERO_REDIRECT_URI] + [f"https://acme.example/cb/{i}" for i in range(50)]),
        "redirect_uris",
        "at most 50",
    ),
    ("duplicate-uri", dict(redirect_uris=[CODAT_XERO_REDIRECT_URI] * 2), "redirect_uris", "keep one"),
    ("mobile-app", dict(integration_type=XeroIntegrationType.MOBILE_OR_DESKTOP), "integration_type", "PKCE"),
    ("custom-connection", dict(integration_type=XeroIntegrationType.CUSTOM_CONNECTION), "integration_type",
     "single Xero organisation"),
    ("type-as-string", dict(integration_type="Web app"), "integration_type", "XeroIntegrationType.WEB_APP"),
    ("tier-as-string", dict(tier="starter"), "tier", "XeroTier.STARTER"),
    ("privacy-http", dict(privacy_policy_url="http://acme.example/privacy"), "privacy_policy_url", "https://"),
    ("terms-http", dict(terms_url="http://acme.example/terms"), "terms_url", "https://"),
    (
        "partner-no-privacy",
        dict(tier=XeroTier.APP_PARTNER, terms_url="https://acme.example/terms"),
        "privacy_policy_url",
        'privacy_policy_url="https://',
    ),
    (
        "partner-no-terms",
        dict(tier=XeroTier.APP_PARTNER, privacy_policy_url="https://acme.example/privacy"),
        "terms_url",
        'terms_url="https://',
    ),
]


@pytest.mark.parametrize("change, prop, fix", [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_rejects(stack, change, prop, fix):
    problems = _problems(stack, **change)
    assert len(problems) == 1, problems
    assert problems[0].startswith(prop), problems[0]
    assert fix in problems[0]


def test_the_reason_for_web_app_is_given(stack):
    (mobile,) = _problems(stack, integration_type=XeroIntegrationType.MOBILE_OR_DESKTOP)
    assert "no client secret" in mobile and "Web app" in mobile


def test_reports_every_problem_at_once(stack):
    with pytest.raises(XeroAppConfigError) as raised:
        XeroApp(
            stack,
            "xero_app",
            app_name="",
            company_url="http://acme.example",
            client_id="not-an-id",
            redirect_uris=["https://*.acme.example"],
            integration_type=XeroIntegrationType.CUSTOM_CONNECTION,
            tier=XeroTier.APP_PARTNER,
        )
    message = str(raised.value)
    for prop in ("app_name", "company_url", "client_id", "redirect_uris", "integration_type", "privacy_policy_url",
                 "terms_url"):
        assert f"- {prop}" in message
    assert f"{stack.node.id}/xero_app" in message


def test_a_rejected_app_leaves_nothing_in_the_tree(stack):
    _problems(stack, app_name="")
    assert stack.node.try_find_child("xero_app") is None
    XeroApp(stack, "xero_app", **GOOD)  # the id is still free


def test_warns_when_the_name_says_xero(stack):
    app = XeroApp(stack, "xero_app", **{**GOOD, "app_name": "Acme for Xero"})
    warnings = [entry.data for entry in app.node.metadata if entry.type == "@cdktf/warn"]
    assert len(warnings) == 1 and "app_name" in warnings[0] and "certification" in warnings[0]
