"""The client's bounds as a Terraform user meets them, through the real terraform against the careless Codat
(tests/careless/careless_server.py): Ctrl-C while Codat holds an answer back or trickles its body ends terraform
within 3 s with a message that it stopped; a gzip bomb or an HTML page answering a PUT fails the apply with the
client's unacknowledged-write message (never "Creation complete"); a listing that never ends is a clear error;
a key in a Retry-After header or a redirect's host reaches no output and no TRACE log line.

The provider's read-back after an unacknowledged write is tested with the provider (test_careless_tf.py); these
assert what the client makes visible.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.careless.careless_server import CarelessCodat, gzip_bomb, html_page
from tests.provider.provider_support import xero_integration

API_KEY = "Careless-Hostile-Key-4d7E9a"  # mixed case: a redirect's host holding it must not be lowercased raw
SECRET = "hostile-tf-secret-value-5b0c"
CLIENT_ID = "00112233445566778899AABBCCDDEEFF"
CREDENTIALS = "/integrations/credentials/gbol"
SUPPLEMENTAL = "/integrations/gbol/dataTypes/invoices/supplementalDataConfig"
EXIT_BOUND = 3.0  # seconds from Ctrl-C to terraform's exit (the bound; expected well under 1.5 s)
GENEROUS = 60  # seconds: bounds on a loaded 2-core machine, never the expected duration

XERO = xero_integration(CLIENT_ID)
SUPPLEMENTAL_DATA = """
resource "codat_supplemental_data" "xero_invoices" {
  platform_key = "gbol"
  data_type    = "invoices"
  configurations = {
    extras = { data_source = "/Invoices", pull_data = { reference = "Reference" } }
  }
}
"""


@pytest.fixture
def emulator():
    """The careless Codat, where the harness expects the emulator (`url`, `api_key`)."""
    with CarelessCodat(API_KEY) as codat:
        yield codat


def flat(text: str) -> str:
    """Terraform wraps diagnostics at 80 columns: one space for every run of whitespace."""
    return " ".join(text.split())


def interrupted(tf, codat: CarelessCodat, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """`terraform <args>`, sent Ctrl-C (SIGINT to its process group, as a terminal does) once the careless server
    holds its answer; the finished process and the seconds from the signal to terraform's exit."""
    codat.faulted.clear()
    process = subprocess.Popen(
        ["terraform", *args, "-input=false", "-no-color"],
        cwd=tf.dir, env=tf.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert codat.faulted.wait(GENEROUS), "terraform never reached the held answer"
        os.killpg(process.pid, signal.SIGINT)
        signalled = time.monotonic()
        out, err = process.communicate(timeout=GENEROUS)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    tf.outputs += [out, err]
    return subprocess.CompletedProcess(process.args, process.returncode, out, flat(err)), took


@pytest.mark.parametrize("trickle", ["headers", "body"])
def test_ctrl_c_while_codat_holds_a_write_ends_terraform_within_3_s(tf, emulator, trickle):
    codat = emulator
    tf.env["TF_VAR_secret"] = SECRET
    tf.write(XERO)
    tf.init()
    codat.fault("PUT", CREDENTIALS, 200, trickle=trickle)
    stopped, took = interrupted(tf, codat, "apply", "-auto-approve")
    print(f"Ctrl-C with the answer held ({trickle}): terraform exited after {took:.2f} s")
    assert took < EXIT_BOUND, f"terraform took {took:.1f} s to exit after Ctrl-C"
    assert stopped.returncode == 1
    assert "Error: Stopped: the integration was not switched on" in stopped.stderr, stopped.stderr
    assert "Codat may or may not have stored the credentials" in stopped.stderr
    assert f"PUT {CREDENTIALS}: stopped while " in stopped.stderr
    assert codat.released.wait(GENEROUS), "the provider left the held connection open"
    # The next apply does the work.
    tf.apply()
    assert codat.credentials["gbol"] == {"clientId": CLIENT_ID, "clientSecret": SECRET}
    assert codat.integrations["gbol"]["enabled"] is True


def test_ctrl_c_while_codat_trickles_a_read_ends_a_plan_within_3_s(tf, emulator):
    codat = emulator
    tf.write('data "codat_integration" "xero" {\n  platform_key = "gbol"\n}\n')
    tf.init()
    codat.fault("GET", "/integrations/gbol", 200, trickle="body")
    stopped, took = interrupted(tf, codat, "plan")
    print(f"Ctrl-C during a trickled read: terraform exited after {took:.2f} s")
    assert took < EXIT_BOUND, f"terraform took {took:.1f} s to exit after Ctrl-C"
    assert stopped.returncode == 1
    assert "Error: Stopped: could not read the Codat integration" in stopped.stderr, stopped.stderr
    assert "stopped while reading Codat's answer (200 OK and 1 byte of its body had arrived)" in stopped.stderr


@pytest.mark.parametrize("answer", ["html", "gzip bomb"])
def test_an_unconfirmed_write_fails_the_apply_and_is_never_creation_complete(tf, emulator, answer):
    codat = emulator
    tf.write(SUPPLEMENTAL_DATA)
    tf.init()
    if answer == "html":
        codat.fault("PUT", SUPPLEMENTAL, 200, body=html_page(), headers={"Content-Type": "text/html"})
        why = "it answered 200 with 91 bytes of text/html that are not JSON"
    else:
        codat.fault("PUT", SUPPLEMENTAL, 200, body=gzip_bomb(),
                    headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        why = "it answered 200 OK, but the answer was larger than the client's 32 MiB cap once decoded"
    applied = tf.apply(check=False)
    assert applied.returncode == 1
    assert "Creation complete" not in applied.stdout
    error = flat(applied.stderr)
    assert f"PUT {SUPPLEMENTAL}: Codat did not confirm the write: {why}" in error, error
    assert "It may or may not have been applied" in error
    assert codat.supplemental == {}  # the careless server never took the write


@pytest.mark.parametrize("paging, says", [
    ("endless", "still had a next page after 200 pages, the client's cap on one listing (Bounds.max_pages)"),
    ("loop", "page 2's next link repeats page 1's, so the listing would never end"),
])
def test_a_listing_that_never_ends_is_a_clear_error(tf, emulator, paging, says):
    codat = emulator
    codat.paging = paging
    tf.write('data "codat_integrations" "all" {}\n')
    tf.init()
    started = time.monotonic()
    planned = tf.plan()
    took = time.monotonic() - started
    print(f"{paging} paging: terraform plan failed after {took:.1f} s and {len(codat.requests('GET'))} requests")
    assert planned.returncode == 1
    error = flat(planned.stderr)
    assert "Error: Could not list the Codat integrations" in error, error
    assert f"GET /integrations: gave up listing: Codat's answer {says}" in error
    assert len(codat.requests("GET", "/integrations")) == (200 if paging == "endless" else 2)


def test_a_key_in_retry_after_or_a_redirects_host_reaches_no_output_or_trace_line(tf, emulator, tmp_path: Path):
    codat = emulator
    log = tmp_path / "terraform-trace.log"
    tf.env.update(TF_LOG="TRACE", TF_LOG_PATH=str(log))
    tf.write('data "codat_integration" "xero" {\n  platform_key = "gbol"\n}\n')
    tf.init()
    codat.fault("GET", "/integrations/gbol", 503, early=False, headers={"Retry-After": API_KEY})
    codat.fault("GET", "/integrations/gbol", 302, early=False,
                headers={"Location": f"https://{API_KEY}.example/v1?key={API_KEY}"})
    planned = tf.plan()
    assert planned.returncode == 1
    error = flat(planned.stderr)
    assert "the API redirected to https://***.example: set CODAT_BASE_URL" in error, error
    trace = log.read_text(errors="replace")
    assert "Retry-After" in trace and "Location" in trace  # the header lines were logged ...
    basic = base64.b64encode(API_KEY.encode()).decode()
    texts = {"stdout": planned.stdout, "stderr": planned.stderr, "trace": trace}
    for form in (API_KEY, API_KEY.lower(), API_KEY.upper(), basic):
        leaks = [name for name, text in texts.items() if form in text]
        assert not leaks, f"{form[:4]}... leaked into {leaks}"  # ... scrubbed, in every case
