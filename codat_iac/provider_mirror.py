"""The Codat provider as Terraform installs it in a project: a filesystem mirror of launchers, and its lock.

Terraform finds the provider in the project's `terraform-mirror/` (the tool environment's CLI config names
it; no registry): `codat.local/codat/codat/<version>/<os>_<arch>/terraform-provider-codat_v<version>` is a
`/bin/sh` launcher that runs `python -m codat_provider`. Which Python: `CODAT_IAC_PYTHON`, which codat-iac's
tool environment sets to its own interpreter (the one codat-iac, and so codat_provider, is installed in) and
`codat-iac env` exports; without it (plain `terraform` in a shell that did not export it) the project's
`.venv/bin/python`, else `python3` on PATH. Why a variable and not a path: the launcher holds no absolute
path, so it hashes the same on every machine and platform, and the lock file below can be committed and
shared. (pip's own entry-point scripts bake the venv's path in, so they cannot be locked that way.)

`terraform-mirror/.terraform.lock.hcl` is the provider's lock entry for every platform, made by
`terraform providers lock -fs-mirror`. codat-iac gives each synthesized stack that entry (pipeline.App.synth),
so `terraform init` checks the launcher it runs against the committed one, and an upgrade reaches the stacks.

`ensure` writes the installed version's launchers where they are missing (every command calls it through
the tool environment, so a project made by hand works too); `install` (`codat-iac provider install`, also run
by `codat-iac init`) rewrites them, drops other versions' launchers and remakes the lock file.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from codat_provider import VERSION

PROVIDER_HOST = "codat.local"
PROVIDER_SOURCE = f"{PROVIDER_HOST}/codat/codat"
PLATFORMS = ("darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64")
PYTHON_ENV = "CODAT_IAC_PYTHON"
LOCK_FILE = ".terraform.lock.hcl"

LAUNCHER = """#!/bin/sh
# The Codat Terraform provider (written by `codat-iac provider install`; do not edit). It runs
# `python -m codat_provider` with the Python codat-iac is installed in: $CODAT_IAC_PYTHON, which codat-iac
# sets (and `codat-iac env` exports); else this project's .venv; else python3 on PATH. No absolute path is
# baked in, so this file hashes the same on every machine and the lock file can be shared.
python=${CODAT_IAC_PYTHON:-}
if [ -z "$python" ]; then
  root=$(cd "$(dirname "$(readlink -f "$0")")/../../../../../.." && pwd)
  python="$root/.venv/bin/python"
  [ -x "$python" ] || python=python3
fi
# Terraform starts the provider ~3 times a plan: let Python keep its compiled bytecode between starts.
unset PYTHONDONTWRITEBYTECODE
exec "$python" -m codat_provider "$@"
"""


class ProviderInstallError(RuntimeError):
    """The lock file could not be made; the message has Terraform's words."""


def _version_dir(mirror: Path) -> Path:
    return mirror / PROVIDER_SOURCE


def launcher_paths(mirror: Path, version: str = VERSION) -> list[Path]:
    return [_version_dir(mirror) / version / platform / f"terraform-provider-codat_v{version}"
            for platform in PLATFORMS]


def _write_launcher(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(LAUNCHER)
    tmp.chmod(0o755)
    tmp.replace(path)


def ensure(mirror: Path) -> None:
    """Write this version's launchers where they are missing; never rewrite one (the lock file checks it)."""
    for path in launcher_paths(mirror):
        if not path.exists():
            _write_launcher(path)


def _stale_launchers(mirror: Path) -> list[Path]:
    """Launchers of other versions of our provider (nothing else in the mirror is touched)."""
    current = set(launcher_paths(mirror))
    return [path for path in _version_dir(mirror).glob("*/*/terraform-provider-codat_v*") if path not in current]


def install(mirror: Path, env: dict[str, str]) -> Path:
    """Rewrite the launchers of this version, remove other versions' ones, and make the lock file for every
    platform with `terraform providers lock -fs-mirror`; returns the lock file. `env` runs terraform."""
    for path in launcher_paths(mirror):
        if not path.exists() or path.read_text() != LAUNCHER or not os.access(path, os.X_OK):
            _write_launcher(path)
    for path in _stale_launchers(mirror):
        path.unlink()
        for folder in (path.parent, path.parent.parent):
            if not any(folder.iterdir()):
                folder.rmdir()
    lock = mirror / LOCK_FILE
    text = _locked(mirror, env)
    if not lock.exists() or lock.read_text() != text:
        lock.write_text(text)
    return lock


def _locked(mirror: Path, env: dict[str, str]) -> str:
    run_env = {name: value for name, value in env.items() if not name.startswith("TF_CLI_ARGS")}
    with tempfile.TemporaryDirectory(prefix="codat-iac-lock-") as tmp:
        (Path(tmp) / "main.tf").write_text(
            'terraform {\n  required_providers {\n'
            f'    codat = {{ source = "{PROVIDER_SOURCE}", version = "{VERSION}" }}\n'
            '  }\n}\n'
        )
        platforms = [f"-platform={platform}" for platform in PLATFORMS]
        done = subprocess.run(
            ["terraform", "providers", "lock", f"-fs-mirror={mirror}", *platforms, PROVIDER_SOURCE],
            cwd=tmp, env=run_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
        )
        if done.returncode != 0:
            raise ProviderInstallError(
                f"`terraform providers lock` failed for {mirror}:\n{(done.stderr or done.stdout).strip()}")
        return (Path(tmp) / LOCK_FILE).read_text()


def uses_provider(config: dict) -> bool:
    """True when a synthesized stack (its cdk.tf.json) requires the Codat provider."""
    required = (config.get("terraform") or {}).get("required_providers") or {}
    return any(isinstance(spec, dict) and spec.get("source") == PROVIDER_SOURCE for spec in required.values())


def _provider_block(lock_text: str) -> str | None:
    found = _BLOCK.search(lock_text)
    return found.group(0) if found else None


_BLOCK = re.compile(r'^provider "' + re.escape(PROVIDER_SOURCE) + r'" \{\n.*?^\}\n', re.MULTILINE | re.DOTALL)


def seed_lock(mirror: Path, stack_dir: Path, config: dict) -> None:
    """Give a synthesized stack that uses the provider the project's lock entry: the project's lock file when
    the stack has none yet, else its Codat block replaced when it differs (e.g. after an upgrade and
    `codat-iac provider install`). Other providers' entries are Terraform's to add and keep."""
    source, target = mirror / LOCK_FILE, stack_dir / LOCK_FILE
    if not source.is_file() or not uses_provider(config):
        return
    ours = source.read_text()
    if not target.exists():
        target.write_text(ours)
        return
    theirs = target.read_text()
    block, current = _provider_block(ours), _provider_block(theirs)
    if block and current != block:
        target.write_text(theirs.replace(current, block) if current else theirs.rstrip("\n") + "\n\n" + block)
