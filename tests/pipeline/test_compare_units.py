"""`codat-iac compare` and `promote` without a server: what differs between two configurations in the
environments file's shape (as adopt reads a live side, or as a stack declares it), what promote writes for B, and
how the reports show values (secrets withheld, Markdown escaped)."""

from __future__ import annotations

import json

import pytest

from codat_iac import adopt, compare, promote
from codat_iac.compare import ABSENT, IGNORED_BY_DEFAULT, CompareError, Configuration, Side
from codat_settings.secrets import WITHHELD, SecretHold


def live(label: str, name: str, table: dict, client_ids: dict | None = None, declared: dict | None = None,
         **extra) -> Configuration:
    side = Side(label, name, True, name, f"https://{name}.codat.example", f"TF_VAR_codat_api_key_{name}", declared,
                f"Codat at https://{name}.codat.example")
    return Configuration(side, table, client_ids or {}, **extra)


def declared(name: str, table: dict, client_ids: dict | None = None) -> Configuration:
    return Configuration(Side("A", name, False, name, declared=table, source="declared in environments.toml"),
                         table, client_ids or {})


def hook(url: str, *events: str, import_id: str = "id") -> dict:
    return {"import_id": import_id, "url": url, "event_types": list(events)}


def settings_of(result: compare.Comparison) -> list[tuple]:
    return [(row.setting, row.a, row.b) for row in result.rows]


def test_webhooks_match_by_path_so_hosts_are_ignored_by_default_and_compared_on_request():
    a = live("A", "staging", {
        "webhooks": {"sync": hook("https://staging-hooks.acme.example/codat", "DataSyncCompleted")},
        "profile": {"name": "Acme (staging)", "redirect_url": "https://staging.acme.example/r"}})
    b = live("B", "production", {"webhooks": {"sync": hook("https://hooks.acme.example/codat", "DataSyncCompleted")},
                                 "profile": {"name": "Acme", "redirect_url": "https://acme.example/r"}})
    assert settings_of(compare.compare(a, b, IGNORED_BY_DEFAULT)) == []
    assert settings_of(compare.compare(a, b, ())) == [
        ("profile.name", "Acme (staging)", "Acme"),
        ("profile.redirect_url", "https://staging.acme.example/r", "https://acme.example/r"),
        ("webhooks.codat.url", "https://staging-hooks.acme.example/codat", "https://hooks.acme.example/codat")]
    b.table["profile"]["redirect_url"] = "https://acme.example/other"  # the path still counts with the host ignored
    assert settings_of(compare.compare(a, b, IGNORED_BY_DEFAULT)) == [
        ("profile.redirect_url", "https://staging.acme.example/r", "https://acme.example/other")]


def test_what_a_live_side_leaves_out_is_codats_default():
    a = live("A", "staging", {"accounting": {"sandbox": {"platform_key": "mqjo", "import_id": "mqjo", "enabled": True}},
                              "sync_settings": {"import_id": "invoices", "overrides_defaults": True, "data_types": {
                                  "invoices": {"sync_schedule": 24, "sync_order": 14,
                                               "sync_from_utc": "2024-01-01T00:00:00Z"}}}})
    b = live("B", "production", {})
    assert settings_of(compare.compare(a, b, ())) == [  # sync_order: only where both report it
        ("integrations.mqjo.enabled", True, False),
        ("sync_settings.data_types.invoices.sync_schedule", 24, 0),
        ("sync_settings.data_types.invoices.sync_from_utc", "2024-01-01T00:00:00Z", ABSENT)]


def test_client_ids_are_compared_where_both_hold_credentials_and_ignored_by_glob():
    holds = {"xero": {"import_id": "gbol", "enabled": True, "client_id_variable": "v"}}
    a = live("A", "staging", holds, {"gbol": "...ABCD"})
    b = live("B", "production", json.loads(json.dumps(holds)), {"gbol": "...WXYZ"})
    assert settings_of(compare.compare(a, b, ())) == [("integrations.gbol.client_id", "...ABCD", "...WXYZ")]
    assert compare.compare(a, b, ("integrations.*.client_id",)).rows == []
    b.table["xero"].pop("client_id_variable")
    b.client_ids.clear()
    assert settings_of(compare.compare(a, b, ())) == [("integrations.gbol.credentials", True, False)]


