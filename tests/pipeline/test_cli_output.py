"""`codat-iac deploy|diff|drift` in a CI log: plain step lines, the closing summary per stack and resource,
the same summary as JSON, and a state that `cdktf deploy` and `cdktf diff` share."""

from __future__ import annotations

import json
import re

import pytest

from pipeline_support import CLIENT_B, REPO, assert_secret_free

pytestmark = pytest.mark.e2e

STEP = re.compile(r"^[a-z][\w ./-]*(: .+)? \[\d+\.\d s\]$")


def _log(done) -> str:
    return done.stdout + done.stderr


def test_deploy_diff_and_drift_end_with_what_changed_in_codat(pipeline):
    first = pipeline.run("deploy", "--app-dir", str(pipeline.dir))
    assert first.returncode == 0, _log(first)
    assert "\x1b[" not in _log(first) and "Initializing" not in _log(first)
    steps = [line for line in first.stderr.splitlines() if line.endswith(" s]")]
    assert steps and all(STEP.match(line) for line in steps), steps
    assert first.stdout.splitlines()[-1] == "  codat / xero (gbol): new; credentials set"

    pipeline.emulator.portal("disable", "gbol")
    diff = pipeline.run("diff", "--app-dir", str(pipeline.dir))
    assert diff.returncode == 2, _log(diff)
    line = "  codat / xero (gbol): enabled false -> true (changed outside Terraform); credentials unchanged"
    assert diff.stdout.splitlines()[-1] == line

    as_json = pipeline.run("diff", "--app-dir", str(pipeline.dir), "--json")
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 2 and document["exit_code"] == 2
    [stack] = document["stacks"]
    assert stack["lines"] == [line.strip()] and stack["status"] == "changed"
    [resource] = stack["resources"]
    assert (resource["construct"], resource["label"], resource["action"]) == ("xero", "gbol", "update")
    assert resource["attributes"] == [
        {"name": "enabled", "before": False, "after": True, "sensitive": False, "drifted": True}]

    drift = pipeline.drift("--json")
    assert drift.returncode == 2
    assert json.loads(drift.stdout)["changes"][0]["lines"] == [line.strip()]
    assert pipeline.drift().stdout.splitlines()[-1] == line

    # A changed client id is named; the secret is not (write-only, only its version shows).
    repair = pipeline.run("deploy", "--app-dir", str(pipeline.dir), "--json", XERO_CLIENT_ID=CLIENT_B)
    assert repair.returncode == 0, _log(repair)
    [text] = json.loads(repair.stdout)["stacks"][0]["lines"]
    assert text.startswith("codat / xero (gbol): enabled false -> true (changed outside Terraform); client_id ")
    assert CLIENT_B in text

    again = pipeline.run("deploy", "--app-dir", str(pipeline.dir), XERO_CLIENT_ID=CLIENT_B)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "  codat: no changes"
    assert "apply codat" not in again.stderr
    assert_secret_free(pipeline.outputs, pipeline.dir)


def test_cdktf_deploy_and_codat_iac_deploy_share_stacks_and_state(pipeline, project):
    """Equivalence: what one deploys, the other finds deployed (same stack folder, same state file)."""
    project.env.update({name: pipeline.env[name] for name in
                        ("CODAT_BASE_URL", "CODAT_API_KEY", "XERO_CLIENT_ID", "TF_VAR_xero_client_secret")})
    fast = pipeline.run("deploy", "--app-dir", str(project.dir))
    assert fast.returncode == 0, _log(fast)
    cdktf = project.cdktf("deploy", "--auto-approve")
    assert cdktf.returncode == 0, _log(cdktf)
    assert "No changes" in cdktf.stdout and "0 added, 0 changed, 0 destroyed" in cdktf.stdout

    pipeline.emulator.portal("disable", "gbol")
    repaired = project.cdktf("deploy", "--auto-approve")
    assert repaired.returncode == 0 and "1 changed" in repaired.stdout, _log(repaired)
    after = pipeline.run("deploy", "--app-dir", str(project.dir))
    assert after.returncode == 0 and after.stdout.splitlines()[-1] == "  codat: no changes", _log(after)
    assert_secret_free([*pipeline.outputs, cdktf.stdout, cdktf.stderr], project.dir)


def test_the_raw_cdk_cli_in_a_log_draws_no_spinner(pipeline):
    """bin/cdktf with stdout not a terminal: cdktf's UI would redraw a spinner into the log, line by line."""
    import subprocess

    env = {name: value for name, value in pipeline.env.items() if name != "CI"}  # a runner that does not set it
    done = subprocess.run([str(REPO / "bin" / "cdktf"), "synth"], cwd=pipeline.dir, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, _log(done)
    assert "Generated Terraform code for the stacks: codat" in done.stdout
    assert "\x1b[" not in _log(done) and "Synthesizing" not in _log(done), _log(done)


def _on_a_terminal(pipeline, args: list[str], answer: str) -> tuple[int, str]:
    """Run codat-iac with a terminal as stdin and stdout (a pty), typing `answer`; return (exit code, screen)."""
    import os
    import pty
    import subprocess
    import sys

    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "codat_iac", *args], cwd=pipeline.dir, env=pipeline.env,
                               stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    os.write(controller, answer.encode() + b"\n")
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    return process.wait(timeout=120), screen.decode(errors="replace")


def test_destroy_on_a_terminal_asks_first(pipeline):
    assert pipeline.run("deploy", "--app-dir", str(pipeline.dir)).returncode == 0
    code, screen = _on_a_terminal(pipeline, ["destroy", "--app-dir", str(pipeline.dir)], "no")
    assert code == 1 and "Destroy these?" in screen and "nothing was destroyed (not confirmed)" in screen, screen
    assert "codat / xero (gbol): removed (on_destroy = disable" in screen
    assert json.loads(pipeline.emulator.portal("show", "gbol"))["integration"]["enabled"] is True

    code, screen = _on_a_terminal(pipeline, ["destroy", "--app-dir", str(pipeline.dir)], "yes")
    assert code == 0, screen
    assert json.loads(pipeline.emulator.portal("show", "gbol"))["integration"]["enabled"] is False
