"""What each call sends and how it reads Codat's answers (paging, aliases, unknown values, nulls)."""

from __future__ import annotations

import json

import httpx
import pytest

from codat_client import (
    ConnectionStatus,
    ConnectionUsage,
    Integration,
    Profile,
    SourceType,
)

XERO = {
    "key": "gbol",
    "logoUrl": "https://static.codat.io/public/platforms/gbol.png",
    "name": "Xero",
    "enabled": True,
    "sourceId": "8a156a5a-39cb-4f9d-856e-76ef9b9a9607",
    "sourceType": "Accounting",
    "integrationId": "0f20c943-12d0-4800-9f6c-d218f62d494c",
    "isOfflineConnector": False,
    "isBeta": False,
    "dataProvidedBy": "Codat",
    "datatypeFeatures": [
        {"datatype": "invoices", "supportedFeatures": [{"featureType": "Get", "featureState": "Release"}]},
        {"dataType": "bills", "supportedFeatures": [{"featureType": "Post", "featureState": "Beta"}]},
    ],
    "supportedEnvironments": "Production",
    "linkedConnectionsCount": 3,
    "totalConnectionsCount": 5,
    "somethingNew": {"the": "live API sends fields its spec lacks"},
}


def page(results: list, number: int, size: int, total: int, *, links: bool = True) -> httpx.Response:
    body: dict = {"results": results, "pageNumber": number, "pageSize": size, "totalResults": total}
    if links:
        body["_links"] = {"self": {"href": "/x"}, "current": {"href": f"/x?page={number}"}}
        if number * size < total:
            body["_links"]["next"] = {"href": f"/x?page={number + 1}"}
    return httpx.Response(200, json=body)


def test_integration_reads_every_field(harness):
    h = harness(httpx.Response(200, json=XERO))
    xero = h.client.get_integration("gbol")
    assert xero.key == "gbol" and xero.name == "Xero" and xero.enabled is True
    assert xero.logo_url == XERO["logoUrl"] and xero.source_id == XERO["sourceId"]
    assert xero.source_type is SourceType.ACCOUNTING and xero.source_type == "Accounting"
    assert xero.integration_id == XERO["integrationId"]
    assert xero.is_offline_connector is False and xero.is_beta is False and xero.data_provided_by == "Codat"
    assert [f.datatype for f in xero.datatype_features] == ["invoices", "bills"]
    assert xero.datatype_features[1].supported_features[0].feature_state == "Beta"
    assert xero.supported_environments == "Production"
    assert xero.linked_connections_count == 3 and xero.total_connections_count == 5
    assert h.script.requests[0].url.path == "/integrations/gbol"


def test_integration_tolerates_unknown_enum_values_and_nulls():
    odd = Integration.model_validate(
        {"key": "abcd", "name": "New", "enabled": False, "sourceType": "Payroll", "datatypeFeatures": None}
    )
    assert odd.source_type == "Payroll" and not isinstance(odd.source_type, SourceType)
    assert odd.datatype_features == [] and odd.total_connections_count is None


def test_models_accept_snake_case_names_too():
    profile = Profile(
        name="Acme", redirect_url="https://acme.example/{companyId}", white_list_urls=["https://acme.example"]
    )
    assert profile.model_dump(by_alias=True)["redirectUrl"] == "https://acme.example/{companyId}"


def test_path_segments_are_escaped(harness):
    h = harness(httpx.Response(200, json=XERO))
    h.client.get_integration("gb/ol?x")
    assert h.script.requests[0].url.raw_path == b"/integrations/gb%2Fol%3Fx"
    with pytest.raises(ValueError):
        h.client.get_integration("")


def test_list_integrations_follows_next_links_and_passes_the_query(harness):
    h = harness(
        page([XERO, {**XERO, "key": "qhyg", "name": "QuickBooks Online"}], 1, 2, 3),
        page([{**XERO, "key": "akxx", "name": "NetSuite"}], 2, 2, 3),
    )
    keys = [
        i.key for i in h.client.list_integrations(query="sourceType=Accounting", order_by="name", page_size=2)
    ]
    assert keys == ["gbol", "qhyg", "akxx"]
    params = [dict(r.url.params) for r in h.script.requests]
    assert params == [
        {"query": "sourceType=Accounting", "orderBy": "name", "page": "1", "pageSize": "2"},
        {"query": "sourceType=Accounting", "orderBy": "name", "page": "2", "pageSize": "2"},
    ]


