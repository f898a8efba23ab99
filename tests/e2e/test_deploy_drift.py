"""The walking skeleton end to end: cdktf deploy to the emulator, drift from a Portal change, repair.

Drives the real cdktf and terraform CLIs; the provider is installed from the in-repo mirror.
"""

from __future__ import annotations

import base64

import httpx
import pytest

pytestmark = pytest.mark.e2e

CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
SECRET = "s3cr3t-Xero-Client-Secret-e2e-7f3a9c"


def _codat(emulator, path: str) -> dict:
    auth = base64.b64encode(emulator.api_key.encode()).decode()
    reply = httpx.get(f"{emulator.url}{path}", headers={"Authorization": f"Basic {auth}"}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def _secret_free(project, outputs: list[str]) -> None:
    for text in outputs:
        assert SECRET not in text
    for path in project.dir.rglob("*"):
        state_like = path.suffix in {".json", ".tfstate", ".hcl", ".tf", ".backup"} or "tfstate" in path.name
        if path.is_file() and state_like:
            assert SECRET not in path.read_text(errors="replace"), f"secret leaked into {path}"


def test_deploy_drift_and_repair(emulator, project):
    project.env.update(
        CODAT_BASE_URL=emulator.url,
        CODAT_API_KEY=emulator.api_key,
        XERO_CLIENT_ID=CLIENT_ID,
        TF_VAR_xero_client_secret=SECRET,
    )
    outputs = []

    deployed = project.cdktf("deploy", "--auto-approve")
    outputs += [deployed.stdout, deployed.stderr]
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr

    xero = _codat(emulator, "/integrations/gbol")
    assert xero["enabled"] is True
    held = _codat(emulator, "/integrations/credentials/gbol")
    assert held["clientId"].endswith(CLIENT_ID[-4:]) and held["clientId"] != CLIENT_ID
    assert held["clientSecret"].endswith(SECRET[-4:]) and held["clientSecret"] != SECRET

    emulator.portal("disable", "gbol")
    assert _codat(emulator, "/integrations/gbol")["enabled"] is False

    plan = project.terraform("codat", "plan", "-detailed-exitcode", "-input=false", "-no-color")
    outputs += [plan.stdout, plan.stderr]
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "enabled" in plan.stdout and "false -> true" in plan.stdout

    diff = project.cdktf("diff")
    outputs += [diff.stdout, diff.stderr]
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "enabled" in diff.stdout

    redeployed = project.cdktf("deploy", "--auto-approve")
    outputs += [redeployed.stdout, redeployed.stderr]
    assert redeployed.returncode == 0, redeployed.stdout + redeployed.stderr
    assert _codat(emulator, "/integrations/gbol")["enabled"] is True

    clean = project.terraform("codat", "plan", "-detailed-exitcode", "-input=false", "-no-color")
    outputs += [clean.stdout, clean.stderr]
    assert clean.returncode == 0, clean.stdout + clean.stderr

    _secret_free(project, outputs)
