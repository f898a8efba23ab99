"""`codat-iac compare` and `promote` end to end, through bin/codat-iac and the real terraform: two emulators set up
differently by hand (the Portal commands and the API), compared, B's table promoted, planned (exactly the promoted
differences), applied, and compared again; the secrets of either side in no output, JSON, Markdown or file."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from codat_iac.drift import attribute_changes
from codat_iac.toolenv import tool_environment
from pipeline_support import REPO, make_checkout

pytestmark = pytest.mark.e2e

STAGING_KEY, PRODUCTION_KEY = "staging-Key-Secret-7d1f", "production-Key-Secret-9a2e"
XERO_ID, XERO_SECRET = "0123456789ABCDEF0123456789ABCDEF", "xero-Shared-Secret-Q7zw"
STAGING_QBO_ID, STAGING_QBO_SECRET = "qbo-staging-client-ABCD", "qbo-Staging-Secret-K9xy"
PRODUCTION_QBO_ID, PRODUCTION_QBO_SECRET = "qbo-production-client-WXYZ", "qbo-Production-Secret-M3vb"
SECRETS = (STAGING_KEY, PRODUCTION_KEY, XERO_SECRET, STAGING_QBO_SECRET, PRODUCTION_QBO_SECRET)
CLIENT_IDS = (XERO_ID, STAGING_QBO_ID, PRODUCTION_QBO_ID)  # shown by their last 4 characters only
#: What the set-up makes different, as compare shows it (setting, staging, production).
DIFFERENT = [
    ("integrations.qhyg.client_id", "...ABCD", "...WXYZ"),
    ("integrations.mqjo.enabled", True, False),
    ("integrations.gbol.custom_data_types.purchaseOrders", {"data_source": "/api.xro/2.0/PurchaseOrders", "key_by": [
        "$.PurchaseOrderID"], "required_data": {"number": "$.PurchaseOrderNumber"}}, "(absent)"),
    ("sync_settings.data_types.invoices.sync_schedule", 24, 1),
    ("cors_origins", ["https://admin.acme.example", "https://app.acme.example"], ["https://app.acme.example"]),
    ("webhooks.codat_companies", {"url": "https://staging-hooks.acme.example/codat/companies",
                                  "event_types": ["NewCompanySynchronised"]}, "(absent)"),
]


@dataclass
class Codat:
    """One emulator of the test's own (never this checkout's), with its request count to find writes."""

    url: str
    api_key: str
    data_dir: Path

    def portal(self, *args: str, input: str | None = None) -> None:
        done = subprocess.run([sys.executable, "-m", "codat_emulator", "portal", *args, "--data", str(self.data_dir)],
                              cwd=REPO, input=input, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr

    def api(self) -> httpx.Client:
        basic = "Basic " + base64.b64encode(self.api_key.encode()).decode()
        return httpx.Client(base_url=self.url, headers={"Authorization": basic}, timeout=10)

    def writes(self, clear: bool = False) -> list[str]:
        with self.api() as api:
            counted = api.request("DELETE" if clear else "GET", "/_emulator/requests").json()["requests"]
        return sorted(r for r in counted if re.match(r"(POST|PUT|PATCH|DELETE) (?!/_emulator)", r))


@pytest.fixture
def instances(tmp_path: Path):
    """Two emulators: staging and production."""
    processes, started = [], []
    for name, key in (("staging", STAGING_KEY), ("production", PRODUCTION_KEY)):
        data = tmp_path / f"{name}-data"
        process = subprocess.Popen([sys.executable, "-m", "codat_emulator", "serve", "--port", "0", "--data", str(data),
                                    "--api-key", key], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   text=True)
        processes.append(process)
        started.append(Codat(process.stdout.readline().strip(), key, data))
    yield started
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def set_up_by_hand(staging: Codat, production: Codat) -> None:
    """Alike where they should be, apart in the five ways of DIFFERENT, and apart where environments differ by
    nature (profile name, redirect URL host, webhook hosts)."""
    for codat, host, hooks, name, qbo in (
            (staging, "staging.acme.example", "staging-hooks", "Acme (staging)", (STAGING_QBO_ID, STAGING_QBO_SECRET)),
            (production, "acme.example", "hooks", "Acme Lending", (PRODUCTION_QBO_ID, PRODUCTION_QBO_SECRET))):
        codat.portal("set-credentials", "gbol", "--client-id", XERO_ID, "--client-secret-stdin", input=XERO_SECRET)
        codat.portal("enable", "gbol")
        codat.portal("set-credentials", "qhyg", "--client-id", qbo[0], "--client-secret-stdin", input=qbo[1])
        codat.portal("enable", "qhyg")
        codat.portal("cors", "add", "https://app.acme.example")
        with codat.api() as api:
            api.post("/webhooks", json={"url": f"https://{hooks}.acme.example/codat",
                                        "eventTypes": ["DataSyncCompleted"]}).raise_for_status()
            api.put("/profile", json={"name": name, "redirectUrl": f"https://{host}/codat/{{companyId}}"}
                    ).raise_for_status()
    staging.portal("enable", "mqjo")
    staging.portal("sync-settings", "set", "invoices", "--schedule", "daily")
    production.portal("sync-settings", "set", "invoices", "--schedule", "hourly")
    staging.portal("cors", "add", "https://admin.acme.example")
    staging.portal("custom-data-type", "set", "gbol", "purchaseOrders", "--data-source", "/api.xro/2.0/PurchaseOrders",
                   "--key-by", "$.PurchaseOrderID", "--required-data", "number=$.PurchaseOrderNumber")
    with staging.api() as api:
        api.post("/webhooks", json={"url": "https://staging-hooks.acme.example/codat/companies",
                                    "eventTypes": ["NewCompanySynchronised"]}).raise_for_status()


def environments_file(path: Path, staging: Codat, production: Codat) -> Path:
    """staging with the custom data type it names (Codat cannot list them); production with its own variable
    names, which promote keeps."""
    path.write_text(f"""
