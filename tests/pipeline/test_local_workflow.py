"""The README's local workflow as a user runs it, in a copy of the repo with a HOME that cannot be written:
`make deploy`, a drift check, a synth, the raw tools after it, and teardown.

Why a copy: see tests/checkout_copy.py. Everything the commands write lands in the copy or the system temp folder,
and HOME stays empty.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.checkout_copy import copy_checkout
from tests.conftest import start_emulator

pytestmark = pytest.mark.e2e

ANSI = "\x1b["


def _lock(home: Path) -> str:
    """Make `home` unwritable even for root (chattr +i where the file system has it); say how."""
    os.chmod(home, 0o555)
    if os.geteuid() == 0 and shutil.which("chattr"):
        if subprocess.run(["chattr", "+i", str(home)], capture_output=True).returncode == 0:
            return "immutable"
    return "read-only"


def _unlock(home: Path) -> None:
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(home)], capture_output=True)
    os.chmod(home, 0o755)


class Checkout:
    """A copy of the repo and the environment of a user who exported nothing (CI=true, as in a pipeline)."""

    def __init__(self, root: Path, home: Path) -> None:
        self.dir, self.home = root, home
        self.env = {
            name: value for name, value in os.environ.items()
            if not name.startswith(("CODAT_", "TF_", "XERO_", "XDG_", "PIP_", "npm_", "JSII_", "CDKTF_", "PG_",
                                    "PYTEST", "PYTHON", "MAKE", "MFLAGS"))  # MAKE*: from CI's own `make test`
        }
        self.env.update(HOME=str(home), CI="true")
        self.outputs: list[str] = []

    def run(self, *command: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(list(command), cwd=self.dir, env=dict(self.env, **(env or {})), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        self.outputs += [done.stdout, done.stderr]
        return done

    def shell(self, script: str) -> subprocess.CompletedProcess:
        return self.run("bash", "-c", script)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    work = tmp_path_factory.mktemp("local-workflow")
    root, home = work / "repo", work / "home"
    copy_checkout(root)
    home.mkdir()
    how = _lock(home)
    found = Checkout(root, home)
    yield found
    found.run("make", "emulator-stop")
    _unlock(home)
    assert list(home.iterdir()) == [], f"HOME ({how}) was written to"


@pytest.fixture(scope="module")
def sandbox_emulator(tmp_path_factory):
    process, emulator = start_emulator(tmp_path_factory.mktemp("sandbox"), api_key="sandbox-key-0001")
    yield emulator
    process.terminate()
    process.wait(timeout=10)


def test_a_stack_with_its_own_codat_starts_no_local_emulator(checkout, sandbox_emulator):
    (checkout.dir / "environments.toml").write_text(f'[environments.sandbox]\nbase_url = "{sandbox_emulator.url}"\n')
    done = checkout.run("bin/codat-iac", "drift", "sandbox", env={
        "CODAT_IAC_ENVIRONMENTS": "environments.toml", "TF_VAR_codat_api_key_sandbox": sandbox_emulator.api_key})
    assert done.returncode == 0, done.stdout + done.stderr  # nothing declared: nothing differs
    assert "No drift: 1 stack(s) match their configuration and Codat (sandbox)." in done.stdout
    assert "emulator" not in (done.stdout + done.stderr).lower()
    assert not (checkout.dir / ".codat-iac" / "emulator").exists()  # not started, not even prepared


@pytest.fixture(scope="module")
def deployed(checkout) -> dict[str, subprocess.CompletedProcess]:
    """`make deploy` twice, a drift check and a synth, as a user types them (nothing exported)."""
    return {
        "first deploy": checkout.run("make", "deploy"),
        "second deploy": checkout.run("make", "deploy"),
        "drift": checkout.run("bin/codat-iac", "drift"),
        "synth": checkout.run("bin/cdktf", "synth"),
    }


def test_make_deploy_drift_and_synth_write_nothing_to_home(checkout, deployed):
    for what, done in deployed.items():
        assert done.returncode == 0, f"{what}:\n{done.stdout}\n{done.stderr}"
    assert list(checkout.home.iterdir()) == []
    assert (checkout.dir / ".codat-iac" / "cache" / "jsii").is_dir()  # jsii's cache: in the repo instead


def test_make_deploy_logs_one_line_per_step_and_a_summary(deployed):
    first, second = deployed["first deploy"], deployed["second deploy"]
    for done in (first, second):
        log = done.stdout + done.stderr
        assert ANSI not in log and "Initializing" not in log and "Incomplete lock file" not in log
        assert "Traceback" not in log
    assert first.stderr.count("Local Codat emulator started") == 1  # the banner, when it starts it
    steps = [line for line in first.stderr.splitlines() if line.endswith(" s]")]
    assert [line.split(":")[0].split(" [")[0] for line in steps] == ["synth", "init codat", "plan codat", "apply codat"]
    assert first.stdout.splitlines()[-2:] == ["Changed in Codat (" + first.stdout.splitlines()[-2].split("(")[1],
                                              "  codat / xero (gbol): new; credentials set"]
    assert "Local Codat emulator started" not in second.stderr
    assert second.stdout.splitlines()[-2].startswith("No changes (")  # not "Changed in Codat"
    assert second.stdout.splitlines()[-1] == "  codat: no changes"
    assert "apply codat" not in second.stderr  # nothing to apply: no apply


def test_raw_tools_after_make_deploy_use_the_same_local_emulator(checkout, deployed):
    diff = checkout.run("bin/cdktf", "diff")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "No changes" in diff.stdout

    plan = checkout.run("bin/terraform", "-chdir=cdktf.out/stacks/codat", "plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 0, plan.stdout + plan.stderr  # same Codat, same state: nothing to do

    exported = checkout.shell('eval "$(bin/codat-iac env)" && cd cdktf.out/stacks/codat && '
                              'terraform plan -detailed-exitcode -no-color -input=false')
    assert exported.returncode == 0, exported.stdout + exported.stderr
    env = checkout.run("bin/codat-iac", "env").stdout
    assert "export CODAT_BASE_URL=http://127.0.0.1:" in env and "export CODAT_API_KEY=emu_" in env


def test_raw_tools_never_print_a_real_key(checkout, deployed):
    real = {"CODAT_BASE_URL": "https://api.codat.io", "CODAT_API_KEY": "real-key-never-printed-0001"}
    env = checkout.run("bin/codat-iac", "env", env=real)
    assert env.returncode == 0 and "real-key-never-printed-0001" not in env.stdout + env.stderr
    assert "CODAT_API_KEY" not in env.stdout and "export TF_CLI_CONFIG_FILE=" in env.stdout


def test_cdktf_deploy_asking_for_approval_in_a_log_is_refused_before_it_starts(checkout, deployed):
    done = checkout.run("bin/cdktf", "deploy")
    assert done.returncode == 1
    assert "bin/codat-iac deploy" in done.stderr and "--auto-approve" in done.stderr
    assert not re.search(r"^\s+at .+:\d+:\d+\)?$", done.stderr, re.MULTILINE)  # no Node stack trace


def test_teardown_asks_and_honours_on_destroy(checkout, deployed):
    refused = checkout.run("make", "destroy")
    assert refused.returncode != 0
    assert "nothing was destroyed" in refused.stderr and "bin/codat-iac destroy --auto-approve" in refused.stderr

    done = checkout.run("bin/codat-iac", "destroy", "--auto-approve")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-2].startswith("Destroyed (each resource as its on_destroy says) (")
    assert done.stdout.splitlines()[-1] == (
        "  codat / xero (gbol): removed (on_destroy = disable: switched off in Codat, credentials kept)")
    home = checkout.dir / ".codat-iac" / "emulator"
    key = base64.b64encode((home / "api-key").read_text().strip().encode()).decode()
    url = (home / "url").read_text().strip()
    xero = httpx.get(f"{url}/integrations/gbol", headers={"Authorization": f"Basic {key}"}, timeout=10).json()
    held = httpx.get(f"{url}/integrations/credentials/gbol", headers={"Authorization": f"Basic {key}"}, timeout=10)
    assert xero["enabled"] is False and held.json()["clientId"].startswith("X")  # off, credentials kept
    state = json.loads((checkout.dir / "terraform.codat.tfstate").read_text())
    assert [r for r in state["resources"] if r["mode"] == "managed"] == []
    again = checkout.run("bin/codat-iac", "destroy", "--auto-approve")
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "  codat: no changes"