def test_paging_falls_back_to_total_results_without_links(harness):
    h = harness(page([XERO], 1, 1, 2, links=False), page([XERO], 2, 1, 2, links=False))
    assert len(list(h.client.list_integrations(page_size=1))) == 2
    assert len(h.script.requests) == 2


def test_paging_stops_on_an_empty_page(harness):
    body = {
        "results": [],
        "pageNumber": 1,
        "pageSize": 100,
        "totalResults": 5,
        "_links": {"next": {"href": "/x"}},
    }
    h = harness(httpx.Response(200, json=body))
    assert list(h.client.list_integrations()) == []


def test_page_size_is_checked_before_any_request(harness):
    h = harness()
    with pytest.raises(ValueError):
        h.client.list_integrations(page_size=0)
    with pytest.raises(ValueError):
        h.client.list_companies(page_size=5001)


def test_branding(harness):
    branding = {
        "logo": {
            "full": {"image": {"src": "https://static.codat.io/f.png", "alt": "xero full"}},
            "square": None,
        },
        "button": {"default": {"image": {"src": "https://static.codat.io/b.png"}}},
        "sourceId": "35b92968-9851-4095-ad60-395c95cbcba4",
    }
    h = harness(httpx.Response(200, json=branding))
    got = h.client.get_branding("gbol")
    assert got.logo.full.image.src == "https://static.codat.io/f.png" and got.logo.square is None
    assert got.button.default.image.alt is None and got.source_id.startswith("35b9")
    assert h.script.requests[0].url.path == "/integrations/gbol/branding"


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, json={}),
        httpx.Response(200),
        httpx.Response(200, text="null"),
        httpx.Response(204),
    ],
)
def test_no_credentials_read_as_an_empty_map(harness, reply):
    h = harness(reply)
    assert h.client.get_credentials("gbol") == {}


def test_credentials_calls_send_and_return_string_maps(harness):
    masked = {
        "clientId": "XXXXXXXXXXXXXXXXXXXXXXXXXXXX2a6b",
        "clientSecret": "XXXXXXXXXXXXXXXXXXXXXXXXXXXX1ad1",
    }
    h = harness(
        httpx.Response(200, json=masked), httpx.Response(200, json=masked), httpx.Response(200, json=masked)
    )
    assert h.client.put_credentials("gbol", {"clientId": "id2a6b", "clientSecret": "secret1ad1"}) == masked
    assert h.client.get_credentials("gbol") == masked
    assert h.client.delete_credentials("gbol") == masked
    put, get, delete = h.script.requests
    assert (put.method, put.url.path) == ("PUT", "/integrations/credentials/gbol")
    assert json.loads(put.content) == {"clientId": "id2a6b", "clientSecret": "secret1ad1"}
    assert (get.method, delete.method) == ("GET", "DELETE")


def test_set_enabled_sends_the_flag_and_reads_the_integration(harness):
    h = harness(httpx.Response(200, json={**XERO, "enabled": False}))
    assert h.client.set_enabled("gbol", False).enabled is False
    request = h.script.requests[0]
    assert (request.method, request.url.path, json.loads(request.content)) == (
        "PUT",
        "/integrations/gbol/enabled",
        {"enabled": False},
    )


def test_profile_round_trip_keeps_unnamed_fields_and_drops_the_api_key(harness):
    stored = {
        "name": "Acme",
        "redirectUrl": "https://acme.example/{companyId}",
        "logoUrl": None,
        "whiteListUrls": None,
        "apiKey": "deprecated-but-still-sent",
        "confirmCompanyName": True,
    }
    h = harness(httpx.Response(200, json=stored), httpx.Response(200, json={**stored, "name": "Acme 2"}))
    profile = h.client.get_profile()
    assert profile.white_list_urls == [] and profile.logo_url is None
    updated = h.client.put_profile(
        profile.model_copy(update={"name": "Acme 2", "icon_url": "https://acme.example/i.ico"})
    )
    assert updated.name == "Acme 2"
    assert "deprecated-but-still-sent" not in repr(profile) + repr(updated)
    assert json.loads(h.script.requests[1].content) == {
        "name": "Acme 2",
        "redirectUrl": "https://acme.example/{companyId}",
        "iconUrl": "https://acme.example/i.ico",
        "whiteListUrls": [],
        "confirmCompanyName": True,
    }


