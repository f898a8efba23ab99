"""Several stacks in one app: one plan artifact for all, applied in order; drift checks them in parallel."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from pipeline_support import SECRET, assert_secret_free

pytestmark = pytest.mark.e2e

TWO_STACKS = textwrap.dedent(
    """
    import os

    from cdktf import App, TerraformStack

    from codat_constructs import CodatProvider, CodatXeroIntegration, Secret, XeroApp
    from codat_constructs.state import use_state_backend

    app = App()
    for name in ("alpha", "beta"):
        stack = TerraformStack(app, name)
        use_state_backend(stack)
        CodatProvider(stack, "codat", base_url=os.environ["CODAT_BASE_URL"])
        xero = XeroApp(stack, "xero_app", app_name=f"Codat IaC {name}", company_url="https://example.com",
                       client_id=os.environ["XERO_CLIENT_ID"])
        CodatXeroIntegration(stack, "xero", app=xero, client_secret=Secret.from_env(stack, "xero_client_secret"))
    app.synth()
    """
)


def test_two_stacks_plan_apply_and_drift(pipeline, tmp_path):
    (pipeline.dir / "two_stacks.py").write_text(TWO_STACKS)
    (pipeline.dir / "cdktf.json").write_text(
        json.dumps({"language": "python", "app": f"{sys.executable} two_stacks.py"}))

    planned = pipeline.plan(tmp_path / "plan")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    manifest = json.loads((tmp_path / "plan" / "codat-iac-plan.json").read_text())
    assert [s["name"] for s in manifest["stacks"]] == ["alpha", "beta"]
    applied = pipeline.apply(tmp_path / "plan")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.index("== apply alpha") < applied.stdout.index("== apply beta")
    assert (pipeline.dir / "terraform.alpha.tfstate").exists() and (pipeline.dir / "terraform.beta.tfstate").exists()

    pipeline.emulator.portal("disable", "gbol")
    code, document = pipeline.drift_json()
    assert code == 2, document
    assert [(s["stack"], s["status"], s["drift"]) for s in document["stacks"]] == [
        ("alpha", "different", 1), ("beta", "different", 1)
    ]
    assert {(d["stack"], d["attribute"]) for d in document["differences"]} == {("alpha", "enabled"),
                                                                              ("beta", "enabled")}

    done = pipeline.drift("--json", "beta")
    assert done.returncode == 2
    assert [s["stack"] for s in json.loads(done.stdout)["stacks"]] == ["beta"]

    assert_secret_free(pipeline.outputs, tmp_path / "plan", pipeline.dir, secret=SECRET)
