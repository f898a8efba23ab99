"""`codat-iac adopt` end to end, through the real CLIs: an emulator set up by hand (its Portal commands and API),
adopted into an environments file, planned (imports only), applied and drift-checked, with the emulator's own
request count showing that neither adopt nor the import apply wrote anything to Codat."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from codat_iac.toolenv import tool_environment
from pipeline_support import REPO, assert_secret_free, make_checkout

pytestmark = pytest.mark.e2e

XERO_ID, XERO_SECRET = "0123456789ABCDEF0123456789ABCDEF", "xero-Client-Secret-Q7zw"
QBO_ID, QBO_SECRET = "qbo-client-id-QB7K", "qbo-Client-Secret-K9xy"
KEY = "adopt-test-key-0001"


@dataclass
class CountedEmulator:
    """An emulator whose request count (/_emulator/requests) the test reads to find writes; `log` is its stderr."""

    url: str
    api_key: str
    data_dir: Path
    log: Path

    def portal(self, *args: str, input: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "codat_emulator", "portal", *args, "--data", str(self.data_dir)],
                              cwd=REPO, input=input, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _admin(self, method: str) -> dict[str, int]:
        basic = "Basic " + base64.b64encode(self.api_key.encode()).decode()
        answer = httpx.request(method, f"{self.url}/_emulator/requests", headers={"Authorization": basic}, timeout=10)
        answer.raise_for_status()
        return answer.json()["requests"]

    def mark(self) -> None:
        """Start counting requests afresh (the emulator counts each as it arrives, before it answers)."""
        self._admin("DELETE")

    def writes_since_mark(self) -> list[str]:
        return sorted(request for request in self._admin("GET") if re.match(r"(POST|PUT|PATCH|DELETE) ", request))


@pytest.fixture
def codat(tmp_path: Path):
    log = tmp_path / "emulator.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--port", "0", "--data", str(tmp_path / "data"),
             "--api-key", KEY], cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    yield CountedEmulator(process.stdout.readline().strip(), KEY, tmp_path / "data", log)
    process.terminate()
    process.wait(timeout=10)


def set_up_by_hand(codat: CountedEmulator) -> None:
    """What a team did in the Portal over the years, and what its scripts did through the API."""
    codat.portal("set-credentials", "gbol", "--client-id", XERO_ID, "--client-secret-stdin", input=XERO_SECRET)
    codat.portal("enable", "gbol")
    codat.portal("set-credentials", "qhyg", "--client-id", QBO_ID, "--client-secret-stdin", input=QBO_SECRET)
    codat.portal("enable", "mqjo")  # Codat Sandbox: on, no credentials
    codat.portal("sync-settings", "set", "invoices", "--schedule", "daily", "--sync-from-utc", "2024-01-01")
    codat.portal("cors", "add", "https://app.acme.example")
    codat.portal("supplemental-data", "set", "gbol", "invoices", "invoice-extras", "--data-source", "/Invoices",
                 "--pull", "reference=Reference")
    basic = "Basic " + base64.b64encode(KEY.encode()).decode()
    with httpx.Client(base_url=codat.url, headers={"Authorization": basic}) as api:
        for body in ({"url": "https://hooks.acme.example/codat", "eventTypes": ["DataSyncCompleted"]},
                     {"url": "http://localhost:8080/hooks", "eventTypes": ["NewCompanySynchronised"]}):
            api.post("/webhooks", json=body).raise_for_status()
        api.put("/profile", json={"name": "Acme Lending", "redirectUrl": "https://acme.example/codat/{companyId}",
                                  "logoUrl": "https://acme.example/logo.png"}).raise_for_status()


def stack_variables(**override: str) -> dict[str, str]:
    values = {"TF_VAR_codat_api_key_prod": KEY, "TF_VAR_xero_client_id_prod": XERO_ID,
              "TF_VAR_xero_client_secret_prod": XERO_SECRET, "TF_VAR_quickbooks_online_client_id_prod": QBO_ID,
              "TF_VAR_quickbooks_online_client_secret_prod": QBO_SECRET}
    return {**values, **override}


def test_adopt_then_plan_imports_only_apply_writes_nothing_and_drift_is_checked(codat, project, tmp_path):
    set_up_by_hand(codat)
    pipeline = make_checkout(tmp_path / "checkout", codat, project.env)
    out = tmp_path / "environments.toml"

    assert codat.writes_since_mark() == ["POST /webhooks", "PUT /profile"]  # the set-up's own writes are seen
    codat.mark()
    adopted = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out))
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert codat.writes_since_mark() == []
    lines = adopted.stdout.splitlines()
    assert "xero (gbol): Xero, enabled, credentials held; supplemental data: invoices" in adopted.stdout
    assert "accounting.quickbooks_online (qhyg): QuickBooks Online, disabled, credentials held" in adopted.stdout
    assert "accounting.codat_sandbox (mqjo): Codat Sandbox, enabled, no credentials" in adopted.stdout
    assert lines[-1].startswith("  - custom data types: Codat has no endpoint that lists them")  # last, not dropped
    text = out.read_text()
    for never in (XERO_SECRET, QBO_SECRET, XERO_ID, QBO_ID, "XXXX", XERO_ID[-4:], QBO_ID[-4:], XERO_SECRET[-4:],
                  QBO_SECRET[-4:], KEY):
        assert never not in text, never  # no secret, no client id Codat only shows masked, no masked value
    comments = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    assert "set TF_VAR_xero_client_id_prod to the app's client id" in comments
    assert "#   - custom data types" in text and "#   - profile.confirmCompanyName" in text
    environment = tomllib.loads(text)["environments"]["prod"]
    assert len(environment["webhooks"]) == 2 and environment["profile"]["name"] == "Acme Lending"

    refused = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out))
    assert refused.returncode == 1 and "--force" in refused.stderr and out.read_text() == text

    env = {"CODAT_IAC_ENVIRONMENTS": str(out), **stack_variables()}
    # A secret whose last 4 characters differ from Codat's: stopped at plan, naming the variable; nothing sent.
    codat.mark()
    wrong = pipeline.plan(tmp_path / "wrong-plan", "prod",
                          **{**env, "TF_VAR_xero_client_secret_prod": "another-Secret-0000"})
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "client_secret_wo is not the client secret Codat holds" in wrong.stderr
    assert "TF_VAR_xero_client_secret_prod" in wrong.stderr and "Traceback" not in wrong.stderr
    assert codat.writes_since_mark() == []

    planned = pipeline.plan(tmp_path / "plan", "prod", **env)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Plan: 9 to import, 0 to add, 0 to change, 0 to destroy." in planned.stdout
    show = subprocess.run(["terraform", "show", "-json", str(tmp_path / "plan" / "stacks" / "prod" / "plan.tfplan")],
                          cwd=pipeline.dir / "cdktf.out" / "stacks" / "prod", capture_output=True, text=True,
                          env=tool_environment({**pipeline.env, **env}))
    changes = [c for c in json.loads(show.stdout)["resource_changes"] if c["mode"] == "managed"]
    assert len(changes) == 9
    assert all(c["change"]["actions"] == ["no-op"] and c["change"].get("importing") for c in changes), changes

    applied = pipeline.apply(tmp_path / "plan", **env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Resources: 9 imported, 0 added, 0 changed, 0 destroyed." in applied.stdout
    assert codat.writes_since_mark() == []  # the import plan and its apply read Codat and wrote nothing

    clean = pipeline.drift("prod", **env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    codat.portal("disable", "gbol")
    code, document = pipeline.drift_json(**env)
    assert code == 2, document
    assert [(d["attribute"], d["expected"], d["actual"]) for d in document["differences"]] == [("enabled", True, False)]
    assert_secret_free(pipeline.outputs, pipeline.dir, tmp_path / "plan", secret=XERO_SECRET)
    assert_secret_free(pipeline.outputs, pipeline.dir, tmp_path / "plan", secret=QBO_SECRET)

    as_json = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out), "--force",
                           "--json")
    assert as_json.returncode == 0, as_json.stderr
    found = json.loads(as_json.stdout)
    assert (found["command"], found["exit_code"], found["written"], found["environment"]) == ("adopt", 0, True, "prod")
    assert [(i["table"], i["enabled"]) for i in found["integrations"]] == [
        ("xero", False), ("accounting.quickbooks_online", False), ("accounting.codat_sandbox", True)]
    assert "custom data types" in [n["what"] for n in found["not_represented"]]
    assert found["environments"] == tomllib.loads(out.read_text())["environments"]


def test_adopt_over_an_instance_nobody_set_up_writes_nothing(pipeline, tmp_path):
    out = tmp_path / "environments.toml"
    done = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"Nothing to adopt at {pipeline.emulator.url}") and not out.exists()
    as_json = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out), "--json")
    assert json.loads(as_json.stdout)["written"] is False and not out.exists()


def test_adopt_with_a_wrong_key_is_a_clear_error_and_writes_no_file(pipeline, tmp_path):
    out = tmp_path / "environments.toml"
    done = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out),
                        CODAT_API_KEY="not-the-key")
    assert done.returncode == 1 and not out.exists()
    assert "codat-iac adopt: reading Codat at" in done.stderr and "nothing was written" in done.stderr
    assert "Codat rejected the API key" in done.stderr and "Traceback" not in done.stderr
    assert "not-the-key" not in done.stderr + done.stdout
    as_json = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out), "--json",
                           CODAT_API_KEY="not-the-key")
    failed = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and failed["exit_code"] == 1 and "Codat rejected the API key" in failed["error"]
    assert not out.exists()