[environments.staging]
base_url = "{staging.url}"

[environments.staging.xero]
import_id = "gbol"

[environments.staging.xero.custom_data_types.purchaseOrders]
data_source = "/api.xro/2.0/PurchaseOrders"
key_by = ["$.PurchaseOrderID"]
required_data = {{ number = "$.PurchaseOrderNumber" }}

[environments.production]
base_url = "{production.url}"
api_key_variable = "prod_codat_key"

[environments.production.xero]
import_id = "gbol"
client_id_variable = "prod_xero_client_id"
client_secret_variable = "prod_xero_secret"

[environments.production.accounting.quickbooks]
platform_key = "qhyg"
client_id_variable = "prod_qbo_client_id"
client_secret_variable = "prod_qbo_secret"
""")
    return path


def forms(value: str) -> set[str]:
    """How a secret could show in text: as is, base64 (standard, URL-safe, unpadded), percent-encoded."""
    encoded = base64.b64encode(value.encode()).decode()
    urlsafe = base64.urlsafe_b64encode(value.encode()).decode()
    return {value, encoded, encoded.rstrip("="), urlsafe, urlsafe.rstrip("="), quote(value, safe="")}


def assert_nothing_secret(texts: list[str], also: tuple[str, ...] = ()) -> None:
    for text in texts:
        for secret in SECRETS + also:
            for form in forms(secret):
                assert form.lower() not in text.lower(), f"{secret!r} (as {form!r}) in output"


class Runner:
    """bin/codat-iac in the test's project checkout, every output kept for the secret scan."""

    def __init__(self, checkout, environments: Path) -> None:
        self.checkout, self.outputs, self.reports = checkout, [], []
        self.env = {**checkout.env, "CODAT_IAC_ENVIRONMENTS": str(environments), "TF_VAR_codat_api_key_staging":
                    STAGING_KEY, "TF_VAR_prod_codat_key": PRODUCTION_KEY}

    def __call__(self, *args: str, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(REPO / "bin" / "codat-iac"), *args[:1], "--app-dir", str(self.checkout.dir),
                               *args[1:]], cwd=self.checkout.dir, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=timeout)
        self.outputs += [done.stdout, done.stderr]
        if args[0] in ("compare", "promote"):
            self.reports += [done.stdout, done.stderr]
        return done


