"""Fixtures shared by the end-to-end tests: a real emulator process and an isolated cdktf project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Tests that import cdktf in-process, or run scripts that do, outside the tool environment would print
# jsii's Node end-of-life banner into the test log; the tool environment sets the same variable.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# ... and jsii would fill its package cache in the home folder; the tool environment keeps it in the repo.
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(REPO / ".codat-iac" / "cache" / "jsii"))


@pytest.fixture(scope="session", autouse=True)
def checkout_emulator_left_alone():
    """Tests use emulators of their own: none may start (or restart) this checkout's local one, which
    `make deploy` keeps in .codat-iac/emulator for the developer's raw tools."""
    from codat_iac.local_emulator import running

    home = REPO / ".codat-iac" / "emulator"
    before = running(home)
    yield
    after = running(home)
    if after is not None and (before is None or before.pid != after.pid):
        pytest.fail(f"a test started this checkout's local emulator (pid {after.pid}, {home}); give it a Codat of "
                    "its own (CODAT_BASE_URL or a project folder) instead", pytrace=False)


@pytest.fixture
def unmeasured_env() -> dict[str, str]:
    """This environment without coverage's start hook (`make test COVERAGE=1`), for a child whose imports a test
    counts: coverage's own start in that child would load typing."""
    return {name: value for name, value in os.environ.items() if name != "COVERAGE_PROCESS_START"}


@pytest.fixture
def fresh_app(tmp_path: Path):
    """A CDK `Testing.app()` whose output folder is the test's own: without `outdir` it makes a
    `cdktf.outdir.*` folder in the system temp folder that nothing removes."""
    from codat_constructs._cdk import cdk

    return cdk.Testing.app(outdir=str(tmp_path / "testing-app"))


def warm_servers(since: float = 0.0) -> dict[int, int]:
    """{pid: parent pid} of every warm Codat provider (an attached `python -m codat_provider`, codat_iac/warm.py) of
    this checkout running now and started after `since` (time.time()). Read from /proc (Linux)."""
    import time

    found: dict[int, int] = {}
    boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"TFPLUGIN_LISTEN_FD" not in b"\0".join(name.split(b"=", 1)[0] for name in environ):
            continue
        if not any(item.startswith(b"PYTHONPATH=" + str(REPO).encode()) for item in environ) or stat[0] == "Z":
            continue
        if boot + int(stat[19]) / ticks >= since - 1:
            found[int(entry.name)] = int(stat[1])
    return found


@pytest.fixture(scope="session", autouse=True)
def no_warm_server_left():
    """Every warm provider a test's run started ends with that run: none is left when the tests end."""
    import time

    started = time.time()
    yield
    deadline = time.monotonic() + 10  # a server notices its run's end at once; a loaded machine may be slow
    while warm_servers(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = warm_servers(started)
    if left:
        pytest.fail(f"warm Codat provider processes outlived their runs: {sorted(left)}", pytrace=False)


@dataclass
class Emulator:
    url: str
    api_key: str
    data_dir: Path

    def portal(self, *args: str, env: dict | None = None, input: str | None = None) -> str:
        """Play a person clicking in the Codat Portal (the emulator's `portal` command)."""
        done = subprocess.run(
            [sys.executable, "-m", "codat_emulator", "portal", *args, "--data", str(self.data_dir)],
            cwd=REPO, env=env, input=input, capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def start_emulator(tmp: Path, api_key: str = "test-api-key-0001") -> tuple[subprocess.Popen, Emulator]:
    data = tmp / "emulator-data"
    process = subprocess.Popen(
        [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data", str(data), "--api-key", api_key],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise RuntimeError(f"emulator did not print its URL (got {url!r})")
    return process, Emulator(url, api_key, data)


@pytest.fixture
def emulator(tmp_path: Path):
    process, found = start_emulator(tmp_path)
    yield found
    process.terminate()
    process.wait(timeout=10)


@dataclass
class Project:
    """A copy of the reference stack in a temp folder, run with the project's tool environment."""

    dir: Path
    env: dict[str, str]

    def run(self, *command: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(command), cwd=cwd or self.dir, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def cdktf(self, *args: str) -> subprocess.CompletedProcess:
        """The CDK CLI that CODAT_IAC_CDK picks (cdktf; cdktn for CDK Terrain), as `codat-iac deploy` runs it."""
        from codat_iac import cdk  # CDK Terrain hook

        return self.run(str(cdk.cli(cdk.chosen(self.env))), *args)

    def terraform(self, stack: str, *args: str) -> subprocess.CompletedProcess:
        return self.run("terraform", *args, cwd=self.stack_dir(stack))

    def stack_dir(self, stack: str) -> Path:
        return self.dir / "cdktf.out" / "stacks" / stack


@pytest.fixture
def project(tmp_path: Path) -> Project:
    from codat_iac.toolenv import tool_environment

    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(REPO / "main.py", work / "main.py")
    config = json.loads((REPO / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (work / "cdktf.json").write_text(json.dumps(config))
    env = tool_environment(state_dir=tmp_path / "tool-state")
    env["PYTHONPATH"] = str(REPO)
    for name in ("CODAT_BASE_URL", "CODAT_API_KEY", "XERO_CLIENT_ID", "TF_LOG", "TF_LOG_PROVIDER"):
        env.pop(name, None)
    return Project(work, env)
