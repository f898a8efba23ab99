"""Benchmark a no-change `codat-iac deploy` against `cdktf deploy` of the same stack, in the same run (a
script, not a test).

    .venv/bin/python benchmarks/deploy_bench.py [--runs N]

Sets up an isolated copy of the app (main.py) in a temp folder with its own emulator, deploys it once, then
times N no-change deploys of each tool, interleaved, on the same stack folder and state file. Both must say
that nothing changed. Prints the medians and the ratio (target: codat-iac deploy <= half of cdktf deploy).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from isolated_app import isolated_app

from codat_iac import cdk

TARGET = 0.5


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    with isolated_app("codat-iac-deploy-bench-") as isolated:
        app, env = isolated.app, isolated.env
        codat_iac = [sys.executable, "-m", "codat_iac", "deploy", "--app-dir", str(app)]
        cdktf = [str(cdk.cli(cdk.chosen(env))), "deploy", "--auto-approve"]  # the CLI of the chosen CDK

        _timed(codat_iac, app, env)  # the first deploy creates the integration; both tools then find it there
        _timed(cdktf, app, env)  # warm-up of cdktf (its own init)
        ours, theirs = [], []
        for _ in range(options.runs):
            seconds, output = _timed(codat_iac, app, env)
            if "codat: no changes" not in output:
                raise SystemExit(f"codat-iac deploy should have found nothing to change:\n{output}")
            ours.append(seconds)
            seconds, output = _timed(cdktf, app, env)
            if "No changes" not in output:
                raise SystemExit(f"cdktf deploy should have found nothing to change:\n{output}")
            theirs.append(seconds)
        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        ratio = ours_median / theirs_median
        print(f"no-change deploy of main.py's stack: codat-iac deploy vs cdktf deploy, {options.runs} runs each, "
              f"interleaved, after one of each; {os.cpu_count()} CPUs")
        print(f"  codat-iac deploy  median {ours_median:5.2f} s  runs {' '.join(f'{t:.2f}' for t in ours)}")
        print(f"  cdktf deploy      median {theirs_median:5.2f} s  runs {' '.join(f'{t:.2f}' for t in theirs)}")
        print(f"  ratio             {ratio:.2f}  goal <= {TARGET}x: {'MET' if ratio <= TARGET else 'MISSED'}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
