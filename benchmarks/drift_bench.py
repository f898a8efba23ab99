"""Benchmark `codat-iac drift` against `cdktf diff` on the same stacks, in the same run (a script, not a test).

    .venv/bin/python benchmarks/drift_bench.py [--runs N] [--stacks N]

Sets up an isolated copy of the app (main.py) in a temp folder with its own emulator, deploys it, switches
Xero off "in the Portal" so both tools have real drift to find, warms both up once (terraform init done),
then times N runs of each, interleaved. Prints the medians and the ratio (target: drift <= half of diff).
`cdktf diff` takes one stack per run, so with several stacks it is timed once per stack and summed.
--stacks N (N > 1) benchmarks a generated app of N copies of the reference stack (one per "environment")
instead of main.py; drift checks them in parallel.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from isolated_app import REPO, isolated_app

from codat_iac import cdk

TARGET = 0.5
MANY_STACKS = """
import os

from codat_constructs import App, CodatProvider, CodatXeroIntegration, Secret, TerraformStack, XeroApp
from codat_constructs.state import use_state_backend

app = App()
for index in range(1, {count} + 1):
    stack = TerraformStack(app, f"env{{index}}")
    use_state_backend(stack)
    CodatProvider(stack, "codat", base_url=os.environ["CODAT_BASE_URL"])
    xero = XeroApp(stack, "xero_app", app_name=f"Codat IaC env{{index}}", company_url="https://example.com",
                   client_id=os.environ["XERO_CLIENT_ID"])
    CodatXeroIntegration(stack, "xero", app=xero, client_secret=Secret.from_env(stack, "xero_client_secret"))
app.synth()
"""


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stacks", type=int, default=1, help="1: main.py; N > 1: a generated app of N stacks")
    options = parser.parse_args()

    many = ("many_stacks.py", MANY_STACKS.format(count=options.stacks)) if options.stacks > 1 else None
    with isolated_app("codat-iac-drift-bench-", many) as isolated:
        work, app, env = isolated.work, isolated.app, isolated.env
        codat_iac = [sys.executable, "-m", "codat_iac"]
        cdktf = str(cdk.cli(cdk.chosen(env)))  # the CLI of the CDK that CODAT_IAC_CDK picks

        for step in (["plan", "--app-dir", str(app), "--out", str(work / "plan")], ["apply", str(work / "plan")]):
            _, code, output = _timed(codat_iac + step, app, env)
            if code not in (0, 2):
                print(output, file=sys.stderr)
                return 1
        stacks = [s for s in json.loads((app / "cdktf.out" / "manifest.json").read_text())["stacks"]]
        subprocess.run([sys.executable, "-m", "codat_emulator", "portal", "disable", "gbol", "--data",
                        str(work / "emulator")], cwd=REPO, check=True, capture_output=True)

        def drift_run() -> tuple[float, int, str]:
            return _timed(codat_iac + ["drift", "--app-dir", str(app)], app, env)

        def diff_run() -> tuple[float, int, str]:
            total, codes, outputs = 0.0, [], []
            for stack in stacks:
                seconds, code, output = _timed([cdktf, "diff", stack], app, env)
                total, codes, outputs = total + seconds, codes + [code], outputs + [output]
            return total, max(codes), "".join(outputs)

        drift_first, diff_first = drift_run(), diff_run()  # warm-up: terraform init, caches
        if drift_first[1] != 2 or "enabled" not in drift_first[2] or "enabled" not in diff_first[2]:
            print("both tools should have seen `enabled` drift:\n" + drift_first[2] + diff_first[2], file=sys.stderr)
            return 1
        drift_times, diff_times = [], []
        for _ in range(options.runs):
            drift_times.append(drift_run()[0])
            diff_times.append(diff_run()[0])
        drift_median, diff_median = statistics.median(drift_times), statistics.median(diff_times)
        ratio = drift_median / diff_median
        print(f"drift vs cdktf diff: {len(stacks)} stack(s) ({', '.join(stacks)}), {options.runs} runs each "
              f"after one warm-up, real drift (Xero switched off in the Portal); {os.cpu_count()} CPUs")
        print(f"  codat-iac drift  median {drift_median:5.2f} s  runs {' '.join(f'{t:.2f}' for t in drift_times)}"
              f"  (exit {drift_first[1]}: drift found)")
        print(f"  cdktf diff       median {diff_median:5.2f} s  runs {' '.join(f'{t:.2f}' for t in diff_times)}"
              f"  (exit {diff_first[1]}, whatever it finds)")
        print(f"  ratio            {ratio:.2f}  (target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT met'})")
        return 0


if __name__ == "__main__":
    sys.exit(main())
