"""Every client call against recorded HTTP (tests/cassettes/client/<source>/), replayed with no server running.

Each test runs once per source with cassettes: `emulator` (recorded from the local emulator) and `live` (from a
real Codat account), see client_recording.py. Re-record with `make cassettes` (docs/client.md). The assertions
hold on any account (the emulator's or a live test account), so a re-recording is checked by the same tests.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml

from client_recording import (
    CASSETTES,
    CLIENT_CASSETTES,
    EMULATOR,
    EMULATOR_ORIGIN,
    FAKE_CLIENT_ID,
    FAKE_CLIENT_SECRET,
    LIVE,
    REDACTED,
    replayable_sources,
    secret_forms_in,
)
from codat_client import (
    AuthenticationError,
    Branding,
    ConnectionUsage,
    CustomDataTypeConfiguration,
    Integration,
    NotFoundError,
    RetryPolicy,
    SupplementalDataSource,
)
from codat_settings import is_loopback

pytestmark = pytest.mark.vcr


def test_get_integration(recorded_client):
    xero = recorded_client.get_integration("gbol")
    assert isinstance(xero, Integration)
    assert (xero.key, xero.name, xero.source_type) == ("gbol", "Xero", "Accounting")
    assert xero.logo_url == "https://static.codat.io/public/platforms/gbol.png"
    with pytest.raises(NotFoundError) as caught:
        recorded_client.get_integration("zzzz")
    assert caught.value.status_code == 404 and caught.value.correlation_id


def test_list_integrations(recorded_client):
    every = list(recorded_client.list_integrations(page_size=5))  # several pages
    assert len(every) > 5 and len({i.key for i in every}) == len(every)
    assert "gbol" in {i.key for i in every}
    accounting = list(recorded_client.list_integrations(query="sourceType=Accounting", order_by="name"))
    assert accounting and all(i.source_type == "Accounting" for i in accounting)


def test_get_branding(recorded_client):
    branding = recorded_client.get_branding("gbol")
    assert isinstance(branding, Branding)
    assert branding.logo is not None and branding.logo.full is not None


def test_credentials_lifecycle(recorded_client):
    sent = {"clientId": FAKE_CLIENT_ID, "clientSecret": FAKE_CLIENT_SECRET}
    stored = recorded_client.put_credentials("gbol", sent)
    assert set(stored) == {"clientId", "clientSecret"}
    for name, value in stored.items():
        assert value != sent[name] and value.endswith(sent[name][-4:])  # masked: X's then the last 4
    assert recorded_client.get_credentials("gbol") == stored
    assert recorded_client.delete_credentials("gbol") == stored
    assert recorded_client.get_credentials("gbol") == {}
    with pytest.raises(NotFoundError):
        recorded_client.get_credentials("zzzz")


def test_set_enabled(recorded_client):
    before = recorded_client.get_integration("gbol").enabled
    assert recorded_client.set_enabled("gbol", not before).enabled is (not before)
    assert recorded_client.get_integration("gbol").enabled is (not before)
    assert recorded_client.set_enabled("gbol", before).enabled is before


def test_profile(recorded_client):
    profile = recorded_client.get_profile()
    assert profile.name and profile.redirect_url
    assert recorded_client.put_profile(profile) == profile


def test_sync_settings(recorded_client):
    held = recorded_client.get_sync_settings()
    assert held.client_id and held.settings
    assert len({s.data_type for s in held.settings}) == len(held.settings)
    assert recorded_client.set_sync_settings(held) is None  # written back unchanged
    assert recorded_client.get_sync_settings() == held


def test_cors_origins(recorded_client):
    before = recorded_client.get_cors_origins()
    wanted = [*before, "https://codat-client-cassette.example"]
    assert recorded_client.set_cors_origins(wanted) == wanted
    assert recorded_client.get_cors_origins() == wanted
    assert recorded_client.set_cors_origins(before) == before  # put back


def test_supplemental_data(recorded_client):
    before = recorded_client.get_supplemental_data("gbol", "invoices")
    extras = SupplementalDataSource(data_source="/Invoices", pull_data={"cassetteRef": "Reference"})
    recorded_client.put_supplemental_data("gbol", "invoices", {**before, "codat-client-cassette": extras})
    assert recorded_client.get_supplemental_data("gbol", "invoices")["codat-client-cassette"] == extras
    recorded_client.put_supplemental_data("gbol", "invoices", before)  # put back
    assert recorded_client.get_supplemental_data("gbol", "invoices") == before


def test_custom_data_type(recorded_client):
    # Codat's API cannot delete a custom data type: recording against a live account leaves this one.
    wanted = CustomDataTypeConfiguration(data_source="/api.xro/2.0/Accounts", key_by=["$.AccountID"],
                                         required_data={"name": "$.Name"}, source_modified_date=["$.UpdatedDateUTC"])
    assert recorded_client.put_custom_data_type("gbol", "codatClientCassette", wanted) == wanted
    assert recorded_client.get_custom_data_type("gbol", "codatClientCassette") == wanted
    with pytest.raises(NotFoundError):
        recorded_client.get_custom_data_type("gbol", "codatClientCassetteNone")


def test_webhooks(recorded_client):
    made = recorded_client.create_webhook(
        "https://example.com/codat-client-cassette",
        event_types=["DataSyncCompleted"],
        company_tags=["suite:client"],
    )
    assert made.url == "https://example.com/codat-client-cassette" and made.disabled is False
    assert made.event_types == ["DataSyncCompleted"] and made.company_tags == ["suite:client"]
    assert made.id in {w.id for w in recorded_client.list_webhooks()}
    assert recorded_client.delete_webhook(made.id) is None
    assert made.id not in {w.id for w in recorded_client.list_webhooks()}


def test_companies_connections_and_usage(recorded_client):
    """connection_usage() (one big page, embedded connections) agrees with counting call by call."""
    counted: Counter[tuple[str | None, str | None]] = Counter()
    companies = list(recorded_client.list_companies(page_size=1))  # one per page: paging is exercised
    for company in companies:
        for connection in recorded_client.list_connections(company.id):
            counted[connection.integration_key, connection.status] += 1
    assert counted, "record against an account with at least one connection"
    usage = recorded_client.connection_usage()
    assert all(isinstance(u, ConnectionUsage) for u in usage.values())
    for key in {k for k, _ in counted}:
        assert (usage[key].linked, usage[key].pending) == (
            counted[key, "Linked"],
            counted[key, "PendingAuth"],
        )


def test_wrong_api_key(codat_target):
    client = codat_target.client("wrong-key-for-the-cassette", retry=RetryPolicy(max_attempts=1))
    with client, pytest.raises(AuthenticationError) as caught:
        client.get_profile()
    assert "CODAT_API_KEY" in str(caught.value)


# --- the cassettes themselves ------------------------------------------------------------------------

# Every endpoint the client calls, as (method, path pattern): each must be in a replayed cassette.
ENDPOINTS = {
    ("GET", r"/integrations"),
    ("GET", r"/integrations/[a-z]{4}"),
    ("GET", r"/integrations/[a-z]{4}/branding"),
    ("GET", r"/integrations/credentials/[a-z]{4}"),
    ("PUT", r"/integrations/credentials/[a-z]{4}"),
    ("DELETE", r"/integrations/credentials/[a-z]{4}"),
    ("PUT", r"/integrations/[a-z]{4}/enabled"),
    ("GET", r"/profile"),
    ("PUT", r"/profile"),
    ("GET", r"/profile/syncSettings"),
    ("POST", r"/profile/syncSettings"),
    ("GET", r"/corsSettings"),
    ("POST", r"/corsSettings"),
    ("GET", r"/integrations/[a-z]{4}/dataTypes/[^/]+/supplementalDataConfig"),
    ("PUT", r"/integrations/[a-z]{4}/dataTypes/[^/]+/supplementalDataConfig"),
    ("GET", r"/integrations/[a-z]{4}/dataTypes/custom/[^/]+"),
    ("PUT", r"/integrations/[a-z]{4}/dataTypes/custom/[^/]+"),
    ("GET", r"/webhooks"),
    ("POST", r"/webhooks"),
    ("DELETE", r"/webhooks/[^/]+"),
    ("GET", r"/companies"),
    ("GET", r"/companies/[^/]+/connections"),
}


def _cassettes() -> list[Path]:
    return sorted(p for p in CASSETTES.rglob("*") if p.is_file())


def _interactions(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return []
    return data.get("interactions", []) if isinstance(data, dict) else []


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_no_cassette_holds_a_secret(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not secret_forms_in(text), f"{path} holds a known secret: {secret_forms_in(text)}"
    assert not re.search(r"Basic [A-Za-z0-9+/]{8,}={0,2}", text), f"{path} holds a Basic credential"
    for interaction in _interactions(path):
        for side in ("request", "response"):
            headers = interaction.get(side, {}).get("headers", {}) or {}
            assert not {h.lower() for h in headers} & {"authorization", "cookie", "set-cookie"}, path
        body = interaction["request"].get("body") or ""
        for name in ("clientId", "clientSecret"):
            for value in re.findall(rf'"{name}"\s*:\s*"([^"]*)"', str(body)):
                assert value == REDACTED, f"{path}: request {name} not redacted"
        answer = str((interaction["response"].get("body") or {}).get("string") or "")
        for value in re.findall(r'"(?:clientSecret|apiKey|password|\w*[Tt]oken)"\s*:\s*"([^"]*)"', answer):
            assert value == REDACTED or set(value[:-4]) <= {"X", "*"}, f"{path}: an answer holds a secret"


# A live key with the characters that change form on the wire (percent-encoding, base64, JSON escapes).
_LIVE_KEY = "live/key+with=chars&\"quotes\"-4c1e"


@pytest.mark.parametrize("encode", [
    lambda key: key,
    lambda key: base64.b64encode(key.encode()).decode(),  # a Basic header's value
    lambda key: f"x{base64.urlsafe_b64encode(key.encode()).decode()}",  # URL-safe base64 inside a longer text
    lambda key: quote(key, safe=""),  # percent-encoded in a URL
    lambda key: key.upper(),  # another letter case
    lambda key: json.dumps({"apiKey": key}),  # JSON-escaped
], ids=["raw", "base64", "urlsafe-base64", "url-encoded", "upper-case", "json"])
def test_the_scan_finds_a_secret_in_every_form_it_takes(encode, monkeypatch):
    """The scan above cannot pass by missing one: CODAT_API_KEY planted in a cassette-like text, in each form
    it takes on the wire, is found (codat_settings.secrets.forms); without it, nothing is."""
    monkeypatch.setenv("CODAT_API_KEY", _LIVE_KEY)
    text = f"interactions:\n- request:\n    uri: https://api.codat.io/profile?x={encode(_LIVE_KEY)}\n"
    assert secret_forms_in(text) == ["live..."]
    assert secret_forms_in(text.replace(encode(_LIVE_KEY), "REDACTED")) == []


def test_each_cassette_names_where_it_was_recorded():
    """Emulator recordings say so (folder and host); live recordings sit in live/ and name a real origin."""
    found = {path.parent.name for path in CLIENT_CASSETTES.rglob("*.yaml")}
    assert found and found <= {EMULATOR, LIVE}, f"cassettes outside emulator/ and live/: {found}"
    for source in found:
        for path in (CLIENT_CASSETTES / source).glob("*.yaml"):
            for interaction in _interactions(path):
                uri = interaction["request"]["uri"]
                if source == EMULATOR:
                    assert uri.startswith(EMULATOR_ORIGIN + "/"), f"{path}: {uri} does not name the emulator"
                else:
                    host = httpx.URL(uri).host
                    assert not is_loopback(host) and not host.endswith(".invalid"), f"{path}: {uri} is not live"


@pytest.mark.parametrize("source", replayable_sources())
def test_every_endpoint_is_in_a_cassette(source):
    seen: set[tuple[str, str]] = set()
    for path in (CLIENT_CASSETTES / source).glob("*.yaml"):
        for interaction in _interactions(path):
            request = interaction["request"]
            url_path = re.sub(r"^[a-z]+://[^/]+", "", request["uri"]).split("?")[0]
            seen |= {(m, p) for m, p in ENDPOINTS if m == request["method"] and re.fullmatch(p, url_path)}
    assert ENDPOINTS - seen == set()
