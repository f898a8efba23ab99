"""The closing summary from plan JSON: one line per stack and resource, in the stack's words, secrets masked."""

from __future__ import annotations

from codat_iac import summary

CONFIG = {"resource": {
    "codat_integration": {"xero_integration_1": {"//": {"metadata": {"path": "codat/xero/integration"}}}},
    "codat_webhook": {"webhook_sync": {"//": {"metadata": {"path": "codat/webhook_sync"}}}},
}}
XERO = "codat_integration.xero_integration_1"


def _change(address: str, actions: list[str], before: dict | None, after: dict | None, **extra) -> dict:
    kind, name = address.split(".")
    return {"address": address, "mode": "managed", "type": kind, "name": name,
            "change": {"actions": actions, "before": before, "after": after, **extra}}


def _lines(plan: dict) -> list[str]:
    return summary.from_plan("codat", plan, CONFIG).lines()


def test_no_changes():
    assert _lines({"resource_changes": [_change(XERO, ["no-op"], {"enabled": True}, {"enabled": True})]}) == [
        "codat: no changes"]


def test_an_update_names_attributes_and_whether_credentials_change():
    before = {"platform_key": "gbol", "enabled": False, "client_id": "A", "client_secret_wo_version": 1}
    after = dict(before, enabled=True)
    plan = {"resource_changes": [_change(XERO, ["update"], before, after)]}
    assert _lines(plan) == ["codat / xero (gbol): enabled false -> true; credentials unchanged"]

    rotated = dict(after, client_secret_wo_version=2, client_id="B")
    plan = {"resource_changes": [_change(XERO, ["update"], before, rotated)]}
    assert _lines(plan) == ['codat / xero (gbol): enabled false -> true; client_id "A" -> "B"; '
                            "client secret sent again (version 1 -> 2)"]


def test_drift_that_apply_puts_back_is_marked():
    live = {"platform_key": "gbol", "enabled": False, "client_id": "A", "client_secret_wo_version": 1}
    plan = {
        "resource_drift": [_change(XERO, ["update"], dict(live, enabled=True), live)],
        "resource_changes": [_change(XERO, ["update"], live, dict(live, enabled=True))],
    }
    assert _lines(plan) == [
        "codat / xero (gbol): enabled false -> true (changed outside Terraform); credentials unchanged"]


def test_create_delete_replace_and_sensitive_values():
    hook = "codat_webhook.webhook_sync"
    plan = {"resource_changes": [
        _change(XERO, ["delete"], {"platform_key": "gbol", "on_destroy": "delete_credentials"}, None),
        _change(hook, ["delete", "create"], {"url": "https://a.example", "secret": "old"},
                {"url": "https://b.example", "secret": "new"}, before_sensitive={"secret": True},
                after_sensitive={"secret": True}),
        _change("codat_profile.profile", ["create"], None, {"name": "Acme"}),
    ]}
    lines = _lines(plan)
    assert lines == [
        "codat / xero (gbol): removed (on_destroy = delete_credentials: switched off in Codat and its credentials "
        "deleted)",
        'codat / webhook_sync (webhook): replaced; secret changed (sensitive); url "https://a.example" -> "https://b.example"',
        "codat / codat_profile.profile (profile): new",
    ]
    assert '"old"' not in " ".join(lines) and '"new"' not in " ".join(lines)


def test_json_carries_the_same_lines():
    plan = {"resource_changes": [_change(XERO, ["create"], None, {"platform_key": "gbol", "enabled": True})]}
    [stack] = summary.as_json([summary.from_plan("codat", plan, CONFIG)])
    assert stack["status"] == "changed" and stack["lines"] == ["codat / xero (gbol): new; credentials set"]
    assert stack["resources"][0]["text"] == stack["lines"][0]


