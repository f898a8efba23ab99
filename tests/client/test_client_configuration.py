"""The instance-configuration calls: sync settings, CORS origins, supplemental data, custom data types.
What each sends, how it reads Codat's answers, and that the POSTs retry only with their Idempotency-Key."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from codat_client import (
    BadRequestError,
    CustomDataTypeConfiguration,
    NotFoundError,
    SupplementalDataSource,
    SyncSetting,
    SyncSettings,
)

CLIENT_ID = "367f7975-267b-439b-90c6-a6040ee680f3"
SYNC = {
    "clientId": CLIENT_ID,
    "settings": [
        {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0,
         "syncFromUtc": "2020-01-01T12:00:00.000Z", "isLocked": False, "somethingNew": {"kept": True}},
        {"dataType": "balanceSheet", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 1,
         "monthsToSync": 24},
    ],
    "overridesDefaults": True,
    "alsoNew": 1,
}


def _sent(request: httpx.Request) -> dict:
    return json.loads(request.content)


def _sync_model() -> SyncSettings:
    return SyncSettings.model_validate(SYNC)


def test_sync_settings_read_modify_write_keeps_fields_codat_adds(harness):
    h = harness(httpx.Response(200, json=SYNC), httpx.Response(204))
    held = h.client.get_sync_settings()
    assert held.client_id == CLIENT_ID and held.overrides_defaults is True
    invoices, sheet = held.settings
    assert invoices.sync_from_utc == datetime(2020, 1, 1, 12, tzinfo=timezone.utc)  # a moment, not text
    assert sheet.months_to_sync == 24 and sheet.sync_from_utc is None and sheet.is_locked is None
    invoices.sync_schedule = 168
    held.settings.append(SyncSetting(data_type="bills", fetch_on_first_link=False, sync_schedule=1, sync_order=2))
    assert h.client.set_sync_settings(held) is None
    post = h.script.requests[1]
    assert (post.method, post.url.path) == ("POST", "/profile/syncSettings")
    body = _sent(post)
    assert body["clientId"] == CLIENT_ID and body["overridesDefaults"] is True and body["alsoNew"] == 1
    assert body["settings"][0] == {**SYNC["settings"][0], "syncSchedule": 168, "syncFromUtc": "2020-01-01T12:00:00Z"}
    assert body["settings"][1] == SYNC["settings"][1]  # nothing left out is sent as null
    assert body["settings"][2] == {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 2}


def test_configuration_posts_are_retried_with_one_idempotency_key(harness, codat_error_response):
    h = harness(codat_error_response(503), httpx.Response(204),
                codat_error_response(429, headers={"Retry-After": "1"}),
                httpx.Response(200, json={"allowedOrigins": []}))
    h.client.set_sync_settings(_sync_model())
    h.client.set_cors_origins([])
    first, again, cors, cors_again = h.script.requests
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert cors.headers["Idempotency-Key"] == cors_again.headers["Idempotency-Key"] != first.headers["Idempotency-Key"]
    assert all(r.headers["Connection"] == "close" for r in h.script.requests)  # bodies never share a connection


def test_cors_origins_use_the_current_path_and_return_what_codat_saved(harness):
    h = harness(httpx.Response(200, json={"allowedOrigins": ["https://a.example"]}),
                httpx.Response(200, json={"allowedOrigins": ["https://b.example"]}),
                httpx.Response(200, json={"allowedOrigins": None}))
    assert h.client.get_cors_origins() == ["https://a.example"]
    assert h.client.set_cors_origins(("https://b.example",)) == ["https://b.example"]
    assert h.client.get_cors_origins() == []  # null reads as none
    assert [r.url.path for r in h.script.requests] == ["/corsSettings"] * 3
    assert _sent(h.script.requests[1]) == {"allowedOrigins": ["https://b.example"]}


def test_cors_400_lists_codats_paths(harness, codat_error_response):
    refused = codat_error_response(400, "Invalid origins", validation={"errors": [
        {"itemId": "allowedOrigins[0]", "message": "not an origin", "validatorName": "Origin"}], "warnings": []})
    h = harness(refused)
    with pytest.raises(BadRequestError) as caught:
        h.client.set_cors_origins(["https://a.example/path"])
    assert caught.value.validation_errors == ["allowedOrigins[0]: not an origin"]
    assert len(h.script.requests) == 1  # a 400 is not retried


def test_supplemental_data_get_and_put(harness):
    stored = {"supplementalDataConfig": {"extras": {"dataSource": "/Invoices", "pullData": {"ref": "Reference"}}}}
    h = harness(httpx.Response(200, json=stored), httpx.Response(200), httpx.Response(200, json={}))
    sources = h.client.get_supplemental_data("gbol", "invoices")
    assert sources == {"extras": SupplementalDataSource(data_source="/Invoices", pull_data={"ref": "Reference"})}
    assert sources["extras"].push_data is None
    sources["more"] = SupplementalDataSource(data_source="/Contacts", push_data={})
    assert h.client.put_supplemental_data("gbol", "invoices", sources) is None  # 200 with no body
    put = h.script.requests[1]
    assert (put.method, put.url.path) == ("PUT", "/integrations/gbol/dataTypes/invoices/supplementalDataConfig")
    assert _sent(put) == {"supplementalDataConfig": {
        "extras": {"dataSource": "/Invoices", "pullData": {"ref": "Reference"}},
        "more": {"dataSource": "/Contacts", "pushData": {}}}}
    assert h.client.get_supplemental_data("gbol", "bills") == {}  # nothing configured


def test_custom_data_types_get_put_and_not_found(harness, codat_error_response):
    stored = {"dataSource": "/po", "requiredData": None, "keyBy": ["$.Id"], "sourceModifiedDate": None}
    h = harness(httpx.Response(200, json=stored), httpx.Response(200, json={**stored, "requiredData": {"n": "$.N"}}),
                codat_error_response(404, "No custom data type nope is configured for integration gbol"))
    held = h.client.get_custom_data_type("gbol", "purchaseOrders")
    assert held == CustomDataTypeConfiguration(data_source="/po", key_by=["$.Id"])  # null map reads as {}
    saved = h.client.put_custom_data_type(
        "gbol", "purchaseOrders",
        CustomDataTypeConfiguration(data_source="/po", key_by=["$.Id"], required_data={"n": "$.N"}))
    assert saved.required_data == {"n": "$.N"}
    assert _sent(h.script.requests[1]) == {"dataSource": "/po", "requiredData": {"n": "$.N"}, "keyBy": ["$.Id"]}
    assert h.script.requests[1].url.path == "/integrations/gbol/dataTypes/custom/purchaseOrders"
    with pytest.raises(NotFoundError) as caught:
        h.client.get_custom_data_type("gbol", "nope")
    assert "put_custom_data_type() creates" in str(caught.value)


def test_configuration_paths_escape_their_segments(harness):
    h = harness(httpx.Response(200, json={}), httpx.Response(200, json={}))
    h.client.get_supplemental_data("gbol", "../profile")
    assert h.script.requests[0].url.raw_path == b"/integrations/gbol/dataTypes/..%2Fprofile/supplementalDataConfig"
    with pytest.raises(ValueError):
        h.client.get_custom_data_type("gbol", "")
