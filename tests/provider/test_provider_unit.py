"""The provider block's runtime: the client is built once in configure (and only there), stop() ends its
waits with a diagnostic that says so, and every line for Terraform's log passes the client's scrubber."""

from __future__ import annotations

import base64
import io
import json
import logging
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import codat_client
from codat_provider.integration.resource import IntegrationResource
from codat_provider.provider import CodatProvider
from tests.careless.careless_server import CarelessCodat
from tfplugin import Diagnostics, ProviderError, set_scrubber
from tfplugin._log import HclogHandler

REPO = Path(__file__).resolve().parents[2]
API_KEY = "provider-unit-api-key-6b2e"
KEY_B64 = base64.b64encode(API_KEY.encode()).decode()
GENEROUS = 30.0


@pytest.fixture
def codat():
    with CarelessCodat(API_KEY) as server:
        yield server


@pytest.fixture
def configured(codat, monkeypatch) -> CodatProvider:
    monkeypatch.setenv("CODAT_BASE_URL", codat.url)
    monkeypatch.setenv("CODAT_API_KEY", API_KEY)
    provider, diags = CodatProvider(), Diagnostics()
    provider.configure({"base_url": None, "api_key": None}, diags)
    assert diags.items == []
    yield provider
    provider.client.close()
    set_scrubber(None)


def test_schema_and_validate_starts_load_neither_httpx_nor_pydantic_and_configure_does(unmeasured_env):
    """Terraform starts the provider ~3 times per plan; only the start that calls Codat pays for httpx and
    pydantic. typing (~2-5 ms a start) stays out too: names only type checkers need go under TYPE_CHECKING."""
    script = """
import sys
from tfplugin import Diagnostics
from codat_provider.provider import CodatProvider
provider = CodatProvider()
provider.schema.to_proto()
[c.schema.to_proto() for c in provider.resources + provider.data_sources]
for cls in provider.resources + provider.data_sources:
    cls(provider).validate({a.name: None for a in cls.schema.attributes}, Diagnostics())
heavy = lambda: sorted(m for m in ("httpx", "pydantic", "typing", "codat_settings.secrets") if m in sys.modules)
print(heavy())
provider.configure({"base_url": "https://api.codat.io", "api_key": "k" * 12}, Diagnostics())
print(heavy())
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=unmeasured_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "['codat_settings.secrets', 'httpx', 'pydantic', 'typing']"]


def test_from_its_start_the_provider_knows_the_environments_secrets_and_what_terraform_hands_it(codat, monkeypatch):
    """Before any request (plan, refresh and import never send the client secret): text is scrubbed and values
    are screened for CODAT_API_KEY, a TF_VAR_ variable whose name says secret, and learned write-only values;
    the client id a client also keeps out of its logs is no secret in a value."""
    from tfplugin._scrub import holds_secret, marker, scrubbed

    monkeypatch.setenv("CODAT_API_KEY", API_KEY)
    monkeypatch.setenv("TF_VAR_xero_client_secret", "env-secret-value-0a9f")
    monkeypatch.delenv("CODAT_IAC_SECRET_VARIABLES", raising=False)
    provider = CodatProvider()
    try:
        provider.learn_secrets(["write-only-value-77b1"])
        quoted = f"clientSecret=env-secret-value-0a9f key={KEY_B64} wo=WRITE-ONLY-VALUE-77B1"
        assert scrubbed(quoted) == "clientSecret=*** key=*** wo=***"
        assert holds_secret(f"Xero {API_KEY.upper()}") and holds_secret("write-only-value-77b1")
        assert marker() == "(withheld: held a secret)"

        provider.configure({"base_url": codat.url, "api_key": None}, Diagnostics())
        client_id = "00112233445566778899AABBCCDDEEFF"
        provider.client.put_credentials("gbol", {"clientId": client_id, "clientSecret": "sent-secret-value-5c"})
        assert scrubbed(f"id {client_id}") == "id ***"  # kept out of the client's logs ...
        assert not holds_secret(client_id)  # ... but state holds the configured client_id as it is
        provider.client.close()
    finally:
        set_scrubber(None)


def test_concurrent_first_rpcs_share_one_client_and_one_limiter(configured, codat, monkeypatch):
    built: list[object] = []
    original = codat_client.CodatClient.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(codat_client.CodatClient, "__init__", counted)
    start = threading.Barrier(8)

    def first_rpc(_: int):
        start.wait()
        IntegrationResource(configured).read({"platform_key": "gbol", "client_id": None}, Diagnostics())
        return configured.client

    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(first_rpc, range(8)))
    assert built == []  # configure built the one client before any RPC
    assert len({id(c) for c in clients}) == 1 and len({id(c.limiter) for c in clients}) == 1
    assert len(codat.requests("GET", "/integrations/gbol")) == 1  # the eight reads shared one request


def test_a_provider_that_is_not_configured_says_so():
    with pytest.raises(ProviderError, match="not configured"):
        _ = CodatProvider().client


def test_stop_ends_a_read_waiting_on_a_long_retry_after_and_says_nothing_changed(configured, codat):
    codat.fault("GET", "/integrations/gbol", 429, retry_after="100")
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            IntegrationResource(configured).read({"platform_key": "gbol"}, Diagnostics())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    assert codat.faulted.wait(GENEROUS)
    configured.stop()
    worker.join(GENEROUS)
    assert not worker.is_alive(), "stop() did not end the wait"
    [raised] = outcome
    assert isinstance(raised, ProviderError) and raised.summary == "Stopped: could not read the Codat integration"
    assert raised.detail.startswith("Terraform was interrupted before anything was changed in Codat.")
    assert "stopped while waiting" in raised.detail and API_KEY not in raised.detail


def test_a_stop_before_configure_stops_the_client_configure_builds(codat):
    provider = CodatProvider()
    provider.stop()
    provider.configure({"base_url": codat.url, "api_key": API_KEY}, Diagnostics())
    try:
        with pytest.raises(codat_client.StoppedError, match="stopped before the request was sent"):
            provider.client.get_integration("gbol")
    finally:
        provider.client.close()
        set_scrubber(None)
    assert codat.requests() == []


def test_every_field_of_a_terraform_log_line_is_scrubbed_once_configured(configured):
    stream = io.StringIO()
    handler = HclogHandler(stream)
    logger = logging.getLogger("some.library")
    try:
        raise RuntimeError(f"connect failed for {API_KEY}")
    except RuntimeError:
        record = logger.makeRecord(
            "some.library", logging.ERROR, __file__, 1, "answer %s", (f"Basic {KEY_B64}",), sys.exc_info(),
            extra={"tf_fields": {"header": API_KEY, "count": 3}},
        )
    handler.emit(record)
    line = json.loads(stream.getvalue())
    assert line["@message"] == "answer ***" and line["header"] == "***" and line["count"] == 3
    assert "RuntimeError: connect failed for ***" in line["error"]
    assert API_KEY not in stream.getvalue() and KEY_B64 not in stream.getvalue()


def test_a_log_line_the_scrubber_fails_on_is_withheld():
    def broken(text: str) -> str:
        raise ValueError("scrubber broke")

    stream = io.StringIO()
    set_scrubber(broken)
    try:
        HclogHandler(stream).emit(logging.makeLogRecord({"msg": f"key {API_KEY}", "levelno": logging.INFO}))
    finally:
        set_scrubber(None)
    assert API_KEY not in stream.getvalue() and "withheld" in stream.getvalue()
