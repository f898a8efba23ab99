"""Plan JSON -> drift rows and their renderings, on hand-made plans (no terraform)."""

from __future__ import annotations

import json

from codat_iac import drift
from codat_iac.drift import DRIFT, MASK, PENDING, StackReport

ADDRESS = "codat_integration.xero"
CONFIG = {"resource": {"codat_integration": {"xero": {"//": {"metadata": {"path": "prod/xero/integration"}}}}}}


def _change(before, after, *, actions=("update",), before_sensitive=None, after_sensitive=None, after_unknown=None):
    return {
        "address": ADDRESS, "mode": "managed", "type": "codat_integration", "name": "xero",
        "change": {"actions": list(actions), "before": before, "after": after, "after_unknown": after_unknown or {},
                   "before_sensitive": before_sensitive or {}, "after_sensitive": after_sensitive or {}},
    }


def _rows(plan: dict) -> list[tuple]:
    return [(d.kind, d.attribute, d.expected, d.actual, d.action, d.sensitive)
            for d in drift.differences_from_plan("prod", plan, CONFIG)]


def test_drift_and_its_repair_are_one_row():
    state = {"enabled": True, "client_id": "A"}
    live = {"enabled": False, "client_id": "A"}
    plan = {"resource_drift": [_change(state, live)], "resource_changes": [_change(live, state)]}
    assert _rows(plan) == [(DRIFT, "enabled", True, False, "update", False)]
    [row] = drift.differences_from_plan("prod", plan, CONFIG)
    assert (row.stack, row.resource, row.construct_path) == ("prod", ADDRESS, "prod/xero/integration")


def test_configuration_not_applied_is_expected_configured_actual_live():
    live = {"enabled": True, "client_id": "OLD", "name": "Xero"}
    planned = {"enabled": True, "client_id": "NEW"}
    plan = {"resource_changes": [_change(live, planned, after_unknown={"name": True})]}
    # `name` becomes unknown (computed): a consequence of the change, not configuration, so no row.
    assert _rows(plan) == [(PENDING, "client_id", "NEW", "OLD", "update", False)]


def test_sensitive_values_are_masked_wherever_terraform_marks_them():
    before = {"settings": {"token": "tok-OLD-123", "region": "eu"}, "password": "hunter2", "tags": ["a", "s3cret"]}
    after = {"settings": {"token": "tok-NEW-456", "region": "us"}, "password": "hunter3", "tags": ["a", "s3cret2"]}
    marks = {"settings": {"token": True}, "password": True, "tags": [False, True]}
    plan = {"resource_drift": [_change(before, after, before_sensitive=marks, after_sensitive=marks)]}
    rows = _rows(plan)
    assert rows == [
        (DRIFT, "password", MASK, MASK, "update", True),
        (DRIFT, "settings.region", "eu", "us", "update", False),
        (DRIFT, "settings.token", MASK, MASK, "update", True),
        (DRIFT, "tags[1]", MASK, MASK, "update", True),
    ]
    reports = [drift.report_from_plan("prod", plan, CONFIG)]
    for text in (drift.render_table(reports), drift.render_markdown(reports), drift.render_json(reports)):
        for secret in ("tok-OLD-123", "tok-NEW-456", "hunter2", "hunter3", "s3cret"):
            assert secret not in text


def test_a_wholly_sensitive_block_is_one_masked_row():
    plan = {"resource_drift": [_change({"auth": {"a": 1, "b": 2}}, {"auth": {"a": 1, "b": 3}},
                                       before_sensitive={"auth": True}, after_sensitive={"auth": True})]}
    assert _rows(plan) == [(DRIFT, "auth", MASK, MASK, "update", True)]


def test_resources_created_deleted_or_gone():
    gone = _change({"enabled": True}, None, actions=("delete",))
    recreate = _change(None, {"enabled": True}, actions=("create",))
    assert _rows({"resource_drift": [gone], "resource_changes": [recreate]}) == [
        (DRIFT, "(resource)", "(present)", "(absent: deleted outside Terraform)", "delete", False)
    ]
    assert _rows({"resource_changes": [recreate]}) == [
        (PENDING, "(resource)", "(present)", "(absent)", "create", False)]
    removed = _change({"enabled": True}, None, actions=("delete",))
    assert _rows({"resource_changes": [removed]}) == [
        (PENDING, "(resource)", "(absent: no longer declared)", "(present)", "delete", False)
    ]
    replaced = _change({"platform_key": "gbol"}, {"platform_key": "qhyg"}, actions=("delete", "create"))
    assert _rows({"resource_changes": [replaced]}) == [(PENDING, "platform_key", "qhyg", "gbol", "replace", False)]


def test_no_ops_reads_and_data_sources_are_not_differences():
    noop = _change({"enabled": True}, {"enabled": True}, actions=("no-op",))
    data = dict(_change({"x": 1}, {"x": 2}), mode="data")
    assert _rows({"resource_changes": [noop, data], "resource_drift": [data]}) == []


def test_exit_codes():
    clean, different = StackReport("a"), drift.report_from_plan("b", {"resource_changes": [
        _change(None, {"enabled": True}, actions=("create",))]})
    broken = StackReport("c", error="Error: 401")
    assert drift.exit_code([clean]) == 0
    assert drift.exit_code([clean, different]) == 2
    assert drift.exit_code([clean, different, broken]) == 1


def test_renderings_name_stack_resource_attribute_expected_actual():
    state, live = {"enabled": True, "note": "a|b"}, {"enabled": False, "note": "a|b"}
    report = drift.report_from_plan("prod", {"resource_drift": [_change(state, live)],
                                             "resource_changes": [_change(live, dict(state, note="c"))]}, CONFIG)
    table = drift.render_table([report, StackReport("dev")])
    assert "Changed outside Terraform (drift):" in table and "Configuration not applied yet:" in table
    assert ["prod", ADDRESS, "enabled", "true", "false"] in [line.split() for line in table.splitlines()]
    markdown = drift.render_markdown([report])
    assert f"| `prod` | `{ADDRESS}` | `note` | `\"c\"` | `\"a\\|b\"` |" in markdown  # pipes escaped
    document = json.loads(drift.render_json([report, StackReport("dev")]))
    assert document["exit_code"] == 2
    assert [s["status"] for s in document["stacks"]] == ["different", "clean"]
    assert {(d["kind"], d["attribute"]) for d in document["differences"]} == {("drift", "enabled"),
                                                                             ("not_applied", "note")}
    assert drift.render_table([StackReport("dev")]).startswith("No drift")
    failed = drift.render_markdown([StackReport("dev", error="Error: Invalid API key")])
    assert "### Errors" in failed and "Invalid API key" in failed
