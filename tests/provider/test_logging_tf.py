"""Secrets stay out of Terraform's logs at the most verbose level, while credentials are being sent."""

from __future__ import annotations

import base64

import pytest

from tests.provider.provider_support import xero_integration

SECRET = "trace-level-secret-value-5e7d"
# With terraform's own provider process, and attached to a warm provider (codat_iac/warm.py), which logs to its
# own stderr: the test gets terraform's and the server's lines alike.
pytestmark = pytest.mark.parametrize("provider_mode", ["cold", "warm"])


def test_trace_log_of_an_apply_that_sends_credentials_holds_no_secret(tf, emulator, tmp_path, provider_mode):
    trace = tmp_path / "trace.log"
    tf.env.update(TF_LOG="trace", TF_LOG_PATH=str(trace), TF_VAR_secret=SECRET)
    tf.write(xero_integration("00112233445566778899AABBCCDDEEFF"))
    tf.init()
    applied = tf.apply()
    log = applied.stdout + applied.stderr + trace.read_text()
    assert "PUT /integrations/credentials/gbol" in log  # the provider did log the call that sent it
    assert ("codat provider serving attached" in log) == (provider_mode == "warm")
    encoded_key = base64.b64encode(emulator.api_key.encode()).decode()
    for secret in (SECRET, emulator.api_key, encoded_key):
        assert secret not in log