def rows(document: dict) -> list[tuple]:
    return [(d["setting"], d["a"], d["b"]) for d in document["differences"]]


def planned_changes(runner: Runner, plan_dir: Path, stack: str, env: dict[str, str]) -> dict[str, tuple]:
    """Each managed resource of the saved plan that changes Codat: address -> (actions, attributes changed, the
    planned values)."""
    stack_dir = runner.checkout.dir / "cdktf.out" / "stacks" / stack
    show = subprocess.run(["terraform", "show", "-json", str(plan_dir / "stacks" / stack / "plan.tfplan")],
                          cwd=stack_dir, capture_output=True, text=True, env=tool_environment({**runner.env, **env}))
    assert show.returncode == 0, show.stderr
    changes = {}
    for change in json.loads(show.stdout)["resource_changes"]:
        actions = change["change"]["actions"]
        if change["mode"] != "managed" or actions == ["no-op"]:
            continue  # an import that changes nothing writes nothing
        changed = sorted(path for path, *_ in attribute_changes(change["change"]))
        changes[change["address"]] = (actions, changed, change["change"]["after"])
    return changes


def test_compare_promote_plan_deploy_then_the_same(instances, project, tmp_path):
    staging, production = instances
    set_up_by_hand(staging, production)
    environments = environments_file(tmp_path / "environments.toml", staging, production)
    run = Runner(make_checkout(tmp_path / "checkout", production, project.env), environments)
    for codat in instances:
        codat.writes(clear=True)

    listed = run("compare", "staging", "production")
    assert listed.returncode == 2, listed.stdout + listed.stderr
    lines = listed.stdout.splitlines()
    table = [line.split()[0] for line in lines[lines.index("") + 2:lines.index("", 3)]]
    assert table == [setting for setting, _, _ in DIFFERENT], listed.stdout
    assert "integrations.qhyg.client_id (QuickBooks Online)" in listed.stdout and '"...WXYZ"' in listed.stdout
    for by_nature in ("profile.name", "redirect_url", "hooks.acme.example/codat\""):
        assert by_nature not in listed.stdout.split("Ignored:")[0], by_nature
    as_json = run("compare", "staging", "production", "--json")
    document = json.loads(as_json.stdout)
    assert (as_json.returncode, document["exit_code"]) == (2, 2)
    assert rows(document) == DIFFERENT
    assert [document["a"]["name"], document["b"]["name"], document["a"]["form"]] == ["staging", "production", "live"]
    markdown = run("compare", "staging", "production", "--markdown")
    assert markdown.returncode == 2 and markdown.stdout.startswith("## Codat compare: staging and production")
    assert "| Setting | A: staging | B: production |" in markdown.stdout
    assert "| `integrations.mqjo.enabled (Codat Sandbox)` | `true` | `false` |" in markdown.stdout
    assert [staging.writes(), production.writes()] == [[], []]  # compare reads with GET only
    everything = run("compare", "staging", "production", "--json", "--no-default-ignores")
    shown = [row[0] for row in rows(json.loads(everything.stdout))]
    assert {"profile.name", "profile.redirect_url", "webhooks.codat.url"} <= set(shown)
    assert set(shown) - {"profile.name", "profile.redirect_url", "webhooks.codat.url"} == {r[0] for r in DIFFERENT}
    fewer = run("compare", "staging", "production", "--json", "--ignore", "cors_origins", "--ignore",
                "integrations.*.client_id")
    assert rows(json.loads(fewer.stdout)) == DIFFERENT[1:4] + DIFFERENT[5:]

    promoted = tmp_path / "promoted.toml"
    written = run("promote", "staging", "production", "--out", str(promoted))
    assert written.returncode == 0, written.stdout + written.stderr
    assert [staging.writes(), production.writes()] == [[], []]
    table = tomllib.loads(promoted.read_text())["environments"]["production"]
    assert table["api_key_variable"] == "prod_codat_key"
    assert (table["xero"]["client_id_variable"], table["xero"]["client_secret_variable"]) == (
        "prod_xero_client_id", "prod_xero_secret")
    quickbooks = table["accounting"]["quickbooks"]
    assert (quickbooks["client_id_variable"], quickbooks["client_secret_variable"]) == (
        "prod_qbo_client_id", "prod_qbo_secret")
    assert "import_id" not in quickbooks  # its client id changes: created (taking Codat's over), not imported
    assert table["profile"]["name"] == "Acme Lending"  # ignored: production keeps its own
    assert {hook["url"] for hook in table["webhooks"].values()} == {
        "https://hooks.acme.example/codat", "https://hooks.acme.example/codat/companies"}  # production's host
    refused = run("promote", "staging", "production", "--out", str(promoted))
    assert refused.returncode == 1 and "--force" in refused.stderr

    variables = {"CODAT_IAC_ENVIRONMENTS": str(promoted), "TF_VAR_prod_xero_client_id": XERO_ID,
                 "TF_VAR_prod_xero_secret": XERO_SECRET, "TF_VAR_prod_qbo_client_id": STAGING_QBO_ID,
                 "TF_VAR_prod_qbo_secret": STAGING_QBO_SECRET}
    assert table["xero"]["custom_data_types"] == {"purchaseOrders": DIFFERENT[2][1]}
    # Declared form: production's new table against production's Codat is what deploying it would change.
    ahead = run("compare", "production", "live:production", "--json", **variables)
    assert ahead.returncode == 2, ahead.stdout + ahead.stderr
    assert [(s, b) for s, _, b in rows(json.loads(ahead.stdout))] == [(s, b) for s, _, b in DIFFERENT]

    plan_dir = tmp_path / "plan"
    planned = run("plan", "production", "--out", str(plan_dir), **variables)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    changes = planned_changes(run, plan_dir, "production", variables)
    by_kind = {(address.split(".")[0], actions[0]): (changed, after) for address, (actions, changed, after) in
               changes.items()}
    assert sorted(by_kind) == [("codat_cors_origins", "update"), ("codat_custom_data_type", "create"),
                               ("codat_integration", "create"),
                               ("codat_integration", "update"), ("codat_sync_settings", "update"),
                               ("codat_webhook", "create")], changes
    assert by_kind[("codat_integration", "update")][0] == ["enabled"]
    assert by_kind[("codat_integration", "update")][1]["platform_key"] == "mqjo"
    created = by_kind[("codat_integration", "create")][1]
    assert (created["platform_key"], created["client_id"], created["enabled"]) == ("qhyg", STAGING_QBO_ID, True)
    assert by_kind[("codat_sync_settings", "update")][0] == ["data_types.invoices.sync_schedule"]
    assert by_kind[("codat_sync_settings", "update")][1]["data_types"]["invoices"]["sync_schedule"] == 24
    assert by_kind[("codat_webhook", "create")][1]["url"] == "https://hooks.acme.example/codat/companies"
    assert sorted(by_kind[("codat_cors_origins", "update")][1]["allowed_origins"]) == [
        "https://admin.acme.example", "https://app.acme.example"]

    applied = run("apply", str(plan_dir), **variables)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    same = run("compare", "staging", "production")
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout.startswith("Same: A (staging, ") and "match outside the ignored settings" in same.stdout
    deployed = run("compare", "production", "live:production", **variables)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert_nothing_secret(run.outputs + [promoted.read_text()])
    assert_nothing_secret(run.reports + [promoted.read_text()], also=CLIENT_IDS)  # compare shows their last 4


