"""The warm provider (codat_iac/warm.py): one provider server per run, which every terraform of the run attaches to
through TF_REATTACH_PROVIDERS. Through the real terraform, against emulators of the tests' own: plans read the same
with it on and off, aliases and parallel stacks keep their own Codat, an interrupt or a killed server spoils
nothing later, and no server or socket outlives its run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from codat_iac import pipeline, warm
from codat_iac.toolenv import PROVIDER_SOURCE, tool_environment
from tests.conftest import REPO, start_emulator, warm_servers

pytestmark = pytest.mark.e2e

API_KEY = "warm-test-api-key-0001"
GENEROUS = 60  # seconds: a bound far above what a loaded machine needs, never a speed target


def _say(_line: str) -> None:
    pass


@pytest.fixture
def emulators(tmp_path: Path):
    """start(n): n emulators of this test's own (API key API_KEY), stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(count: int) -> list:
        found = []
        for _ in range(count):
            home = tmp_path / f"emulator-{len(started)}"
            home.mkdir()
            process, emulator = start_emulator(home, API_KEY)
            started.append(process)
            found.append(emulator)
        return found

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = tool_environment(state_dir=tmp_path / "tool-state")
    for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PATH", "TF_CLI_ARGS", "CODAT_BASE_URL", warm.REATTACH_ENV,
                 warm.WARM_ENV, "CODAT_IAC_ENVIRONMENTS", "CODAT_IAC_STATE"):
        env.pop(name, None)
    env.update(CODAT_API_KEY=API_KEY, TF_IN_AUTOMATION="1", TF_INPUT="0", **extra)
    return env


