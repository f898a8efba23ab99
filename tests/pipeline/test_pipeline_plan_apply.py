"""`codat-iac plan --out DIR` then `codat-iac apply DIR`: the reviewed plan is what gets applied."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from pipeline_support import CLIENT_A, CLIENT_B, SECRET, STACK, assert_secret_free

pytestmark = pytest.mark.e2e


def _codat(emulator, path: str) -> dict:
    auth = base64.b64encode(emulator.api_key.encode()).decode()
    reply = httpx.get(f"{emulator.url}{path}", headers={"Authorization": f"Basic {auth}"}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def test_apply_applies_exactly_the_saved_plan(pipeline, tmp_path):
    artifact = tmp_path / "reviewed-plan"
    planned = pipeline.plan(artifact)
    assert planned.returncode == 2, planned.stdout + planned.stderr  # 2: changes to apply
    manifest = json.loads((artifact / "codat-iac-plan.json").read_text())
    [stack] = manifest["stacks"]
    assert (stack["name"], stack["changes"], stack["ephemeral_variables"]) == (STACK, True, ["xero_client_secret"])
    for name in ("cdk.tf.json", ".terraform.lock.hcl", "plan.tfplan", "plan.txt"):
        assert (artifact / "stacks" / STACK / name).is_file(), name
    assert "will be created" in (artifact / "stacks" / STACK / "plan.txt").read_text()
    assert "### Configuration not applied yet" in (artifact / "summary.md").read_text()

    # The secret is an ephemeral variable: in no file of the artifact, so apply needs it again.
    assert_secret_free(pipeline.outputs, artifact)
    env_without_secret = {k: v for k, v in pipeline.env.items() if k != "TF_VAR_xero_client_secret"}
    refused = pipeline.__class__(pipeline.dir, env_without_secret, pipeline.emulator).apply(artifact)
    assert refused.returncode == 1
    assert "TF_VAR_xero_client_secret" in refused.stderr and "saved plans" in refused.stderr

    # Whatever the environment says now (another client id), apply does what was reviewed: CLIENT_A.
    applied = pipeline.apply(artifact, XERO_CLIENT_ID=CLIENT_B)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete! Resources: 1 added" in applied.stdout
    held = _codat(pipeline.emulator, "/integrations/credentials/gbol")
    assert held["clientId"].endswith(CLIENT_A[-4:]) and held["clientSecret"].endswith(SECRET[-4:])
    assert _codat(pipeline.emulator, "/integrations/gbol")["enabled"] is True

    # Applying the same plan again: its state moved on, Terraform refuses, we say why.
    again = pipeline.apply(artifact)
    assert again.returncode == 1
    assert "stale" in again.stderr and "Make a new plan" in again.stderr

    # A new plan has nothing to do: exit 0, and applying it is a no-op.
    nothing = pipeline.plan(tmp_path / "second-plan")
    assert nothing.returncode == 0, nothing.stdout + nothing.stderr
    noop = pipeline.apply(tmp_path / "second-plan")
    assert noop.returncode == 0 and "nothing to do" in noop.stdout

    assert_secret_free(pipeline.outputs, artifact, tmp_path / "second-plan", pipeline.dir)


def test_apply_refuses_a_folder_that_is_not_a_plan(pipeline, tmp_path):
    done = pipeline.apply(tmp_path)
    assert done.returncode == 1 and "not a plan made by `codat-iac plan --out`" in done.stderr
