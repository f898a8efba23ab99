"""The provider through the real terraform against a careless Codat (tests/careless/careless_server.py).

The `tf` harness of conftest.py, with `emulator` replaced by the careless stand-in: it answers 429 and 503
before reading request bodies on kept-alive connections, quotes requests (Authorization header and body)
in reason phrases and error bodies, and returns credentials unmasked. Nothing secret may reach state, a
plan file, terraform's output or its TRACE log; drift must still be found; Ctrl-C must stop a long wait
and say what was applied; a bad base URL must be refused before the first request.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from tests.careless.careless_server import CarelessCodat

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

XERO = f"""
variable "secret" {{
  type      = string
  sensitive = true
  ephemeral = true
}}
resource "codat_integration" "xero" {{
  platform_key             = "gbol"
  client_id                = "{CLIENT_ID}"
  client_secret_wo         = var.secret
  client_secret_wo_version = 1
}}
"""


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
