"""Before any work: the programs this project runs, at versions it works with, or one message naming each
missing or too old one, the version needed and where to get it.

Standard library only and plain syntax (no annotations that need a new Python): `make install` runs it with
the system's `python3`, before the virtualenv exists, so that an old Python is named instead of failing on
syntax. `python3 codat_iac/preflight.py python node npm terraform` checks those four.
"""

import json
import os
import re
import shutil
import subprocess
import sys

# What each program is needed for, the oldest version that works, and where to get it.
NEEDS = {
    "python": ("the project's own code", (3, 11), "https://www.python.org/downloads/ (or your OS package, e.g. python3.11)"),
    "terraform": ("plan and apply", (1, 11), "https://developer.hashicorp.com/terraform/install"),
    "node": ("synth (jsii) and the cdktf CLI", (20, 0), "https://nodejs.org/en/download (or your OS package)"),
    "npm": ("`make install` (npm ci of the cdktf CLI)", (7, 0), "it comes with Node.js: https://nodejs.org/en/download"),
}
EXIT_MISSING = 1


def _shown(version):
    return ".".join(str(part) for part in version)


def _parse(text):
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return tuple(int(part) for part in found.groups(default="0")) if found else None


def _run(command, env):
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def found_version(program, env=None):
    """(path, version) of `program` as this project would run it; version None if it did not answer."""
    env = dict(os.environ if env is None else env)
    if program == "python":
        return sys.executable, tuple(sys.version_info[:3])
    path = shutil.which(program, path=env.get("PATH"))
    if path is None:
        return None, None
    if program == "terraform":
        env.setdefault("CHECKPOINT_DISABLE", "1")
        output = _run([path, "version", "-json"], env)
        try:
            return path, _parse(json.loads(output)["terraform_version"]) if output else None
        except (ValueError, KeyError, TypeError):
            return path, _parse(output)
    return path, _parse(_run([path, "--version"], env))


def problems(programs, env=None):
    """One message per program in `programs` that is missing or older than needed (empty: all good)."""
    found = []
    for program in programs:
        why, needed, where = NEEDS[program]
        path, version = found_version(program, env)
        if path is None:
            found.append("{} is not on PATH; {} {} or newer is needed for {}. Get it from {}".format(
                program, program, _shown(needed), why, where))
        elif version is None:
            found.append("{} at {} did not tell its version (`{} --version` failed); {} {} or newer is needed "
                         "for {}. Get it from {}".format(program, path, program, program, _shown(needed), why, where))
        elif version < needed:
            found.append("{} {} at {} is too old; {} {} or newer is needed for {}. Get it from {}".format(
                program, _shown(version), path, program, _shown(needed), why, where))
    return found


def report(programs, env=None, prog="codat-iac"):
    """Print every problem once (stderr); return True when there is none."""
    missing = problems(programs, env)
    for message in missing:
        print("{}: {}".format(prog, message), file=sys.stderr)
    return not missing


if __name__ == "__main__":
    wanted = sys.argv[1:] or sorted(NEEDS)
    unknown = [name for name in wanted if name not in NEEDS]
    if unknown:
        sys.exit("preflight: unknown program(s) {}; known: {}".format(", ".join(unknown), ", ".join(sorted(NEEDS))))
    sys.exit(0 if report(wanted, prog="preflight") else EXIT_MISSING)