def test_a_declared_side_is_compared_on_what_it_declares_only():
    a = declared("production", {"xero": {"import_id": "gbol", "client_id": "0123456789ABCDEF0123456789ABABCD"},
                                "sync_settings": {"data_types": {"invoices": {"sync_schedule": 24}}},
                                "webhooks": {"sync": {"url": "https://hooks.acme.example/codat"}}},
                 {"gbol": "...ABCD"})
    b = live("B", "production", {
        "xero": {"import_id": "gbol", "enabled": False},
        "accounting": {"sandbox": {"platform_key": "mqjo", "import_id": "mqjo", "enabled": True}},
        "sync_settings": {"import_id": "invoices", "overrides_defaults": True, "data_types": {
            "invoices": {"sync_schedule": 24, "sync_from_window": 12}}},
        "webhooks": {"sync": hook("https://hooks.acme.example/codat", "DataSyncCompleted"),
                     "other": hook("https://hooks.acme.example/other")},
        "cors_origins": {"import_id": "cors", "allowed_origins": ["https://app.acme.example"]}})
    result = compare.compare(a, b, IGNORED_BY_DEFAULT)
    # Not the sandbox, the other webhook, the CORS origins or the event types: the file does not declare them.
    assert settings_of(result) == [
        ("integrations.gbol.enabled", True, False),
        ("integrations.gbol.credentials", True, False),
        ("sync_settings.data_types.invoices.sync_from_window", ABSENT, 12)]  # declared history: left out = all
    assert "(what deploying A's file to B would change)" in compare.headline(result)


def test_promote_keeps_b_names_and_hosts_and_says_what_it_cannot_remove():
    a = live("A", "staging", {
        "accounting": {"quickbooks_online": {"platform_key": "qhyg", "import_id": "qhyg", "enabled": True,
                                             "client_id_variable": "x", "client_secret_variable": "y"}},
        "webhooks": {"sync": hook("https://staging-hooks.acme.example/codat", "DataSyncCompleted", import_id="a1"),
                     "companies": hook("https://staging-hooks.acme.example/codat/companies", "NewCompanySynchronised",
                                       import_id="a2")}},
        {"qhyg": "...ABCD"}, names={"qhyg": "QuickBooks Online"})
    b_declared = {"api_key_variable": "prod_key", "accounting": {"qbo": {
        "platform_key": "qhyg", "client_id_variable": "prod_qbo_id", "client_secret_variable": "prod_qbo_secret"}}}
    b = live("B", "production", {
        "accounting": {"quickbooks_online": {"platform_key": "qhyg", "import_id": "qhyg", "enabled": True,
                                             "client_id_variable": "x", "client_secret_variable": "y"}},
        "xero": {"import_id": "gbol", "enabled": True, "client_id_variable": "x2", "client_secret_variable": "y2"},
        "webhooks": {"sync": hook("https://hooks.acme.example/codat", "DataSyncCompleted", import_id="b1"),
                     "legacy": hook("https://hooks.acme.example/legacy", import_id="b2")}},
        {"qhyg": "...WXYZ", "gbol": "...1234"}, declared=b_declared)
    result = compare.compare(a, b, IGNORED_BY_DEFAULT)
    made = promote.promote(result, {})
    table = made.table
    assert table["api_key_variable"] == "prod_key"
    assert table["accounting"]["qbo"] == {"platform_key": "qhyg", "enabled": True, "client_id_variable": "prod_qbo_id",
                                          "client_secret_variable": "prod_qbo_secret"}  # no import_id: created
    assert "xero" in table and "client_id_variable" not in table["xero"]  # A holds none: B's are left alone
    assert table["webhooks"] == {
        "sync": {"import_id": "b1", "url": "https://hooks.acme.example/codat", "event_types": ["DataSyncCompleted"]},
        "companies": {"url": "https://hooks.acme.example/codat/companies", "event_types": ["NewCompanySynchronised"]}}
    assert set(made.promoted) == {row.setting for row in result.rows} - {"integrations.gbol.credentials",
                                                                         "webhooks.legacy"}
    assert any(note.startswith("webhooks.legacy: https://hooks.acme.example/legacy is only in B")
               for note in made.notes)
    assert made.variables["TF_VAR_prod_qbo_id"] == "the client id of QuickBooks Online in staging (Codat shows ...ABCD)"
    assert "TF_VAR_prod_key" in made.variables