def test_bad_input_is_one_line_naming_the_side_and_writes_no_file(instances, project, tmp_path):
    staging, production = instances
    environments = environments_file(tmp_path / "environments.toml", staging, production)
    run = Runner(make_checkout(tmp_path / "checkout", production, project.env), environments)
    out = tmp_path / "promoted.toml"

    def fails(*args: str, **env: str) -> str:
        done = run(*args, **env)
        assert done.returncode == 1, done.stdout + done.stderr
        lines = [line for line in done.stderr.splitlines() if line.startswith("codat-iac ")]
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert not out.exists()
        return lines[0]

    unknown = fails("compare", "staging", "prodution")
    assert "side B (prodution): there is no environment 'prodution'" in unknown and "staging, production" in unknown
    wrong = fails("promote", "staging", "production", "--out", str(out), TF_VAR_prod_codat_key="not-the-Key-1234")
    assert "side B (production): Codat at " in wrong and "rejected the API key (401)" in wrong
    assert "set TF_VAR_prod_codat_key" in wrong and "not-the-Key-1234" not in wrong
    wrong_a = fails("compare", "staging", "production", TF_VAR_codat_api_key_staging="not-the-Key-1234")
    assert wrong_a.startswith("codat-iac compare: side A (staging): Codat at ")
    unset = fails("compare", "staging", "production", TF_VAR_prod_codat_key="")
    assert "side B (production): TF_VAR_prod_codat_key is not set" in unset

    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        slow = fails("promote", "staging", "live:slow", f"--base-url-slow=http://127.0.0.1:{port}",
                     "--api-key-env-slow", "SLOW_KEY", "--timeout", "1", "--out", str(out),
                     SLOW_KEY="slow-Key-Secret-0001")
        assert f"side B (live:slow): Codat at http://127.0.0.1:{port} did not answer within 1 s" in slow
        assert "--base-url-slow" in slow and "--timeout" in slow
        as_json = run("compare", "staging", "live:slow", f"--base-url-slow=http://127.0.0.1:{port}",
                      "--api-key-env-slow", "SLOW_KEY", "--timeout", "1", "--json", SLOW_KEY="slow-Key-Secret-0001")
        failed = json.loads(as_json.stdout)
        assert (as_json.returncode, failed["exit_code"]) == (1, 1) and "side B (live:slow)" in failed["error"]
    half = fails("compare", "staging", "live:other", "--base-url-other", production.url)
    assert "side B (live:other): give both --base-url-other URL and --api-key-env-other VARIABLE" in half
    assert_nothing_secret(run.outputs, also=CLIENT_IDS)