def _terraform(folder: Path, env: dict[str, str], *args: str, timeout: float = GENEROUS) -> subprocess.CompletedProcess:
    return subprocess.run(["terraform", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)


def _plan_text(done: subprocess.CompletedProcess) -> str:
    """A plan's text without the refresh lines (printed in whatever order reads finish)."""
    return "\n".join(line for line in done.stdout.splitlines()
                     if not re.search(r": (Refreshing state|Reading|Read complete)", line))


def _webhooks_config(urls: list[str], per_instance: int) -> str:
    hcl = f'terraform {{\n  required_providers {{\n    codat = {{ source = "{PROVIDER_SOURCE}" }}\n  }}\n}}\n'
    for index, url in enumerate(urls):
        hcl += f'provider "codat" {{\n  alias    = "i{index}"\n  base_url = "{url}"\n}}\n'
        hcl += "".join(
            f'resource "codat_webhook" "i{index}_{n}" {{\n  provider    = codat.i{index}\n'
            f'  url         = "https://hooks.example.com/i{index}/{n}"\n  event_types = ["DataSyncCompleted"]\n}}\n'
            for n in range(per_instance))
    return hcl


def _api(emulator) -> httpx.Client:
    return httpx.Client(base_url=emulator.url, timeout=10,
                        headers={"Authorization": "Basic " + __import__("base64").b64encode(API_KEY.encode()).decode()})


def _delete_one_webhook(emulator) -> None:
    with _api(emulator) as api:
        hooks = api.get("/webhooks").json()
        hooks = hooks.get("results", hooks) if isinstance(hooks, dict) else hooks
        assert api.delete(f"/webhooks/{hooks[0]['id']}").status_code < 300


def _latency(emulator, milliseconds: int, path: str = "/webhooks") -> None:
    with _api(emulator) as api:
        assert api.post("/_emulator/faults", json={"kind": "latency", "latencyMs": milliseconds,
                                                    "pathPrefix": path}).status_code < 300


def _no_faults(emulator) -> None:
    with _api(emulator) as api:
        api.post("/_emulator/reset", json={})


def _requests(emulator) -> int:
    with _api(emulator) as api:
        return sum(api.get("/_emulator/requests").json()["requests"].values())


def _wait_for(condition, what: str, timeout: float = GENEROUS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------------ the socket


def test_the_socket_is_private_and_goes_with_its_server(tmp_path):
    server = warm.start(_env(tmp_path), wait=True, parent_death=False)
    try:
        assert os.stat(server.folder).st_mode & 0o777 == 0o700
        assert os.stat(server.socket_path).st_mode & 0o777 == 0o600
        assert server.alive() and server.pid in warm_servers()
        if os.getuid() == 0:  # another user: the folder alone stops the connection
            child = os.fork()
            if child == 0:
                import socket
                os.setuid(65534)
                try:
                    socket.socket(socket.AF_UNIX).connect(server.socket_path)
                    os._exit(3)
                except PermissionError:
                    os._exit(0)
                except BaseException:  # noqa: BLE001
                    os._exit(4)
            assert os.waitpid(child, 0)[1] == 0, "a process of another user could connect"
    finally:
        server.stop()
    assert not os.path.exists(server.folder)
    assert server.pid not in warm_servers()


def test_a_server_that_cannot_start_leaves_the_run_cold_with_one_line(tmp_path, emulators, monkeypatch):
    (emulator,) = emulators(1)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([emulator.url], 1))
    env = _env(tmp_path)
    assert _terraform(folder, env, "init", "-no-color").returncode == 0

    def no_process(*_args, **_kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")  # what fork says when a limit is reached

    monkeypatch.setattr(os, "posix_spawn", no_process)
    said: list[str] = []
    with warm.run(said.append):
        for _ in range(2):
            done = pipeline.terraform(["plan", "-no-color", "-detailed-exitcode"], folder, env)
            assert done.returncode == 2, done.stderr
        assert warm.REATTACH_ENV not in warm.environment(["plan"], pipeline.terraform_environment(env))
    assert said == ["codat-iac: the warm Codat provider did not start (BlockingIOError: [Errno 11] Resource "
                    "temporarily unavailable); terraform starts the provider itself for this run"]


# ------------------------------------------------------------------------------- the same plans, warm and cold


def test_ten_aliases_over_ten_codats_plan_the_same_text_warm_and_cold(tmp_path, emulators):
    instances = emulators(10)
    folder = tmp_path / "aliases"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([e.url for e in instances], 3))
    cold = _env(tmp_path)
    assert _terraform(folder, cold, "init", "-no-color").returncode == 0
    applied = _terraform(folder, cold, "apply", "-auto-approve", "-no-color", "-parallelism=10")
    assert applied.returncode == 0, applied.stderr
    _delete_one_webhook(instances[3])  # drift on one instance only
    _delete_one_webhook(instances[7])

    plans = {}
    with warm.run(_say) as run:
        for mode in ("cold", "warm", "warm again"):
            env = cold if mode == "cold" else run.environment(["plan"], cold)
            plans[mode] = _terraform(folder, env, "plan", "-no-color", "-detailed-exitcode", "-parallelism=10")
        assert len(run._servers) == 1  # one server served both warm plans
    for mode, done in plans.items():
        assert done.returncode == 2, f"{mode}: {done.stderr}"
        assert "2 to add, 0 to change, 0 to destroy" in done.stdout, done.stdout
    assert _plan_text(plans["warm"]) == _plan_text(plans["cold"]) == _plan_text(plans["warm again"])
    assert "codat_webhook.i3_" in plans["warm"].stdout and "codat_webhook.i7_" in plans["warm"].stdout


def test_the_reference_stack_plans_the_same_text_warm_and_cold(tmp_path, emulators):
    (emulator,) = emulators(1)
    app = tmp_path / "reference"
    app.mkdir()
    (app / "main.py").write_text((REPO / "main.py").read_text())
    env = _env(tmp_path, PYTHONPATH=str(REPO), CODAT_BASE_URL=emulator.url,
               XERO_CLIENT_ID="0A1B2C3D4E5F60718293A4B5C6D7E8F9",
               TF_VAR_xero_client_secret="warm-reference-secret-0001")
    synth = subprocess.run([sys.executable, "main.py"], cwd=app, env=env, capture_output=True, text=True, timeout=300)
    assert synth.returncode == 0, synth.stderr
    stack = app / "cdktf.out" / "stacks" / "codat"
    from codat_iac import provider_mirror

    provider_mirror.seed_lock(REPO / "terraform-mirror", stack, json.loads((stack / "cdk.tf.json").read_text()))
    assert _terraform(stack, env, "init", "-no-color").returncode == 0
    assert _terraform(stack, env, "apply", "-auto-approve", "-no-color").returncode == 0
    emulator.portal("disable", "gbol")

    with warm.run(_say) as run:
        warm_plan = _terraform(stack, run.environment(["plan"], env), "plan", "-no-color", "-detailed-exitcode")
    cold_plan = _terraform(stack, env, "plan", "-no-color", "-detailed-exitcode")
    assert warm_plan.returncode == cold_plan.returncode == 2, warm_plan.stderr + cold_plan.stderr
    assert "enabled" in warm_plan.stdout
    assert _plan_text(warm_plan) == _plan_text(cold_plan)


# -------------------------------------------------------------------------------- interrupts and a killed server


def test_a_plan_interrupted_with_sigint_is_followed_by_a_plan_that_passes_on_the_same_server(tmp_path, emulators):
    (emulator,) = emulators(1)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([emulator.url], 2))
    env = _env(tmp_path)
    assert _terraform(folder, env, "init", "-no-color").returncode == 0
    assert _terraform(folder, env, "apply", "-auto-approve", "-no-color").returncode == 0

    with warm.run(_say) as run:
        attached = run.environment(["plan"], env)
        (server,) = run._servers.values()
        _latency(emulator, 30_000)
        before = _requests(emulator)
        process = subprocess.Popen(["terraform", "plan", "-no-color"], cwd=folder, env=attached, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        _wait_for(lambda: _requests(emulator) > before, "the plan's first read to reach Codat")
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: terraform sends StopProvider on its connection
        interrupted = time.monotonic()
        out, err = process.communicate(timeout=GENEROUS)
        assert process.returncode != 0, out
        assert time.monotonic() - interrupted < 20  # the read's 30 s wait was cut short
        _no_faults(emulator)
        again = _terraform(folder, run.environment(["plan"], env), "plan", "-no-color", "-detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
        assert list(run._servers.values()) == [server] and server.alive()


@pytest.mark.parametrize("round_", range(2))
def test_kill_9_of_the_server_mid_plan_is_one_clear_error_and_the_next_terraform_works(tmp_path, emulators, round_):
    (emulator,) = emulators(1)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([emulator.url], 2))
    env = _env(tmp_path)
    assert _terraform(folder, env, "init", "-no-color").returncode == 0
    assert _terraform(folder, env, "apply", "-auto-approve", "-no-color").returncode == 0
    said: list[str] = []
    with warm.run(said.append) as run:
        run.environment(["plan"], pipeline.terraform_environment(env))
        (server,) = run._servers.values()
        _latency(emulator, 30_000)
        before = _requests(emulator)
        killer = _kill_when(lambda: _requests(emulator) > before, server.pid)
        done = pipeline.terraform(["plan", "-no-color", "-detailed-exitcode"], folder, env)
        killer.join()
        assert done.returncode == 1
        assert f"The warm Codat provider (pid {server.pid}) ended while terraform used it" in done.stderr, done.stderr
        _no_faults(emulator)
        again = pipeline.terraform(["plan", "-no-color", "-detailed-exitcode"], folder, env)
        assert again.returncode == 0, again.stderr
        assert said == [f"codat-iac: the warm Codat provider (pid {server.pid}) has ended; starting another"]
    assert not os.path.exists(server.folder)


def _kill_when(condition, pid: int):
    import threading

    def kill() -> None:
        _wait_for(condition, "the plan's first read to reach Codat")
        os.kill(pid, signal.SIGKILL)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------------------------------ codat-iac commands


ENVIRONMENT = """
[environments.{name}]
base_url = "{url}"

[environments.{name}.cors_origins]
allowed_origins = ["https://{name}.example"]
"""


def _checkout(tmp_path: Path, instances) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "app"
    work.mkdir()
    (work / "main.py").write_text((REPO / "main.py").read_text())
    config = json.loads((REPO / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (work / "cdktf.json").write_text(json.dumps(config))
    names = ("alpha", "beta", "gamma")
    (tmp_path / "environments.toml").write_text(
        "".join(ENVIRONMENT.format(name=name, url=e.url) for name, e in zip(names, instances, strict=True)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "CODAT_"))}
    env.update(PYTHONPATH=str(REPO), CODAT_IAC_ENVIRONMENTS=str(tmp_path / "environments.toml"),
               **{f"TF_VAR_codat_api_key_{name}": API_KEY for name in names})
    return work, env


def _codat_iac(work: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codat_iac", *args, "--app-dir", str(work)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)


def test_drift_of_three_stacks_against_three_codats_in_parallel_on_one_warm_server(tmp_path, emulators):
    instances = emulators(3)
    work, env = _checkout(tmp_path, instances)
    deployed = _codat_iac(work, env, "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    log = tmp_path / "terraform.log"
    logged = dict(env, TF_LOG="debug", TF_LOG_PATH=str(log))
    clean = _codat_iac(work, logged, "drift", "--parallel", "3")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    text = log.read_text()
    assert text.count("codat provider serving attached") == 1  # one server for the three stacks' terraform runs
    assert 'codat.local/codat/codat is overridden as an "unmanaged provider"' in text
    assert not re.search(r"starting plugin: path=\S*codat", text)  # terraform started no provider process

    instances[1].portal("cors", "add", "https://evil.example")  # a Portal change in beta's Codat only
    drifted = _codat_iac(work, env, "drift", "--parallel", "3", "--json")
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    document = json.loads(drifted.stdout)
    assert {stack["stack"]: stack["status"] for stack in document["stacks"]} == {
        "alpha": "clean", "beta": "different", "gamma": "clean"}, document
    assert {row["stack"] for row in document["differences"]} == {"beta"}


def test_sigkill_of_codat_iac_leaves_no_server_and_no_socket(tmp_path, emulators):
    instances = emulators(3)
    work, env = _checkout(tmp_path, instances)
    assert _codat_iac(work, env, "deploy").returncode == 0
    for emulator in instances:
        _latency(emulator, 60_000, path="/connectionManagement")
    process = subprocess.Popen([sys.executable, "-m", "codat_iac", "drift", "--app-dir", str(work)], cwd=work, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: process.pid in warm_servers().values(), "codat-iac to start its warm provider")
        (server,) = [pid for pid, parent in warm_servers().items() if parent == process.pid]
        folder = _socket_folder(server)
        process.kill()
        process.wait(timeout=GENEROUS)
        _wait_for(lambda: server not in warm_servers(), "the server to notice its run ended", timeout=10)
        assert not os.path.exists(folder)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _socket_folder(pid: int) -> str:
    """The folder of the socket a warm server listens on (from its open files)."""
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        path = line.split()[-1] if len(line.split()) > 7 else ""
        if "codat-provider-" in path and os.path.exists(path):
            inode = line.split()[6]
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return os.path.dirname(path)
                except OSError:
                    continue
    raise AssertionError(f"no socket of process {pid} found")


# ------------------------------------------------------------------------------------------------ the wrappers


def _wrapper_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "CODAT_"))}
    env.update(CODAT_API_KEY=API_KEY, **extra)
    return env


def _wrapper(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "bin" / "terraform"), f"-chdir={folder}", *args], env=env, capture_output=True,
                          text=True, timeout=GENEROUS)


