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
import sys

# What each program is needed for, the oldest version that works, and where to get it.
NEEDS = {
    "python": ("the project's own code", (3, 11),
               "https://www.python.org/downloads/ (or your OS package, e.g. python3.11)"),
    "terraform": ("plan and apply", (1, 11), "https://developer.hashicorp.com/terraform/install"),
    "node": ("synth (jsii) and the cdktf CLI", (20, 0), "https://nodejs.org/en/download (or your OS package)"),
    "npm": ("`make install` (npm ci of the cdktf CLI)", (7, 0), "it comes with Node.js: https://nodejs.org/en/download"),
}
EXIT_MISSING = 1
# A file (in the project's .codat-iac/) remembering the version each program told, by its path and file identity,
# so the wrappers do not start `terraform version` before every terraform they run.
CACHE_NAME = "preflight-versions.json"


def _shown(version):
    return ".".join(str(part) for part in version)


def _parse(text):
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return tuple(int(part) for part in found.groups(default="0")) if found else None


def _run(command, env):
    import subprocess  # here: a version found in the cache needs none

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


def _identity(path):
    """What changes when the program at `path` is replaced: its resolved path and file identity."""
    real = os.path.realpath(path)
    info = os.stat(real)
    return "{}:{}:{}:{}".format(real, info.st_ino, info.st_size, info.st_mtime_ns)


def _read_cache(cache):
    try:
        with open(str(cache)) as handle:
            known = json.load(handle)
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _cached_version(program, env, cache):
    """found_version, with each version told kept in `cache` (a JSON file) under the program's identity."""
    if cache is None or program == "python":
        return found_version(program, env)
    path = shutil.which(program, path=dict(os.environ if env is None else env).get("PATH"))
    if path is None:
        return None, None
    try:
        key = "{}={}".format(program, _identity(path))
    except OSError:
        return found_version(program, env)
    known = _read_cache(cache)
    if isinstance(known.get(key), list):
        return path, tuple(known[key])
    path, version = found_version(program, env)
    if version is not None:
        known[key] = list(version)
        temporary = "{}.{}.tmp".format(cache, os.getpid())
        try:
            with open(temporary, "w") as handle:
                json.dump(known, handle)
            os.replace(temporary, str(cache))
        except OSError:
            pass  # a folder we may not write: ask the program again next time
    return path, version


def problems(programs, env=None, cache=None):
    """One message per program in `programs` that is missing or older than needed (empty: all good). `cache`: a
    file that keeps the versions found, by program file (see CACHE_NAME)."""
    found = []
    for program in programs:
        why, needed, where = NEEDS[program]
        path, version = _cached_version(program, env, cache)
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