def test_a_secret_one_codat_echoes_is_withheld_in_every_report_and_never_written(instances, project, tmp_path):
    """A careless Codat can hold the other side's secret in an ordinary field: every report withholds the value, and
    promote writes no file rather than put it in one."""
    staging, production = instances
    with staging.api() as api:
        api.post("/webhooks", json={"url": f"https://staging-hooks.acme.example/codat?k={quote(PRODUCTION_KEY)}",
                                    "eventTypes": ["DataSyncCompleted"]}).raise_for_status()
    with production.api() as api:
        encoded = base64.b64encode(STAGING_KEY.encode()).decode()
        api.put("/profile", json={"name": f"Acme {encoded}", "redirectUrl": "https://acme.example/codat"}
                ).raise_for_status()
    run = Runner(make_checkout(tmp_path / "checkout", production, project.env),
                 environments_file(tmp_path / "environments.toml", staging, production))
    for form in ((), ("--json",), ("--markdown",)):
        done = run("compare", "staging", "production", "--no-default-ignores", *form)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stdout.count("(withheld: held a secret)") == 2, done.stdout  # the profile's name, the webhook
    out = tmp_path / "promoted.toml"
    refused = run("promote", "staging", "production", "--out", str(out))
    assert refused.returncode == 1 and not out.exists(), refused.stdout + refused.stderr
    assert ("codat-iac promote: side A (staging): webhooks.data_sync_completed.url held a secret, so adopt's "
            "reader left it out") in refused.stderr
    assert_nothing_secret(run.outputs, also=CLIENT_IDS)
