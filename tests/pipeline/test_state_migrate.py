"""`codat-iac state migrate --to URL`: a project's state moved from local files to a real PostgreSQL and back,
stack by stack, with nothing lost (the next plan is empty); a second migrate changes nothing."""

from __future__ import annotations

import json

import pytest

from pipeline_support import STACK

pytestmark = pytest.mark.e2e


def _managed(state: dict) -> list[tuple[str, str, dict]]:
    return sorted((r["type"], r["name"], r["instances"][0]["attributes"]) for r in state.get("resources") or []
                  if r["mode"] == "managed")


def _pulled(pipeline, **env: str) -> dict:
    import subprocess

    from codat_iac.toolenv import tool_environment

    run_env = tool_environment(dict(pipeline.env, **env))
    if env.get("CODAT_IAC_STATE"):
        run_env["PG_CONN_STR"] = env["CODAT_IAC_STATE"]
    done = subprocess.run(["terraform", "state", "pull"], cwd=pipeline.dir / "cdktf.out" / "stacks" / STACK,
                          env=run_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_local_state_moves_to_postgres_and_back_losing_nothing(pipeline, state_url):
    app = ["--app-dir", str(pipeline.dir)]
    deployed = pipeline.run("deploy", *app)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    local_file = pipeline.dir / f"terraform.{STACK}.tfstate"
    before = _managed(json.loads(local_file.read_text()))
    assert [kind for kind, _, _ in before] == ["codat_integration"]

    # Only setting the variable: Terraform's own advice is turned into ours.
    unmoved = pipeline.run("diff", *app, CODAT_IAC_STATE=state_url)
    assert unmoved.returncode == 1 and "codat-iac state migrate --to" in unmoved.stdout + unmoved.stderr

    moved = pipeline.run("state", "migrate", "--to", state_url, *app)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert moved.stdout.startswith("Migrated state to PostgreSQL at 127.0.0.1:")
    assert f"  {STACK}: migrated (1 resource(s); the local file is kept as terraform.{STACK}.tfstate.migrated)" \
        in moved.stdout
    assert not local_file.exists() and (pipeline.dir / f"terraform.{STACK}.tfstate.migrated").exists()
    password = state_url.split(":")[2].split("@")[0]
    assert password not in moved.stdout + moved.stderr

    in_postgres = dict(CODAT_IAC_STATE=state_url)
    assert _managed(_pulled(pipeline, **in_postgres)) == before
    planned = pipeline.run("diff", *app, **in_postgres)
    assert planned.returncode == 0 and planned.stdout.startswith("No changes ("), planned.stdout + planned.stderr
    serial = _pulled(pipeline, **in_postgres)["serial"]

    for again in (pipeline.run("state", "migrate", "--to", state_url, *app),  # the same command again
                  pipeline.run("state", "migrate", "--to", state_url, *app, **in_postgres)):  # after setting it
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout.startswith("No changes (") and "already in PostgreSQL" in again.stdout
    assert _pulled(pipeline, **in_postgres)["serial"] == serial

    back = pipeline.run("state", "migrate", "--to", "local", *app, **in_postgres)
    assert back.returncode == 0, back.stdout + back.stderr
    assert back.stdout.startswith("Migrated state to local files")
    assert f"  {STACK}: migrated (1 resource(s))" in back.stdout
    assert _managed(json.loads(local_file.read_text())) == before
    planned = pipeline.run("diff", *app)
    assert planned.returncode == 0 and planned.stdout.startswith("No changes ("), planned.stdout + planned.stderr


def test_a_target_holding_another_state_is_not_overwritten(pipeline, state_url, tmp_path):
    from pipeline_support import CLIENT_B, make_checkout

    app = ["--app-dir", str(pipeline.dir)]
    local = pipeline.run("deploy", *app)  # someone's local state
    assert local.returncode == 0, local.stdout + local.stderr
    team = make_checkout(tmp_path / "team", pipeline.emulator, pipeline.env, CODAT_IAC_STATE=state_url,
                         XERO_CLIENT_ID=CLIENT_B)
    shared = team.run("deploy", "--app-dir", str(team.dir))  # and the team's, in PostgreSQL, applied since
    assert shared.returncode == 0, shared.stdout + shared.stderr

    refused = pipeline.run("state", "migrate", "--to", state_url, *app)
    assert refused.returncode == 1
    assert "already holds a different state" in refused.stderr and "nothing was migrated" in refused.stderr
    assert (pipeline.dir / f"terraform.{STACK}.tfstate").exists()

    wrong = pipeline.run("state", "migrate", "--to", "s3://bucket/key", *app)
    assert wrong.returncode == 1 and "--to is s3://..." in wrong.stderr
