"""Unit tests of the configuration resources' expand, flatten, validate and import-ID parsing (no network,
no terraform): codat_sync_settings, codat_cors_origins, codat_supplemental_data, codat_custom_data_type,
and the codat_integration_branding data source."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from codat_client import (
    BadRequestError,
    Branding,
    CustomDataTypeConfiguration,
    StoppedError,
    SupplementalDataSource,
    SyncSettings,
    WriteNotAcknowledgedError,
)
from codat_provider.cors_origins.flatten import removed_by
from codat_provider.cors_origins.resource import CorsOriginsResource
from codat_provider.cors_origins.validate import validate_config as validate_cors
from codat_provider.custom_data_type.expand import configuration_args
from codat_provider.custom_data_type.flatten import flatten_custom_data_type
from codat_provider.custom_data_type.validate import (
    parse_import_id as parse_custom_id,
    validate_config as validate_custom,
)
from codat_provider.data_sources.flatten import flatten_branding
from codat_provider.supplemental_data.expand import sources_args
from codat_provider.supplemental_data.flatten import flatten_sources
from codat_provider.supplemental_data.resource import _attribute_path as supplemental_path
from codat_provider.supplemental_data.validate import (
    parse_import_id as parse_supplemental_id,
    validate_config as validate_supplemental,
)
from codat_provider.sync_settings.expand import changed_data_types, overlay, reset
from codat_provider.sync_settings.flatten import flatten_sync_settings
from codat_provider.sync_settings.resource import SyncSettingsResource, _attribute_path as sync_path
from codat_provider.sync_settings.validate import parse_import_id as parse_sync_id, validate_config as validate_sync
from tfplugin import UNKNOWN, Diagnostics, PlanRequest, ProviderError

CODAT = {
    "clientId": "367f7975-267b-439b-90c6-a6040ee680f3",
    "overridesDefaults": False,
    "somethingNew": True,
    "settings": [
        {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 0, "isLocked": False,
         "syncFromWindow": 12, "futureField": "kept"},
        {"dataType": "balanceSheet", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 1, "monthsToSync": 24},
        {"dataType": "payments", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 2},
    ],
}
UNSET = dict.fromkeys(("fetch_on_first_link", "sync_schedule", "sync_order", "sync_from_utc", "sync_from_window",
                       "months_to_sync", "is_locked"))


def _errors(check, config: dict) -> list[tuple]:
    diags = Diagnostics()
    check(config, diags)
    return sorted(d.path for d in diags.errors)


# --- sync settings -----------------------------------------------------------------------------------


def test_overlay_changes_declared_data_types_and_writes_everything_else_back():
    declared = {"invoices": {**UNSET, "sync_schedule": Decimal(24), "sync_from_utc": "2024-01-01"},
                "bills": {**UNSET, "fetch_on_first_link": False}}
    body = overlay(CODAT, declared, overrides_defaults=True)
    assert body["clientId"] == CODAT["clientId"] and body["somethingNew"] is True and body["overridesDefaults"] is True
    invoices, sheet, payments, bills = body["settings"]
    # The history choice is the configuration's: the window Codat held goes, the date comes in.
    assert invoices == {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0,
                        "isLocked": False, "syncFromUtc": "2024-01-01", "futureField": "kept"}
    assert (sheet, payments) == (CODAT["settings"][1], CODAT["settings"][2])  # not declared: as they were
    # A data type Codat does not list yet: Codat's defaults, last in the queue, then what is declared.
    assert bills == {"dataType": "bills", "syncOrder": 3, "fetchOnFirstLink": False, "syncSchedule": 0,
                     "isLocked": False}
    assert CODAT["settings"][0]["syncFromWindow"] == 12  # input untouched
    assert changed_data_types(CODAT, body, declared) == ["invoices", "bills"]


def test_reset_restores_codats_defaults_of_the_given_data_types_only():
    body = reset(overlay(CODAT, {"balanceSheet": {**UNSET, "months_to_sync": 6, "sync_schedule": 720}}, True),
                 ["invoices", "balanceSheet"])
    invoices, sheet, payments = body["settings"]
    assert invoices == {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 0,
                        "isLocked": False, "futureField": "kept"}
    assert sheet == {"dataType": "balanceSheet", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 1,
                     "monthsToSync": 24, "isLocked": False}
    assert payments == CODAT["settings"][2] and body["overridesDefaults"] is True


def test_flatten_keeps_the_held_date_text_for_the_same_moment_and_leaves_out_what_codat_lacks():
    codat = {"overridesDefaults": True, "settings": [
        {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0,
         "syncFromUtc": "2024-01-01T05:00:00Z", "isLocked": False}]}
    same = flatten_sync_settings(codat, ["invoices", "bills"],
                                 {"invoices": {"sync_from_utc": "2024-01-01T06:00:00+01:00"}})
    assert same == {"id": "sync_settings", "overrides_defaults": True, "data_types": {"invoices": {
        "fetch_on_first_link": True, "sync_schedule": 24, "sync_order": 0, "sync_from_utc": "2024-01-01T06:00:00+01:00",
        "sync_from_window": None, "months_to_sync": None, "is_locked": False}}}  # bills: gone, so the plan adds it
    moved = flatten_sync_settings(codat, ["invoices"], {"invoices": {"sync_from_utc": "2024-01-01"}})
    assert moved["data_types"]["invoices"]["sync_from_utc"] == "2024-01-01T05:00:00Z"  # another moment: drift
    unknown = flatten_sync_settings(codat, ["invoices"], {"invoices": {"sync_from_utc": UNKNOWN}})
    assert unknown["data_types"]["invoices"]["sync_from_utc"] == "2024-01-01T05:00:00Z"


def test_sync_validation_paths_and_unknowns():
    config = {"data_types": {"invoice": {**UNSET}, "bills": {**UNSET, "sync_schedule": 2, "sync_order": -1},
                             "cashFlowStatement": {**UNSET, "sync_from_utc": "2024-01-01"}},
              "on_destroy": "wipe"}
    assert _errors(validate_sync, config) == [
        ("data_types", "bills", "sync_order"), ("data_types", "bills", "sync_schedule"),
        ("data_types", "cashFlowStatement", "sync_from_utc"), ("data_types", "invoice"), ("on_destroy",)]
    fine = {"data_types": {"invoices": {**UNSET, "sync_schedule": UNKNOWN, "sync_from_utc": UNKNOWN,
                                        "sync_from_window": 3}, "bills": UNKNOWN}, "on_destroy": UNKNOWN}
    assert _errors(validate_sync, fine) == []
    assert _errors(validate_sync, {"data_types": UNKNOWN, "on_destroy": None}) == []


def test_sync_import_ids_and_codat_item_ids():
    diags = Diagnostics()
    assert parse_sync_id("all", diags) == []
    assert parse_sync_id(" invoices, bills,invoices", diags) == ["invoices", "bills"]
    assert not diags
    for bad in ("", "invoices,", "Invoices", "sync_settings"):
        wrong = Diagnostics()
        assert parse_sync_id(bad, wrong) is None and wrong.errors, bad
    settings = [{"dataType": "invoices"}, {"dataType": "bills"}]
    assert sync_path("settings[1].syncSchedule: bad", settings) == ("data_types", "bills", "sync_schedule")
    assert sync_path("settings[0]: Set syncFromUtc or syncFromWindow", settings) == ("data_types", "invoices")
    assert sync_path("settings[7].dataType: unknown", settings) == ("data_types",)
    assert sync_path("overridesDefaults: required", settings) == ("overrides_defaults",)


# --- CORS origins -----------------------------------------------------------------------------------


def test_cors_validation_and_what_a_create_removes():
    assert _errors(validate_cors, {"allowed_origins": ["https://a.example/", "https://ok.example"],
                                   "on_destroy": "keep"}) == [("allowed_origins", 0)]
    assert _errors(validate_cors, {"allowed_origins": [UNKNOWN, "http://localhost:3000"], "on_destroy": "x"}) == [
        ("on_destroy",)]
    assert removed_by(["https://App.example"], ["https://app.example", "https://old.example"]) == ["https://old.example"]


# --- supplemental data -------------------------------------------------------------------------------


def test_supplemental_expand_flatten_round_trip():
    configured = {"extras": {"data_source": "/Invoices", "pull_data": {"ref": "Reference"}, "push_data": None}}
    args = sources_args(configured)
    assert args == {"extras": {"data_source": "/Invoices", "pull_data": {"ref": "Reference"}}}
    sources = {name: SupplementalDataSource(**kwargs) for name, kwargs in args.items()}
    assert flatten_sources(sources) == configured


def test_supplemental_validation_import_ids_and_item_ids():
    config = {"platform_key": "gbol", "data_type": "commerce-orders",
              "configurations": {"a": {"data_source": "", "pull_data": None, "push_data": {"x": ""}}}}
    assert _errors(validate_supplemental, config) == [
        ("configurations", "a", "data_source"), ("configurations", "a", "push_data", "x"), ("data_type",)]
    # An unknown platform may be a commerce one: its commerce data types pass (with the platform's warning).
    assert _errors(validate_supplemental, {"platform_key": "abcd", "data_type": "commerce-orders",
                                           "configurations": {}}) == []
    diags = Diagnostics()
    assert parse_supplemental_id("gbol/invoices", diags) == ("gbol", "invoices") and not diags
    for bad in ("gbol", "gbol/invoice", "GBOL/invoices", "gbol/commerce-orders"):
        wrong = Diagnostics()
        assert parse_supplemental_id(bad, wrong) is None and wrong.errors, bad
    assert supplemental_path("supplementalDataConfig.extras.dataSource: required") == (
        "configurations", "extras", "data_source")
    assert supplemental_path("dataType: no") == ("data_type",)


# --- custom data types -------------------------------------------------------------------------------


def test_custom_expand_and_flatten_keep_an_unset_map_null():
    planned = {"platform_key": "gbol", "identifier": "po", "data_source": "/po", "key_by": ["$.Id"],
               "required_data": None, "source_modified_date": None}
    assert configuration_args(planned) == {"data_source": "/po", "key_by": ["$.Id"]}
    saved = CustomDataTypeConfiguration(data_source="/po", key_by=["$.Id"])  # Codat answers requiredData: {}
    assert flatten_custom_data_type(saved, planned) == {"id": "gbol/po", "data_source": "/po", "key_by": ["$.Id"],
                                                        "required_data": None, "source_modified_date": None}
    filled = CustomDataTypeConfiguration(data_source="/po", key_by=["$.Id"], required_data={"n": "$.N"})
    assert flatten_custom_data_type(filled, planned)["required_data"] == {"n": "$.N"}  # set in the Portal: drift


def test_custom_validation_and_import_ids():
    config = {"platform_key": "gbol", "identifier": "a b", "data_source": "/x", "key_by": ["$.Id", ""],
              "required_data": {"n": UNKNOWN}, "source_modified_date": []}
    assert _errors(validate_custom, config) == [("identifier",), ("key_by", 1), ("source_modified_date",)]
    assert _errors(validate_custom, {"platform_key": UNKNOWN, "identifier": UNKNOWN, "data_source": UNKNOWN,
                                     "key_by": UNKNOWN, "required_data": None, "source_modified_date": None}) == []
    diags = Diagnostics()
    assert parse_custom_id("gbol/purchase-orders_2", diags) == ("gbol", "purchase-orders_2") and not diags
    wrong = Diagnostics()
    assert parse_custom_id("gbol/a/b", wrong) is None and wrong.errors


# --- branding ----------------------------------------------------------------------------------------


def test_branding_flattens_each_image_and_tolerates_missing_ones():
    branding = Branding.model_validate({"sourceId": "s", "logo": {"full": {"image": {"src": "https://f", "alt": "f"}}},
                                        "button": None})
    values = flatten_branding(branding)
    assert values["source_id"] == "s" and (values["logo_full_src"], values["logo_full_alt"]) == ("https://f", "f")
    assert values["logo_square_src"] is None and values["button_hover_alt"] is None
    assert len(values) == 9


# --- the resources over a fake client: stops and Codat's 400s -------------------------------------------


class FakeConfigurationCodat:
    """Just enough of CodatClient for the configuration resources: sync settings and CORS origins, with a
    stop (StoppedError) or a refusal (BadRequestError) at a chosen call."""

    def __init__(self, stop_at: str | None = None, refuse: list[str] | None = None):
        self.stop_at, self.refuse, self.posts = stop_at, refuse, []
        self.gets = 0

    def get_sync_settings(self):
        self.gets += 1
        if self.stop_at == "read back" and self.posts:
            raise StoppedError("GET /profile/syncSettings: stopped before the request was sent", took_effect=False)
        return self.posts[-1] if self.posts else SyncSettings.model_validate(CODAT)

    def set_sync_settings(self, settings):
        if self.refuse:
            raise BadRequestError("POST /profile/syncSettings: Codat answered 400", validation_errors=self.refuse)
        if self.stop_at == "post":
            raise StoppedError("POST /profile/syncSettings: stopped while waiting 2.0 s to retry after Codat "
                               "answered 503, so whether it took effect is unknown", took_effect=None)
        self.posts.append(settings)

    def get_cors_origins(self):
        return ["https://old.example"]

    def set_cors_origins(self, origins):
        if self.refuse:
            raise BadRequestError("POST /corsSettings: Codat answered 400", validation_errors=self.refuse)
        return list(origins)


def _sync(client) -> SyncSettingsResource:
    return SyncSettingsResource(SimpleNamespace(client=client))


CONFIG_SYNC = {"id": None, "data_types": {"invoices": {**UNSET, "sync_schedule": 24}}, "overrides_defaults": True,
               "on_destroy": "keep"}
# What tfplugin plans on create: computed attributes the configuration leaves out are unknown.
PLANNED_SYNC = {**CONFIG_SYNC, "id": UNKNOWN, "data_types": {"invoices": {
    **UNSET, "sync_schedule": 24, "fetch_on_first_link": UNKNOWN, "sync_order": UNKNOWN, "months_to_sync": UNKNOWN,
    "is_locked": UNKNOWN}}}


def test_sync_settings_create_adopts_with_a_warning_and_writes_everything_back():
    client, diags = FakeConfigurationCodat(), Diagnostics()
    state = _sync(client).create(PLANNED_SYNC, CONFIG_SYNC, diags)
    (sent,) = client.posts
    assert [s.data_type for s in sent.settings] == ["invoices", "balanceSheet", "payments"]
    assert sent.settings[0].model_extra == {"futureField": "kept"}  # a field Codat added, sent back
    assert [d.summary for d in diags.warnings] == ["Adopted the Codat sync settings"]
    assert "The other 2 data type(s) Codat holds keep their settings" in diags.warnings[0].detail
    assert set(state["data_types"]) == {"invoices"}


def test_a_stop_says_what_was_applied():
    with pytest.raises(ProviderError) as stopped:
        _sync(FakeConfigurationCodat(stop_at="post")).update({}, PLANNED_SYNC, CONFIG_SYNC, Diagnostics())
    assert stopped.value.summary == "Stopped: could not update the Codat sync settings"
    assert "whether it took effect is unknown" in stopped.value.detail
    with pytest.raises(ProviderError) as stopped:
        _sync(FakeConfigurationCodat(stop_at="read back")).update({}, PLANNED_SYNC, CONFIG_SYNC, Diagnostics())
    assert stopped.value.summary == "Stopped: could not read back the Codat sync settings"
    assert stopped.value.detail.startswith("The sync settings were written")


def test_codats_400s_land_on_the_attribute_they_name():
    diags = Diagnostics()
    refused = ["settings[0].syncSchedule: not a schedule", "settings[1]: a financial statement"]
    assert _sync(FakeConfigurationCodat(refuse=refused)).update({}, PLANNED_SYNC, CONFIG_SYNC, diags) is None
    assert [d.path for d in diags.errors] == [("data_types", "invoices", "sync_schedule"),
                                              ("data_types", "balanceSheet")]
    cors = CorsOriginsResource(SimpleNamespace(client=FakeConfigurationCodat(refuse=["allowedOrigins[0]: no"])))
    diags = Diagnostics()
    planned = {"id": UNKNOWN, "allowed_origins": ["https://a.example"], "on_destroy": "keep"}
    assert cors.update({}, planned, planned, diags) is None and diags.errors[0].path == ("allowed_origins",)


def test_cors_plan_on_create_warns_about_origins_it_removes():
    cors = CorsOriginsResource(SimpleNamespace(client=FakeConfigurationCodat()))
    diags = Diagnostics()
    req = PlanRequest(prior=None, config={}, planned={"id": UNKNOWN, "allowed_origins": ["https://new.example"],
                                                      "on_destroy": "keep"})
    cors.modify_plan(req, diags)
    assert [d.summary for d in diags.warnings] == ["Creating codat_cors_origins removes allowed origins"]
    assert "https://old.example" in diags.warnings[0].detail
    quiet = Diagnostics()
    cors.modify_plan(PlanRequest(prior=None, config={}, planned={"allowed_origins": [UNKNOWN]}), quiet)
    assert not quiet  # not known yet: nothing to compare


class CarelessOrigins(FakeConfigurationCodat):
    """Answers the origins POST with an HTML page, after storing the list (`stored=True`) or not."""

    def __init__(self, stored: bool):
        super().__init__()
        self.stored, self.held = stored, ["https://old.example"]

    def get_cors_origins(self):
        return list(self.held)

    def set_cors_origins(self, origins):
        if self.stored:
            self.held = list(origins)
        raise WriteNotAcknowledgedError("POST /corsSettings: Codat answered 200 OK with text/html, not JSON")


def test_origins_codat_did_not_acknowledge_are_read_back_kept_when_held_else_an_error_naming_them():
    planned = {"id": UNKNOWN, "allowed_origins": ["https://a.example"], "on_destroy": "keep"}
    diags = Diagnostics()
    resource = CorsOriginsResource(SimpleNamespace(client=CarelessOrigins(stored=True)))
    state = resource.update({}, planned, planned, diags)
    assert state["allowed_origins"] == ["https://a.example"]
    assert [d.summary for d in diags.warnings] == ["Codat did not acknowledge the write, but holds it"]
    with pytest.raises(ProviderError) as refused:
        CorsOriginsResource(SimpleNamespace(client=CarelessOrigins(stored=False))).update({}, planned, planned,
                                                                                          Diagnostics())
    assert refused.value.summary == "Codat did not acknowledge the write: could not write the Codat CORS origins"
    assert "Codat holds other values than the plan for allowed_origins" in refused.value.detail
    assert "text/html" in refused.value.detail


def test_sync_settings_codat_stores_otherwise_are_an_error_naming_the_attribute_never_a_result():
    class Adjusting(FakeConfigurationCodat):
        def get_sync_settings(self):  # Codat keeps invoices unscheduled whatever it is sent
            held = super().get_sync_settings().model_dump(mode="json", by_alias=True)
            held["settings"][0]["syncSchedule"] = 0
            return SyncSettings.model_validate(held)

    with pytest.raises(ProviderError) as refused:
        _sync(Adjusting()).update({}, PLANNED_SYNC, CONFIG_SYNC, Diagnostics())
    assert refused.value.summary == ("Codat holds other values than were written: could not update the Codat sync "
                                     "settings")
    assert 'for data_types["invoices"].sync_schedule:' in refused.value.detail
