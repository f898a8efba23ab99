"""The warm provider against Terraform's floor and a Go provider, side by side in one run (a script, not a test).

    .venv/bin/python benchmarks/warm_bench.py [--rounds N] [--big-rounds N] [--skip-big]

Every figure is the median wall time of whole `terraform` runs, rounds interleaved (one run of each column per
round) so that load on the machine hits all alike; the machine's load average is printed before and after.
Columns:

  floor        built-in `terraform_data`, the same count: no provider process at all
  Go           a Go provider on terraform-plugin-framework (`workato-terraform-provider` from PyPI, pinned in
               benchmarks/requirements-bench.txt, installed by `make bench` into .codat-iac/bench-tools/ of this
               repository, never into a project): `workato_project_property`, same count. It cannot refresh
               without its service, so it appears in the create plan and validate rows only
  cold         ours as raw terraform runs it: terraform starts the provider (3 processes a plan)
  warm         ours inside a run: attached to one warm provider started before the round (codat_iac/warm.py), as
               in `codat-iac drift` over several stacks or deploy's plan then apply
  bin/terraform ours through the wrapper, end to end: its Python, the server's start and the plan
  bin/terraform, warm off   the same with CODAT_IAC_WARM_PROVIDER=0 (the wrapper as it was)

Rows: 50 `codat_webhook` planned with refresh (applied first); 50 creates planned (nothing applied); validate of
the 50; 500 `codat_webhook` over 10 Codat instances (10 emulators, 10 provider aliases) at -parallelism=10 with
refresh. Ratios are to the floor of the same row; goals (issue #23) are printed beside the ratios they bind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from plan_bench import _codat_block, _floor, _plain_env, _required, _webhooks, start_emulator  # noqa: E402

from codat_iac import warm  # noqa: E402
from codat_iac.toolenv import PROVIDER_SOURCE, tool_environment  # noqa: E402

API_KEY = "bench-api-key-0001"
GO_TOOLS = REPO / ".codat-iac" / "bench-tools" / "go-anchor"
GO_MIRROR = GO_TOOLS / "workato_terraform_provider" / "payload"
GO_SOURCE = "registry.terraform.io/local/workato"
WRAPPER = str(REPO / "bin" / "terraform")
# Goals of issue #23, by (row, column): at most this many times the floor.
GOALS = {("50 webhooks, plan with refresh", "warm"): 1.5, ("500 over 10 aliases, -parallelism=10", "warm"): 2.0,
         ("validate, 50 webhooks", "warm"): 1.5, ("50 webhooks, plan with refresh", "bin/terraform"): 3.5}


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and exit code of one whole run (a blocking wait: Popen.wait(timeout) polls with sleeps)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    guard = threading.Timer(900, process.kill)
    guard.start()
    code = process.wait()
    guard.cancel()
    return time.perf_counter() - started, code


def _check(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} in {cwd} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _folder(root: Path, name: str, hcl: str, env: dict[str, str], *, apply: bool, parallelism: int = 10) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "main.tf").write_text(hcl)
    _check(["terraform", "init", "-input=false", "-no-color"], folder, env)
    if apply:
        _check(["terraform", "apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={parallelism}"],
               folder, env)
    return folder


def _go_env(root: Path) -> dict[str, str] | None:
    if not (GO_MIRROR / GO_SOURCE).is_dir():
        return None
    for binary in GO_MIRROR.rglob("terraform-provider-workato_*"):
        binary.chmod(0o755)  # pip keeps no modes from a wheel's payload
    config = root / "go.tfrc"
    config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{GO_MIRROR}"\n'
                      f'    include = ["{GO_SOURCE}"]\n  }}\n}}\n')
    return dict(_plain_env(root), TF_CLI_CONFIG_FILE=str(config))


def _go_config(count: int) -> str:
    return (_required("workato", GO_SOURCE) + 'provider "workato" {\n  base_url = "https://127.0.0.1:9"\n'
            '  api_key  = "bench"\n}\n' + "".join(f'resource "workato_project_property" "p{i}" {{\n  name  = "p{i}"\n'
                                               f'  value = "v{i}"\n}}\n' for i in range(count)))


class Row:
    """One row: a terraform command line, and per column the folder and environment to run it in."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name, self.args = name, args
        self.columns: dict[str, tuple[list[str], Path, dict[str, str]]] = {}
        self.times: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}

    def add(self, column: str, folder: Path, env: dict[str, str], wrapper: bool = False) -> None:
        command = [WRAPPER, f"-chdir={folder}", *self.args] if wrapper else ["terraform", *self.args]
        self.columns[column] = (command, folder, env)
        self.times[column], self.failures[column] = [], 0

    def round(self, expected: tuple[int, ...]) -> None:
        for column, (command, folder, env) in self.columns.items():
            elapsed, code = _run(command, folder, env)
            self.times[column].append(elapsed)
            self.failures[column] += code not in expected

    def report(self) -> None:
        floor = statistics.median(self.times["floor"])
        print(f"{self.name}:")
        for column, times in self.times.items():
            median = statistics.median(times)
            goal = GOALS.get((self.name, column))
            verdict = "" if goal is None else f"  goal <= {goal:g}x: {'MET' if median / floor <= goal else 'MISSED'}"
            failures = f"  failures {self.failures[column]}/{len(times)}" if column != "floor" else ""
            print(f"  {column:<26} {median * 1000:7.0f} ms  {median / floor:5.2f}x{failures}{verdict}")