def test_configuration_resources_are_named_in_codats_words():
    plan = {"resource_changes": [
        _change("codat_sync_settings.sync", ["update"], {"overrides_defaults": False}, {"overrides_defaults": True}),
        _change("codat_cors_origins.cors", ["create"], None, {"allowed_origins": ["https://app.example"]}),
        _change("codat_supplemental_data.sup", ["create"], None, {"platform_key": "gbol", "data_type": "invoices"}),
        _change("codat_custom_data_type.po", ["create"], None,
                {"platform_key": "gbol", "identifier": "purchaseOrders"}),
    ]}
    labels = [line.split(": ", 1)[0] for line in _lines(plan)]
    assert labels == ["codat / codat_sync_settings.sync (sync settings)",
                      "codat / codat_cors_origins.cors (CORS origins)",
                      "codat / codat_supplemental_data.sup (gbol supplemental data for invoices)",
                      "codat / codat_custom_data_type.po (gbol custom data type purchaseOrders)"]


def test_an_import_without_a_change_is_listed_and_is_configuration_not_applied_yet():
    from codat_iac import drift

    values = {"platform_key": "gbol", "enabled": True}
    plan = {"resource_changes": [_change(XERO, ["no-op"], values, values, importing={"id": "gbol"})]}
    assert _lines(plan) == ["codat / xero (gbol): imported from Codat, unchanged"]
    (row,) = drift.differences_from_plan("codat", plan, CONFIG)
    assert (row.kind, row.attribute, row.action) == (drift.PENDING, drift.WHOLE, "import")


def test_the_heading_says_what_the_run_came_to():
    changed = summary.StackChanges("codat", [summary.ResourceChange("codat", XERO, "xero", "gbol", "create")])
    unchanged = summary.StackChanges("sandbox")
    failed = summary.StackChanges("prod", error="stack 'prod': terraform plan failed:\nError: boom")
    assert summary.heading([changed, unchanged], "Changed in Codat") == "Changed in Codat"
    assert summary.heading([unchanged], "Changed in Codat") == "No changes"
    assert summary.heading([changed, failed], "Changed in Codat") == "Failed"


def test_a_failed_stack_carries_its_error_once_indented_or_says_where_it_went():
    failed = summary.StackChanges("prod", error="stack 'prod': terraform plan failed:\nError: boom\n\n  detail")
    assert failed.lines() == ["prod: failed:", "  stack 'prod': terraform plan failed:", "  Error: boom", "",
                              "    detail"]
    text = summary.render_text([failed], "Failed (1.0 s):")
    assert text.count("Error: boom") == 1 and "above" not in text
    shown = summary.StackChanges("prod", error="Error: boom", error_shown="in the report above")
    assert shown.lines() == ["prod: failed (its error is in the report above)"]


def test_destroy_lists_what_codat_keeps_as_kept():
    def deleted(address: str, values: dict) -> dict:
        return _change(address, ["delete"], values, None)

    plan = {"resource_changes": [
        deleted("codat_cors_origins.cors", {"on_destroy": "keep"}),
        deleted("codat_sync_settings.sync", {"on_destroy": "reset"}),
        deleted("codat_custom_data_type.po", {"platform_key": "gbol", "identifier": "purchaseOrders"}),
        deleted(XERO, {"platform_key": "gbol", "on_destroy": "forget"}),
        deleted("codat_webhook.webhook_sync", {"url": "https://a.example"}),
    ]}
    changes = summary.from_plan("codat", plan, CONFIG)
    lines = changes.lines()
    assert lines[0].endswith("(CORS origins): kept in Codat; only Terraform forgets it (on_destroy = keep: Codat "
                             "keeps allowing the origins)")
    assert lines[1].endswith("(sync settings): reset to Codat's defaults (on_destroy = reset)")
    assert "kept in Codat" in lines[2] and "cannot delete a custom data type" in lines[2]
    assert lines[3] == "codat / xero (gbol): kept in Codat; only Terraform forgets it (on_destroy = forget)"
    assert lines[4] == "codat / webhook_sync (webhook): removed"
    assert not any("removed" in line for line in lines[:4])
