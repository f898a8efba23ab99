"""No secret in what codat-iac writes, through the real CLIs: Codat is made to hold the API key and a client
secret inside ordinary fields (raw, base64, percent-encoded, upper-case), then deploy, drift (table, --json,
--markdown), plan --out and adopt run over it. Every output, summary.md, the plan's text and the adopted file are
searched for each canary in each form, and so are the state files, the saved plan (its members) and Terraform's
TRACE log of the drift check; the fields show the marker and a warning names them."""

from __future__ import annotations

import base64
import json
import re
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from codat_emulator.store import Store
from codat_settings.secrets import WITHHELD
from pipeline_support import CLIENT_A, make_checkout
from tests.conftest import start_emulator

pytestmark = pytest.mark.e2e

# Characters that percent-encoding and base64 change, so each form differs from the raw value.
KEY = "iac-Canary/Key+71xQ"
SECRET = "canary-Client/Secret+4Rq9"


def canary_forms(secret: str) -> list[str]:
    """The forms a secret can take in text, each searched ignoring case: raw, percent-encoded (both ways), hex,
    \\u00xx-escaped, and base64 wherever the value sits in a longer base64 text (the three alignments, edges left
    off)."""
    raw = secret.encode()
    found = {secret, quote(secret, safe=""), quote(secret, safe="/"), raw.hex(),
             "".join(f"\\u{ord(c):04x}" for c in secret)}
    for skip in range(3):
        body = raw[skip:][: (len(raw) - skip) // 3 * 3]
        found.add(base64.b64encode(body).decode())
    return sorted(found)


def assert_no_canary(where: str, text: str) -> None:
    for secret in (KEY, SECRET):
        for form in canary_forms(secret):
            assert form.lower() not in text.lower(), f"a form of a canary ({form[:4]}...) is in {where}"


@pytest.fixture
def codat(tmp_path):
    process, found = start_emulator(tmp_path, api_key=KEY)
    yield found
    process.terminate()
    process.wait(timeout=10)


def environments_file(path: Path, url: str) -> Path:
    path.write_text(f"""
[environments.prod]
base_url = "{url}"

[environments.prod.xero]
app_name = "Acme Lending"
company_url = "https://acme.example"
client_id = "{CLIENT_A}"
tier = "starter"

[environments.prod.profile]
name = "Acme Lending"
redirect_url = "https://acme.example/codat/{{companyId}}"
logo_url = "https://acme.example/logo.png"

[environments.prod.webhooks.sync_complete]
url = "https://acme.example/hooks/codat"
event_types = ["DataSyncCompleted"]
""")
    return path


def hide_canaries_in_codat(data_dir: Path) -> None:
    """A person with Portal access (or a careless script) copies the secrets into ordinary fields."""
    with Store(str(data_dir)).state.transaction() as state:
        state["profile"]["name"] = f"Acme {KEY}"
        state["profile"]["logoUrl"] = f"https://acme.example/{quote(KEY, safe='')}.png"
        state["profile"]["whiteListUrls"] = [f"https://acme.example/{base64.b64encode(SECRET.encode()).decode()}"]
        (hook,) = state["webhooks"]
        hook["url"] = f"https://acme.example/hooks/{KEY.upper()}"
        hidden = [state["profile"]["name"], state["profile"]["logoUrl"], *state["profile"]["whiteListUrls"],
                  hook["url"]]
    for value in hidden:  # the search below finds each of them
        with pytest.raises(AssertionError):
            assert_no_canary("a hidden value", value)


def test_secrets_codat_returns_in_fields_reach_no_report_and_the_fields_are_named(codat, project, tmp_path):
    pipeline = make_checkout(tmp_path / "checkout", codat, project.env)
    env = {"CODAT_IAC_ENVIRONMENTS": str(environments_file(tmp_path / "environments.toml", codat.url)),
           "TF_VAR_codat_api_key_prod": KEY, "TF_VAR_xero_client_secret_prod": SECRET}
    first = pipeline.run("deploy", "--app-dir", str(pipeline.dir), **env)
    assert first.returncode == 0, first.stdout + first.stderr

    hide_canaries_in_codat(codat.data_dir)
    trace_log = tmp_path / "terraform-trace.log"
    table = pipeline.drift(TF_LOG="TRACE", TF_LOG_PATH=str(trace_log), **env)
    as_json = pipeline.drift("--json", **env)
    markdown = pipeline.drift("--markdown", **env)
    assert (table.returncode, as_json.returncode, markdown.returncode) == (2, 2, 2), table.stdout + table.stderr
    document = json.loads(as_json.stdout)
    withheld = {(d["resource"].split(".")[0], d["attribute"]) for d in document["differences"]
                if WITHHELD in (d["expected"], d["actual"])}
    assert {("codat_profile", "name"), ("codat_profile", "logo_url"), ("codat_profile", "white_list_urls[0]"),
            ("codat_webhook", "url")} <= withheld, document["differences"]
    for field in ("codat_profile.profile name:", "logo_url:", "white_list_urls[0]:", "url:"):
        assert any(field in warning and "held a secret" in warning for warning in document["warnings"]), field
        assert field in table.stdout and field in markdown.stdout.replace("\\", "")
    assert WITHHELD in table.stdout and "### Withheld values" in markdown.stdout

    artifact = tmp_path / "plan"
    planned = pipeline.plan(artifact, **env)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    summary_md = (artifact / "summary.md").read_text()
    assert WITHHELD in summary_md and "held a secret" in summary_md

    adopted_file = tmp_path / "adopted.toml"
    # adopt knows the client secret from its variable, as in the shell of the person who adopts
    adopted = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(adopted_file),
                           TF_VAR_xero_client_secret_prod=SECRET)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    adopted_text = adopted_file.read_text()
    environment = tomllib.loads(adopted_text)["environments"]["prod"]
    assert "name" not in environment["profile"] and "logo_url" not in environment["profile"]
    assert "white_list_urls" not in environment["profile"]
    (hook,) = environment["webhooks"].values()
    assert "url" not in hook and WITHHELD not in adopted_text  # a marker written there would be deployed
    for field in ("profile.name", "profile.logo_url", "profile.white_list_urls"):
        assert f"{field}: its value held a secret" in adopted.stdout
        assert re.search(rf"#\s+- {re.escape(field)}: its value held a secret", adopted_text)
    assert "set it there by hand" in adopted.stdout and "set it there by" in adopted_text
    assert adopted_file.stat().st_mode & 0o777 == 0o600

    redeployed = pipeline.run("deploy", "--app-dir", str(pipeline.dir), "--json", **env)
    assert redeployed.returncode == 0, redeployed.stdout + redeployed.stderr
    lines = [line for stack in json.loads(redeployed.stdout)["stacks"] for line in stack["lines"]]
    assert any(f"name {WITHHELD} -> \"Acme Lending\"" in line for line in lines), lines
    assert any(line.startswith("warning: prod / profile (profile) name:") for line in lines), lines

    for index, text in enumerate(pipeline.outputs):
        assert_no_canary(f"output {index}", text)
    state_files = sorted(pipeline.dir.glob("terraform.*.tfstate*"))
    assert state_files and trace_log.stat().st_size > 0
    for path in [adopted_file, trace_log, *state_files, *sorted(artifact.rglob("*"))]:
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):  # the saved plan: the provider withholds what it returns to Terraform
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    assert_no_canary(f"{path}:{member}", archive.read(member).decode(errors="replace"))
        else:
            assert_no_canary(str(path), path.read_text(errors="replace"))
