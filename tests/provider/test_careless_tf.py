"""The provider through the real terraform against a careless Codat (tests/careless/careless_server.py).

The `tf` harness of conftest.py, with `emulator` replaced by the careless stand-in: it answers 429 and 503
before reading request bodies on kept-alive connections, quotes requests (Authorization header and body)
in reason phrases and error bodies, and returns credentials unmasked. Nothing secret may reach state, a
plan file, terraform's output or its TRACE log; drift must still be found; Ctrl-C must stop a long wait
and say what was applied; a bad base URL must be refused before the first request.

The second half runs plain terraform against the emulator behind a hostile proxy (tests/careless/hostile_proxy.py)
with a canary key and secret: secrets Codat puts in ordinary fields or errors are withheld, writes it does not
acknowledge are read back, a webhook is created once whatever kills the provider, and sync settings are applied
or fail cleanly, never "inconsistent".
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.careless.careless_server import CarelessCodat
from tests.provider.provider_support import xero_integration

# Each test runs twice: with the provider terraform starts itself (raw terraform) and attached to a warm provider
# (codat_iac/warm.py), whose log lines go to TF_LOG_PATH itself and must hold no secret either.
pytestmark = pytest.mark.parametrize("provider_mode", ["cold", "warm"])

API_KEY = "careless-tf-api-key-0c9d2e"
SECRET = "careless-tf-secret-value-91ab"
PORTAL_SECRET = "portal-typed-secret-value-3d2f"
CLIENT_ID = "00112233445566778899AABBCCDDEEFF"
PORTAL_ID = "FFEEDDCCBBAA99887766554433221100"
CREDENTIALS = "/integrations/credentials/gbol"
ENABLED = "/integrations/gbol/enabled"
NEVER_SHOWN = (SECRET, PORTAL_SECRET, PORTAL_ID, API_KEY, base64.b64encode(API_KEY.encode()).decode())
HELD_WAIT = "100"  # seconds of Retry-After: far longer than a stopped apply may take to exit
GENEROUS = 60  # seconds: bounds on a loaded 2-core machine, never the expected duration

XERO = xero_integration(CLIENT_ID)


@pytest.fixture
def emulator():
    """The careless Codat, where the harness expects the emulator (`url`, `api_key`)."""
    with CarelessCodat(API_KEY) as codat:
        yield codat


@pytest.fixture
def trace_log(tf, tmp_path: Path) -> Path:
    log = tmp_path / "terraform-trace.log"
    tf.env.update(TF_LOG="TRACE", TF_LOG_PATH=str(log))
    return log


def every_text(tf, *logs: Path) -> dict[str, str]:
    """All terraform printed, every log, and every file of the working folder (plan files unzipped), by source."""
    texts = {f"output {n}": text for n, text in enumerate(tf.outputs)}
    texts.update({str(log): log.read_text(errors="replace") for log in logs if log.exists()})
    for path in tf.dir.rglob("*"):
        if not path.is_file() or ".terraform" in path.parts:
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as plan:
                texts.update({f"{path}:{name}": plan.read(name).decode("utf-8", "replace") for name in plan.namelist()})
        else:
            texts[str(path)] = path.read_text(errors="replace")
    return texts


def assert_nothing_secret(tf, *logs: Path) -> None:
    texts = every_text(tf, *logs)
    for number, secret in enumerate(NEVER_SHOWN):
        leaks = [source for source, text in texts.items() if secret in text]
        assert not leaks, f"NEVER_SHOWN[{number}] leaked into {leaks}"


def test_trace_apply_against_a_careless_codat_succeeds_finds_drift_and_shows_no_secret(tf, emulator, trace_log):
    codat = emulator
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(XERO)
    tf.init()
    # Early answers on kept-alive connections, before the bodies carrying the secret are read.
    codat.fault("PUT", CREDENTIALS, 429, retry_after="1")
    codat.fault("PUT", ENABLED, 503, retry_after="0")
    applied = tf.apply()
    assert "Codat returned credentials unmasked" in applied.stdout and "clientId and clientSecret" in applied.stdout
    values = tf.state()["codat_integration.xero"]
    assert values["client_secret_masked"] == "X" * (len(SECRET) - 4) + SECRET[-4:]
    assert values["client_id"] == CLIENT_ID and values["enabled"] is True
    assert codat.credentials["gbol"] == {"clientId": CLIENT_ID, "clientSecret": SECRET}
    assert [s.status for s in codat.requests("PUT")] == [429, 200, 503, 200]  # retried, never desynchronised
    assert tf.plan().returncode == 0

    with codat.lock:  # the Portal: switched off
        codat.integrations["gbol"]["enabled"] = False
    drift = tf.plan()
    assert drift.returncode == 2 and "false -> true" in drift.stdout, drift.stdout

    with codat.lock:  # the Portal: another app's client id (Codat returns it in clear)
        codat.credentials["gbol"]["clientId"] = PORTAL_ID
    drift = tf.plan("-out=drift.tfplan")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "Credentials will be sent to Codat: client_id" in drift.stdout
    assert f"Codat shows ...{PORTAL_ID[-4:]}" in drift.stdout

    with codat.lock:  # the Portal: another secret
        codat.credentials["gbol"] = {"clientId": CLIENT_ID, "clientSecret": PORTAL_SECRET}
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "Credentials will be sent to Codat: client_secret_wo" in drift.stdout
    assert f"Codat shows ...{PORTAL_SECRET[-4:]}" in drift.stdout
    assert "Credentials will be sent to Codat: client_id" not in drift.stdout

    tf.apply()
    assert codat.credentials["gbol"] == {"clientId": CLIENT_ID, "clientSecret": SECRET}
    assert codat.integrations["gbol"]["enabled"] is True
    assert tf.plan().returncode == 0

    log = trace_log.read_text()
    assert ("codat provider serving attached" in log) == (tf.warm_run is not None)
    assert "PUT /integrations/credentials/gbol -> 429 Too Many Requests (PUT" in log  # the echo, scrubbed
    assert "HTTP Request: PUT" in log and "receive_response_headers" in log  # httpx and httpcore lines
    assert 'response: {"key":"gbol",' in log  # a platform key is not a secret
    assert_nothing_secret(tf, trace_log)


def interrupted_apply(tf, codat: CarelessCodat, interrupt) -> subprocess.CompletedProcess:
    """`terraform apply`, interrupted by `interrupt(pid)` once the careless server has answered with its long
    Retry-After."""
    codat.faulted.clear()
    process = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tf.dir, env=tf.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert codat.faulted.wait(GENEROUS), "the apply never reached the held request"
        interrupt(process.pid)
        interrupted = time.monotonic()
        out, err = process.communicate(timeout=GENEROUS)  # the held wait alone is longer than this
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    tf.outputs += [out, err]
    assert time.monotonic() - interrupted < GENEROUS
    return subprocess.CompletedProcess(process.args, process.returncode, out, flat(err))


def flat(text: str) -> str:
    """Terraform wraps diagnostics at 80 columns: one space for every run of whitespace."""
    return " ".join(text.split())


def ctrl_c(pid: int) -> None:
    os.killpg(pid, signal.SIGINT)  # what a terminal sends: terraform and the provider alike (which ignores it)


def sigterm(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)  # e.g. a CI runner cancelling the job


@pytest.mark.parametrize("interrupt", [ctrl_c, sigterm])
def test_an_interrupt_during_a_long_retry_after_stops_and_state_records_what_was_applied(
    tf, emulator, trace_log, interrupt
):
    codat = emulator
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(XERO)
    tf.init()

    # Held while sending the credentials: nothing was applied, and nothing is recorded.
    codat.fault("PUT", CREDENTIALS, 429, retry_after=HELD_WAIT)
    stopped = interrupted_apply(tf, codat, interrupt)
    assert stopped.returncode == 1
    assert "Error: Stopped: the integration was not switched on" in stopped.stderr, stopped.stderr
    assert "the credentials were not sent" in stopped.stderr
    assert tf.state() == {}
    assert codat.credentials == {} and codat.integrations["gbol"]["enabled"] is False

    # Held at the switch, after Codat stored the credentials: state records exactly that.
    codat.fault("PUT", ENABLED, 429, retry_after=HELD_WAIT)
    stopped = interrupted_apply(tf, codat, interrupt)
    assert stopped.returncode == 1
    assert "Error: Stopped: the integration was not switched on" in stopped.stderr, stopped.stderr
    assert "The credentials were applied" in stopped.stderr
    values = tf.state()["codat_integration.xero"]
    assert values["client_id"] == CLIENT_ID and values["client_secret_masked"].endswith(SECRET[-4:])
    assert values["enabled"] is False
    assert codat.credentials["gbol"]["clientSecret"] == SECRET and codat.integrations["gbol"]["enabled"] is False

    # The next apply only switches it on: the credentials Codat holds are not sent again.
    tf.apply()
    assert codat.integrations["gbol"]["enabled"] is True
    assert [s.status for s in codat.requests("PUT", CREDENTIALS)] == [429, 200]
    assert_nothing_secret(tf, trace_log)


def test_a_bad_base_url_is_refused_before_the_first_request_and_never_shown(tf, emulator, trace_log):
    codat = emulator
    resource = 'resource "codat_integration" "xero" {\n  platform_key = "gbol"\n}\n'
    port = codat.url.rsplit(":", 1)[1]

    # In the provider block, a key where the URL's password goes.
    tf.write(f'provider "codat" {{\n  base_url = "http://user:{API_KEY}@127.0.0.1:{port}"\n}}\n' + resource)
    tf.init()
    refused = tf.plan()
    assert refused.returncode == 1
    assert "Error: Unusable Codat base URL" in refused.stderr
    assert f"base_url (http://127.0.0.1:{port}) must not carry a user name or password" in flat(refused.stderr)
    assert 'base_url = "http' not in refused.stderr  # quoting the line would show the key written in it

    # A mistyped URL, holding nothing secret, is pointed at.
    tf.write('provider "codat" {\n  base_url = "htps://api.codat.io"\n}\n' + resource)
    refused = tf.plan()
    assert refused.returncode == 1 and "base_url must be an https:// URL" in flat(refused.stderr)
    assert 'on main.tf line 8, in provider "codat":' in refused.stderr, refused.stderr

    # CODAT_BASE_URL and CODAT_API_KEY swapped.
    tf.write(resource)
    tf.env.update(CODAT_BASE_URL=API_KEY, CODAT_API_KEY=codat.url)
    refused = tf.plan()
    assert refused.returncode == 1 and "CODAT_BASE_URL must be an https:// URL" in flat(refused.stderr)
    assert "got (not a URL)" in flat(refused.stderr)

    # Plain http to another machine would carry the key in clear.
    tf.env.update(CODAT_BASE_URL="http://codat.example.com", CODAT_API_KEY=API_KEY)
    refused = tf.plan()
    assert refused.returncode == 1 and "plain http:// is allowed only to this machine" in flat(refused.stderr)
    assert "CODAT_BASE_URL is http://codat.example.com" in flat(refused.stderr)

    assert codat.requests() == []
    assert_nothing_secret(tf, trace_log)


# ====================================================================== a hostile Codat (issue 21)
# The real emulator behind tests/careless/hostile_proxy.py, with a canary key and secret. Whatever the proxy puts
# into Codat's answers, the canary never reaches state, a plan file, terraform's output or its TRACE log, in any
# form a scanner knows (raw, case-changed, base64, URL-encoded, hex, \u00xx- and JSON-escaped).

CANARY_KEY = "Canary-Key_7d3f+9A/x="
CANARY_SECRET = "Canary.Secret+5e1b/88x"
CANARIES = (CANARY_KEY, CANARY_SECRET)
WITHHELD = "(withheld: held a secret)"
HOOK_URL = "https://hooks.example.com/codat"

INTEGRATION = xero_integration(CLIENT_ID)
PROFILE = """
resource "codat_profile" "this" {
  name         = "Acme Lending"
  redirect_url = "https://acme.example/codat/{companyId}"
}
"""
BRANDING = """
data "codat_integration_branding" "xero" {
  platform_key = "gbol"
}
"""
WEBHOOK = f"""
resource "codat_webhook" "hook" {{
  url         = "{HOOK_URL}"
  event_types = ["DataSyncCompleted"]
}}
"""
SUPPLEMENTAL = """
resource "codat_supplemental_data" "invoices" {
  platform_key = "gbol"
  data_type    = "invoices"
  configurations = {
    extras = {
      data_source = "/Invoices"
      pull_data   = { reference = "Reference" }
    }
  }
}
"""
SUPPLEMENTAL_PATH = "/integrations/gbol/dataTypes/invoices/supplementalDataConfig"
SYNC = """
resource "codat_sync_settings" "this" {
  data_types = {
    invoices = {
      sync_schedule = %d
    }
  }
}
"""


@pytest.fixture
def hostile(tmp_path: Path):
    """The proxy in front of a fresh emulator whose API key is the canary."""
    from tests.careless.hostile_proxy import HostileProxy
    from tests.conftest import start_emulator

    process, emulator = start_emulator(tmp_path, CANARY_KEY)
    try:
        with HostileProxy(emulator.url, CANARY_KEY) as proxy:
            yield proxy
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def hostile_tf(tmp_path: Path, hostile, warm_run):
    """terraform (plain, no codat-iac) against the proxy, the secret only in TF_VAR_secret, logging at TRACE."""
    from codat_iac.toolenv import tool_environment
    from tests.provider.conftest import Terraform

    work = tmp_path / "hostile-tf"
    work.mkdir()
    env = tool_environment(state_dir=tmp_path / "tool-state")
    for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "CODAT_IAC_SECRET_VARIABLES"):
        env.pop(name, None)
    env.update(CODAT_BASE_URL=hostile.url, CODAT_API_KEY=CANARY_KEY, TF_VAR_secret=CANARY_SECRET, TF_LOG="TRACE",
               TF_LOG_PATH=str(tmp_path / "terraform-trace.log"))
    return Terraform(work, env, warm_run=warm_run)


def upstream(proxy):
    """Plain HTTP to the emulator behind the proxy: what Codat really holds."""
    import httpx

    host, port = proxy.upstream
    token = base64.b64encode(CANARY_KEY.encode()).decode()
    return httpx.Client(base_url=f"http://{host}:{port}", headers={"Authorization": f"Basic {token}"}, timeout=10)


def consumers(proxy) -> list[dict]:
    with upstream(proxy) as codat:
        return [c for c in codat.get("/webhooks").json()["results"] if c["url"] == HOOK_URL]


def assert_no_canary(tf) -> None:
    """No form of either canary, whatever its case, in anything terraform printed, logged or wrote."""
    from codat_settings.secrets import forms

    texts = every_text(tf, Path(tf.env["TF_LOG_PATH"]))
    assert len(texts) >= 3, texts.keys()
    for canary in CANARIES:
        for form in {f.lower() for f in forms(canary)}:
            leaks = [source for source, text in texts.items() if form in text.lower()]
            assert not leaks, f"a form of {canary[:6]}... ({len(form)} chars) is in {leaks}"


def test_a_secret_codat_puts_in_ordinary_fields_is_withheld_everywhere_and_each_field_named(hostile, hostile_tf):
    tf = hostile_tf
    hostile.inject("/integrations/gbol", "name", f"Xero {CANARY_SECRET.upper()}")
    hostile.inject("/integrations/gbol/branding", "alt", base64.b64encode(CANARY_KEY.encode()).decode())
    hostile.inject("/profile", "logoUrl", "https://cdn.example/" + quote(CANARY_KEY, safe=""))
    hostile.inject("/profile", "iconUrl", CANARY_SECRET.encode().hex().upper())
    hostile.header("Retry-After", CANARY_SECRET)
    hostile.header("X-Echo", CANARY_KEY.lower())
    tf.write(INTEGRATION + PROFILE + BRANDING)
    tf.init()

    applied = tf.apply()
    shown = flat(applied.stdout + applied.stderr)
    for field in ("codat_integration: name", "codat_profile: logo_url", "codat_profile: icon_url",
                  "codat_integration_branding: logo_full_alt", "codat_integration_branding: button_hover_alt"):
        assert f"Warning: {field} withheld: it held a secret" in shown, field
    values = tf.state()
    assert values["codat_integration.xero"]["name"] == WITHHELD
    assert values["codat_integration.xero"]["client_id"] == CLIENT_ID  # an ordinary value is kept as it is
    assert values["codat_profile.this"]["logo_url"] == values["codat_profile.this"]["icon_url"] == WITHHELD
    assert values["data.codat_integration_branding.xero"]["logo_square_alt"] == WITHHELD
    assert WITHHELD in tf.state_text()

    planned = tf.plan("-out=hostile.tfplan")  # refreshed through the proxy again: the marker stays, no drift
    assert planned.returncode == 0, planned.stdout + planned.stderr
    tf.run("show", "-json", "hostile.tfplan")
    assert_no_canary(tf)


def test_plain_terraform_plan_withholds_a_stored_secret_codat_quotes_in_an_error(hostile, hostile_tf):
    """Plan never sends the client secret: the provider knows it from TF_VAR_secret before any request."""
    tf = hostile_tf
    tf.write(INTEGRATION)
    tf.init()
    tf.apply()
    quoted = f"Credentials on file for gbol: clientId={CLIENT_ID}, clientSecret={CANARY_SECRET} (key {CANARY_KEY})"
    hostile.fail("GET", "/integrations/credentials/gbol", 400, quoted)
    hostile.header("Retry-After", CANARY_SECRET)

    failed = tf.plan()
    assert failed.returncode == 1
    shown = flat(failed.stderr)
    assert "Error: Could not read the Codat integration" in shown
    assert "clientSecret=*** (key ***)" in shown, shown
    assert_no_canary(tf)


def test_a_configured_attribute_holding_a_secret_is_refused_without_quoting_the_line(hostile, hostile_tf):
    tf = hostile_tf
    tf.env["TF_VAR_profile_name"] = f"Acme {CANARY_SECRET}"
    tf.write('variable "profile_name" {\n  type = string\n}\n'
             + PROFILE.replace('"Acme Lending"', "var.profile_name"))
    tf.init()
    refused = tf.plan()
    assert refused.returncode == 1
    shown = flat(refused.stderr)
    assert "Error: codat_profile: name holds a secret" in shown
    assert "write-only attributes, fed by TF_VAR_ variables" in shown
    assert "var.profile_name" not in refused.stderr  # no attribute path: Terraform quotes no line
    assert hostile.requests("PUT") == []
    assert_no_canary(tf)


def provider_processes(terraform_pid: int) -> list[int]:
    """The provider processes terraform started (the launcher execs Python: they are its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == terraform_pid and b"codat_provider" in command:
            found.append(int(entry.name))
    return found


def test_a_provider_killed_after_its_post_reached_codat_leaves_one_webhook_after_the_next_apply(hostile, hostile_tf):
    tf = hostile_tf
    tf.write(WEBHOOK)
    tf.init()
    hostile.hold("POST", "/webhooks")  # Codat stores the consumer; its answer never comes back
    process = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tf.dir, env=tf.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert hostile.held.wait(GENEROUS), "the apply never sent its POST"
        killed = provider_processes(process.pid)
        assert killed, "no provider process found"
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        out, err = process.communicate(timeout=GENEROUS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    tf.outputs += [out, err]
    assert process.returncode != 0
    assert len(consumers(hostile)) == 1 and tf.state() == {}  # Codat has it; state never learned of it

    applied = tf.apply()
    assert "Warning: Adopted the existing webhook consumer" in applied.stdout + applied.stderr
    (held,) = consumers(hostile)
    assert tf.state()["codat_webhook.hook"]["id"] == held["id"]
    assert hostile.requests("POST", "/webhooks") == [("POST", "/webhooks", 0)]  # only the held one
    assert tf.plan().returncode == 0


def test_writes_codat_did_not_acknowledge_are_read_back_never_taken_as_done(hostile, hostile_tf):
    tf = hostile_tf
    tf.write(PROFILE + WEBHOOK + SUPPLEMENTAL)
    tf.init()
    # HTML with 200, and Codat never got any of the writes: errors, nothing recorded, nothing "complete".
    for method, path in (("PUT", "/profile"), ("POST", "/webhooks"), ("PUT", SUPPLEMENTAL_PATH)):
        hostile.unacknowledged(method, path, forward=False)
    failed = tf.apply(check=False)
    shown = flat(failed.stdout + failed.stderr)
    assert failed.returncode == 1
    assert "Error: Codat did not acknowledge the write: could not write the Codat profile" in shown, shown
    assert "Read back, Codat holds other values than the plan for name, redirect_url" in shown
    assert "Error: Codat did not acknowledge the webhook consumer: none was created" in shown
    assert ("Error: Codat did not acknowledge the write: could not write the Codat supplemental data configuration"
            in shown)
    assert 'the plan for configurations: the write did not take effect' in shown
    assert "Creation complete" not in shown and tf.state() == {}
    assert consumers(hostile) == []
    with upstream(hostile) as codat:
        assert codat.get("/profile").json()["name"] != "Acme Lending"
        assert codat.get(SUPPLEMENTAL_PATH).json()["supplementalDataConfig"] == {}

    # The same answers after Codat did get the writes: read back, kept, with a warning.
    for method, path in (("PUT", "/profile"), ("POST", "/webhooks"), ("PUT", SUPPLEMENTAL_PATH)):
        hostile.unacknowledged(method, path, forward=True)
    applied = tf.apply()
    shown = flat(applied.stdout + applied.stderr)
    assert "Warning: Codat did not acknowledge the write, but holds it" in shown  # the profile and supplemental
    assert "(and one more similar warning elsewhere)" in shown  # data, which Terraform shows as one
    assert "Warning: Codat did not acknowledge the webhook consumer, but holds it" in shown
    (held,) = consumers(hostile)
    values = tf.state()
    assert values["codat_profile.this"]["name"] == "Acme Lending" and values["codat_webhook.hook"]["id"] == held["id"]
    assert values["codat_supplemental_data.invoices"]["configurations"]["extras"]["data_source"] == "/Invoices"
    assert tf.plan().returncode == 0


def test_sync_settings_under_careless_answers_apply_or_fail_cleanly_never_inconsistent(hostile, hostile_tf):
    tf = hostile_tf
    tf.write(SYNC % 24)
    tf.init()

    def invoices() -> dict:
        with upstream(hostile) as codat:
            return next(s for s in codat.get("/profile/syncSettings").json()["settings"] if s["dataType"] == "invoices")

    # 1. HTML with 200 to the POST, which never reached Codat.
    hostile.unacknowledged("POST", "/profile/syncSettings", forward=False)
    failed = tf.apply(check=False)
    shown = flat(failed.stdout + failed.stderr)
    assert failed.returncode == 1
    assert "Error: Codat did not acknowledge the write: could not adopt the Codat sync settings" in shown, shown
    assert 'Codat holds other values than the plan for data_types["invoices"].sync_schedule' in shown
    assert tf.state() == {} and invoices()["syncSchedule"] != 24

    # 2. The same answer after Codat stored it: applied, with a warning.
    hostile.unacknowledged("POST", "/profile/syncSettings", forward=True)
    applied = tf.apply()
    assert "Warning: Codat did not acknowledge the write, but holds it" in flat(applied.stdout + applied.stderr)
    assert tf.state()["codat_sync_settings.this"]["data_types"]["invoices"]["sync_schedule"] == 24
    assert invoices()["syncSchedule"] == 24

    # 3. Codat acknowledges, but what it answers afterwards is not what it was sent.
    tf.write(SYNC % 1)
    hostile.inject("/profile/syncSettings", "syncSchedule", 24)
    failed = tf.apply(check=False)
    shown = flat(failed.stdout + failed.stderr)
    assert failed.returncode == 1
    assert "Error: Codat holds other values than were written: could not update the Codat sync settings" in shown
    assert 'data_types["invoices"].sync_schedule' in shown

    everything = " ".join(tf.outputs)
    assert "inconsistent result" not in everything and "bug in the provider" not in everything
    assert_no_canary(tf)
