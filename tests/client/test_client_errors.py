"""Each Codat answer maps to one exception class whose text says what happened and what to do next."""

from __future__ import annotations

import httpx
import pytest

from codat_client import (
    AuthenticationError,
    BadRequestError,
    CodatError,
    ConflictError,
    LegacyEndpointUnavailableError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UnexpectedResponseError,
)

ONE_TRY = RetryPolicy(max_attempts=1)


@pytest.mark.parametrize(
    ("status", "cls", "advice"),
    [
        (400, BadRequestError, "correct the values"),
        (401, AuthenticationError, "check CODAT_API_KEY / the api_key setting"),
        (402, PaymentRequiredError, "plan limit"),
        (403, PermissionDeniedError, "may not use this resource"),
        (404, NotFoundError, "check the platform key"),
        (409, ConflictError, "read it again"),
        (418, CodatError, "correlationId"),
        (422, BadRequestError, "correct the values"),
        (429, RateLimitError, "1,000 requests a minute"),
        (500, ServerError, "status.codat.io"),
        (503, ServerError, "maintenance"),
    ],
)
def test_each_status_maps_to_its_exception_and_advice(harness, codat_error_response, status, cls, advice):
    h = harness(codat_error_response(status, "Codat says no", correlationId="c0ffee"), retry=ONE_TRY)
    with pytest.raises(CodatError) as caught:
        h.client.get_integration("gbol")
    exc = caught.value
    assert type(exc) is cls
    assert exc.status_code == status and exc.error == "Codat says no" and exc.correlation_id == "c0ffee"
    text = str(exc)
    assert text.startswith("GET /integrations/gbol: Codat answered ")
    assert str(status) in text and "Codat says no" in text and advice in text and "c0ffee" in text
    assert "Next:" in text


def test_401_points_at_the_portal_api_keys_page(harness, codat_error_response):
    h = harness(codat_error_response(401, "Unauthorized"))
    with pytest.raises(AuthenticationError) as caught:
        h.client.get_profile()
    assert "Developers > API keys" in str(caught.value)


def test_error_fields_are_read_from_codats_body(harness, codat_error_response):
    validation = {
        "errors": [
            {"itemId": "redirectUrl", "message": "Must be a URL", "validatorName": "Url"},
            {"itemId": None, "message": "Name is required", "validatorName": "Required"},
        ],
        "warnings": [],
    }
    h = harness(codat_error_response(400, "Validation failed", validation=validation, canBeRetried="False"))
    with pytest.raises(BadRequestError) as caught:
        h.client.get_profile()
    exc = caught.value
    assert exc.validation_errors == ["redirectUrl: Must be a URL", "Name is required"]
    assert "redirectUrl: Must be a URL" in str(exc) and "Name is required" in str(exc)
    assert exc.can_be_retried is False and exc.service == "PublicApi" and exc.detailed_error_code == 0
    assert exc.method == "GET" and exc.path == "/profile"


@pytest.mark.parametrize(("raw", "parsed"), [("True", True), ("false", False), ("Unknown", None)])
def test_can_be_retried_is_read_as_a_tri_state(harness, codat_error_response, raw, parsed):
    h = harness(codat_error_response(409, canBeRetried=raw))
    with pytest.raises(ConflictError) as caught:
        h.client.get_profile()
    assert caught.value.can_be_retried is parsed


def test_a_non_json_error_page_keeps_its_status_class(harness):
    h = harness(httpx.Response(502, text="<html>Bad gateway</html>"), retry=ONE_TRY)
    with pytest.raises(ServerError) as caught:
        h.client.get_integration("gbol")
    assert caught.value.error is None and caught.value.status_code == 502
    assert "502 Bad Gateway" in str(caught.value)


def test_a_correlation_id_header_is_used_when_the_body_has_none(harness):
    h = harness(httpx.Response(500, text="oops", headers={"X-Correlation-Id": "hdr-123"}), retry=ONE_TRY)
    with pytest.raises(ServerError) as caught:
        h.client.get_profile()
    assert caught.value.correlation_id == "hdr-123" and "hdr-123" in str(caught.value)


