"""Secrets (the API key in any form, credentials being sent) never reach a repr, an error or a log line."""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest

from codat_client import BadRequestError, CodatClient, CodatError, LegacyEndpointUnavailableError, RetryPolicy
from codat_client._auth import Credential
from codat_client._redact import describe_body, mask_headers, mask_json
from codat_client._secrets import MASK, SecretRegistry, scrub

KEY = "live-key-AbCdEf0123456789"
KEY_B64 = base64.b64encode(KEY.encode()).decode()
CLIENT_ID = "0f20c94312d04800bf4a9e1dcafe2a6b"
CLIENT_SECRET = "xero-secret-Zz9Yy8Xx7Ww6"


def every_form_of_the_secrets() -> list[str]:
    return [KEY, KEY_B64, CLIENT_SECRET, CLIENT_ID]


def assert_clean(text: str) -> None:
    for secret in every_form_of_the_secrets():
        assert secret not in text


@pytest.mark.parametrize("given", [KEY, f"Basic {KEY_B64}", f"  basic {KEY_B64} "])
def test_a_raw_key_and_a_header_value_send_the_same_header(harness, given):
    h = harness(httpx.Response(200, json={"name": "n", "redirectUrl": "https://x"}), api_key=given)
    h.client.get_profile()
    assert h.script.requests[0].headers["Authorization"] == f"Basic {KEY_B64}"


def test_the_client_and_its_parts_never_show_the_key(harness):
    h = harness(api_key=KEY)
    for text in (repr(h.client), str(h.client), repr(h.client._credential), repr(h.client.__dict__)):
        assert_clean(text)
    assert "api_key=***" in repr(h.client)


