"""The self-contained provider (`codat-iac provider build`) beside the launcher, side by side (a script, not a test).

    .venv/bin/python benchmarks/standalone_bench.py [--runs N] [--rounds N] [--zip PATH]

Builds the provider for this machine into a temp folder (or takes --zip, a zip built before), then, interleaved
so load on the machine hits both alike:
  - start to handshake: exec -> the handshake line on stdout, as Terraform starts a provider (magic cookie,
    PLUGIN_PROTOCOL_VERSIONS=6, PLUGIN_CLIENT_CERT so TLS is on); the launcher through terraform-mirror/ on
    this venv, the frozen one from the unpacked zip with an empty environment (goal: at most 1.5x the launcher);
  - a 50-resource plan: 50 codat_webhook applied against the emulator, then `terraform plan` (refreshing each),
    one folder installing the launcher from terraform-mirror/, one the frozen provider from the zip's packed
    filesystem mirror; the built-in terraform_data x 50 as the floor.
Prints medians, the ratio to its goal, the zip's size and its sha256, h1: and zh: hashes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests" / "tfplugin"))

from plan_bench import API_KEY, Folder, _floor, _plain_env, _webhooks, start_emulator  # noqa: E402
from tfplugin_bench import CODAT_LAUNCHER, start_provider  # noqa: E402

from codat_iac import provider_package  # noqa: E402
from codat_iac.provider_freeze import EXECUTABLE, target_platform  # noqa: E402
from codat_iac.toolenv import PROVIDER_SOURCE, python_environment, tool_environment  # noqa: E402
from codat_provider import VERSION  # noqa: E402
from tfplugin_certs import client_cert  # noqa: E402

START_GOAL = 1.5


def build(root: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "codat_iac", "provider", "build", "--out", str(root / "build")],
                          cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"provider build failed:\n{done.stderr}")
    return root / "build" / provider_package.zip_name(VERSION, target_platform())


def handshakes(frozen: Path, runs: int) -> dict[str, list[float]]:
    cert, _ = client_cert()
    launcher_env = python_environment({k: v for k, v in os.environ.items() if not k.startswith("TF_")})
    providers = {"launcher (venv)": (CODAT_LAUNCHER, launcher_env), "standalone (zip)": (str(frozen), {})}
    timings: dict[str, list[float]] = {name: [] for name in providers}
    for run in range(runs + 1):  # the first round warms the page cache and the bytecode caches
        for name, (executable, env) in providers.items():
            process, line, started, answered = start_provider(executable, env, cert)
            process.kill()
            process.wait()
            if not line.startswith("1|6|"):
                raise SystemExit(f"{name} printed no handshake: {line!r}")
            if run:
                timings[name].append(answered - started)
    return timings


def plans(root: Path, packed_mirror: Path, rounds: int) -> dict[str, list[float]]:
    emulators = [start_emulator(root, index) for index in (0, 1)]  # Codat caps an account at 50 webhooks
    try:
        hcl = [(f'terraform {{\n  required_providers {{\n    codat = {{ source = "{PROVIDER_SOURCE}" }}\n  }}\n}}\n'
                f'provider "codat" {{\n  base_url = "{url}"\n}}\n' + _webhooks(50)) for _, url in emulators]
        launcher_env = tool_environment(state_dir=root / "tool-state")
        for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "CODAT_BASE_URL"):
            launcher_env.pop(name, None)
        launcher_env.update(CODAT_API_KEY=API_KEY, TF_IN_AUTOMATION="1", TF_INPUT="0")
        config = root / "standalone.tfrc"
        config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{packed_mirror}"\n  }}\n}}\n')
        standalone_env = dict(_plain_env(root), TF_CLI_CONFIG_FILE=str(config), CODAT_API_KEY=API_KEY)
        folders = {
            "terraform_data x 50 (floor)": Folder(root / "floor", _plain_env(root), _floor(50)),
            "codat_webhook x 50, launcher": Folder(root / "launcher", launcher_env, hcl[0]),
            "codat_webhook x 50, standalone": Folder(root / "standalone", standalone_env, hcl[1]),
        }
        for folder in folders.values():
            folder.prepare()
        timings: dict[str, list[float]] = {name: [] for name in folders}
        for _ in range(rounds):
            for name, folder in folders.items():
                seconds, ok = folder.plan()
                if not ok:
                    raise SystemExit(f"{name}: the plan failed or found changes")
                timings[name].append(seconds)
        return timings
    finally:
        for process, _ in emulators:
            process.terminate()
            process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--zip", type=Path, default=None, help="a zip `codat-iac provider build` wrote")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codat-standalone-bench-") as scratch:
        root = Path(scratch)
        zipped = options.zip.resolve() if options.zip else build(root)
        package = provider_package.package_of(zipped)
        unpacked = root / "unpacked"
        provider_package.unpack(package, unpacked)
        packed = root / "packed" / PROVIDER_SOURCE
        packed.mkdir(parents=True)
        (packed / zipped.name).write_bytes(zipped.read_bytes())
        started = handshakes(unpacked / EXECUTABLE.format(version=VERSION), options.runs)
        planned = plans(root, root / "packed", options.rounds)
        # Read while the zip is here: one this run built goes with its scratch folder.
        print(f"standalone provider {zipped.name}: {zipped.stat().st_size / 2**20:.1f} MiB")
        print(f"  sha256 {package.sha256}\n  {package.h1}\n  {package.zh}")
    launcher = statistics.median(started["launcher (venv)"]) * 1000
    print(f"start to handshake, as Terraform starts it (TLS on), medians of {options.runs}:")
    for name, values in started.items():
        median = statistics.median(values) * 1000
        print(f"  {name:<18} {median:6.1f} ms  {median / launcher:4.2f}x the launcher")
    ratio = statistics.median(started["standalone (zip)"]) * 1000 / launcher
    verdict = "MET" if ratio <= START_GOAL else "MISSED"
    print(f"  goal: standalone at most {START_GOAL}x the launcher: {verdict} ({ratio:.2f}x)")
    floor = statistics.median(planned["terraform_data x 50 (floor)"])
    print(f"terraform plan after apply (refresh), medians of {options.rounds}:")
    for name, values in planned.items():
        median = statistics.median(values)
        print(f"  {name:<32} {median:5.2f} s  {median / floor:4.2f}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
