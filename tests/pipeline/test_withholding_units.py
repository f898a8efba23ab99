"""codat_iac.withholding and its users without a server: which values are withheld (every form the scrubber
knows), the warning that names the field, the drift report and the summary built from a plan JSON that holds a
secret, the names of the stacks' secret variables, adopt's decisions over a Codat that holds secrets in fields."""

from __future__ import annotations

import base64
import json
import sys
import tomllib
from urllib.parse import quote

import pytest

from codat_client import Integration, Profile, SupplementalDataSource, WebhookConsumer
from codat_iac import adopt, adopt_file, drift, summary, toolenv, withholding
from codat_iac.project import Project
from codat_settings.secrets import SECRET_VARIABLES_ENV, WITHHELD, contains_secret, scrub

KEY = "unit-Canary/Key+93zT"
SECRET = "unit-Client/Secret+61pW"


@pytest.fixture
def known():
    """The process knows KEY (from CODAT_API_KEY) and SECRET (from the stack's variable) for one command."""
    with withholding.reports_scrubbed({"CODAT_API_KEY": KEY, "TF_VAR_xero_client_secret": SECRET}):
        yield
    assert not contains_secret(KEY)  # let go when the command ends


@pytest.mark.parametrize("value", [
    f"Acme {KEY}", base64.b64encode(f"x{SECRET}y".encode()).decode(), quote(KEY, safe=""), KEY.upper(),
    "-".join(SECRET), ["https://ok.example", f"https://a.example/{SECRET}"], {"tag": KEY}, WITHHELD,
])
def test_values_that_hold_a_secret_in_any_form_are_withheld(known, value):
    assert withholding.holds_secret(value)


@pytest.mark.parametrize("value", ["Acme Lending", "https://acme.example/logo.png", ["a", "b"], 24, True, None])
def test_ordinary_values_are_kept(known, value):
    assert not withholding.holds_secret(value)


def test_what_a_command_prints_is_scrubbed_and_the_streams_are_given_back(capsys):
    before = sys.stdout
    with withholding.reports_scrubbed({"CODAT_API_KEY": KEY}):
        print(f"error text quoting {KEY} and {quote(KEY, safe='')}")
        print(f"key {KEY.lower()}", file=sys.stderr)
    assert sys.stdout is before
    out, err = capsys.readouterr()
    assert out == "error text quoting *** and ***\n" and err == "key ***\n"


def test_the_team_states_password_is_a_secret_too():
    with withholding.reports_scrubbed({"CODAT_IAC_STATE": "postgres://ci:pg-Passw0rd-77@db:5432/state"}):
        assert scrub("could not connect with pg-Passw0rd-77") == "could not connect with ***"


PLAN = {
    "resource_drift": [{
        "address": "codat_profile.profile", "mode": "managed", "type": "codat_profile",
        "change": {"actions": ["update"], "before": {"name": "Acme", "logo_url": "https://acme.example/l.png"},
                   "after": {"name": f"Acme {KEY}", "logo_url": "https://acme.example/l.png"}},
    }],
    "resource_changes": [{
        "address": "codat_profile.profile", "mode": "managed", "type": "codat_profile",
        "change": {"actions": ["update"], "before": {"name": f"Acme {KEY}" + "x" * 80, "logo_url": None},
                   "after": {"name": "Acme", "logo_url": "https://acme.example/l.png"}},
    }],
}


def test_the_drift_report_withholds_the_value_and_names_the_field_in_each_rendering(known):
    report = drift.report_from_plan("prod", PLAN)
    assert [(d.attribute, d.expected, d.actual) for d in report.differences] == [
        ("name", "Acme", WITHHELD), ("logo_url", "https://acme.example/l.png", None)]
    warning = "warning: stack 'prod', codat_profile.profile name: the value held a secret"
    document = json.loads(drift.render_json([report]))
    assert len(document["warnings"]) == 1 and document["warnings"][0].startswith(warning)
    assert warning in drift.render_table([report]) and "### Withheld values" in drift.render_markdown([report])


def test_the_summary_withholds_the_value_and_adds_a_warning_line(known):
    changes = summary.from_plan("prod", PLAN)
    (line, warning) = changes.lines()
    assert line == ('prod / codat_profile.profile (profile): logo_url null -> "https://acme.example/l.png"; '
                    f'name {WITHHELD} -> "Acme" (changed outside Terraform)')
    assert warning.startswith("warning: prod / codat_profile.profile (profile) name: the value held a secret")


