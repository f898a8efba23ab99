"""The instance's configuration: sync settings, CORS origins (both paths), supplemental data, custom data
types. Defaults of a fresh instance, whole-object replacement, the 400s with their paths, 404s for unknown
platforms, auth, quota headers, persistence, and the Portal commands a drift demo uses."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from emulator_support import assert_error

REPORTS = {"balanceSheet", "profitAndLoss", "cashFlowStatement"}


def sync_body(emu, *settings: dict, overrides: bool = True) -> dict:
    return {"clientId": emu.get("/profile/syncSettings").json()["clientId"], "settings": list(settings),
            "overridesDefaults": overrides}


def setting(data_type: str = "invoices", **fields) -> dict:
    return {"dataType": data_type, "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0, **fields}


def item_ids(response: httpx.Response) -> list[str]:
    return [e["itemId"] for e in assert_error(response, 400)["validation"]["errors"]]


# --- sync settings ----------------------------------------------------------------------------

def test_fresh_sync_settings_are_codats_defaults(emu):
    reply = emu.get("/profile/syncSettings")
    assert reply.status_code == 200 and "X-Rate-Limit-Remaining" in reply.headers
    body = reply.json()
    uuid.UUID(body["clientId"])
    assert body["overridesDefaults"] is False
    settings = {s["dataType"]: s for s in body["settings"]}
    assert len(settings) == len(body["settings"]) == 43
    assert [s["syncOrder"] for s in body["settings"]] == list(range(43))
    assert all(s["syncSchedule"] == 0 and s["isLocked"] is False for s in settings.values())  # "None" by default
    assert settings["invoices"] == {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 0,
                                    "syncOrder": 14, "isLocked": False}
    assert {d for d, s in settings.items() if "monthsToSync" in s} == REPORTS
    assert settings["profitAndLoss"]["monthsToSync"] == 24
    assert settings["banking-accounts"]["fetchOnFirstLink"] is False
    assert settings["commerce-orders"]["fetchOnFirstLink"] is False


def test_post_replaces_the_whole_object(emu):
    client_id = emu.get("/profile/syncSettings").json()["clientId"]
    sent = sync_body(emu, setting("invoices", syncFromWindow=6), setting("bills", fetchOnFirstLink=False,
                                                                         syncSchedule=168, syncOrder=1),
                     setting("balanceSheet", syncSchedule=720, syncOrder=2, monthsToSync=12, isLocked=True))
    reply = emu.post("/profile/syncSettings", json=sent)
    assert reply.status_code == 204 and reply.content == b""
    assert emu.get("/profile/syncSettings").json() == {"clientId": client_id, "overridesDefaults": True, "settings": [
        {**setting("invoices"), "syncFromWindow": 6, "isLocked": False},
        {**setting("bills", fetchOnFirstLink=False, syncSchedule=168, syncOrder=1), "isLocked": False},
        {**setting("balanceSheet", syncSchedule=720, syncOrder=2), "monthsToSync": 12, "isLocked": True}]}
    # Data types left out are gone; an empty list is allowed.
    assert emu.post("/profile/syncSettings", json=sync_body(emu, overrides=False)).status_code == 204
    assert emu.get("/profile/syncSettings").json() == {"clientId": client_id, "settings": [],
                                                       "overridesDefaults": False}


@pytest.mark.parametrize("sent, stored", [
    ("2024-01-01", "2024-01-01T00:00:00Z"),
    ("2024-01-01T12:30:00", "2024-01-01T12:30:00Z"),
    ("2024-01-01T12:30:00.000Z", "2024-01-01T12:30:00Z"),
    ("2024-01-01T12:30:00.250Z", "2024-01-01T12:30:00.250Z"),
    ("2024-01-01T01:00:00-05:00", "2024-01-01T06:00:00Z"),
])
def test_sync_from_utc_comes_back_in_utc(emu, sent, stored):
    assert emu.post("/profile/syncSettings", json=sync_body(emu, setting(syncFromUtc=sent))).status_code == 204
    assert emu.get("/profile/syncSettings").json()["settings"][0]["syncFromUtc"] == stored


DROP = "<left out>"


@pytest.mark.parametrize("changes, paths", [
    ({"clientId": DROP}, ["clientId"]),
    ({"clientId": "not-a-uuid"}, ["clientId"]),
    ({"clientId": str(uuid.uuid4())}, ["clientId"]),  # another client's id
    ({"overridesDefaults": DROP}, ["overridesDefaults"]),
    ({"overridesDefaults": "true"}, ["overridesDefaults"]),
    ({"settings": DROP}, ["settings"]),
    ({"settings": [setting("invoice")]}, ["settings[0].dataType"]),
    ({"settings": [setting(syncSchedule=12)]}, ["settings[0].syncSchedule"]),
    ({"settings": [setting(syncSchedule="24")]}, ["settings[0].syncSchedule"]),
    ({"settings": [setting(syncOrder=-1)]}, ["settings[0].syncOrder"]),
    ({"settings": [setting(fetchOnFirstLink="yes")]}, ["settings[0].fetchOnFirstLink"]),
    ({"settings": [{"dataType": "invoices"}]}, ["settings[0].fetchOnFirstLink", "settings[0].syncSchedule",
                                                "settings[0].syncOrder"]),
    ({"settings": [setting(syncFromUtc="last year")]}, ["settings[0].syncFromUtc"]),
    ({"settings": [setting(syncFromWindow=0)]}, ["settings[0].syncFromWindow"]),
    ({"settings": [setting(syncFromWindow=3, syncFromUtc="2024-01-01")]}, ["settings[0]"]),
    ({"settings": [setting(monthsToSync=6)]}, ["settings[0].monthsToSync"]),
    ({"settings": [setting("profitAndLoss", syncFromWindow=6)]}, ["settings[0]"]),
    ({"settings": [setting(isLocked="no")]}, ["settings[0].isLocked"]),
    ({"settings": [setting(), setting(syncOrder=1)]}, ["settings[1].dataType"]),
    ({"settings": ["invoices"]}, ["settings[0]"]),
    ({"clientId": DROP, "settings": [setting("invoice")]}, ["clientId", "settings[0].dataType"]),  # all at once
])
def test_sync_settings_validation(emu, changes, paths):
    before = emu.get("/profile/syncSettings").json()
    body = {"clientId": before["clientId"], "settings": [], "overridesDefaults": True, **changes}
    body = {name: value for name, value in body.items() if value != DROP}
    assert item_ids(emu.post("/profile/syncSettings", json=body)) == paths
    assert emu.get("/profile/syncSettings").json() == before  # nothing half-applied


def test_unknown_data_type_message_suggests_the_name(emu):
    body = assert_error(emu.post("/profile/syncSettings", json=sync_body(emu, setting("invoice"))), 400)
    assert "Did you mean invoices?" in body["error"]


def test_every_sync_schedule_the_portal_offers_is_accepted(emu):
    sent = sync_body(emu, *(setting(d, syncSchedule=h, syncOrder=n)
                            for n, (d, h) in enumerate(zip(["invoices", "bills", "items", "payments", "journals"],
                                                           [0, 1, 24, 168, 720], strict=True))))
    assert emu.post("/profile/syncSettings", json=sent).status_code == 204


def test_non_json_and_non_object_bodies(emu):
    assert_error(emu.post("/profile/syncSettings", content=b"{"), 400, "not valid JSON")
    assert_error(emu.post("/profile/syncSettings", json=[1]), 400, "JSON object")
    assert_error(emu.post("/profile/syncSettings"), 400, "body is required")


def test_reset_all_restores_defaults_but_keeps_the_client_id(emu):
    before = emu.get("/profile/syncSettings").json()
    emu.post("/profile/syncSettings", json=sync_body(emu, setting()))
    emu.reset()
    assert emu.get("/profile/syncSettings").json() == before


# --- CORS -------------------------------------------------------------------------------------

def test_cors_defaults_and_both_paths_share_one_list(emu):
    assert emu.get("/corsSettings").json() == {"allowedOrigins": []}
    assert emu.get("/connectionManagement/corsSettings").json() == {"allowedOrigins": []}
    origins = ["https://app.example.com", "http://localhost:3000", "https://[::1]:8443"]
    reply = emu.post("/connectionManagement/corsSettings", json={"allowedOrigins": origins})
    assert reply.status_code == 200 and reply.json() == {"allowedOrigins": origins}
    assert emu.get("/corsSettings").json() == {"allowedOrigins": origins}
    # The newer path replaces the whole list, seen through the older one.
    assert emu.post("/corsSettings", json={"allowedOrigins": ["https://b.example"]}).json() == {
        "allowedOrigins": ["https://b.example"]}
    assert emu.get("/connectionManagement/corsSettings").json() == {"allowedOrigins": ["https://b.example"]}
    assert emu.post("/corsSettings", json={"allowedOrigins": []}).json() == {"allowedOrigins": []}


@pytest.mark.parametrize("origin, says", [
    ("https://app.example.com/", "remove the path"),
    ("https://app.example.com/link", "remove the path"),
    ("https://app.example.com?x=1", "remove the path"),
    ("ftp://app.example.com", "not an http(s) origin"),
    ("app.example.com", "not an http(s) origin"),
    ("https://*.example.com", "no valid host"),
    ("https://app.example.com:99999", "not a valid origin"),
    ("", "must be a string"),
    (7, "must be a string"),
])
def test_cors_origin_validation(emu, origin, says):
    emu.post("/corsSettings", json={"allowedOrigins": ["https://kept.example"]})
    body = assert_error(emu.post("/corsSettings", json={"allowedOrigins": ["https://ok.example", origin]}), 400, says)
    assert [e["itemId"] for e in body["validation"]["errors"]] == ["allowedOrigins[1]"]
    assert emu.get("/corsSettings").json() == {"allowedOrigins": ["https://kept.example"]}


def test_cors_refuses_duplicates_missing_list_and_never_echoes_a_password(emu):
    assert item_ids(emu.post("/corsSettings", json={"allowedOrigins": ["https://a.example", "HTTPS://A.example"]})) \
        == ["allowedOrigins[1]"]
    assert item_ids(emu.post("/corsSettings", json={})) == ["allowedOrigins"]
    reply = emu.post("/corsSettings", json={"allowedOrigins": ["https://user:hunter2-secret@a.example"]})
    assert "user name or password" in assert_error(reply, 400)["error"] and "hunter2" not in reply.text


# --- supplemental data ------------------------------------------------------------------------

XERO_INVOICES = {"supplementalDataConfig": {
    "yourKeyNameForInvoices": {"dataSource": "/Invoices",
                               "pullData": {"expectedPaymentDate": "ExpectedPaymentDate"}},
    "brandingTheme": {"dataSource": "/Invoices", "pullData": {"theme": "BrandingTheme.Name"},
                      "pushData": {"theme": "BrandingTheme.Name"}},
}}
SUPPLEMENTAL = "/integrations/{key}/dataTypes/{data_type}/supplementalDataConfig"


def test_supplemental_data_round_trip_per_platform_and_data_type(emu):
    path = SUPPLEMENTAL.format(key="gbol", data_type="invoices")
    assert emu.get(path).json() == {"supplementalDataConfig": {}}
    reply = emu.put(path, json=XERO_INVOICES)
    assert reply.status_code == 200 and reply.content == b""  # the spec's 200 has no body
    assert emu.get(path).json() == XERO_INVOICES
    assert emu.get(SUPPLEMENTAL.format(key="gbol", data_type="bills")).json() == {"supplementalDataConfig": {}}
    assert emu.get(SUPPLEMENTAL.format(key="qhyg", data_type="invoices")).json() == {"supplementalDataConfig": {}}
    # PUT replaces the whole configuration of that data type; {} clears it.
    only = {"supplementalDataConfig": {"one": {"dataSource": "/Invoices", "pushData": {"a": "B"}}}}
    emu.put(path, json=only)
    assert emu.get(path).json() == only
    emu.put(path, json={"supplementalDataConfig": {}})
    assert emu.get(path).json() == {"supplementalDataConfig": {}}


@pytest.mark.parametrize("body, paths", [
    ({}, ["supplementalDataConfig"]),
    ({"supplementalDataConfig": []}, ["supplementalDataConfig"]),
    ({"supplementalDataConfig": {"a": {"pullData": {"x": "Y"}}}}, ["supplementalDataConfig.a.dataSource"]),
    ({"supplementalDataConfig": {"a": "/Invoices"}}, ["supplementalDataConfig.a"]),
    ({"supplementalDataConfig": {"a": {"dataSource": "/I", "pullData": {"x": 1}}}},
     ["supplementalDataConfig.a.pullData"]),
    ({"supplementalDataConfig": {"a": {"dataSource": "/I", "pushData": ["x"]}}}, ["supplementalDataConfig.a.pushData"]),
    ({"supplementalDataConfig": {" ": {"dataSource": "/I"}}}, ["supplementalDataConfig. "]),
])
def test_supplemental_data_validation(emu, body, paths):
    path = SUPPLEMENTAL.format(key="gbol", data_type="invoices")
    emu.put(path, json=XERO_INVOICES)
    assert item_ids(emu.put(path, json=body)) == paths
    assert emu.get(path).json() == XERO_INVOICES


def test_supplemental_data_targets(emu):
    assert_error(emu.get(SUPPLEMENTAL.format(key="zzzz", data_type="invoices")), 404,
                 "No integration was found with key zzzz")
    assert_error(emu.put(SUPPLEMENTAL.format(key="zzzz", data_type="invoices"), json=XERO_INVOICES), 404)
    body = assert_error(emu.get(SUPPLEMENTAL.format(key="gbol", data_type="payments")), 400, "Supplemental data is "
                                                                                            "supported for")
    assert body["validation"]["errors"][0]["itemId"] == "dataType"
    assert_error(emu.put(SUPPLEMENTAL.format(key="gbol", data_type="commerce-orders"), json=XERO_INVOICES), 400,
                 "accounting platform")


# --- custom data types ------------------------------------------------------------------------

CUSTOM = "/integrations/{key}/dataTypes/custom/{identifier}"
ACCOUNTS = {"dataSource": "/api.xro/2.0/Accounts", "requiredData": {"code": "$.Code", "type": "$.Type"},
            "keyBy": ["$.AccountID"], "sourceModifiedDate": ["$.UpdatedDateUTC"]}


def test_custom_data_type_round_trip(emu):
    path = CUSTOM.format(key="gbol", identifier="xero-accounts")
    assert_error(emu.get(path), 404, "No custom data type xero-accounts is configured for integration gbol")
    reply = emu.put(path, json=ACCOUNTS)
    assert reply.status_code == 200 and reply.json() == ACCOUNTS
    assert emu.get(path).json() == ACCOUNTS
    assert_error(emu.get(CUSTOM.format(key="qhyg", identifier="xero-accounts")), 404)  # per platform
    # PUT replaces; omitted optional fields come back empty (requiredData) or null (sourceModifiedDate).
    minimal = {"dataSource": "/api.xro/2.0/Accounts", "keyBy": ["$.AccountID"]}
    assert emu.put(path, json=minimal).json() == {**minimal, "requiredData": {}, "sourceModifiedDate": None}
    assert emu.get(path).json()["sourceModifiedDate"] is None


@pytest.mark.parametrize("body, paths", [
    ({}, ["dataSource", "keyBy"]),
    ({**ACCOUNTS, "dataSource": " "}, ["dataSource"]),
    ({**ACCOUNTS, "keyBy": []}, ["keyBy"]),
    ({**ACCOUNTS, "keyBy": "$.AccountID"}, ["keyBy"]),
    ({**ACCOUNTS, "requiredData": {"lines": {"nested": "$.x"}}}, ["requiredData"]),
    ({**ACCOUNTS, "sourceModifiedDate": [1]}, ["sourceModifiedDate"]),
])
def test_custom_data_type_validation(emu, body, paths):
    path = CUSTOM.format(key="gbol", identifier="xero-accounts")
    emu.put(path, json=ACCOUNTS)
    assert item_ids(emu.put(path, json=body)) == paths
    assert emu.get(path).json() == ACCOUNTS


def test_custom_data_type_targets(emu):
    assert_error(emu.put(CUSTOM.format(key="zzzz", identifier="x"), json=ACCOUNTS), 404,
                 "No integration was found with key zzzz")
    assert item_ids(emu.put(CUSTOM.format(key="gbol", identifier="has.dot"), json=ACCOUNTS)) == ["customDataIdentifier"]
    assert_error(emu.delete(CUSTOM.format(key="gbol", identifier="x")), 405)  # no DELETE in Codat's API


# --- every endpoint: auth, quota headers, persistence -----------------------------------------

READS = ["/profile/syncSettings", "/corsSettings", "/connectionManagement/corsSettings",
         SUPPLEMENTAL.format(key="gbol", data_type="invoices"), CUSTOM.format(key="gbol", identifier="xero-accounts"),
         "/integrations/gbol/branding"]


@pytest.mark.parametrize("path", READS)
def test_every_endpoint_needs_the_key_and_counts_against_the_quota(emu, path):
    reply = httpx.get(f"{emu.url}{path}")
    assert_error(reply, 401)
    assert int(reply.headers["X-Rate-Limit-Limit"]) == 1000
    before = int(emu.get("/profile").headers["X-Rate-Limit-Remaining"])
    assert int(emu.get(path).headers["X-Rate-Limit-Remaining"]) == before - 1


def test_configuration_survives_a_restart(spawn_emulator, tmp_path):
    first = spawn_emulator(data_dir=tmp_path / "kept")
    first.post("/profile/syncSettings", json=sync_body(first, setting()))
    first.post("/corsSettings", json={"allowedOrigins": ["https://app.example.com"]})
    first.put(SUPPLEMENTAL.format(key="gbol", data_type="invoices"), json=XERO_INVOICES)
    first.put(CUSTOM.format(key="gbol", identifier="xero-accounts"), json=ACCOUNTS)
    seen = [first.get(p).json() for p in READS]
    first.kill()
    second = spawn_emulator(data_dir=tmp_path / "kept")
    assert [second.get(p).json() for p in READS] == seen


def test_an_older_data_folder_gets_the_new_sections(spawn_emulator, tmp_path):
    folder = tmp_path / "old"
    spawn_emulator(data_dir=folder).kill()
    state = json.loads((folder / "state.json").read_text())
    for name in ("clientId", "syncSettings", "corsSettings", "supplementalData", "customDataTypes"):
        del state[name]
    (folder / "state.json").write_text(json.dumps(state))
    emulator = spawn_emulator(data_dir=folder)
    client_id = emulator.get("/profile/syncSettings").json()["clientId"]
    assert emulator.get("/profile/syncSettings").json()["clientId"] == client_id
    assert emulator.get("/corsSettings").json() == {"allowedOrigins": []}


# --- the Portal, by hand ----------------------------------------------------------------------

def portal(emu, *args: str) -> str:
    done = emu.cli("portal", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_portal_sync_settings(emu):
    changed = json.loads(portal(emu, "sync-settings", "set", "invoices", "--schedule", "hourly",
                                "--no-fetch-on-first-link", "--sync-from-utc", "2024-06-01"))
    assert changed == {"dataType": "invoices", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 14,
                       "syncFromUtc": "2024-06-01T00:00:00Z", "isLocked": False}
    served = emu.get("/profile/syncSettings").json()
    assert served["overridesDefaults"] is True and changed in served["settings"]
    # Switching to a window removes the date; --sync-all-history removes both.
    assert json.loads(portal(emu, "sync-settings", "set", "invoices", "--sync-from-window", "6"))["syncFromWindow"] == 6
    assert "syncFromUtc" not in json.loads(portal(emu, "sync-settings", "show"))["settings"][14]
    after = json.loads(portal(emu, "sync-settings", "set", "invoices", "--sync-all-history"))
    assert "syncFromWindow" not in after and "syncFromUtc" not in after
    # A data type the list lacks is added at the end of the fetch order.
    emu.post("/profile/syncSettings", json=sync_body(emu, setting("bills")))
    assert json.loads(portal(emu, "sync-settings", "set", "invoices", "--schedule", "weekly"))["syncOrder"] == 1
    portal(emu, "sync-settings", "reset")
    assert emu.get("/profile/syncSettings").json()["overridesDefaults"] is False


@pytest.mark.parametrize("args, says", [
    (("sync-settings", "set", "invoice", "--schedule", "daily"), "Did you mean invoices?"),
    (("sync-settings", "set", "balanceSheet", "--sync-from-window", "3"), "monthsToSync"),
    (("sync-settings", "set", "invoices"), "nothing to change"),
    (("cors", "add", "https://a.example/path"), "remove the path"),
    (("cors", "remove", "https://never.example"), "not an allowed origin"),
    (("supplemental-data", "set", "gbol", "payments", "x", "--data-source", "/P"), "payments"),
    (("supplemental-data", "remove", "gbol", "invoices", "missing"), "No supplemental data configuration"),
    (("custom-data-type", "show", "gbol", "missing"), "No custom data type missing"),
    (("custom-data-type", "set", "zzzz", "x", "--data-source", "/x", "--key-by", "$.Id"), "No integration"),
])
def test_portal_errors_are_one_line(emu, args, says):
    done = emu.cli("portal", *args)
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_portal_cors(emu):
    portal(emu, "cors", "add", "https://app.example.com")
    portal(emu, "cors", "add", "http://localhost:3000")
    assert emu.get("/connectionManagement/corsSettings").json() == {
        "allowedOrigins": ["https://app.example.com", "http://localhost:3000"]}
    assert json.loads(portal(emu, "cors", "remove", "HTTPS://APP.example.com")) == {
        "allowedOrigins": ["http://localhost:3000"]}
    assert json.loads(portal(emu, "cors", "show")) == emu.get("/corsSettings").json()


def test_portal_supplemental_data(emu):
    path = SUPPLEMENTAL.format(key="gbol", data_type="invoices")
    emu.put(path, json=XERO_INVOICES)
    portal(emu, "supplemental-data", "set", "gbol", "invoices", "brandingTheme", "--data-source", "/Invoices",
           "--pull", "theme=BrandingTheme.Name", "--pull", "url=Url")
    served = emu.get(path).json()["supplementalDataConfig"]
    assert served["brandingTheme"] == {"dataSource": "/Invoices", "pullData": {"theme": "BrandingTheme.Name",
                                                                               "url": "Url"}}
    assert served["yourKeyNameForInvoices"] == XERO_INVOICES["supplementalDataConfig"]["yourKeyNameForInvoices"]
    portal(emu, "supplemental-data", "remove", "gbol", "invoices", "brandingTheme")
    assert list(emu.get(path).json()["supplementalDataConfig"]) == ["yourKeyNameForInvoices"]
    assert json.loads(portal(emu, "supplemental-data", "show", "gbol", "invoices")) == emu.get(path).json()


def test_portal_custom_data_types(emu):
    path = CUSTOM.format(key="gbol", identifier="xero-accounts")
    emu.put(path, json=ACCOUNTS)
    portal(emu, "custom-data-type", "set", "gbol", "xero-accounts", "--data-source", "/api.xro/2.0/Accounts",
           "--required-data", "code=$.Code", "--key-by", "$.AccountID")
    assert emu.get(path).json() == {"dataSource": "/api.xro/2.0/Accounts", "requiredData": {"code": "$.Code"},
                                    "keyBy": ["$.AccountID"], "sourceModifiedDate": None}
    assert json.loads(portal(emu, "custom-data-type", "show", "gbol", "xero-accounts")) == emu.get(path).json()
    portal(emu, "custom-data-type", "delete", "gbol", "xero-accounts")
    assert_error(emu.get(path), 404)