def test_webhooks_list_create_delete(harness):
    consumers = {
        "results": [
            {
                "id": "w1",
                "url": "https://example.com/a",
                "eventTypes": ["DataSyncCompleted"],
                "disabled": None,
                "companyTags": None,
            },
            {
                "id": "w2",
                "url": "https://example.com/b",
                "eventTypes": [],
                "disabled": True,
                "companyTags": ["region:uk"],
            },
        ]
    }
    created = {
        "id": "w3",
        "url": "https://example.com/c",
        "eventTypes": ["client.rateLimit.reached"],
        "companyTags": ["region:uk"],
        "disabled": True,
    }
    h = harness(httpx.Response(200, json=consumers), httpx.Response(201, json=created), httpx.Response(204))
    listed = list(h.client.list_webhooks())
    assert [(w.id, w.disabled, w.company_tags) for w in listed] == [
        ("w1", False, []),
        ("w2", True, ["region:uk"]),
    ]
    made = h.client.create_webhook(
        "https://example.com/c",
        event_types=["client.rateLimit.reached"],
        company_tags=["region:uk"],
        disabled=True,
    )
    assert made.id == "w3" and made.disabled is True
    assert h.client.delete_webhook("w3") is None
    post, delete = h.script.requests[1:]
    assert json.loads(post.content) == {
        "url": "https://example.com/c",
        "eventTypes": ["client.rateLimit.reached"],
        "disabled": True,
        "companyTags": ["region:uk"],
    }
    assert (delete.method, delete.url.path) == ("DELETE", "/webhooks/w3")


def connection(key: str, status: str, n: int = 0) -> dict:
    return {
        "id": f"c-{key}-{status}-{n}",
        "integrationId": "0f20c943-12d0-4800-9f6c-d218f62d494c",
        "integrationKey": key,
        "sourceId": "8a156a5a-39cb-4f9d-856e-76ef9b9a9607",
        "platformName": key,
        "linkUrl": "https://link-api.codat.io/x",
        "status": status,
        "lastSync": "2022-10-27T10:22:43.6464237Z",
        "created": "2022-10-27T09:53:29Z",
        "sourceType": "Accounting",
    }


def test_companies_and_connections_page_and_parse(harness):
    companies = [
        {
            "id": "co1",
            "name": "Acme",
            "tags": None,
            "products": ["lending"],
            "created": "2022-01-01T11:30:00Z",
        }
    ]
    h = harness(
        page(companies, 1, 100, 1),
        page([connection("gbol", "Linked"), connection("gbol", "Weird")], 1, 100, 2),
    )
    (company,) = h.client.list_companies()
    assert company.id == "co1" and company.tags == {} and company.products == ["lending"]
    linked, weird = h.client.list_connections("co1")
    assert linked.status is ConnectionStatus.LINKED and weird.status == "Weird"
    assert linked.last_sync.year == 2022 and linked.integration_key == "gbol"
    assert h.script.requests[1].url.path == "/companies/co1/connections"


def test_connection_usage_counts_per_platform_and_status(harness):
    with_embedded = {
        "id": "co1",
        "name": "Embedded",
        "dataConnections": [
            connection("gbol", "Linked", 1),
            connection("gbol", "PendingAuth", 1),
            connection("qhyg", "Linked", 1),
        ],
    }
    without = {"id": "co2", "name": "Needs a call"}
    h = harness(
        page([with_embedded, without], 1, 5000, 2),
        page(
            [
                connection("gbol", "Linked", 2),
                connection("gbol", "Deauthorized", 2),
                connection("gbol", "Unlinked", 2),
                connection("gbol", "SomethingNew", 2),
            ],
            1,
            5000,
            4,
        ),
    )
    usage = h.client.connection_usage()
    assert usage == {
        "gbol": ConnectionUsage(linked=2, pending=1, unlinked=1, deauthorized=1, other=1),
        "qhyg": ConnectionUsage(linked=1),
    }
    assert usage["gbol"].total == 6
    assert [r.url.path for r in h.script.requests] == ["/companies", "/companies/co2/connections"]
    assert h.script.requests[0].url.params["pageSize"] == "5000"


def test_the_client_is_a_context_manager(harness):
    h = harness(httpx.Response(200, json=XERO))
    with h.client as client:
        client.get_integration("gbol")
    assert h.client._http.is_closed


def test_https_keeps_certificate_checks_and_plain_http_trusts_no_certificate():
    """A plain-HTTP base URL (loopback only) skips loading the CA bundle; its context trusts nothing, so a TLS
    connection could never pass on it. https keeps httpx's certificate checks."""
    import ssl

    from codat_client.client import _tls_for

    assert _tls_for("https://api.codat.io") is True
    plain = _tls_for("http://127.0.0.1:8080")
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0
