"""codat_integration through the real terraform over HCL, against the emulator.

Create, update (the version bump re-sends the secret), import followed by an empty plan, drift of
`enabled`, the client id and the secret, destroy per `on_destroy`, adoption. The emulator's request
log (kept by the `emulator` fixture below) counts the calls Codat receives. No secret used here may
appear in any state file, plan output or log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.provider.provider_support import xero_integration

REPO = Path(__file__).resolve().parents[2]

SECRET = "hcl-test-secret-value-91ab"
ROTATED = "hcl-rotated-secret-value-5e7c"
PORTAL_SECRET = "portal-typed-secret-value-3d2f"
CLIENT_ID = "00112233445566778899AABBCCDDEEFF"
PORTAL_ID = "FFEEDDCCBBAA99887766554433221100"
ALL_SECRETS = (SECRET, ROTATED, PORTAL_SECRET)


@dataclass
class LoggedEmulator:
    """The emulator of tests/conftest.py, with its request log kept (to count the calls Codat got)."""

    url: str
    api_key: str
    data_dir: Path
    log: Path

    def cli(self, *args: str, secret: str | None = None) -> str:
        env = {**os.environ, "PORTAL_SECRET_INPUT": secret or ""}
        done = subprocess.run(
            [sys.executable, "-m", "codat_emulator", *args, "--data", str(self.data_dir)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def portal(self, *args: str, secret: str | None = None) -> str:
        """Play a person in the Codat Portal; `secret` feeds set-credentials without a command line."""
        extra = ("--client-secret-env", "PORTAL_SECRET_INPUT") if secret is not None else ()
        return self.cli("portal", *args, *extra, secret=secret)

    def show(self, key: str) -> dict:
        return json.loads(self.portal("show", key))

    def fault(self, *args: str) -> None:
        self.cli("faults", "add", *args)

    def calls(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        """How many requests the emulator answered, by method, exact path and status (each when given)."""
        count = 0
        for line in self.log.read_text().splitlines():
            parts = line.split(" ")
            if line.startswith("codat-emulator: ") and len(parts) >= 5 and parts[3] == "->":
                if (method in (None, parts[1]) and path in (None, parts[2].split("?")[0])
                        and status in (None, int(parts[4]) if parts[4].isdigit() else None)):
                    count += 1
        return count


@pytest.fixture
def emulator(tmp_path: Path):
    data, log = tmp_path / "emulator-data", tmp_path / "emulator.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
             "--data", str(data), "--api-key", "test-api-key-0001"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=sink, text=True,
        )
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise RuntimeError(f"emulator did not print its URL (got {url!r})")
    yield LoggedEmulator(url, "test-api-key-0001", data, log)
    process.terminate()
    process.wait(timeout=10)


def assert_secret_free(tf, emulator, secrets=ALL_SECRETS) -> None:
    """No secret in any file of the Terraform folder (state, backups, plans), any output or the request log."""
    texts = list(tf.outputs) + [emulator.log.read_text()]
    texts += [path.read_text(errors="replace") for path in tf.dir.rglob("*")
              if path.is_file() and ".terraform" not in path.parts]
    for secret in secrets:
        assert all(secret not in text for text in texts), "a secret leaked"


def xero(version: int = 1, enabled: bool = True, extra: str = "") -> str:
    return xero_integration(CLIENT_ID, version, f"  enabled                  = {str(enabled).lower()}\n  {extra}\n")


PUT_CREDENTIALS = ("PUT", "/integrations/credentials/gbol")
PUT_ENABLED = ("PUT", "/integrations/gbol/enabled")


def test_create_update_and_version_bump_resends_secret(tf, emulator):
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(xero())
    tf.init()
    tf.apply()
    values = tf.state()["codat_integration.xero"]
    assert values["enabled"] is True and values["name"] == "Xero" and values["source_type"] == "Accounting"
    assert values["client_id"] == CLIENT_ID and values["client_secret_wo"] is None
    assert values["client_secret_masked"] == "X" * (len(SECRET) - 4) + SECRET[-4:]
    assert values["credentials_api_available"] is True
    held = emulator.show("gbol")
    assert held["integration"]["enabled"] is True
    assert held["credentials"]["clientId"].endswith(CLIENT_ID[-4:])
    assert held["credentials"]["clientSecret"].endswith(SECRET[-4:])
    assert emulator.calls(*PUT_CREDENTIALS) == 1 and emulator.calls(*PUT_ENABLED) == 1
    assert tf.plan().returncode == 0

    # Switch off only: nothing is sent again.
    tf.write(xero(enabled=False))
    tf.apply()
    assert emulator.show("gbol")["integration"]["enabled"] is False
    assert emulator.calls(*PUT_CREDENTIALS) == 1 and emulator.calls(*PUT_ENABLED) == 2

    # A rotated secret with a bumped version is sent again; the plan says why, without the secret.
    tf.env["TF_VAR_secret"] = ROTATED
    tf.write(xero(version=2, enabled=False))
    planned = tf.plan()
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Credentials will be sent to Codat: client_secret_wo" in planned.stdout
    assert "client_secret_wo_version changed" in planned.stdout
    assert "client_secret_masked" in planned.stdout and "(known after apply)" in planned.stdout
    tf.apply()
    held = emulator.show("gbol")
    assert held["credentials"]["clientSecret"].endswith(ROTATED[-4:])
    assert held["credentials"]["clientId"].endswith(CLIENT_ID[-4:])
    assert tf.state()["codat_integration.xero"]["client_secret_masked"].endswith(ROTATED[-4:])
    assert emulator.calls(*PUT_CREDENTIALS) == 2 and emulator.calls(*PUT_ENABLED) == 2
    assert tf.plan().returncode == 0
    assert_secret_free(tf, emulator)


def test_import_then_empty_plan(tf, emulator):
    emulator.portal("set-credentials", "gbol", "--client-id", CLIENT_ID, secret=SECRET)
    emulator.portal("enable", "gbol")
    emulator.portal("set-credentials", "qhyg", "--client-id", PORTAL_ID, secret=PORTAL_SECRET)
    emulator.portal("enable", "qhyg")
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(xero() + '\nresource "codat_integration" "qbo" {\n  platform_key = "qhyg"\n}\n')
    tf.init()

    # The import ID carries the configuration's client id (checked against Codat's last 4) and version.
    tf.run("import", "-input=false", "-no-color", "codat_integration.xero",
           f"gbol:client_id={CLIENT_ID},client_secret_wo_version=1")
    # A resource that leaves the credentials alone imports by its key alone.
    tf.run("import", "-input=false", "-no-color", "codat_integration.qbo", "qhyg")
    values = tf.state()
    assert values["codat_integration.xero"]["client_id"] == CLIENT_ID
    assert values["codat_integration.xero"]["client_secret_wo_version"] == 1
    assert values["codat_integration.qbo"]["client_id"] == "X" * 28 + PORTAL_ID[-4:]
    clean = tf.plan()
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # Plain `gbol` still imports; the first plan then only records the client id and version.
    tf.run("state", "rm", "codat_integration.xero")
    tf.run("import", "-input=false", "-no-color", "codat_integration.xero", "gbol")
    assert tf.state()["codat_integration.xero"]["client_id"] == "X" * 28 + CLIENT_ID[-4:]
    planned = tf.plan()
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Credentials recorded, not sent" in planned.stdout
    assert "will be sent" not in planned.stdout and "1 to change" in planned.stdout
    tf.apply()
    assert emulator.calls(*PUT_CREDENTIALS) == 0 and emulator.calls(*PUT_ENABLED) == 0
    assert tf.plan().returncode == 0

    # A malformed import ID is refused with the syntax; an import block gives an import-only plan.
    tf.run("state", "rm", "codat_integration.xero")
    bad = tf.run("import", "-input=false", "-no-color", "codat_integration.xero", "gbol:client_secret=x", check=False)
    assert bad.returncode == 1 and "client_secret_wo_version=1" in bad.stderr and "never the secret" in bad.stderr
    tf.write(xero() + '\nresource "codat_integration" "qbo" {\n  platform_key = "qhyg"\n}\n'
             f'import {{\n  to = codat_integration.xero\n'
             f'  id = "gbol:client_id={CLIENT_ID},client_secret_wo_version=1"\n}}\n')
    planned = tf.plan()
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "1 to import, 0 to add, 0 to change, 0 to destroy" in planned.stdout, planned.stdout
    assert_secret_free(tf, emulator)


def test_drift_of_enabled_client_id_and_secret_is_shown_and_repaired(tf, emulator):
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(xero())
    tf.init()
    tf.apply()

    emulator.portal("disable", "gbol")
    drift = tf.plan()
    assert drift.returncode == 2 and "enabled" in drift.stdout and "false -> true" in drift.stdout, drift.stdout
    assert "will be sent" not in drift.stdout
    tf.apply()
    assert emulator.show("gbol")["integration"]["enabled"] is True

    # Someone types another app's client id (same secret) into the Portal.
    emulator.portal("set-credentials", "gbol", "--client-id", PORTAL_ID, secret=SECRET)
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "Credentials will be sent to Codat: client_id" in drift.stdout
    assert f"Codat shows ...{PORTAL_ID[-4:]}" in drift.stdout
    assert "Credentials will be sent to Codat: client_secret_wo" not in drift.stdout
    assert PORTAL_ID not in drift.stdout  # the plan shows no more than Codat does
    tf.apply()
    assert emulator.show("gbol")["credentials"]["clientId"].endswith(CLIENT_ID[-4:])
    assert tf.plan().returncode == 0

    # Someone pastes another secret (same client id) into the Portal.
    emulator.portal("set-credentials", "gbol", "--client-id", CLIENT_ID, secret=PORTAL_SECRET)
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "Credentials will be sent to Codat: client_secret_wo" in drift.stdout
    assert f"Codat shows ...{PORTAL_SECRET[-4:]}" in drift.stdout
    assert "Credentials will be sent to Codat: client_id" not in drift.stdout
    assert SECRET[-4:] not in drift.stdout + drift.stderr  # nothing of the configured secret
    tf.apply()
    assert emulator.show("gbol")["credentials"]["clientSecret"].endswith(SECRET[-4:])
    assert tf.plan().returncode == 0
    assert emulator.calls(*PUT_CREDENTIALS) == 3
    assert_secret_free(tf, emulator)


DESTROY = """
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "codat_integration" "xero" {
  platform_key             = "gbol"
  client_id                = "00112233445566778899AABBCCDDEEFF"
  client_secret_wo         = var.secret
  client_secret_wo_version = 1
}
resource "codat_integration" "qbo" {
  platform_key             = "qhyg"
  client_id                = "qbo-client-id-0001"
  client_secret_wo         = var.secret
  client_secret_wo_version = 1
  on_destroy               = "delete_credentials"
}
resource "codat_integration" "sage" {
  platform_key = "tgff"
  on_destroy   = "forget"
}
resource "codat_integration" "netsuite" {
  platform_key             = "akxx"
  client_id                = "netsuite-client-id-0001"
  client_secret_wo         = var.secret
  client_secret_wo_version = 1
  on_destroy               = "delete_credentials"
  force                    = FORCE
}
"""


def test_adoption_and_destroy_per_on_destroy(tf, emulator):
    # Codat already holds credentials: the configured ones (Xero) and someone else's (Sage, unmanaged here).
    emulator.portal("set-credentials", "gbol", "--client-id", CLIENT_ID, secret=SECRET)
    emulator.portal("set-credentials", "tgff", "--client-id", PORTAL_ID, secret=PORTAL_SECRET)
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(DESTROY.replace("FORCE", "false"))
    tf.init()
    applied = tf.apply()
    out = applied.stdout
    assert out.count("Adopted the existing") == 2, out
    assert "Adopted the existing Xero integration" in out and "not sent again" in out
    assert "Adopted the existing Sage Accounting integration" in out and "They are kept" in out
    assert emulator.calls(*PUT_CREDENTIALS) == 0  # Xero's matched: nothing sent
    assert emulator.calls("PUT", "/integrations/credentials/qhyg") == 1
    assert tf.state()["codat_integration.sage"]["client_id"] == "X" * 28 + PORTAL_ID[-4:]
    assert tf.plan().returncode == 0

    emulator.portal("add-company", "Acme Ltd", "--platform", "akxx", "--status", "Linked")
    refused = tf.destroy(check=False)
    assert refused.returncode == 1
    assert "Refusing to delete credentials in use" in refused.stderr and "1 linked" in refused.stderr
    assert "force = true" in refused.stderr
    xero_, qbo, sage, netsuite = (emulator.show(k) for k in ("gbol", "qhyg", "tgff", "akxx"))
    assert xero_["integration"]["enabled"] is False and xero_["credentials"]["clientId"].endswith(CLIENT_ID[-4:])
    assert qbo["integration"]["enabled"] is False and qbo["credentials"] == {}
    assert sage["integration"]["enabled"] is True and sage["credentials"]["clientId"].endswith(PORTAL_ID[-4:])
    assert netsuite["integration"]["enabled"] is True and netsuite["credentials"]["clientId"].endswith("0001")
    assert list(tf.state()) == ["codat_integration.netsuite"]

    tf.write(DESTROY.replace("FORCE", "true"))
    tf.apply("-target=codat_integration.netsuite")
    tf.destroy()
    netsuite = emulator.show("akxx")
    assert netsuite["integration"]["enabled"] is False and netsuite["credentials"] == {}
    assert tf.state() == {}
    assert_secret_free(tf, emulator)


# ---------------------------------------------------------------------------------------------- faults


def test_switch_failing_after_credentials_is_recorded_and_the_next_apply_converges(tf, emulator):
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(xero())
    tf.init()
    # Codat refuses the switch once (a 409 is not retried by the client), after taking the credentials.
    emulator.fault("error", "--status", "409", "--path-prefix", "/integrations/gbol/enabled", "--method", "PUT",
                   "--count", "1")
    failed = tf.apply(check=False)
    assert failed.returncode == 1
    assert "Could not switch the integration on" in failed.stderr
    assert "The credentials were applied" in failed.stderr and "state records them" in failed.stderr
    shown = json.loads(tf.run("show", "-json").stdout)["values"]["root_module"]["resources"][0]
    assert shown["tainted"] is True  # Terraform's rule for a create that reported an error
    values = shown["values"]
    assert values["client_id"] == CLIENT_ID and values["client_secret_masked"].endswith(SECRET[-4:])
    assert values["enabled"] is False and values["client_secret_wo_version"] == 1
    held = emulator.show("gbol")
    assert held["integration"]["enabled"] is False and held["credentials"]["clientSecret"].endswith(SECRET[-4:])
    assert emulator.calls(*PUT_CREDENTIALS) == 1 and emulator.calls(*PUT_ENABLED, status=409) == 1

    # The replacement Terraform plans for the tainted object only switches it on: no duplicate writes.
    tf.apply()
    assert emulator.show("gbol")["integration"]["enabled"] is True
    assert emulator.calls(*PUT_CREDENTIALS) == 1 and emulator.calls(*PUT_ENABLED, status=200) == 1
    assert emulator.calls("DELETE") == 0
    assert tf.plan().returncode == 0

    # The same on an update: the rotated secret is recorded, the switch is retried alone.
    emulator.fault("error", "--status", "409", "--path-prefix", "/integrations/gbol/enabled", "--method", "PUT",
                   "--count", "1")
    tf.env["TF_VAR_secret"] = ROTATED
    tf.write(xero(version=2, enabled=False))
    failed = tf.apply(check=False)
    assert failed.returncode == 1 and "Could not switch the integration off" in failed.stderr
    assert "The credentials were applied" in failed.stderr
    values = tf.state()["codat_integration.xero"]
    assert values["client_secret_wo_version"] == 2 and values["client_secret_masked"].endswith(ROTATED[-4:])
    assert values["enabled"] is True
    assert emulator.calls(*PUT_CREDENTIALS) == 2
    converged = tf.apply()
    assert "1 changed" in converged.stdout and "will be sent" not in converged.stdout
    assert emulator.show("gbol")["integration"]["enabled"] is False
    assert emulator.calls(*PUT_CREDENTIALS) == 2 and emulator.calls(*PUT_ENABLED, status=200) == 2
    assert tf.plan().returncode == 0
    assert_secret_free(tf, emulator)


KEYS = ["trji", "qudb", "pbbf", "fbrh", "vxvy", "pdvj", "akxx", "qhyg", "ndsk", "jcrp", "tgff", "knfz"]


def test_rate_limited_apply_at_parallelism_10_succeeds_through_retries(tf, emulator):
    tf.write(f"""
