"""Every client call against recorded HTTP (tests/cassettes/client/), replayed with no server running.

Re-record with `tests/client/record_cassettes.sh` (docs/client.md). The assertions hold on any account
(the emulator's or a live test account), so a re-recording is checked by the same tests.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from client_recording import CASSETTES, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, REDACTED, known_secrets

from codat_client import (
    AuthenticationError,
    Branding,
    CodatClient,
    ConnectionUsage,
    CustomDataTypeConfiguration,
    Integration,
    NotFoundError,
    RetryPolicy,
    SupplementalDataSource,
)

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
    client = CodatClient(
        codat_target.base_url, "wrong-key-for-the-cassette", retry=RetryPolicy(max_attempts=1)
    )
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
    for secret in known_secrets():
        assert secret not in text, f"{path} holds a known secret"
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


def test_every_endpoint_is_in_a_cassette():
    seen: set[tuple[str, str]] = set()
    for path in (CASSETTES / "client").glob("*.yaml"):
        for interaction in _interactions(path):
            request = interaction["request"]
            url_path = re.sub(r"^[a-z]+://[^/]+", "", request["uri"]).split("?")[0]
            seen |= {(m, p) for m, p in ENDPOINTS if m == request["method"] and re.fullmatch(p, url_path)}
    assert ENDPOINTS - seen == set()