def test_bin_terraform_plans_on_a_warm_provider_and_leaves_init_and_cold_runs_as_they_were(tmp_path, emulators):
    (emulator,) = emulators(1)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([emulator.url], 2))
    log = tmp_path / "terraform.log"
    env = _wrapper_env(CODAT_BASE_URL=emulator.url, TF_LOG="debug", TF_LOG_PATH=str(log))
    since = time.time()

    assert _wrapper(folder, env, "init", "-no-color").returncode == 0
    lock = (folder / ".terraform.lock.hcl").read_text()
    assert PROVIDER_SOURCE in lock and (folder / ".terraform" / "providers" / PROVIDER_SOURCE).is_dir()
    assert "serving attached" not in log.read_text()  # init ran without a server: it installed and locked ours

    applied = _wrapper(folder, env, "apply", "-auto-approve", "-no-color")
    assert applied.returncode == 0, applied.stderr
    assert log.read_text().count("codat provider serving attached") == 1
    _wait_for(lambda: not warm_servers(since), "the wrapper's server to end with its terraform", timeout=10)

    log.unlink()
    off = _wrapper(folder, dict(env, **{warm.WARM_ENV: "0"}), "plan", "-no-color", "-detailed-exitcode")
    assert off.returncode == 0, off.stderr
    assert "serving attached" not in log.read_text() and "starting plugin" in log.read_text()
    assert not warm_servers(since)

    cold = _terraform(folder, _env(tmp_path, CODAT_BASE_URL=emulator.url), "plan", "-no-color", "-detailed-exitcode")
    assert cold.returncode == 0, cold.stderr  # raw terraform pointed at the mirror, as before
    assert (folder / ".terraform.lock.hcl").read_text() == lock