def test_debug_logs_mask_the_header_and_secret_fields(harness, caplog):
    masked_reply = {"clientId": "XXXXXXXXXXXXXXXXXXXXXXXXXXXX2a6b", "clientSecret": "XXXXXXXXXXXXXXXXXXXXWw6"}
    h = harness(
        httpx.Response(200, json=masked_reply),
        httpx.Response(200, json={"name": "n", "redirectUrl": "https://x", "apiKey": KEY}),
        api_key=KEY,
    )
    with caplog.at_level(logging.DEBUG, logger="codat_client"):
        h.client.put_credentials("gbol", {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
        profile = h.client.get_profile()
    text = caplog.text
    assert_clean(text)
    assert "PUT /integrations/credentials/gbol -> 200 OK" in text and "(attempt 1/4)" in text
    assert "'authorization': '***'" in text.lower()
    assert '"clientId":"****2a6b"' in text  # clientId keeps its last 4, like Codat's own mask
    assert '"apiKey":"***"' in text
    assert KEY not in repr(profile) and not hasattr(profile, "api_key")


def test_retry_logs_are_clean_too(harness, caplog, codat_error_response):
    h = harness(
        codat_error_response(503, f"echo {CLIENT_SECRET}"),
        httpx.Response(200, json={}),
        api_key=KEY,
    )
    with caplog.at_level(logging.DEBUG, logger="codat_client"):
        h.client.put_credentials("gbol", {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    assert "retrying PUT /integrations/credentials/gbol in 0.50 s" in caplog.text
    assert_clean(caplog.text)


def test_errors_scrub_secrets_codat_echoes_back(harness, codat_error_response):
    validation = {"errors": [{"itemId": "clientSecret", "message": f"'{CLIENT_SECRET}' is too short"}]}
    h = harness(
        codat_error_response(400, f"Bad credentials {CLIENT_ID} / {KEY}", validation=validation),
        api_key=KEY,
    )
    with pytest.raises(BadRequestError) as caught:
        h.client.put_credentials("gbol", {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    exc = caught.value
    for text in (str(exc), repr(exc), exc.error or "", " ".join(exc.validation_errors), repr(vars(exc))):
        assert_clean(text)
    assert MASK in str(exc)


def test_transport_errors_scrub_secrets(harness):
    h = harness(httpx.ConnectError(f"refused for {KEY}"), api_key=KEY, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(CodatError) as caught:
        h.client.get_profile()
    assert_clean(str(caught.value))


def test_legacy_errors_scrub_secrets(harness):
    h = harness(httpx.Response(404, json={"error": f"no route for {CLIENT_SECRET}"}), api_key=KEY)
    with pytest.raises(LegacyEndpointUnavailableError) as caught:
        h.client.put_credentials("gbol", {"clientSecret": CLIENT_SECRET})
    assert_clean(str(caught.value))


def test_the_client_keeps_nothing_it_sent(harness):
    h = harness(httpx.Response(200, json={}), api_key=KEY)
    h.client.put_credentials("gbol", {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    assert_clean(repr(vars(h.client)) + repr(vars(h.client.limiter)) + repr(h.client.retry))


def test_the_scrubber_holds_what_a_client_sent_until_the_client_is_closed(harness):
    h = harness(httpx.Response(200, json={}), api_key=KEY)
    h.client.put_credentials("gbol", {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    # Every form a later log line of httpx or httpcore could carry: raw, base64, the header, JSON-escaped...
    assert scrub(f"{KEY} {KEY_B64} Basic {KEY_B64} {CLIENT_SECRET!r} {CLIENT_SECRET.encode()!r}") == (
        f"{MASK} {MASK} {MASK} '{MASK}' b'{MASK}'")
    h.client.close()
    assert scrub(CLIENT_SECRET) == CLIENT_SECRET  # forgotten with its client: the set does not grow for ever


def test_mask_json_rules():
    masked = mask_json(
        {
            "clientId": "abcdef2a6b",
            "clientSecret": "s3cr3t",
            "password": "p",
            "refresh_token": "t",
            "apiKey": "k",
            "nested": [{"privateKey": "pk", "name": "visible"}],
            "enabled": True,
        }
    )
    assert masked == {
        "clientId": "****2a6b",
        "clientSecret": MASK,
        "password": MASK,
        "refresh_token": MASK,
        "apiKey": MASK,
        "nested": [{"privateKey": MASK, "name": "visible"}],
        "enabled": True,
    }
    assert mask_json({"a": "x", "b": ["y"]}, mask_all=True) == {"a": MASK, "b": [MASK]}


def test_a_platform_key_is_not_a_secret_but_named_keys_are(harness, caplog):
    assert mask_json({"key": "gbol", "integrationKey": "gbol", "sourceKey": "s1", "apiKey": "k1", "x-api-key": "k2",
                      "client_key": "k3"}) == {
        "key": "gbol", "integrationKey": "gbol", "sourceKey": "s1", "apiKey": MASK, "x-api-key": MASK,
        "client_key": MASK}
    h = harness(httpx.Response(200, json={"key": "gbol", "name": "Xero", "enabled": True}), api_key=KEY)
    with caplog.at_level(logging.DEBUG, logger="codat_client"):
        h.client.get_integration("gbol")
    assert '"key":"gbol"' in caplog.text


def test_mask_headers_and_scrub():
    headers = mask_headers(
        {"Authorization": "Basic abc", "Cookie": "c", "Idempotency-Key": "k1", "Accept": "*/*"}
    )
    assert headers == {"Authorization": MASK, "Cookie": MASK, "Idempotency-Key": "k1", "Accept": "*/*"}
    registry = SecretRegistry()
    registry.hold(["abcdefgh", "abc"])
    assert registry.scrub("key=abcdefgh and abc") == f"key={MASK} and abc"  # too short to scrub


def test_credential_rejects_an_empty_key_and_hides_itself():
    with pytest.raises(ValueError):
        Credential("")
    credential = Credential(KEY)
    assert KEY not in repr(credential) and KEY not in str(credential)
    assert set(credential.secrets) >= {KEY, KEY_B64}


def test_a_header_value_that_is_not_base64_still_works():
    credential = Credential("Basic not*base64")
    assert credential.header == "Basic not*base64" and "not*base64" in credential.secrets


def test_client_repr_shows_where_it_talks_to():
    with CodatClient("http://127.0.0.1:9999/", KEY) as client:
        assert repr(client) == "CodatClient(base_url='http://127.0.0.1:9999', api_key=***)"


@pytest.mark.parametrize("secret", ["abcdef", "s3cr3t+/=", 'with "quotes"', "ünïcødé-secret", "x" * 64])
@pytest.mark.parametrize(
    "name", ["clientSecret", "password", "accessToken", "apiKey", "privateKey", "x_secret"]
)
@pytest.mark.parametrize("depth", [0, 3])
def test_logged_bodies_never_show_a_secret_named_field(secret, name, depth):
    body: object = {name: secret, "visible": "ok"}
    for _ in range(depth):
        body = {"nested": [body]}
    rendered = describe_body(json.dumps(body).encode(), "application/json")
    assert json.dumps(secret)[1:-1] not in rendered and secret not in rendered
    assert '"visible":"ok"' in rendered


@pytest.mark.parametrize("secret", ["abcdef", "s3cr3t+/=", "ünïcødé-secret", "overlapoverlap"])
def test_scrub_removes_every_occurrence(secret):
    text = f"{secret}lead {secret}{secret} tail{secret}"
    registry = SecretRegistry()
    registry.hold([secret, secret[:6]])
    assert secret not in registry.scrub(text)