resource "codat_integration" "each" {{
  for_each     = toset({json.dumps(KEYS)})
  platform_key = each.key
}}
""")
    tf.init()
    emulator.fault("rate-limit", "--retry-after", "1", "--count", "15", "--path-prefix", "/integrations")
    # A single 500 on a switch is absorbed by the client's retries too.
    emulator.fault("error", "--status", "500", "--path-prefix", "/integrations/trji/enabled", "--method", "PUT",
                   "--count", "1")
    tf.apply("-parallelism=10")
    assert emulator.calls(status=429) == 15
    assert emulator.calls("PUT", "/integrations/trji/enabled", status=500) == 1
    assert all(emulator.show(key)["integration"]["enabled"] for key in KEYS)
    assert emulator.calls("PUT", status=200) == len(KEYS)  # one switch each, none repeated
    assert tf.plan().returncode == 0


def test_credentials_endpoints_unavailable_warns_keeps_enabled_drift_and_never_loops(tf, emulator):
    emulator.fault("error", "--status", "404", "--path-prefix", "/integrations/credentials")
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(xero())
    tf.init()
    applied = tf.apply()
    assert "Credentials cannot be read from Codat" in applied.stdout
    assert "Credentials not sent" in applied.stdout and "Codat Portal" in applied.stdout
    values = tf.state()["codat_integration.xero"]
    assert values["credentials_api_available"] is False and values["client_id"] == CLIENT_ID
    assert values["client_secret_masked"] is None and values["enabled"] is True

    clean = tf.plan()  # no perpetual diff: nothing can be compared, and the configuration did not change
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Credentials cannot be read from Codat" in clean.stdout and "will be sent" not in clean.stdout

    emulator.portal("disable", "gbol")
    drift = tf.plan()
    assert drift.returncode == 2 and "false -> true" in drift.stdout, drift.stdout
    tf.apply()
    assert emulator.show("gbol")["integration"]["enabled"] is True
    assert tf.plan().returncode == 0

    # The endpoints come back: Codat holds no credentials, so the next plan sends them.
    emulator.cli("reset")
    back = tf.plan()
    assert back.returncode == 2 and "Codat holds no client id" in back.stdout, back.stdout
    tf.apply()
    assert emulator.show("gbol")["credentials"]["clientSecret"].endswith(SECRET[-4:])
    assert tf.state()["codat_integration.xero"]["credentials_api_available"] is True
    assert tf.plan().returncode == 0
    assert_secret_free(tf, emulator)


# ------------------------------------------------------------------------------------------ validation

INVALID = """
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "codat_integration" "bad" {
  platform_key     = "GBOL"
  client_id        = "has space"
  client_secret_wo = var.secret
  on_destroy       = "explode"
}
resource "codat_integration" "xero" {
  platform_key     = "gbol"
  client_id        = "not-a-xero-client-id"
  client_secret_wo = var.secret
}
resource "codat_integration" "future" {
  platform_key = "zzzz"
}
"""


SPACED_SECRET = """
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "codat_integration" "xero" {
  platform_key     = "gbol"
  client_id        = "00112233445566778899AABBCCDDEEFF"
  client_secret_wo = var.secret
}
"""


def assert_diagnostic(tf, out: str, kind: str, summary: str, text: str, resource: str) -> None:
    """`kind: summary` is in `out` and points at the line of main.tf holding `text`, in `resource`."""
    lines = (tf.dir / "main.tf").read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if text in line)
    pointer = f'on main.tf line {number}, in resource "codat_integration" "{resource}":\n  {number}:   {text}'
    block = next((b for b in out.split(f"{kind}: ")[1:] if b.startswith(summary)), "")
    assert pointer in block, f"{kind}: {summary} does not point at {text!r}:\n{out}"


def test_validation_errors_and_warnings_point_at_the_attribute(tf, emulator):
    secret = "secret with-spaces q8"
    tf.env["TF_VAR_secret"] = secret
    tf.write(INVALID)
    tf.init()
    planned = tf.plan()
    assert planned.returncode == 1
    out = planned.stdout + planned.stderr
    assert_diagnostic(tf, out, "Error", "Invalid platform_key", 'platform_key     = "GBOL"', "bad")
    assert_diagnostic(tf, out, "Error", "Invalid client_id", 'client_id        = "has space"', "bad")
    assert_diagnostic(tf, out, "Error", "Invalid on_destroy", 'on_destroy       = "explode"', "bad")
    assert_diagnostic(tf, out, "Warning", "Unusual Xero client id", 'client_id        = "not-a-xero-client-id"', "xero")
    assert_diagnostic(tf, out, "Warning", "Unfamiliar platform_key", 'platform_key = "zzzz"', "future")

    # The write-only secret is known only when planning (validate sees the variable as unknown).
    tf.write(SPACED_SECRET)
    planned = tf.plan()
    assert planned.returncode == 1
    out = planned.stdout + planned.stderr
    assert_diagnostic(tf, out, "Error", "Invalid client_secret_wo", "client_secret_wo = var.secret", "xero")
    assert out.count("Error: ") == 1, out
    assert emulator.calls() == 0  # validation needs no network
    assert_secret_free(tf, emulator, secrets=(secret,))
