"""The configuration constructs and props: `SyncSettings`, `CorsOrigins`, and `supplemental_data` /
`custom_data_types` on the integration constructs, synthesized, and refused at synth naming every prop."""

from __future__ import annotations

import json
import re

import pytest

from codat_constructs import (
    CodatAccountingIntegration,
    CodatConfigurationError,
    CodatIntegrationConfigError,
    CodatXeroIntegration,
    CorsOrigins,
    CustomDataType,
    Secret,
    SupplementalDataSource,
    SyncSetting,
    SyncSettings,
    XeroApp,
)
from codat_constructs._cdk import cdk

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
EXTRAS = SupplementalDataSource(data_source="/Invoices", pull_data={"reference": "Reference"})
PURCHASE_ORDERS = CustomDataType(data_source="/api.xro/2.0/PurchaseOrders", key_by=["$.PurchaseOrderID"],
                                 required_data={"number": "$.PurchaseOrderNumber"})


def _field(problem: str) -> str:
    """The prop path a problem starts with (a quoted key may hold spaces)."""
    return re.match(r'(?:[^" :]|"[^"]*")+', problem).group(0)


def _resources(stack) -> dict:
    return json.loads(cdk.Testing.synth(stack))["resource"]


def test_sync_settings_and_cors_origins_synthesize_only_what_is_set(stack):
    SyncSettings(stack, "sync", data_types={"invoices": SyncSetting(sync_schedule=24, sync_from_window=6),
                                            "profitAndLoss": SyncSetting(months_to_sync=36)}, on_destroy="reset")
    CorsOrigins(stack, "cors", allowed_origins=("https://app.acme.example", "http://localhost:3000"))
    resources = _resources(stack)
    (sync,) = resources["codat_sync_settings"].values()
    assert sync == {"data_types": {"invoices": {"sync_schedule": 24, "sync_from_window": 6},
                                   "profitAndLoss": {"months_to_sync": 36}},
                    "overrides_defaults": True, "on_destroy": "reset"}
    (cors,) = resources["codat_cors_origins"].values()
    assert cors == {"allowed_origins": ["https://app.acme.example", "http://localhost:3000"], "on_destroy": "keep"}


def test_integration_constructs_declare_their_platforms_supplemental_data_and_custom_data_types(stack):
    app = XeroApp(stack, "xero_app", app_name="Acme", company_url="https://acme.example", client_id=CLIENT_ID)
    CodatXeroIntegration(stack, "xero", app=app, client_secret=Secret.from_env(stack, "xero_secret"),
                         supplemental_data={"invoices": {"invoice-extras": EXTRAS}},
                         custom_data_types={"purchaseOrders": PURCHASE_ORDERS})
    CodatAccountingIntegration(stack, "quickbooks", platform_key="qhyg", client_id="qbo",
                               client_secret=Secret.from_env(stack, "qbo_secret"),
                               supplemental_data={
                                   "customers": {"extra": SupplementalDataSource(data_source="/Customer")}})
    resources = _resources(stack)
    supplemental = {r["platform_key"] + "/" + r["data_type"]: r for r in resources["codat_supplemental_data"].values()}
    assert supplemental["gbol/invoices"]["configurations"] == {
        "invoice-extras": {"data_source": "/Invoices", "pull_data": {"reference": "Reference"}}}
    assert supplemental["qhyg/customers"]["configurations"] == {"extra": {"data_source": "/Customer"}}
    (custom,) = resources["codat_custom_data_type"].values()
    assert custom == {"platform_key": "gbol", "identifier": "purchaseOrders",
                      "data_source": "/api.xro/2.0/PurchaseOrders", "key_by": ["$.PurchaseOrderID"],
                      "required_data": {"number": "$.PurchaseOrderNumber"}}
    # Stable child ids under the integration construct.
    names = set(resources["codat_supplemental_data"]) | set(resources["codat_custom_data_type"])
    assert any(n.startswith("xero_supplemental_data_invoices_") for n in names)
    assert any(n.startswith("xero_custom_data_type_purchaseOrders_") for n in names)
    assert any(n.startswith("quickbooks_supplemental_data_customers_") for n in names)


def test_sync_settings_problems_name_each_prop(stack):
    with pytest.raises(CodatConfigurationError) as caught:
        SyncSettings(stack, "sync", data_types={"invoice": SyncSetting(sync_schedule=12),
                                                "bills": SyncSetting(sync_from_utc="2024-01-01", sync_from_window=3),
                                                "payments": {"sync_schedule": 24}},
                     overrides_defaults="yes", on_destroy="wipe")
    problems = caught.value.problems
    assert [_field(p) for p in problems] == [
        "data_types.invoice", "data_types.invoice.sync_schedule", "data_types.bills.sync_from_window",
        "data_types.payments", "overrides_defaults", "on_destroy"]
    assert "Did you mean invoices?" in problems[0]
    assert problems[1].startswith("data_types.invoice.sync_schedule is in hours and Codat accepts only")
    assert "must be a SyncSetting, e.g. SyncSetting(sync_schedule=24) (got dict)" in problems[3]
    assert "SyncSettings 'test" in str(caught.value) and "6 problem(s)" in str(caught.value)


def test_cors_origins_problems_name_each_origin(stack):
    with pytest.raises(CodatConfigurationError) as caught:
        CorsOrigins(stack, "cors", allowed_origins=["https://ok.example", "https://app.example/", "http://app.example"])
    assert [_field(p) for p in caught.value.problems] == ["allowed_origins[1]", "allowed_origins[2]"]
    assert "Browsers send the origin alone: https://app.example" in caught.value.problems[0]
    with pytest.raises(CodatConfigurationError, match="allowed_origins must be a list of origins"):
        CorsOrigins(stack, "cors2", allowed_origins="https://app.example")


def test_integration_data_problems_are_listed_with_the_credential_problems(stack):
    with pytest.raises(CodatIntegrationConfigError) as caught:
        CodatAccountingIntegration(
            stack, "quickbooks", platform_key="qhyg", client_id="", client_secret=Secret.from_env(stack, "qbo_secret2"),
            supplemental_data={"invoice": {"x": EXTRAS}, "commerce-orders": {"y": {"data_source": "/o"}}},
            custom_data_types={"purchase orders": CustomDataType(data_source="", key_by=[])},
        )
    problems = caught.value.problems
    assert problems[0].startswith("client_id must be a non-empty string")
    assert [_field(p) for p in problems[1:]] == [
        "supplemental_data.invoice", 'supplemental_data."commerce-orders"', 'supplemental_data."commerce-orders".y',
        'custom_data_types."purchase orders"', 'custom_data_types."purchase orders".data_source',
        'custom_data_types."purchase orders".key_by']
    assert "must be a SupplementalDataSource" in problems[3]


def test_xero_rejects_a_commerce_data_type(stack):
    app = XeroApp(stack, "xero_app", app_name="Acme", company_url="https://acme.example", client_id=CLIENT_ID)
    with pytest.raises(CodatIntegrationConfigError, match="commerce-orders is a commerce data type, and this is an "
                                                          "accounting platform"):
        CodatXeroIntegration(stack, "xero", app=app, client_secret=Secret.from_env(stack, "xero_secret3"),
                             supplemental_data={"commerce-orders": {"x": EXTRAS}})
