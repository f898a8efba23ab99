"""A Terraform working folder over HCL, wired to the in-repo provider mirror and a real emulator.

Provider tests drive the real `terraform` binary: `tf.write(hcl)`, `tf.apply()`, `tf.plan()`, ... each
returns the completed process; `tf.state()` is `terraform show -json` of the state.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codat_iac import warm
from codat_iac.toolenv import PROVIDER_SOURCE, tool_environment

PROVIDER_BLOCK = f"""
terraform {{
  required_providers {{
    codat = {{ source = "{PROVIDER_SOURCE}" }}
  }}
}}
"""


@dataclass
class Terraform:
    dir: Path
    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)
    warm_run: warm.Run | None = None  # set: terraform attaches to the run's warm provider (codat_iac/warm.py)

    def write(self, hcl: str, name: str = "main.tf") -> None:
        (self.dir / name).write_text(PROVIDER_BLOCK + hcl)

    def run(self, *args: str, check: bool = True, timeout: int = 120) -> subprocess.CompletedProcess:
        env = self.env if self.warm_run is None else self.warm_run.environment(list(args), self.env)
        done = subprocess.run(["terraform", *args], cwd=self.dir, env=env, capture_output=True, text=True,
                              timeout=timeout)
        self.outputs += [done.stdout, done.stderr]
        if check and done.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def init(self) -> subprocess.CompletedProcess:
        return self.run("init", "-input=false", "-no-color")

    def apply(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("apply", "-auto-approve", "-input=false", "-no-color", *args, check=check)

    def plan(self, *args: str) -> subprocess.CompletedProcess:
        """`terraform plan -detailed-exitcode`: returncode 0 clean, 2 changes, 1 error (never raises)."""
        return self.run("plan", "-detailed-exitcode", "-input=false", "-no-color", *args, check=False)

    def destroy(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color", *args, check=check)

    def state(self) -> dict:
        """Resources in state by address, as `terraform show -json` gives their values."""
        shown = json.loads(self.run("show", "-json").stdout)
        resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
        return {resource["address"]: resource["values"] for resource in resources}

    def state_text(self) -> str:
        path = self.dir / "terraform.tfstate"
        return path.read_text() if path.exists() else ""


@pytest.fixture
def provider_mode() -> str:
    """"cold": terraform starts the provider itself, as raw terraform does. A module parametrizes it with "warm"
    too to run its tests as a codat-iac run does: attached to one warm provider (codat_iac/warm.py)."""
    return "cold"


@pytest.fixture
def warm_run(provider_mode: str):
    """The warm provider run of a test in "warm" mode (None in "cold"); its servers stop when the test ends."""
    if provider_mode == "cold":
        yield None
        return
    said: list[str] = []
    run = warm.Run(said.append)
    try:
        yield run
    finally:
        run.close()
    assert not said, said  # the server started, and never ended under the test


@pytest.fixture
def tf(tmp_path: Path, emulator, warm_run) -> Terraform:
    """An empty Terraform folder whose provider talks to a fresh emulator (see tests/conftest.py)."""
    work = tmp_path / "tf"
    work.mkdir()
    env = tool_environment(state_dir=tmp_path / "tool-state")
    for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", warm.WARM_ENV, warm.REATTACH_ENV):
        env.pop(name, None)
    env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)
    return Terraform(work, env, warm_run=warm_run)


@pytest.fixture
def codat_api(emulator):
    """Plain HTTP to the test's emulator (Codat's Basic auth), to check what Codat holds after terraform."""
    import base64

    import httpx

    token = base64.b64encode(emulator.api_key.encode()).decode()
    with httpx.Client(base_url=emulator.url, headers={"Authorization": f"Basic {token}"}, timeout=10) as client:
        yield client