def _ours(row: Row, folder: Path, codat: dict[str, str], run: warm.Run) -> None:
    row.add("cold", folder, codat)
    row.add("warm", folder, run.environment(row.args, codat))
    row.add("bin/terraform", folder, dict(codat, CODAT_IAC_APP_DIR=str(REPO)), wrapper=True)
    row.add("bin/terraform, warm off", folder, dict(codat, CODAT_IAC_APP_DIR=str(REPO), **{warm.WARM_ENV: "0"}),
            wrapper=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds of the 50-resource rows (9)")
    parser.add_argument("--big-rounds", type=int, default=5, help="interleaved rounds of the 500-resource row (5)")
    parser.add_argument("--skip-big", action="store_true", help="skip the 500-resource row")
    options = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    emulators: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="codat-warm-bench-") as tmp, warm.run(print) as run:
        root = Path(tmp)
        try:
            process, url = start_emulator(root, 0)
            emulators.append(process)
            plain, go = _plain_env(root), _go_env(root)
            codat = tool_environment(state_dir=root / "tool-state")
            for name in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "CODAT_IAC_ENVIRONMENTS", warm.WARM_ENV,
                         warm.REATTACH_ENV):
                codat.pop(name, None)
            codat.update(CODAT_API_KEY=API_KEY, CODAT_BASE_URL=url, TF_IN_AUTOMATION="1", TF_INPUT="0")
            required = _required("codat", PROVIDER_SOURCE)
            applied = _folder(root, "webhooks50", required + _codat_block(url) + _webhooks(50), codat, apply=True)
            created = _folder(root, "creates50", required + _codat_block(url) + _webhooks(50, prefix="c"), codat,
                              apply=False)
            floor_applied = _folder(root, "floor50", _floor(50), plain, apply=True)
            floor_created = _folder(root, "floor50-create", _floor(50), plain, apply=False)

            plan = ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-parallelism=10"]
            refresh = Row("50 webhooks, plan with refresh", plan)
            refresh.add("floor", floor_applied, plain)
            _ours(refresh, applied, codat, run)
            create = Row("50 creates, plan", plan)
            create.add("floor", floor_created, plain)
            validate = Row("validate, 50 webhooks", ["validate", "-no-color"])
            validate.add("floor", floor_created, plain)
            if go is not None:
                go_folder = _folder(root, "go50", _go_config(50), go, apply=False)
                create.add("Go", go_folder, go)
                validate.add("Go", go_folder, go)
            else:
                print(f"(no Go provider: `make bench` installs it into {GO_TOOLS.relative_to(REPO)})")
            _ours(create, created, codat, run)
            _ours(validate, applied, codat, run)

            rows = ((refresh, (0,)), (create, (2,)), (validate, (0,)))
            for row, expected in rows:
                row.round(expected)  # warm-up: bytecode caches, the emulator, the servers
                row.times = {column: [] for column in row.times}
                row.failures = dict.fromkeys(row.failures, 0)
            for _ in range(options.rounds):
                for row, expected in rows:
                    row.round(expected)
            print(f"medians of {options.rounds} interleaved rounds, ratio to the row's floor:")
            for row, _ in rows:
                row.report()

            if not options.skip_big:
                hcl = required
                for index in range(1, 11):  # ten fresh instances: Codat allows at most 50 webhooks in one
                    process, alias_url = start_emulator(root, index)
                    emulators.append(process)
                    hcl += _codat_block(alias_url, alias=f"i{index}") + _webhooks(50, provider=f"i{index}",
                                                                                  prefix=f"i{index}_")
                big = Row("500 over 10 aliases, -parallelism=10", plan)
                big.add("floor", _folder(root, "floor500", _floor(500), plain, apply=True), plain)
                _ours(big, _folder(root, "webhooks500", hcl, codat, apply=True), codat, run)
                big.round((0,))
                big.times = {column: [] for column in big.times}
                big.failures = dict.fromkeys(big.failures, 0)
                for _ in range(options.big_rounds):
                    big.round((0,))
                print(f"medians of {options.big_rounds} interleaved rounds:")
                big.report()
        finally:
            for process in emulators:
                process.terminate()
                process.wait(timeout=10)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