def test_a_non_json_success_is_unexpected(harness):
    h = harness(httpx.Response(200, text="<html>Codat Portal</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(UnexpectedResponseError) as caught:
        h.client.get_integration("gbol")
    assert "CODAT_BASE_URL" in str(caught.value) and "Invalid JSON" in str(caught.value)


def test_a_wrong_shape_is_unexpected_and_names_the_field(harness):
    h = harness(httpx.Response(200, json={"key": "gbol", "enabled": "maybe"}))
    with pytest.raises(UnexpectedResponseError) as caught:
        h.client.get_integration("gbol")
    text = str(caught.value)
    assert "Expected Integration" in text and "name: Field required" in text and "enabled:" in text
    assert "maybe" not in text  # input values stay out: they could be secrets


def test_a_wrong_shaped_credentials_map_is_unexpected(harness):
    h = harness(httpx.Response(200, json=["not", "a", "map"]))
    with pytest.raises(UnexpectedResponseError):
        h.client.get_credentials("gbol")


def test_a_redirect_is_unexpected_and_names_where_it_went(harness):
    h = harness(httpx.Response(301, headers={"Location": "https://app.codat.io/login?session=s3ss10n-t0ken"}))
    with pytest.raises(UnexpectedResponseError) as caught:
        h.client.get_profile()
    assert "redirected to https://app.codat.io:" in str(caught.value) and "base_url" in str(caught.value)
    assert "s3ss10n" not in str(caught.value) and "/login" not in str(caught.value)  # scheme and host only


def test_all_exceptions_are_codat_errors():
    for cls in (
        AuthenticationError,
        BadRequestError,
        ConflictError,
        LegacyEndpointUnavailableError,
        NotFoundError,
        PaymentRequiredError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        UnexpectedResponseError,
    ):
        assert issubclass(cls, CodatError)


# --- the legacy endpoints: unknown key vs endpoint unavailable -----------------------------------------

UNKNOWN_KEY = "No integration was found with key zzzz"


@pytest.mark.parametrize("status", [404, 405])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_credentials("zzzz"),
        lambda c: c.put_credentials("zzzz", {"clientId": "x"}),
        lambda c: c.delete_credentials("zzzz"),
        lambda c: c.set_enabled("zzzz", True),
    ],
)
def test_legacy_endpoint_unknown_key_stays_not_found(harness, codat_error_response, status, call):
    h = harness(codat_error_response(status, UNKNOWN_KEY))
    with pytest.raises(NotFoundError) as caught:
        call(h.client)
    assert not isinstance(caught.value, LegacyEndpointUnavailableError)
    assert "check the platform key" in str(caught.value)


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(404),
        httpx.Response(404, text="<html>Not Found</html>"),
        httpx.Response(404, json={"statusCode": 404, "error": "Not Found", "correlationId": "c1"}),
        httpx.Response(405, json={"statusCode": 405, "error": "Method not allowed", "correlationId": "c2"}),
        httpx.Response(405, headers={"Allow": "GET"}),
    ],
)
def test_legacy_credentials_endpoint_missing_sends_the_user_to_the_portal(harness, reply):
    h = harness(reply)
    with pytest.raises(LegacyEndpointUnavailableError) as caught:
        h.client.put_credentials("gbol", {"clientId": "abc", "clientSecret": "shhh-very-secret"})
    text = str(caught.value)
    assert caught.value.status_code == reply.status_code
    assert "PUT /integrations/credentials/gbol" in text
    assert "not available on this Codat account or API version" in text
    assert "Codat Portal: Settings > Integrations > gbol" in text and "credentials" in text


def test_legacy_enabled_toggle_missing_names_the_toggle(harness, codat_error_response):
    h = harness(codat_error_response(405, "Method not allowed"))
    with pytest.raises(LegacyEndpointUnavailableError) as caught:
        h.client.set_enabled("gbol", False)
    assert "enabled toggle" in str(caught.value) and "Settings > Integrations > gbol" in str(caught.value)


def test_a_404_elsewhere_is_never_a_legacy_error(harness):
    h = harness(httpx.Response(404))
    with pytest.raises(NotFoundError) as caught:
        h.client.get_integration("gbol")
    assert not isinstance(caught.value, LegacyEndpointUnavailableError)


def test_bad_configuration_fails_before_any_request():
    from codat_client import CodatClient

    with pytest.raises(ValueError, match="CODAT_API_KEY"):
        CodatClient("https://api.codat.io", "  ")
    with pytest.raises(ValueError, match="CODAT_BASE_URL"):
        CodatClient("api.codat.io", "key-123456")


def test_no_credentials_stored_is_not_found_not_a_missing_endpoint(harness, codat_error_response):
    h = harness(codat_error_response(404, "No credentials were found for integration gbol"))
    with pytest.raises(NotFoundError) as caught:
        h.client.delete_credentials("gbol")
    assert not isinstance(caught.value, LegacyEndpointUnavailableError)
    assert "no credentials are stored for gbol" in str(caught.value)


def test_delete_credentials_finding_nothing_on_a_retry_is_done(harness, codat_error_response):
    h = harness(
        httpx.ReadTimeout("timed out"),
        codat_error_response(404, "No credentials were found for integration gbol"),
    )
    assert h.client.delete_credentials("gbol") == {}


def test_delete_credentials_retry_hitting_a_missing_endpoint_still_says_so(harness):
    h = harness(httpx.ReadTimeout("timed out"), httpx.Response(404))
    with pytest.raises(LegacyEndpointUnavailableError):
        h.client.delete_credentials("gbol")
