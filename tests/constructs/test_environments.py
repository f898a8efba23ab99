"""Environments: a TOML file declares one stack per Codat instance; every mistake names its field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from codat_constructs import (
    ENVIRONMENTS_ENV,
    CodatEnvironmentStack,
    EnvironmentConfigError,
    XeroTier,
    load_environments,
)
from codat_constructs._cdk import cdk
from codat_constructs.environments import parse_environments

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "codat_constructs" / "environments.example.toml"
CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"


def test_the_example_file():
    sandbox, production = load_environments(EXAMPLE)
    assert (sandbox.name, production.name) == ("sandbox", "production")
    assert sandbox.base_url == "https://api.codat.io" and sandbox.api_key_variable == "codat_api_key_sandbox"
    assert sandbox.xero.tier is XeroTier.STARTER and sandbox.xero.client_secret_variable == "xero_client_secret_sandbox"
    assert sandbox.profile is None and sandbox.webhooks == ()
    assert production.xero.tier is XeroTier.CORE
    assert production.profile.redirect_url == "https://acme.example/codat/{companyId}"
    (hook,) = production.webhooks
    assert (hook.id, hook.url, hook.event_types) == ("sync_complete", "https://acme.example/hooks/codat",
                                                     ("DataSyncCompleted",))
    assert production.secret_env_vars() == ["TF_VAR_codat_api_key_production", "TF_VAR_xero_client_secret_production"]


def test_the_example_file_declares_the_instance_configuration():
    production = load_environments(EXAMPLE)[1]
    assert production.sync_settings.data_types["invoices"].sync_schedule == 24
    assert production.sync_settings.data_types["profitAndLoss"].months_to_sync == 36
    assert production.cors_origins.allowed_origins == ("https://app.acme.example",)
    (extras,) = production.xero.data.supplemental_data["invoices"].values()
    assert extras.pull_data == {"reference": "Reference"}
    assert production.xero.data.custom_data_types["purchaseOrders"].key_by == ["$.PurchaseOrderID"]


def test_configuration_tables_become_the_stacks_resources(fresh_app):
    (environment,) = parse_environments(tomllib.loads('''
        [environments.qa.sync_settings]
        on_destroy = "reset"
        [environments.qa.sync_settings.data_types.invoices]
        sync_schedule = 24
        sync_from_utc = 2024-01-01
        [environments.qa.cors_origins]
        allowed_origins = ["https://app.acme.example", "http://localhost:3000"]
        [environments.qa.accounting.quickbooks]
        platform_key = "qhyg"
        client_id = "qbo-client"
        [environments.qa.accounting.quickbooks.supplemental_data.customers.extra]
        data_source = "/Customer"
        push_data = { note = "Notes" }
        [environments.qa.accounting.quickbooks.custom_data_types.estimates]
        data_source = "/estimate"
        key_by = ["$.Id"]
        source_modified_date = ["$.MetaData.LastUpdatedTime"]
    '''))
    synthesized = json.loads(cdk.Testing.synth(CodatEnvironmentStack(fresh_app, environment)))
    resources = synthesized["resource"]
    (sync,) = resources["codat_sync_settings"].values()
    assert sync == {
        "data_types": {"invoices": {"sync_schedule": 24, "sync_from_utc": "2024-01-01"}},  # a TOML date, as text
        "overrides_defaults": True, "on_destroy": "reset"}
    (cors,) = resources["codat_cors_origins"].values()
    assert cors["allowed_origins"] == [
        "https://app.acme.example", "http://localhost:3000"]
    (supplemental,) = resources["codat_supplemental_data"].values()
    assert (supplemental["platform_key"], supplemental["data_type"]) == ("qhyg", "customers")
    assert supplemental["configurations"] == {"extra": {"data_source": "/Customer", "push_data": {"note": "Notes"}}}
    (custom,) = resources["codat_custom_data_type"].values()
    assert custom["identifier"] == "estimates" and custom["source_modified_date"] == ["$.MetaData.LastUpdatedTime"]


def test_no_file_means_no_environments(monkeypatch):
    monkeypatch.delenv(ENVIRONMENTS_ENV, raising=False)
    assert load_environments() is None
    monkeypatch.setenv(ENVIRONMENTS_ENV, "")
    assert load_environments() is None
    monkeypatch.setenv(ENVIRONMENTS_ENV, str(EXAMPLE))
    assert [e.name for e in load_environments()] == ["sandbox", "production"]


def test_a_stack_per_environment_with_its_own_provider_and_key(fresh_app):
    app = fresh_app
    stacks = [CodatEnvironmentStack(app, e) for e in load_environments(EXAMPLE)]
    sandbox, production = (json.loads(cdk.Testing.synth(s)) for s in stacks)
    for name, synthesized in (("sandbox", sandbox), ("production", production)):
        assert synthesized["provider"]["codat"] == [
            {"base_url": "https://api.codat.io", "api_key": f"${{var.codat_api_key_{name}}}"}
        ]
        for variable in (f"codat_api_key_{name}", f"xero_client_secret_{name}"):
            assert synthesized["variable"][variable]["sensitive"] is True
            assert synthesized["variable"][variable]["ephemeral"] is True
        (integration,) = synthesized["resource"]["codat_integration"].values()
        assert integration["client_secret_wo"] == f"${{var.xero_client_secret_{name}}}"
    assert "codat_profile" not in sandbox["resource"] and "codat_webhook" not in sandbox["resource"]
    production_json = cdk.Testing.synth(stacks[1])
    assert cdk.Testing.to_have_resource_with_properties(
        production_json, "codat_profile", {"name": "Acme Lending", "redirect_url": "https://acme.example/codat/{companyId}"}
    )
    assert cdk.Testing.to_have_resource_with_properties(
        production_json, "codat_webhook",
        {"url": "https://acme.example/hooks/codat", "event_types": ["DataSyncCompleted"]}
    )
    assert "webhook_sync_complete" in production["resource"]["codat_webhook"]  # the id names the table
    assert "< 40)}" in next(iter(production["check"].values()))["assert"][0]["condition"]  # Core: cap 50
    # The cap messages say where to change the tier: the environments file's table, in its own spelling.
    message = next(iter(sandbox["check"].values()))["assert"][0]["error_message"]
    assert "set tier = 'core' in [environments.sandbox.xero]" in message
    assert "tier = 'app_partner' in [environments.sandbox.xero]" in message and "XeroTier" not in message


def test_accounting_integrations_and_renamed_variables(fresh_app):
    (environment,) = parse_environments(tomllib.loads('''
        [environments.qa]
        api_key_variable = "qa_key"
        [environments.qa.accounting.quickbooks]
        platform_key = "qhyg"
        client_id = "qbo-client"
        connection_cap = 25
        [environments.qa.accounting.sage]
        platform_key = "tgff"
        client_id = "sage-client"
        client_secret_variable = "sage_secret"
    '''))
    assert environment.base_url is None and environment.xero is None
    assert [a.client_secret_variable for a in environment.accounting] == ["quickbooks_client_secret_qa", "sage_secret"]
    synthesized = json.loads(cdk.Testing.synth(CodatEnvironmentStack(fresh_app, environment)))
    assert synthesized["provider"]["codat"] == [{"api_key": "${var.qa_key}"}]  # base_url: CODAT_BASE_URL or Codat
    assert sorted(r["platform_key"] for r in synthesized["resource"]["codat_integration"].values()) == ["qhyg", "tgff"]
    (usage,) = synthesized["data"]["codat_connection_usage"].values()  # only QuickBooks has a cap
    assert usage["platform_key"] == "qhyg"


ADOPTED = '''
[environments.prod]
base_url = "https://api.codat.io"
[environments.prod.xero]
import_id = "gbol"
enabled = true
client_id_variable = "xero_client_id_prod"
client_secret_variable = "xero_client_secret_prod"
[environments.prod.xero.supplemental_data.invoices.extras]
data_source = "/Invoices"
[environments.prod.accounting.quickbooks_online]
platform_key = "qhyg"
import_id = "qhyg"
enabled = false
client_id_variable = "quickbooks_online_client_id_prod"
client_secret_variable = "quickbooks_online_client_secret_prod"
[environments.prod.accounting.codat_sandbox]
platform_key = "mqjo"
import_id = "mqjo"
[environments.prod.profile]
import_id = "profile"
name = "Acme"
redirect_url = "https://acme.example/codat"
[environments.prod.webhooks.data_sync_completed]
import_id = "5f3e8c1a-0000-4000-8000-000000000000"
url = "https://hooks.acme.example/codat"
[environments.prod.sync_settings]
import_id = "invoices"
overrides_defaults = true
[environments.prod.sync_settings.data_types.invoices]
sync_schedule = 24
sync_from_utc = "2024-01-01T00:00:00Z"
[environments.prod.cors_origins]
import_id = "cors"
allowed_origins = ["https://app.acme.example"]
'''


def test_adopted_tables_synthesize_import_blocks_and_client_ids_from_variables(fresh_app):
    (environment,) = parse_environments(tomllib.loads(ADOPTED))
    assert environment.xero.app_name is None and environment.xero.client_id_variable == "xero_client_id_prod"
    assert environment.secret_env_vars() == ["TF_VAR_codat_api_key_prod", "TF_VAR_xero_client_secret_prod",
                                             "TF_VAR_quickbooks_online_client_secret_prod"]  # Codat Sandbox: none
    stack = CodatEnvironmentStack(fresh_app, environment)
    synthesized = json.loads(cdk.Testing.synth(stack))
    imports = {block["to"].split(".")[0] + ":" + block["id"] for block in synthesized["import"]}
    assert imports == {
        "codat_integration:gbol:client_id=${var.xero_client_id_prod},client_secret_wo_version=1",
        "codat_integration:qhyg:client_id=${var.quickbooks_online_client_id_prod},client_secret_wo_version=1",
        "codat_integration:mqjo",  # no credentials: the integration alone, Codat's credentials left as they are
        "codat_supplemental_data:gbol/invoices", "codat_profile:profile",
        "codat_webhook:5f3e8c1a-0000-4000-8000-000000000000", "codat_sync_settings:invoices", "codat_cors_origins:cors",
    }
    integrations = {r["platform_key"]: r for r in synthesized["resource"]["codat_integration"].values()}
    assert integrations["gbol"]["client_id"] == "${var.xero_client_id_prod}"
    assert integrations["qhyg"]["enabled"] is False
    assert "client_id" not in integrations["mqjo"] and "client_secret_wo" not in integrations["mqjo"]
    client_id = synthesized["variable"]["xero_client_id_prod"]
    assert "sensitive" not in client_id and "ephemeral" not in client_id  # a client id: known at plan, for the import
    assert "TF_VAR_xero_client_id_prod" in client_id["validation"][0]["error_message"]
    assert "xero_app" not in json.dumps(synthesized) and "check" not in synthesized  # no app: no runbook, no guard
    # The same construct path as a Xero declared with its app: adding the app later keeps the resource.
    assert "xero_integration_335A4F86" in synthesized["resource"]["codat_integration"]


def test_the_example_files_adopted_instance_loads_when_uncommented():
    text = EXAMPLE.read_text()
    block = text[text.index("# [environments.adopted]"):]
    (adopted,) = parse_environments(tomllib.loads("\n".join(line[2:] for line in block.splitlines())))
    assert adopted.xero.import_id == "gbol" and adopted.xero.app_name is None
    assert adopted.accounting[0].client_secret_variable is None and adopted.webhooks[0].import_id


ADOPTED_BAD = [
    ("import-id-key", "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nimport_id = 'gbol'",
     "environments.qa.accounting.qbo.import_id must be 'qhyg', the platform key", "got 'gbol'"),
    ("both-client-ids",
     "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_id = 'x'\nclient_id_variable = 'qbo_id'",
     "environments.qa.accounting.qbo.client_id_variable: give client_id or client_id_variable, not both", "not both"),
    ("secret-without-id", "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_secret_variable = 's'",
     "environments.qa.accounting.qbo.client_secret_variable needs the client id too", "client_id_variable"),
    ("id-variable-is-secret",
     "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_id_variable = 'codat_api_key_qa'",
     "environments.qa.accounting.qbo.client_id_variable is 'codat_api_key_qa', a secret's variable",
     "its own variable"),
    ("xero-app-fields", "[environments.qa.xero]\nimport_id = 'gbol'\ntier = 'core'",
     "environments.qa.xero.tier describes the Xero app", "app_name, company_url"),
    ("xero-app-with-variable", f"[environments.qa.xero]\napp_name = 'A'\ncompany_url = 'https://a.example'\n"
     f"client_id = '{CLIENT_ID}'\nclient_id_variable = 'xero_id'",
     "environments.qa.xero.client_id_variable is for a Xero integration adopted without its app", "give client_id"),
]


@pytest.mark.parametrize("text, field, fix", [pytest.param(*case[1:], id=case[0]) for case in ADOPTED_BAD])
def test_rejects_adoption_keys(text, field, fix):
    with pytest.raises(EnvironmentConfigError) as raised:
        parse_environments(tomllib.loads(text), "the test file")
    problems = raised.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(field), problems[0]
    assert fix in problems[0], problems[0]


GOOD_XERO = f'''
[environments.sandbox]
[environments.sandbox.xero]
app_name = "Acme"
company_url = "https://acme.example"
client_id = "{CLIENT_ID}"
'''

# One bad input each: (id, TOML, the field the message must start with, words of the fix).
BAD = [
    ("no-environments", "environments = 'sandbox'", "environments is missing or empty", "[environments.sandbox]"),
    ("top-level-field", "title = 'x'\n[environments.sandbox]", "title is not a known field", "[environments.<name>]"),
    ("empty", "[environments]", "environments is missing or empty", "[environments.sandbox]"),
    ("bad-name", "[environments.Prod]", "environments.Prod: an environment's name", "lowercase letters"),
    ("name-dash", "[environments.my-env]", "environments.my-env: an environment's name", "TF_VAR_"),
    ("not-a-table", "[environments]\nsandbox = 1", "environments.sandbox must be a table", "[environments.sandbox]"),
    ("unknown-field", "[environments.sandbox]\napi_keyy = 'x'", "environments.sandbox.api_keyy is not a known field",
     "api_key_variable"),
    ("base-url-http", "[environments.sandbox]\nbase_url = 'http://codat.example'",
     "environments.sandbox.base_url is http://codat.example: plain http:// is allowed only to this machine",
     "https://codat.example"),
    ("base-url-type", "[environments.sandbox]\nbase_url = 5", "environments.sandbox.base_url must be an https:// URL",
     "got 5"),
    ("key-variable", "[environments.sandbox]\napi_key_variable = 'codat-key'",
     "environments.sandbox.api_key_variable must be a Terraform variable name", "TF_VAR_"),
    ("xero-missing", "[environments.sandbox.xero]\napp_name = 'A'\ncompany_url = 'https://a.example'",
     "environments.sandbox.xero.client_id is missing", "client_id = <"),
    ("xero-client-id", GOOD_XERO.replace(CLIENT_ID, "123"),
     "environments.sandbox.xero.client_id must be 32 hexadecimal", "Configuration page"),
    ("xero-tier", GOOD_XERO + "tier = 'gold'", "environments.sandbox.xero.tier must be one of", "starter, core, plus"),
    ("xero-company-url", GOOD_XERO.replace("https://acme", "http://acme"),
     "environments.sandbox.xero.company_url must be an https:// URL", "https://example.com"),
    ("xero-redirects", GOOD_XERO + "redirect_uris = ['https://acme.example/cb']",
     "environments.sandbox.xero.redirect_uris must contain exactly", "xero.codat.io/oauth2/callback"),
    ("xero-partner", GOOD_XERO + "tier = 'app_partner'\nterms_url = 'https://acme.example/terms'",
     "environments.sandbox.xero.privacy_policy_url is required", "privacy_policy_url="),
    ("xero-enabled", GOOD_XERO + "enabled = 'yes'", "environments.sandbox.xero.enabled must be true or false",
     "got 'yes'"),
    ("xero-version", GOOD_XERO + "client_secret_version = 0",
     "environments.sandbox.xero.client_secret_version must be a whole number from 1", "rotate"),
    ("xero-guard", GOOD_XERO + "connection_guard = 1",
     "environments.sandbox.xero.connection_guard must be true or false", "got 1"),
    ("xero-same-variable", GOOD_XERO + "client_secret_variable = 'codat_api_key_sandbox'",
     "environments.sandbox.xero.client_secret_variable is 'codat_api_key_sandbox'", "its own variable"),
    ("accounting-key", "[environments.qa.accounting.qbo]\nplatform_key = 'QBO'\nclient_id = 'x'",
     "environments.qa.accounting.qbo.platform_key must be 4 lowercase letters", 'platform_key="qhyg"'),
    ("accounting-cap", "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_id = 'x'\nconnection_cap = 0",
     "environments.qa.accounting.qbo.connection_cap must be a whole number from 1", "connection_cap=25"),
    ("accounting-name", "[environments.qa.accounting.xero]\nplatform_key = 'qhyg'\nclient_id = 'x'",
     "environments.qa.accounting.xero: the name 'xero' is taken", "rename the table"),
    ("accounting-not-tables", "[environments.qa]\naccounting = 'qhyg'",
     "environments.qa.accounting must be a table of integrations", "[environments.qa.accounting.quickbooks]"),
    ("accounting-table-name", "[environments.qa.accounting.QBO]\nplatform_key = 'qhyg'\nclient_id = 'x'",
     "environments.qa.accounting.QBO must be a table named with lowercase letters, digits and _",
     "[environments.qa.accounting.quickbooks]"),
    ("webhook-not-tables", "[environments.qa]\nwebhooks = 'https://hooks.example'",
     "environments.qa.webhooks must be a table of webhooks", "[environments.qa.webhooks.sync_done]"),
    ("webhook-table-name", "[environments.qa.webhooks.sync-done]\nurl = 'https://hooks.example'",
     "environments.qa.webhooks.sync-done must be a table named with lowercase letters, digits and _",
     "[environments.qa.webhooks.sync_done]"),
    ("profile-missing", "[environments.qa.profile]\nname = 'Acme'", "environments.qa.profile.redirect_url is missing",
     "redirect_url = <"),
    ("profile-urls",
     "[environments.qa.profile]\nname = 'A'\nredirect_url = 'https://a.example'\nwhite_list_urls = 'https://a.example'",
     "environments.qa.profile.white_list_urls must be a list of URLs", "got 'https://a.example'"),
    ("webhook-url", "[environments.qa.webhooks.sync]\nurl = 'http://hooks.example'",
     "environments.qa.webhooks.sync.url must be an https:// URL", "localhost"),
    ("webhook-events", "[environments.qa.webhooks.sync]\nurl = 'https://a.example'\nevent_types = [1]",
     "environments.qa.webhooks.sync.event_types must be a list of event type names", '["...'),
    ("webhook-unknown", "[environments.qa.webhooks.sync]\nurl = 'https://a.example'\nevents = ['x']",
     "environments.qa.webhooks.sync.events is not a known field", "event_types"),
    ("sync-data-type", "[environments.qa.sync_settings.data_types.invoice]\nsync_schedule = 24",
     "environments.qa.sync_settings.data_types.invoice: 'invoice' is not a data type Codat syncs",
     "Did you mean invoices?"),
    ("sync-schedule", "[environments.qa.sync_settings.data_types.invoices]\nsync_schedule = 12",
     "environments.qa.sync_settings.data_types.invoices.sync_schedule is in hours", "24 (daily)"),
    ("sync-field", "[environments.qa.sync_settings.data_types.invoices]\nfrequency = 'daily'",
     "environments.qa.sync_settings.data_types.invoices.frequency is not a known field", "sync_schedule"),
    ("sync-report", "[environments.qa.sync_settings.data_types.balanceSheet]\nsync_from_utc = 2024-01-01",
     "environments.qa.sync_settings.data_types.balanceSheet.sync_from_utc: balanceSheet is a financial statement",
     "months_to_sync"),
    ("sync-on-destroy", "[environments.qa.sync_settings]\non_destroy = 'wipe'",
     "environments.qa.sync_settings.on_destroy must be one of keep, reset", "got 'wipe'"),
    ("sync-not-tables", "[environments.qa.sync_settings]\ndata_types = ['invoices']",
     "environments.qa.sync_settings.data_types must be a table of tables",
     "[environments.qa.sync_settings.data_types.invoices]"),
    ("cors-missing", "[environments.qa.cors_origins]\non_destroy = 'reset'",
     "environments.qa.cors_origins.allowed_origins is missing", "allowed_origins = <"),
    ("cors-path", "[environments.qa.cors_origins]\nallowed_origins = ['https://app.example/']",
     "environments.qa.cors_origins.allowed_origins[0]: 'https://app.example/' is not an origin", "https://app.example"),
    ("supplemental-type",
     GOOD_XERO + "[environments.sandbox.xero.supplemental_data.invoice.extras]\ndata_source = '/Invoices'",
     "environments.sandbox.xero.supplemental_data.invoice: 'invoice' is not a data type Codat takes supplemental "
     "data for", "Did you mean invoices?"),
    ("supplemental-source",
     GOOD_XERO + "[environments.sandbox.xero.supplemental_data.invoices.extras]\npull_data = { ref = 'Reference' }",
     "environments.sandbox.xero.supplemental_data.invoices.extras.data_source is required", "/Invoices"),
    ("custom-key-by",
     "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_id = 'x'\n"
     "[environments.qa.accounting.qbo.custom_data_types.po]\ndata_source = '/po'",
     "environments.qa.accounting.qbo.custom_data_types.po.key_by is required", '["$.Id"]'),
    ("custom-identifier",
     "[environments.qa.accounting.qbo]\nplatform_key = 'qhyg'\nclient_id = 'x'\n"
     "[environments.qa.accounting.qbo.custom_data_types.'p o']\ndata_source = '/po'\nkey_by = ['$.Id']",
     'environments.qa.accounting.qbo.custom_data_types."p o": \'p o\' cannot name a custom data type',
     "1 to 64 letters"),
    ("configuration-name", "[environments.qa.accounting.cors_origins]\nplatform_key = 'qhyg'\nclient_id = 'x'",
     "environments.qa.accounting.cors_origins: the name 'cors_origins' is taken", "rename the table"),
]


@pytest.mark.parametrize("text, field, fix", [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_rejects(text, field, fix):
    with pytest.raises(EnvironmentConfigError) as raised:
        parse_environments(tomllib.loads(text), "the test file")
    problems = raised.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(field), problems[0]
    assert fix in problems[0], problems[0]
    assert str(raised.value).startswith("the test file is not valid (1 problem(s)):")


def test_reports_every_problem_at_once():
    text = '''
    [environments.sandbox]
    base_url = "api.codat.io"
    [environments.sandbox.xero]
    app_name = ""
    company_url = "acme.example"
    client_id = "123"
    tier = "gold"
    '''
    with pytest.raises(EnvironmentConfigError) as raised:
        parse_environments(tomllib.loads(text))
    fields = [p.split(" ")[0] for p in raised.value.problems]
    assert fields == [
        "environments.sandbox.base_url", "environments.sandbox.xero.tier", "environments.sandbox.xero.app_name",
        "environments.sandbox.xero.company_url", "environments.sandbox.xero.client_id",
    ]


@pytest.mark.parametrize("content, words", [
    (None, "there is no such file"),
    ("[environments.sandbox\n", "it is not valid TOML"),
    (b"\xff\xfe", "it cannot be read"),
])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "environments.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(EnvironmentConfigError) as raised:
        load_environments(path)
    assert f"CODAT_IAC_ENVIRONMENTS file '{path}' is not valid" in str(raised.value) and words in str(raised.value)


def test_main_py_prints_the_problems_without_a_traceback(tmp_path):
    bad = tmp_path / "environments.toml"
    bad.write_text(GOOD_XERO + "tier = 'gold'\n")
    env = {k: v for k, v in os.environ.items() if k != "XERO_CLIENT_ID"}
    env.update({ENVIRONMENTS_ENV: str(bad), "PYTHONPATH": str(REPO),
                "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
    done = subprocess.run([sys.executable, str(REPO / "main.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"main.py: CODAT_IAC_ENVIRONMENTS file '{bad}' is not valid (1 problem(s)):",
        "  - environments.sandbox.xero.tier must be one of starter, core, plus, advanced, enterprise, app_partner "
        "(got 'gold').",
    ]
    assert not (tmp_path / "cdktf.out").exists()