def test_the_secret_variables_are_the_sensitive_or_ephemeral_ones_of_the_stacks():
    configs = [{"variable": {"xero_client_secret_prod": {"sensitive": True, "ephemeral": True},
                             "codat_api_key_prod": {"sensitive": True}, "region": {"default": "eu"}}},
               {"variable": {"later": {"ephemeral": True}}}, {}]
    env = {SECRET_VARIABLES_ENV: "given", "TF_VAR_codat_api_key_prod": "prod-Api-Key-55"}
    with withholding.reports_scrubbed(None):
        withholding.learn_stacks(configs, env)
        assert scrub("prod-Api-Key-55") == "***"
    assert env[SECRET_VARIABLES_ENV] == "codat_api_key_prod,given,later,xero_client_secret_prod"


def test_raw_tools_are_told_the_secret_variables_of_the_synthesized_stacks_once_there_are_any(tmp_path):
    (tmp_path / "cdktf.json").write_text("{}")
    project = Project(tmp_path)
    assert SECRET_VARIABLES_ENV not in toolenv.tool_environment({"PATH": "/usr/bin"}, project=project)
    stack = tmp_path / "cdktf.out" / "stacks" / "prod"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"variable": {"xero_client_secret_prod": {"sensitive": True}}}))
    env = toolenv.tool_environment({"PATH": "/usr/bin", SECRET_VARIABLES_ENV: "mine"}, project=project)
    assert env[SECRET_VARIABLES_ENV] == "mine,xero_client_secret_prod"


class SecretHoldingCodat:
    """Codat's answers with secrets inside ordinary fields (the fake of test_adopt_units, reads only)."""

    def __init__(self):
        self.calls = 0

    def list_integrations(self, page_size=100):
        return iter([Integration(key="qhyg", name=f"QuickBooks {KEY}", enabled=True, source_type="Accounting"),
                     Integration(key="gbol", name="Xero", enabled=True, source_type="Accounting")])

    def get_credentials(self, key):
        from codat_client import NotFoundError
        raise NotFoundError("none", status_code=404)

    def get_profile(self):
        return Profile(name="Acme", redirectUrl="https://acme.example/codat", logoUrl=f"https://acme.example/{KEY}.png")

    def list_webhooks(self):
        return iter([WebhookConsumer(id="hook-1", url=f"https://{SECRET.lower().replace('/', '').replace('+', '')}"
                                     ".example/hooks", eventTypes=["DataSyncCompleted", "NewCompanySynchronised"])])

    def get_sync_settings(self):
        from codat_client import SyncSettings
        return SyncSettings(client_id="11111111-2222-4333-8444-555555555555", settings=[], overrides_defaults=False)

    def get_cors_origins(self):
        return ["https://app.acme.example", f"https://{base64.b64encode(KEY.encode()).decode().rstrip('=')}.example"]

    def get_supplemental_data(self, key, data_type):
        if (key, data_type) == ("gbol", "invoices"):
            return {"extras": SupplementalDataSource(dataSource=f"/Invoices?k={quote(SECRET, safe='')}")}
        return {}


def test_adopt_leaves_out_each_field_that_held_a_secret_and_says_to_set_it_by_hand():
    with withholding.reports_scrubbed({"CODAT_API_KEY": KEY, "TF_VAR_quickbooks_client_secret": SECRET}):
        found = adopt.read(SecretHoldingCodat(), "prod", "https://api.codat.io")
        text = adopt.secret_free(adopt_file.render(found, "codat-iac"))
        printed = adopt_file.render_text(found, adopt_file.Path("adopted.toml"), True, "codat-iac")
    not_represented = {n.what: n.why for n in found.not_represented}
    assert [(i.key, i.name, i.table) for i in found.integrations] == [("gbol", "Xero", "xero"),
                                                                      ("qhyg", WITHHELD, "qhyg")]
    assert "webhooks.consumer.url" in not_represented and "set it there by hand" in not_represented["profile.logo_url"]
    assert "CORS origins" in not_represented and "Xero (gbol) supplemental data for invoices" in not_represented
    environment = tomllib.loads(text)["environments"]["prod"]
    assert environment["webhooks"] == {"consumer": {"import_id": "hook-1",
                                                    "event_types": ["DataSyncCompleted", "NewCompanySynchronised"]}}
    assert "logo_url" not in environment["profile"] and "cors_origins" not in environment
    assert "supplemental_data" not in environment["xero"]
    for output in (text, printed):
        for form in (KEY, SECRET, quote(SECRET, safe="").lower(), SECRET.lower().replace("/", "").replace("+", "")):
            assert form.lower() not in output.lower()


def test_a_file_that_would_hold_a_secret_anyway_is_refused():
    with withholding.reports_scrubbed({"CODAT_API_KEY": KEY}):
        with pytest.raises(adopt.AdoptError, match="nothing was written"):
            adopt.secret_free(f'name = "{KEY}"\n')
