"""Issue #21 item 9 at synth: control characters, credentials in URLs, out-of-range integers, empty required text
and over-long names are refused by every construct, the bindings and the environments file, each problem naming
its field and the fix, and printed without a traceback. (The same rules at plan: tests/provider/test_refusals_tf.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from codat_constructs import (
    CodatAccountingIntegration,
    CodatConfigurationError,
    CodatIntegrationConfigError,
    CodatProfile,
    CodatWebhook,
    EnvironmentConfigError,
    Secret,
    SupplementalDataSource,
    SyncSetting,
    SyncSettings,
    XeroApp,
    XeroAppConfigError,
)
from codat_constructs.bindings._base import LiteralValueError
from codat_constructs.environments import parse_environments

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
BIG = 2**63


def _xero_app(stack, **change):
    props = dict(app_name="Acme Lending", company_url="https://acme.example", client_id=CLIENT_ID) | change
    return XeroApp(stack, "app", **props)


@pytest.mark.parametrize("change, says", [
    (dict(app_name="Acme\x00Lending"), "app_name contains a NUL (U+0000) at character 5"),
    (dict(app_name="Acme\r\nLending"), "app_name contains a carriage return (U+000D) at character 5"),
    (dict(company_url="https://alice:hunter2@acme.example"), "company_url carries a user name or password"),
    (dict(redirect_uris=["https://xero.codat.io/oauth2/callback", "https://alice:hunter2@acme.example/cb"]),
     "redirect_uris[1] carries a user name or password"),
    (dict(privacy_policy_url="https://acme.example/\x85privacy"), "privacy_policy_url contains a control character"),
])
def test_the_xero_app_refuses(stack, change, says):
    with pytest.raises(XeroAppConfigError) as refused:
        _xero_app(stack, **change)
    assert says in str(refused.value)
    assert "hunter2" not in str(refused.value)  # the credentials are never shown


@pytest.mark.parametrize("change, says", [
    (dict(client_id="abc\x00def"), "client_id contains a NUL (U+0000) at character 4"),
    (dict(client_secret_version=BIG), "client_secret_version must be a whole number from 1 to 2,147,483,647"),
    (dict(connection_cap=BIG), "connection_cap must be a whole number from 1 to 2,147,483,647"),
    (dict(supplemental_data={"invoices": {"x": SupplementalDataSource(data_source="/In\rvoices")}}),
     "supplemental_data.invoices.x.data_source contains a carriage return"),
    (dict(supplemental_data={"invoices": {"x": SupplementalDataSource(data_source="/I", pull_data={"a\nb": "c"})}}),
     "pull_data has a name that contains a line feed"),
    (dict(supplemental_data={"invoices": {"x": SupplementalDataSource(data_source="")}}), "data_source is required"),
])
def test_an_accounting_integration_refuses(stack, change, says):
    props = dict(platform_key="qhyg", client_id="qbo-client",
                 client_secret=Secret.from_env(stack, "qbo_secret")) | change
    with pytest.raises(CodatIntegrationConfigError, match=".") as refused:
        CodatAccountingIntegration(stack, "qbo", **props)
    assert says in str(refused.value)


@pytest.mark.parametrize("setting, says", [
    (SyncSetting(sync_from_window=BIG), "data_types.invoices.sync_from_window is a number of months, at most 1,200"),
    (SyncSetting(sync_order=BIG), "data_types.invoices.sync_order must be a place in the fetch queue from 0 to 2,147"),
    (SyncSetting(sync_from_utc="2024-01-01\n"), "data_types.invoices.sync_from_utc contains a line feed"),
])
def test_sync_settings_refuse(stack, setting, says):
    with pytest.raises(CodatConfigurationError) as refused:
        SyncSettings(stack, "sync", data_types={"invoices": setting})
    assert says in str(refused.value)


@pytest.mark.parametrize("make, says", [
    (lambda s: CodatProfile(s, "p", name="Acme\rLending", redirect_url="https://acme.example"),
     "CodatProfile 'test"),
    (lambda s: CodatWebhook(s, "w", url="https://acme.example/hooks", event_types=["Data\x00Sync"]),
     "event_types[0] contains a NUL (U+0000) at character 5"),
    (lambda s: CodatWebhook(s, "w", url="https://alice:hunter2@acme.example/hooks"), "url carries a user name or"),
])
def test_a_binding_refuses_what_no_field_takes_and_leaves_nothing_behind(stack, make, says):
    with pytest.raises(LiteralValueError) as refused:
        make(stack)
    assert says in str(refused.value) and "hunter2" not in str(refused.value)
    assert [c.node.id for c in stack.node.children] == []


def _environments(profile: str = "", webhook: str = "", sync: str = "") -> str:
    """An environments file with a profile, a webhook and sync settings, each table with the lines given."""
    return textwrap.dedent(f"""
        [environments.prod.profile]
        redirect_url = "https://acme.example/codat/{{companyId}}"
        {profile or 'name = "Acme Lending"'}
        [environments.prod.webhooks.done]
        {webhook or 'url = "https://hooks.acme.example/codat"'}
        [environments.prod.sync_settings.data_types.invoices]
        {sync or "sync_schedule = 24"}
    """)


@pytest.mark.parametrize("file, says", [
    (_environments(profile='name = "Acme\\rLending"'),
     "environments.prod.profile.name contains a carriage return (U+000D) at character 5"),
    (_environments(profile='name = "Acme\\u0000"'),
     "environments.prod.profile.name contains a NUL (U+0000) at character 5"),
    (_environments(profile='name = ""'), "environments.prod.profile.name is empty: give a value, e.g. Acme Lending."),
    (_environments(profile=f'name = "{"n" * 10_000}"'),
     "environments.prod.profile.name has 10000 characters; at most 255 are accepted: shorten it."),
    (_environments(profile='name = "Acme"\nlogo_url = "https://alice:hunter2@cdn.acme.example/logo.png"'),
     "environments.prod.profile.logo_url carries a user name or password"),
    (_environments(profile='name = "Acme"\nimport_id = ""'), "environments.prod.profile.import_id is empty"),
    (_environments(webhook='url = "https://alice:hunter2@hooks.acme.example/codat"'),
     "environments.prod.webhooks.done.url carries a user name or password"),
    (_environments(webhook='url = "https://hooks.acme.example/codat"\ncompany_tags = ["region:\\u001beu"]'),
     "environments.prod.webhooks.done.company_tags[0] contains an escape (U+001B) at character 8"),
    (_environments(sync=f"sync_from_window = {BIG}"),
     "environments.prod.sync_settings.data_types.invoices.sync_from_window is a number of months, at most 1,200"),
])
def test_the_environments_file_refuses(file, says):
    with pytest.raises(EnvironmentConfigError) as refused:
        parse_environments(tomllib.loads(file))
    assert says in str(refused.value), str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_main_py_prints_a_refused_value_without_a_traceback(tmp_path):
    bad = tmp_path / "environments.toml"
    bad.write_text(_environments(profile='name = "Acme\\rLending"'))
    env = {k: v for k, v in os.environ.items() if k != "XERO_CLIENT_ID"}
    env.update({"CODAT_IAC_ENVIRONMENTS": str(bad), "PYTHONPATH": str(REPO)})
    done = subprocess.run([sys.executable, str(REPO / "main.py")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[1:] == [
        "  - environments.prod.profile.name contains a carriage return (U+000D) at character 5, which no field takes: "
        "Codat's fields are one line of text, and such a character hides what a terminal or log shows. Remove it "
        "(retype the value if it was pasted)."]
    assert not (tmp_path / "cdktf.out").exists()


def test_an_app_using_a_binding_prints_a_refused_value_without_a_traceback(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent("""
        from codat_constructs import App, CodatProfile, TerraformStack
        app = App(outdir="out")
        CodatProfile(TerraformStack(app, "s"), "profile", name="Acme\\u0000", redirect_url="https://acme.example")
        app.synth()
    """))
    done = subprocess.run([sys.executable, str(app)], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "CodatProfile 's/profile' is not valid (1 problem(s)):" in done.stderr
    assert "  - name contains a NUL (U+0000) at character 5" in done.stderr
    assert not (tmp_path / "out" / "stacks" / "s").exists()  # nothing synthesized