def test_a_server_started_before_its_environment_uses_the_one_handed_over(tmp_path, emulators):
    (emulator,) = emulators(1)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(_webhooks_config([emulator.url], 1).replace(f'  base_url = "{emulator.url}"\n', ""))
    env = _env(tmp_path, CODAT_BASE_URL=emulator.url)  # the key and the URL: only in what is handed over
    assert _terraform(folder, env, "init", "-no-color").returncode == 0
    early = {k: v for k, v in env.items() if k not in ("CODAT_API_KEY", "CODAT_BASE_URL")}
    server = warm.start(early, wait=False, parent_death=False, environment_later=True)
    try:
        server.hand_environment(env)
        planned = _terraform(folder, server.attach(env), "plan", "-no-color", "-detailed-exitcode")
        assert planned.returncode == 2, planned.stdout + planned.stderr
        assert "1 to add" in planned.stdout
    finally:
        server.stop()
    assert not os.path.exists(server.folder)


def test_the_cdk_terraform_shim_attaches_only_the_commands_that_run_providers(tmp_path):
    fake = tmp_path / "terraform"
    fake.write_text('#!/bin/sh\necho "args=$* reattach=${TF_REATTACH_PROVIDERS:-none}"\n')
    fake.chmod(0o755)
    server = warm.Server(4242, str(tmp_path), str(tmp_path / "provider.sock"), -1)
    env = warm.shimmed({"PATH": os.environ["PATH"]}, server, str(fake), tmp_path / "state")
    shim = env["TERRAFORM_BINARY_NAME"]
    assert os.stat(shim).st_mode & 0o777 == 0o755

    def reattach(*args: str) -> str:
        done = subprocess.run([shim, *args], env=env, capture_output=True, text=True, timeout=GENEROUS)
        assert done.returncode == 0 and done.stdout.startswith(f"args={' '.join(args)} "), done.stdout + done.stderr
        return done.stdout.split(" reattach=", 1)[1].strip()

    for args in (("init", "-input=false"), ("providers", "lock"), ("version", "-json"), ("output",), ()):
        assert reattach(*args) == "none", args
    for args in (("plan", "-out=x"), ("-chdir=stacks/a", "apply", "x"), ("destroy",), ("show", "-json", "x")):
        attached = json.loads(reattach(*args))
        assert attached[warm.PROVIDER_ADDRESS]["Addr"] == {"Network": "unix", "String": server.socket_path}, args