def test_promote_keeps_the_xero_client_id_an_import_cannot_change():
    holds = {"import_id": "gbol", "enabled": True, "client_id_variable": "x", "client_secret_variable": "y"}
    a = live("A", "staging", {"xero": dict(holds)}, {"gbol": "...ABCD"}, names={"gbol": "Xero"})
    b = live("B", "production", {"xero": dict(holds)}, {"gbol": "...WXYZ"})
    made = promote.promote(compare.compare(a, b, ()), {})
    assert made.promoted == [] and made.table["xero"] == {"import_id": "gbol", "enabled": True}
    assert made.notes[0].startswith("integrations.gbol.client_id: Xero: Codat's Xero integration without its app")


def test_values_that_hold_a_secret_are_withheld_and_promote_refuses_them():
    secret = "Leaked-Secret-Value-42"
    hold = SecretHold()
    hold.add([secret])
    try:
        a = live("A", "staging", {"profile": {"name": "Acme", "redirect_url": f"https://acme.example/?k={secret}"}})
        b = live("B", "production", {"profile": {"name": "Acme", "redirect_url": "https://acme.example/"}})
        result = compare.compare(a, b, ())
        for text in (compare.render_text(result), compare.render_markdown(result), compare.render_json(result)):
            assert secret not in text and WITHHELD in text
        with pytest.raises(CompareError, match=r"^environments\.production\.profile\.redirect_url would hold a secret"):
            promote.promote(result, {})
    finally:
        hold.release()


def test_markdown_escapes_and_clips_cells():
    a = live("A", "staging", {"profile": {"name": "a|b`c", "redirect_url": "https://acme.example/" + "x" * 300}})
    b = live("B", "production", {"profile": {"name": "Acme", "redirect_url": "https://acme.example/"}})
    markdown = compare.render_markdown(compare.compare(a, b, ()))
    row = next(line for line in markdown.splitlines() if line.startswith("| `profile.name`"))
    assert row == "| `profile.name` | `\"a\\|b'c\"` | `\"Acme\"` |"
    assert max(len(line) for line in markdown.splitlines()) < 400


def test_instance_flags_are_taken_out_of_the_arguments():
    rest, flags = compare.instance_flags(["staging", "live:eu", "--base-url-eu", "https://eu.example", "--json",
                                          "--api-key-env-eu=EU_KEY"])
    assert rest == ["staging", "live:eu", "--json"]
    assert flags == {"eu": {"base-url": "https://eu.example", "api-key-env": "EU_KEY"}}
    with pytest.raises(CompareError, match="--base-url-eu needs a value"):
        compare.instance_flags(["--base-url-eu"])


def test_what_adopts_reader_left_out_for_holding_a_secret_is_withheld_and_never_the_same():
    found = adopt.Adopted("production", "https://production.codat.example")
    found.webhooks = {"data_sync_completed": {"import_id": "b1", "event_types": ["DataSyncCompleted"]}}  # no url
    found.not_represented += [adopt.NotRepresented("webhooks.data_sync_completed.url", adopt.SET_BY_HAND),
                              adopt.NotRepresented("profile.name", adopt.SET_BY_HAND),
                              adopt.NotRepresented("the name of integration gbol", adopt.HELD_A_SECRET)]
    table = {"webhooks": found.webhooks, "profile": {"redirect_url": "https://acme.example/"}}
    assert compare._withheld(found, table) == {"webhooks.data_sync_completed.url", "profile.name"}
    b = live("B", "production", table, withheld=compare._withheld(found, table))
    a = live("A", "staging", {"profile": {"name": "Acme", "redirect_url": "https://acme.example/"},
                              "webhooks": {"data_sync_completed": hook("https://hooks.acme.example/codat",
                                                                       "DataSyncCompleted")}})
    result = compare.compare(a, b, ())
    assert settings_of(result) == [("profile.name", "Acme", WITHHELD),
                                   ("webhooks.codat", {"url": "https://hooks.acme.example/codat",
                                                       "event_types": ["DataSyncCompleted"]}, ABSENT),
                                   ("webhooks.data_sync_completed", ABSENT, {"url": WITHHELD,
                                                                             "event_types": ["DataSyncCompleted"]})]
    assert compare.render_text(result).count(WITHHELD) == 2  # the name; the consumer whose URL held one, whole
    with pytest.raises(CompareError, match=r"^side B \(production\): profile\.name held a secret"):
        promote.promote(result, {})
