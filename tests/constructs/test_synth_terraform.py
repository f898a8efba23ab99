"""Whole stacks through the real tools: `cdktf synth --hcl` validated by terraform, and a full synth planned
and applied against two emulators (two Codat instances, two API keys). No secret in any file."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from codat_constructs import CodatEnvironmentStack
from codat_constructs.environments import parse_environments

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "codat_constructs" / "environments.example.toml"
SECRETS = {
    "TF_VAR_codat_api_key_sandbox": "sandbox-key-s3cr3t-0a1f",
    "TF_VAR_codat_api_key_production": "production-key-s3cr3t-77b2",
    "TF_VAR_xero_client_secret_sandbox": "xero-sandbox-s3cr3t-5e6d",
    "TF_VAR_xero_client_secret_production": "xero-production-s3cr3t-c4d3",
    "TF_VAR_quickbooks_client_secret_production": "qbo-production-s3cr3t-9f8e",
}


def _no_secret_in(folder: Path, outputs: list[str]) -> None:
    for text in outputs:
        for secret in SECRETS.values():
            assert secret not in text
    files = [p for p in folder.rglob("*") if p.is_file() and ".terraform" not in p.parts]
    assert files
    for path in files:
        content = path.read_bytes()
        for secret in SECRETS.values():
            assert secret.encode() not in content, f"a secret leaked into {path}"


def test_cdktf_synth_hcl_is_complete_and_valid(project):
    project.env.update(SECRETS, CODAT_IAC_ENVIRONMENTS=str(EXAMPLE))
    synth = project.cdktf("synth", "--hcl")
    assert synth.returncode == 0, synth.stdout + synth.stderr
    assert "production, sandbox" in synth.stdout
    outputs = [synth.stdout, synth.stderr]
    for stack in ("sandbox", "production"):
        folder = project.stack_dir(stack)
        assert sorted(p.name for p in folder.iterdir()) == ["RUNBOOK.md", "cdk.tf", "metadata.json"]
        hcl = (folder / "cdk.tf").read_text()
        for part in ('provider "codat" {', f"api_key  = \"${{var.codat_api_key_{stack}}}\"",
                     f'variable "codat_api_key_{stack}" {{', 'data "codat_connection_usage"',
                     'resource "codat_integration"', "lifecycle {", "precondition {",
                     'check "xero_connection_cap_warning'):
            assert part in hcl, f"{part!r} missing from {stack}/cdk.tf:\n{hcl}"
        assert re.search(r"\n  ephemeral +?= true\n", hcl), hcl
        assert "precondition = [" not in hcl and "[object Object]" not in hcl
        init = project.terraform(stack, "init", "-input=false", "-no-color")
        assert init.returncode == 0, init.stdout + init.stderr
        validate = project.terraform(stack, "validate", "-no-color")
        assert validate.returncode == 0 and "Success! The configuration is valid." in validate.stdout, (
            validate.stdout + validate.stderr + hcl
        )
        outputs += [init.stdout, init.stderr, validate.stdout, validate.stderr]
    production = (project.stack_dir("production") / "cdk.tf").read_text()
    assert 'resource "codat_profile" "profile"' in production
    assert 'resource "codat_webhook" "webhook_sync_complete"' in production
    assert 'event_types = [\n    "DataSyncCompleted"\n  ]' in production  # a list attribute, rendered in full
    for part in ('resource "codat_sync_settings" "sync_settings_resource',
                 'resource "codat_cors_origins" "cors_origins_resource',
                 'resource "codat_supplemental_data" "xero_supplemental_data_invoices',
                 'resource "codat_custom_data_type" "xero_custom_data_type_purchaseOrders'):
        assert part in production, f"{part!r} missing from production/cdk.tf:\n{production}"
    _no_secret_in(project.dir, outputs)


def _codat(codat, path: str, key: str) -> object:
    auth = base64.b64encode(key.encode()).decode()
    reply = httpx.get(f"{codat.url}{path}", headers={"Authorization": f"Basic {auth}"}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def test_full_synth_then_plan_and_apply_two_environments(tmp_path, start_codat, terraform, synthesize):
    sandbox_codat = start_codat(SECRETS["TF_VAR_codat_api_key_sandbox"])
    production_codat = start_codat(SECRETS["TF_VAR_codat_api_key_production"])
    environments = parse_environments(tomllib.loads(f'''
        [environments.sandbox]
        base_url = "{sandbox_codat.url}"
        [environments.sandbox.xero]
        app_name = "Acme Lending (sandbox)"
        company_url = "https://acme.example"
        client_id = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
        [environments.sandbox.webhooks.sync_complete]
        url = "http://localhost:8080/hooks/codat"
        event_types = ["DataSyncCompleted"]

        [environments.production]
        base_url = "{production_codat.url}"
        [environments.production.xero]
        app_name = "Acme Lending"
        company_url = "https://acme.example"
        client_id = "9F8E7D6C5B4A39281706F5E4D3C2B1A0"
        tier = "core"
        [environments.production.accounting.quickbooks]
        platform_key = "qhyg"
        client_id = "qbo-client-id"
        connection_cap = 25
        [environments.production.profile]
        name = "Acme Lending"
        redirect_url = "https://acme.example/codat/{{companyId}}"
        white_list_urls = ["https://acme.example"]
    '''))
    out = synthesize(tmp_path / "cdktf.out", *[lambda app, e=e: CodatEnvironmentStack(app, e) for e in environments])
    outputs = []
    for stack in ("sandbox", "production"):
        folder = out / "stacks" / stack
        terraform.init(folder)
        plan = terraform(folder, "plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=plan.bin",
                         env=SECRETS)
        assert plan.returncode == 2, plan.stdout + plan.stderr
        apply = terraform(folder, "apply", "-input=false", "-no-color", "-auto-approve", "plan.bin", env=SECRETS)
        assert apply.returncode == 0, apply.stdout + apply.stderr
        clean = terraform(folder, "plan", "-input=false", "-no-color", "-detailed-exitcode", env=SECRETS)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        outputs += [p.stdout + p.stderr for p in (plan, apply, clean)]

    sandbox_key, production_key = SECRETS["TF_VAR_codat_api_key_sandbox"], SECRETS["TF_VAR_codat_api_key_production"]
    assert _codat(sandbox_codat, "/integrations/gbol", sandbox_key)["enabled"] is True
    hooks = _codat(sandbox_codat, "/webhooks", sandbox_key)
    hooks = hooks.get("results", hooks) if isinstance(hooks, dict) else hooks
    assert [(h["url"], h["eventTypes"]) for h in hooks] == [
        ("http://localhost:8080/hooks/codat", ["DataSyncCompleted"])]
    assert _codat(production_codat, "/integrations/gbol", production_key)["enabled"] is True
    assert _codat(production_codat, "/integrations/qhyg", production_key)["enabled"] is True
    profile = _codat(production_codat, "/profile", production_key)
    assert (profile["name"], profile["redirectUrl"]) == ("Acme Lending", "https://acme.example/codat/{companyId}")
    assert profile["whiteListUrls"] == ["https://acme.example"]
    # Each stack used its own key and instance: production has no webhook, and refuses the sandbox key.
    production_hooks = _codat(production_codat, "/webhooks", production_key)
    assert not (production_hooks.get("results") if isinstance(production_hooks, dict) else production_hooks)
    with pytest.raises(httpx.HTTPStatusError):
        _codat(production_codat, "/profile", sandbox_key)

    state = json.loads((out / "terraform.production.tfstate").read_text())
    assert {r["type"] for r in state["resources"]} >= {"codat_integration", "codat_profile", "codat_connection_usage"}
    _no_secret_in(out, outputs)


@pytest.mark.parametrize("written, stale, kept", [
    ("cdk.tf", ["cdk.tf.json"], ["metadata.json", "RUNBOOK.md"]),
    ("cdk.tf.json", ["cdk.tf", "metadata.json"], ["RUNBOOK.md"]),
])
def test_a_synth_in_one_mode_removes_the_other_modes_file(tmp_path, written, stale, kept):
    from codat_constructs._stack_hooks import SynthOutput, tidy

    for name in [written, *stale, *kept]:
        (tmp_path / name).write_text("{}")
    tidy(SynthOutput(folder=str(tmp_path), stack_file=str(tmp_path / written)))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([written, *kept])


def test_the_runbook_names_the_environments_api_key(tmp_path, synthesize):
    (environment,) = parse_environments(tomllib.loads('''
        [environments.staging]
        [environments.staging.xero]
        app_name = "Acme"
        company_url = "https://acme.example"
        client_id = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
    '''))
    out = synthesize(tmp_path, lambda app: CodatEnvironmentStack(app, environment))
    runbook = (out / "stacks" / "staging" / "RUNBOOK.md").read_text()
    assert "Codat API key in `TF_VAR_codat_api_key_staging`" in runbook
    assert "`TF_VAR_xero_client_secret_staging`" in runbook and "bin/codat-iac deploy staging" in runbook
