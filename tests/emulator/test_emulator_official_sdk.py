"""Codat's official Python SDK (`codat-platform`, pinned in requirements.txt) against the emulator over real
loopback HTTP: it reads and writes sync settings, CORS origins (on the older path it calls), supplemental
data and custom data types, and reads branding. A second, independent client of the same contract: what
it sends must be accepted and what the emulator answers must parse into its models."""

from __future__ import annotations

import base64

import httpx
import pytest
from codat_platform import CodatPlatform
from codat_platform.models import errors, shared

TIMEOUT_MS = 30_000  # the SDK's default is 5 s; other test runs share these two cores


@pytest.fixture
def sdk(emu):
    token = base64.b64encode(emu.api_key.encode()).decode()
    with CodatPlatform(security=shared.Security(auth_header=f"Basic {token}"), server_url=emu.url,
                       timeout_ms=TIMEOUT_MS) as client:
        yield client


def test_sync_settings_read_and_replace(emu, sdk):
    current = sdk.settings.get_sync_settings()
    assert current.overrides_defaults is False and len(current.settings) == 43
    invoices = next(s for s in current.settings if s.data_type == "invoices")
    assert (invoices.sync_schedule, invoices.fetch_on_first_link, invoices.is_locked) == (0, True, False)

    sdk.settings.update_sync_settings(request={
        "client_id": current.client_id, "overrides_defaults": True,
        "settings": [{"data_type": "invoices", "fetch_on_first_link": True, "sync_schedule": 24, "sync_order": 0,
                      "sync_from_utc": "2024-01-01"},
                     {"data_type": "profitAndLoss", "fetch_on_first_link": False, "sync_schedule": 168,
                      "sync_order": 1, "months_to_sync": 12}]})
    after = sdk.settings.get_sync_settings()
    assert after.client_id == current.client_id and after.overrides_defaults is True
    assert [(s.data_type, s.sync_schedule, s.sync_from_utc, s.months_to_sync) for s in after.settings] == [
        ("invoices", 24, "2024-01-01T00:00:00Z", None), ("profitAndLoss", 168, None, 12)]


def test_sync_settings_refusal_reaches_the_sdk_user(sdk):
    client_id = sdk.settings.get_sync_settings().client_id
    # The spec lists no 400 for this operation, so the SDK raises its generic SDKError with Codat's body.
    with pytest.raises(errors.SDKError) as refused:
        sdk.settings.update_sync_settings(request={"client_id": client_id, "overrides_defaults": True, "settings": [
            {"data_type": "invoices", "fetch_on_first_link": True, "sync_schedule": 12, "sync_order": 0}]})
    assert refused.value.status_code == 400 and "settings[0].syncSchedule" in refused.value.body


def test_cors_through_the_older_path_the_sdk_calls(emu, sdk):
    with pytest.deprecated_call():  # the SDK's `cors` group is the deprecated /connectionManagement path
        assert sdk.cors.get().allowed_origins == []
    with pytest.deprecated_call():
        saved = sdk.cors.set(request={"allowed_origins": ["https://app.example.com", "http://localhost:3000"]})
    assert saved.allowed_origins == ["https://app.example.com", "http://localhost:3000"]
    # Proof of the path: a fault on the older path only is what the SDK meets.
    emu.post("/_emulator/faults", json={"kind": "error", "status": 404, "message": "fault on the older path",
                                        "pathPrefix": "/connectionManagement/corsSettings", "count": 1})
    with pytest.deprecated_call(), pytest.raises(errors.ErrorMessage) as faulted:
        sdk.cors.get()
    assert faulted.value.data.error == "fault on the older path"
    # The SDK's `settings` group uses the newer path: the same list.
    assert sdk.settings.get().allowed_origins == saved.allowed_origins
    assert sdk.settings.set(request={"allowed_origins": []}).allowed_origins == []
    with pytest.deprecated_call():
        assert sdk.cors.get().allowed_origins == []


def test_cors_refusal_is_codats_error_message(sdk):
    with pytest.deprecated_call(), pytest.raises(errors.SDKError) as refused:
        sdk.cors.set(request={"allowed_origins": ["https://app.example.com/path"]})
    assert refused.value.status_code == 400 and "remove the path" in refused.value.body


def test_supplemental_data_configure_and_read(emu, sdk):
    target = {"platform_key": "gbol", "data_type": "invoices"}
    assert sdk.supplemental_data.get_configuration(request=target).supplemental_data_config == {}
    assert sdk.supplemental_data.configure(request={**target, "supplemental_data_configuration": {
        "supplemental_data_config": {"invoiceExtras": {"data_source": "/Invoices",
                                                       "pull_data": {"expectedPaymentDate": "ExpectedPaymentDate"},
                                                       "push_data": {"url": "Url"}}}}}) is None
    config = sdk.supplemental_data.get_configuration(request=target).supplemental_data_config
    source = config["invoiceExtras"]
    assert (source.data_source, source.pull_data, source.push_data) == (
        "/Invoices", {"expectedPaymentDate": "ExpectedPaymentDate"}, {"url": "Url"})
    with pytest.raises(errors.ErrorMessage) as unknown:
        sdk.supplemental_data.get_configuration(request={"platform_key": "zzzz", "data_type": "invoices"})
    assert unknown.value.data.error == "No integration was found with key zzzz"


def test_custom_data_type_configure_and_read(emu, sdk):
    target = {"platform_key": "gbol", "custom_data_identifier": "xero-accounts"}
    saved = sdk.custom_data_type.configure(request={**target, "custom_data_type_configuration": {
        "data_source": "/api.xro/2.0/Accounts", "required_data": {"code": "$.Code"}, "key_by": ["$.AccountID"],
        "source_modified_date": ["$.UpdatedDateUTC"]}})
    assert (saved.data_source, saved.required_data, saved.key_by, saved.source_modified_date) == (
        "/api.xro/2.0/Accounts", {"code": "$.Code"}, ["$.AccountID"], ["$.UpdatedDateUTC"])
    # The SDK's read succeeds, but the spec (and so the SDK) types this reply as `CustomDataTypeRecords`,
    # the records endpoint's schema: the configuration's fields are dropped while parsing. The reply on the
    # wire is the configuration, as Codat's docs describe it.
    read = sdk.custom_data_type.get_configuration(request=target)
    assert (read.results, read.page_number, read.total_results) == (None, None, None)
    assert emu.get("/integrations/gbol/dataTypes/custom/xero-accounts").json()["keyBy"] == ["$.AccountID"]
    with pytest.raises(errors.ErrorMessage) as missing:
        sdk.custom_data_type.get_configuration(request={**target, "custom_data_identifier": "never-configured"})
    assert missing.value.status_code == 404


def test_branding(sdk):
    branding = sdk.integrations.get_branding(request={"platform_key": "gbol"})
    assert branding.source_id == "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"
    assert branding.logo.full.image.alt == "xero full icon"
    for image in (branding.logo.full, branding.logo.square, branding.button.default, branding.button.hover):
        assert httpx.URL(image.image.src).host == "static.codat.io"
    with pytest.raises(errors.ErrorMessage) as unknown:
        sdk.integrations.get_branding(request={"platform_key": "zzzz"})
    assert unknown.value.status_code == 404
