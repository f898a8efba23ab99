"""No colour off a terminal: with CI=true and output to a pipe, the wrappers (bin/terraform, bin/cdktf, bin/cdktn)
and codat-iac's own Terraform runs print no ANSI escape at all. Terraform colours a pipe unless told -no-color,
and the CDK CLIs relay Terraform's output as it is, so the wrappers hand it `-no-color` (TF_CLI_ARGS) and the
Node CLIs NO_COLOR. Run in a copy of the checkout (tests/checkout_copy.py) with that copy's own local emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.checkout_copy import REPO, copy_checkout

pytestmark = pytest.mark.e2e

ESCAPE = "\x1b"
DROPPED = ("CODAT_", "TF_", "XERO_", "NO_COLOR", "FORCE_COLOR", "CI", "PYTHON", "MAKE", "MFLAGS", "PYTEST")


class Copy:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {name: value for name, value in os.environ.items() if not name.startswith(DROPPED)}
        self.env["CI"] = "true"

    def run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=self.root, env=self.env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    copy = Copy(copy_checkout(tmp_path_factory.mktemp("no-colour") / "repo"))
    done = copy.run("bin/codat-iac", "deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    yield copy
    copy.run("bin/codat-iac", "emulator", "stop")


def _without_escapes(done: subprocess.CompletedProcess, what: str) -> None:
    output = done.stdout + done.stderr
    assert ESCAPE not in output, f"{what} printed ANSI escapes in a log:\n{output!r}"[:3000]


def test_terraform_colours_a_pipe_unless_told(deployed):
    """What the wrappers guard against: the same plan through the real terraform, with the tool environment, is
    coloured though its output is a pipe."""
    env = subprocess.run(["bin/codat-iac", "env"], cwd=deployed.root, env=deployed.env, capture_output=True,
                         text=True, timeout=60).stdout
    real = shutil.which("terraform")  # not bin/terraform, which the exports put first on PATH
    plain = deployed.run("bash", "-c", f'{env}\n{real} -chdir=cdktf.out/stacks/codat plan -input=false')
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert ESCAPE in plain.stdout


def test_wrappers_and_codat_iac_print_no_escape_in_a_log(deployed):
    portal = [".venv/bin/python", "-m", "codat_emulator", "portal", "disable", "gbol", "--data",
              ".codat-iac/emulator/data"]
    assert deployed.run(*portal).returncode == 0  # something to plan, so Terraform has something to colour
    runs = {
        "bin/terraform plan": deployed.run("bin/terraform", "-chdir=cdktf.out/stacks/codat", "plan", "-input=false"),
        "bin/cdktf diff": deployed.run("bin/cdktf", "diff"),
        "bin/cdktf deploy": deployed.run("bin/cdktf", "deploy", "--auto-approve"),
        "bin/terraform apply": deployed.run("bin/terraform", "-chdir=cdktf.out/stacks/codat", "apply",
                                            "-auto-approve", "-input=false"),
        "bin/codat-iac drift": deployed.run("bin/codat-iac", "drift"),
        "bin/codat-iac deploy": deployed.run("bin/codat-iac", "deploy"),
    }
    if (REPO / "toolchains" / "cdktn" / "node_modules" / ".bin" / "cdktn").exists():  # CDK Terrain hook
        runs["bin/cdktn diff"] = deployed.run("bin/cdktn", "diff")
    for what, done in runs.items():
        assert done.returncode == 0, f"{what}:\n{done.stdout}\n{done.stderr}"
        _without_escapes(done, what)
    assert "1 changed" in runs["bin/cdktf deploy"].stdout  # the drift was there to be coloured
