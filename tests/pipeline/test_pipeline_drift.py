"""`codat-iac drift` against real drift on the emulator: exit codes and the three output forms."""

from __future__ import annotations

import json

import pytest

from pipeline_support import CLIENT_A, CLIENT_B, RESOURCE_TYPE, SECRET, STACK, assert_secret_free

pytestmark = pytest.mark.e2e


def _rows(document: dict, kind: str) -> list[dict]:
    return [row for row in document["differences"] if row["kind"] == kind]


def test_drift_exit_codes_and_outputs(pipeline, tmp_path):
    # Never deployed: the whole integration is configuration not applied yet.
    code, document = pipeline.drift_json()
    assert code == 2, document
    assert _rows(document, "drift") == []
    [create] = _rows(document, "not_applied")
    assert create["resource"].startswith(f"{RESOURCE_TYPE}.") and create["action"] == "create"

    # Deploy the pipeline way (plan to a file, apply that plan); then nothing differs.
    assert pipeline.plan(tmp_path / "plan").returncode == 2
    applied = pipeline.apply(tmp_path / "plan")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    clean = pipeline.drift()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No drift" in clean.stdout and STACK in clean.stdout
    stamp = pipeline.dir / "cdktf.out" / "stacks" / STACK / ".terraform" / "codat-iac-init.sha256"
    initialized = stamp.stat().st_mtime_ns

    # Someone switches Xero off in the Portal.
    pipeline.emulator.portal("disable", "gbol")
    code, document = pipeline.drift_json()
    assert code == 2
    assert document["exit_code"] == 2
    [row] = _rows(document, "drift")
    assert (row["stack"], row["attribute"], row["expected"], row["actual"]) == (STACK, "enabled", True, False)
    assert row["resource"].startswith(f"{RESOURCE_TYPE}.") and row["construct_path"] == "codat/xero/integration"
    assert _rows(document, "not_applied") == []  # re-enabling only puts the drift back: reported once
    assert document["stacks"] == [
        {"stack": STACK, "status": "different", "error": None, "seconds": document["stacks"][0]["seconds"],
         "drift": 1, "not_applied": 0}
    ]

    table = pipeline.drift()
    assert table.returncode == 2
    assert "Changed outside Terraform (drift)" in table.stdout
    line = next(text for text in table.stdout.splitlines() if " enabled " in text)
    assert line.split() == [STACK, row["resource"], "enabled", "true", "false"]

    markdown = pipeline.drift("--markdown")
    assert markdown.returncode == 2
    assert markdown.stdout.startswith("## Codat drift check")
    assert f"| `{STACK}` | `{row['resource']}` | `enabled` | `true` | `false` |" in markdown.stdout

    # A configuration change not applied yet, on top of the drift: both reported, apart.
    code, document = pipeline.drift_json(XERO_CLIENT_ID=CLIENT_B)
    assert code == 2
    assert [r["attribute"] for r in _rows(document, "drift")] == ["enabled"]
    [pending] = _rows(document, "not_applied")
    assert (pending["attribute"], pending["expected"], pending["actual"]) == ("client_id", CLIENT_B, CLIENT_A)
    both = pipeline.drift("--markdown", XERO_CLIENT_ID=CLIENT_B)
    assert "### Configuration not applied yet" in both.stdout and "### Changed outside Terraform" in both.stdout

    assert stamp.stat().st_mtime_ns == initialized  # `terraform init` ran once, not per check

    # An error (a wrong API key) is exit 1, named per stack, and beats differences.
    bad = pipeline.drift("--json", CODAT_API_KEY="not-the-key")
    assert bad.returncode == 1
    failed = json.loads(bad.stdout)
    assert failed["exit_code"] == 1 and failed["stacks"][0]["status"] == "error"
    assert failed["stacks"][0]["error"]
    bad_table = pipeline.drift(CODAT_API_KEY="not-the-key")
    assert bad_table.returncode == 1 and "Errors:" in bad_table.stdout

    # An unknown stack name is an error too, naming the stacks there are.
    unknown = pipeline.drift("nope")
    assert unknown.returncode == 1 and "no stack named nope" in unknown.stderr and STACK in unknown.stderr
    unknown_json = pipeline.drift("--json", "nope")
    assert unknown_json.returncode == 1 and json.loads(unknown_json.stdout)["stacks"][0]["status"] == "error"

    assert SECRET not in "".join(pipeline.outputs)
    assert_secret_free(pipeline.outputs, pipeline.dir, tmp_path / "plan")
