"""Shared set-up for the construct tests: one jsii kernel with the project's tool environment, one App.

The jsii kernel (a Node process) starts with the first jsii import and keeps the environment it started
with; `Testing.to_be_valid_terraform` runs `terraform init` from inside it. So the kernel is started
here, under the project's tool environment (provider from the in-repo mirror, no phoning home, no Node
end-of-life banner), and this process's own environment is put back afterwards.
"""

from __future__ import annotations

import itertools
import os
import sys

import pytest

from codat_iac.toolenv import tool_environment

KERNEL_HAS_TOOL_ENV = not {"constructs", "cdktf", "cdktn"} & set(sys.modules)
if KERNEL_HAS_TOOL_ENV:
    _saved = dict(os.environ)
    os.environ.update(tool_environment())
    try:
        import codat_constructs._cdk  # noqa: F401  (imports the chosen CDK, which starts the kernel)
    finally:
        os.environ.clear()
        os.environ.update(_saved)

from codat_constructs._cdk import cdk  # noqa: E402

TerraformStack, Testing = cdk.TerraformStack, cdk.Testing


@pytest.fixture(scope="session")
def kernel_has_tool_env() -> bool:
    """Whether the jsii kernel got the tool environment (it did unless a CDK was imported before)."""
    return KERNEL_HAS_TOOL_ENV


@pytest.fixture(scope="session")
def testing_app(tmp_path_factory):
    """One App for every test that only needs `Testing.synth`: each test adds its own stack."""
    return Testing.app(outdir=str(tmp_path_factory.mktemp("testing-app")))


@pytest.fixture(scope="session")
def _stack_numbers():
    return itertools.count()


@pytest.fixture
def stack(testing_app, _stack_numbers) -> TerraformStack:
    """A fresh stack on the shared App."""
    return TerraformStack(testing_app, f"test{next(_stack_numbers)}")


# Real terraform against the local emulator -------------------------------------------------------------

import subprocess  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
#: Settings of the developer's shell that must not leak into a test's terraform run.
_FOREIGN = ("CODAT_BASE_URL", "CODAT_API_KEY", "XERO_CLIENT_ID", "TF_LOG", "TF_LOG_PROVIDER",
            "CODAT_IAC_ENVIRONMENTS", "CODAT_IAC_STATE")


@dataclass
class LocalCodat:
    """A running emulator: one Codat instance, with the Portal as a command line."""

    url: str
    api_key: str
    data: Path

    def portal(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "codat_emulator", "portal", *args, "--data", str(self.data)],
            cwd=REPO, capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add_companies(self, count: int, *, platform: str = "gbol", status: str = "Linked", prefix: str = "Org") -> None:
        for n in range(count):
            self.portal("add-company", f"{prefix}{status}{n}", "--platform", platform, "--status", status)


@pytest.fixture
def start_codat(tmp_path_factory):
    """Start emulators (`start_codat(api_key)`); each stops when the test ends."""
    processes = []

    def start(api_key: str = "construct-tests-key") -> LocalCodat:
        data = tmp_path_factory.mktemp("codat-data")
        process = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
             "--data", str(data), "--api-key", api_key],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        processes.append(process)
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"emulator did not print its URL (got {url!r})")
        return LocalCodat(url, api_key, data)

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Terraform:
    """The real terraform CLI with the project's tool environment (provider from the in-repo mirror)."""

    env: dict

    def __call__(
        self, folder: Path, *args: str, env: dict | None = None, timeout: int = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["terraform", *args], cwd=folder, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=timeout,
        )

    def init(self, folder: Path) -> None:
        done = self(folder, "init", "-input=false", "-no-color")
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def terraform(tmp_path_factory) -> Terraform:
    env = tool_environment(state_dir=tmp_path_factory.mktemp("tool-state"))
    for name in _FOREIGN:
        env.pop(name, None)
    env["PYTHONPATH"] = str(REPO)
    return Terraform(env)


def full_synth(outdir: Path, *builders) -> Path:
    """Synthesize stacks to `outdir` as `cdktf synth` does (files, RUNBOOK.md, hooks): each builder gets the
    App and adds one stack, whose state file is kept in `outdir` (never the repo)."""
    app = cdk.App(outdir=str(outdir))
    for build in builders:
        stack = build(app)
        cdk.LocalBackend(stack, path=str(outdir / f"terraform.{stack.node.id}.tfstate"))
    app.synth()
    return outdir


@pytest.fixture(scope="session")
def synthesize():
    """`synthesize(outdir, *builders)`: see `full_synth`."""
    return full_synth
