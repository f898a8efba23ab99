"""`terraform plan` with our providers against Terraform's own floor, side by side in one run (a script, not a test).

    .venv/bin/python benchmarks/plan_bench.py [--rounds N] [--big-rounds N] [--skip-big]

The floor runs no provider of ours: a folder of built-in `terraform_data` resources only, the same count,
planned with the same flags and -parallelism. Every other folder is planned after an apply, so each plan
refreshes existing objects (reads them back), as a drift check does:

  tpt_counter x 50                  the trivial test provider on our protocol layer (tfplugin only)
  codat_webhook x 50                the Codat provider against the local emulator over loopback HTTP
  data.codat_integration x 50       the Codat provider's data source, same emulator
  codat_webhook x 500               10 Codat instances (10 emulators, one provider alias each) at -parallelism=10,
                                    against 500 terraform_data at -parallelism=10

Rounds are interleaved (floor, then each of ours, per round) so load on the machine hits all alike. Prints medians,
ratios to the floor with their goals, plan failures, and the peak resident memory of the 500-resource plan
(terraform plus every provider process it started, sampled every 20 ms).

Then the requests one no-change plan sends to Codat, as the emulator counts them (GET /_emulator/requests), for
the 50 webhooks and for the reference stack (main.py's stack, synthesized with `python main.py` and applied):
the goal is each Codat object read once per plan and a list-only endpoint listed once.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "tfplugin"))

import tfplugin_harness as harness  # noqa: E402
from codat_iac.toolenv import PROVIDER_SOURCE, tool_environment  # noqa: E402

API_KEY = "bench-api-key-0001"
PLATFORM_KEYS = ("gbol", "qhyg", "ndsk", "knfz", "trji", "akxx", "tgff", "pbtz", "fbrh", "vxvy")
GOALS = {"codat_webhook x 50": 3.0, "codat_webhook x 500 (10 instances)": 4.0}


def _plain_env(root: Path) -> dict[str, str]:
    """terraform with no provider installation of ours and nothing read from or written to the home folder."""
    config = root / "empty.tfrc"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(TF_CLI_CONFIG_FILE=str(config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
    return env


def _codat_env(root: Path) -> dict[str, str]:
    env = tool_environment(state_dir=root / "tool-state")
    for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "CODAT_BASE_URL"):
        env.pop(name, None)
    env.update(CODAT_API_KEY=API_KEY, TF_IN_AUTOMATION="1", TF_INPUT="0")
    return env


class Folder:
    def __init__(self, path: Path, env: dict[str, str], hcl: str | None, parallelism: int = 10) -> None:
        self.path, self.env, self.parallelism = path, env, parallelism
        if hcl is not None:
            path.mkdir(parents=True)
            (path / "main.tf").write_text(hcl)

    @classmethod
    def existing(cls, path: Path, env: dict[str, str], parallelism: int = 10) -> "Folder":
        """A folder that already holds its configuration (e.g. a synthesized stack)."""
        return cls(path, env, None, parallelism)

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(["terraform", *args], cwd=self.path, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def prepare(self) -> None:
        for args in (("init", "-input=false", "-no-color"),
                     ("apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={self.parallelism}")):
            done = self.run(*args)
            if done.returncode != 0:
                raise SystemExit(f"{self.path.name}: terraform {args[0]} failed:\n{done.stdout}\n{done.stderr}")

    def plan(self, peak: list[int] | None = None) -> tuple[float, bool]:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["terraform", "plan", "-input=false", "-no-color", "-detailed-exitcode",
             f"-parallelism={self.parallelism}"],
            cwd=self.path, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        sampler = None
        if peak is not None:
            sampler = threading.Thread(target=_sample_rss, args=(process, peak), daemon=True)
            sampler.start()
        # A blocking wait, the hang guard apart: Popen.wait(timeout) polls with sleeps of up to 50 ms, which
        # added up to 50 ms to every plan timed here (a 65 ms floor read as 115 ms).
        guard = threading.Timer(900, process.kill)
        guard.start()
        code = process.wait()
        elapsed = time.perf_counter() - started
        guard.cancel()
        if sampler is not None:
            sampler.join()
        return elapsed, code == 0  # 0: refreshed, no changes; anything else is a failure here


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _sample_rss(process: subprocess.Popen, peak: list[int]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], _tree_rss(process.pid))
        time.sleep(0.02)


def start_emulator(root: Path, index: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data", str(root / f"emulator-{index}"), "--api-key", API_KEY, "--rate-limit", "1000000"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise SystemExit(f"emulator {index} did not start")
    return process, url


def _codat_block(url: str, alias: str | None = None) -> str:
    alias_line = f'  alias    = "{alias}"\n' if alias else ""
    return f'provider "codat" {{\n{alias_line}  base_url = "{url}"\n}}\n'


def _webhooks(count: int, provider: str | None = None, prefix: str = "w") -> str:
    line = f"  provider    = codat.{provider}\n" if provider else ""
    return "".join(
        f'resource "codat_webhook" "{prefix}{i}" {{\n{line}  url         = "https://hooks.example.com/{prefix}/{i}"\n'
        f'  event_types = ["DataSyncCompleted"]\n}}\n'
        for i in range(count)
    )


def _required(name: str, source: str) -> str:
    return f'terraform {{\n  required_providers {{\n    {name} = {{ source = "{source}" }}\n  }}\n}}\n'


def _floor(count: int) -> str:
    return "".join(f'resource "terraform_data" "r{i}" {{\n  input = {i}\n}}\n' for i in range(count))


def _emulator_requests(url: str, forget: bool = False) -> dict[str, int]:
    """The emulator's count of API requests by method and target; ``forget`` empties it."""
    request = urllib.request.Request(f"{url}/_emulator/requests", method="DELETE" if forget else "GET",
                                     headers={"Authorization": "Basic " + base64.b64encode(API_KEY.encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["requests"]


def counted_plan(folder: "Folder", url: str) -> dict[str, int]:
    """The requests one no-change plan of ``folder`` sends to the emulator at ``url``."""
    _emulator_requests(url, forget=True)
    _, ok = folder.plan()
    if not ok:
        raise SystemExit(f"{folder.path.name}: the counted plan failed or found changes")
    return _emulator_requests(url)


def reference_stack(root: Path, url: str, codat: dict[str, str]) -> "Folder":
    """main.py's stack (the Xero integration and its connection usage), synthesized and applied."""
    app = root / "reference"
    app.mkdir()
    shutil.copy(REPO / "main.py", app / "main.py")
    env = dict(codat, PYTHONPATH=str(REPO), CODAT_BASE_URL=url, XERO_CLIENT_ID="0A1B2C3D4E5F60718293A4B5C6D7E8F9",
               TF_VAR_xero_client_secret="bench-secret-0000")
    for name in ("CODAT_IAC_ENVIRONMENTS", "CODAT_IAC_STATE", "PG_CONN_STR"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "main.py"], cwd=app, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"reference stack: python main.py failed:\n{done.stdout}\n{done.stderr}")
    stack = Folder.existing(app / "cdktf.out" / "stacks" / "codat", env, parallelism=10)
    stack.prepare()
    return stack


def report_requests(name: str, counted: dict[str, int]) -> None:
    total = sum(counted.values())
    once = all(n == 1 for n in counted.values())
    shown = ", ".join(f"{target} x{n}" for target, n in sorted(counted.items()))
    print(f"  {name:<28} {total:3d} request{'s' if total != 1 else ' '}  {shown}  "
          f"goal: each once: {'MET' if once and total else 'MISSED'}")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(name: str, ours: list[float], floor: list[float], failures: int, goal: float | None) -> None:
    ratio = _median(ours) / _median(floor)
    verdict = "" if goal is None else f"  goal <= {goal:g}x: {'MET' if ratio <= goal else 'MISSED'}"
    print(f"  {name:<36} {_median(ours) * 1000:7.0f} ms  vs floor {_median(floor) * 1000:5.0f} ms  "
          f"= {ratio:5.2f}x  (failures: {failures}/{len(ours)}){verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds of the 50-resource plans (9)")
    parser.add_argument("--big-rounds", type=int, default=5, help="interleaved rounds of the 500-resource plans (5)")
    parser.add_argument("--skip-big", action="store_true", help="skip the 500-resource case")
    options = parser.parse_args()

    emulators: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="codat-plan-bench-") as tmp:
        root = Path(tmp)
        try:
            plain, codat = _plain_env(root), _codat_env(root)
            tpt = harness.Env(root=str(root / "tpt"), python=sys.executable)
            tpt_env = tpt.env()
            process, url = start_emulator(root, 0)
            emulators.append(process)
            codat_required = _required("codat", PROVIDER_SOURCE)
            small = {
                "floor: terraform_data x 50": Folder(root / "floor50", plain, _floor(50)),
                "tpt_counter x 50 (test provider)": Folder(
                    root / "tpt50", tpt_env,
                    _required("tpt", harness.SOURCE) + f'provider "tpt" {{\n  store = "{root / "tpt-store"}"\n}}\n'
                    + "".join(f'resource "tpt_counter" "r{i}" {{\n  value = {i}\n}}\n' for i in range(50))),
                "codat_webhook x 50": Folder(root / "webhook50", codat, codat_required + _codat_block(url)
                                             + _webhooks(50)),
                "data.codat_integration x 50": Folder(
                    root / "data50", codat, codat_required + _codat_block(url) + "".join(
                        f'data "codat_integration" "d{i}" {{\n'
                        f'  platform_key = "{PLATFORM_KEYS[i % len(PLATFORM_KEYS)]}"\n}}\n'
                        for i in range(50))),
            }
            for folder in small.values():
                folder.prepare()
                folder.plan()  # warm-up: bytecode caches, emulator
            times: dict[str, list[float]] = {name: [] for name in small}
            failures: dict[str, int] = {name: 0 for name in small}
            for _ in range(options.rounds):
                for name, folder in small.items():
                    elapsed, ok = folder.plan()
                    times[name].append(elapsed)
                    failures[name] += not ok
            floor_name = next(iter(small))
            print(f"terraform plan with refresh, medians of {options.rounds} interleaved rounds "
                  f"(-parallelism=10; floor = built-in terraform_data, no provider of ours):")
            for name in list(small)[1:]:
                report(name, times[name], times[floor_name], failures[name], GOALS.get(name))

            print("requests one no-change plan sends to Codat (the emulator's count; goal: each Codat object read "
                  "once, a list-only endpoint listed once):")
            report_requests("codat_webhook x 50", counted_plan(small["codat_webhook x 50"], url))
            report_requests("reference stack (main.py)", counted_plan(reference_stack(root, url, codat), url))

            if not options.skip_big:
                hcl = codat_required
                for index in range(1, 11):  # ten fresh instances: Codat allows at most 50 webhooks in one
                    process, url = start_emulator(root, index)
                    emulators.append(process)
                    hcl += (_codat_block(url, alias=f"i{index}")
                            + _webhooks(50, provider=f"i{index}", prefix=f"i{index}_"))
                big = {"floor: terraform_data x 500": Folder(root / "floor500", plain, _floor(500)),
                       "codat_webhook x 500 (10 instances)": Folder(root / "webhook500", codat, hcl)}
                for folder in big.values():
                    folder.prepare()
                    folder.plan()
                big_times: dict[str, list[float]] = {name: [] for name in big}
                big_failures = {name: 0 for name in big}
                peaks: list[int] = []
                for _ in range(options.big_rounds):
                    for name, folder in big.items():
                        peak = [0] if name.startswith("codat") else None
                        elapsed, ok = folder.plan(peak)
                        big_times[name].append(elapsed)
                        big_failures[name] += not ok
                        if peak is not None:
                            peaks.append(peak[0])
                print(f"500 resources over 10 Codat instances, medians of {options.big_rounds} interleaved rounds:")
                name = "codat_webhook x 500 (10 instances)"
                report(name, big_times[name], big_times["floor: terraform_data x 500"], big_failures[name],
                       GOALS[name])
                print(f"  peak resident memory of that plan (terraform + provider processes): "
                      f"{max(peaks) / 2**20:.0f} MiB")
        finally:
            for process in emulators:
                process.terminate()
                process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
