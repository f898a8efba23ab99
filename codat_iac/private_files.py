"""Files that can hold what Codat answered are readable by their owner only: 0600 files, 0700 folders.

State files hold every attribute Codat returned, saved plans the same, and cdktf.out/ the stacks and
Terraform's working folders. Terraform's local backend creates a state file (and its `.backup`) with the
process's umask and rewrites an existing one in place, keeping its mode (under the usual umask 022: 0644). So:
- every tool codat-iac starts (terraform, the app's synth, a raw tool through a bin/ wrapper) runs under umask
  077 (`PRIVATE_UMASK`), and everything it creates is private;
- what already exists from before (a 0644 state file, a cdktf.out/ of an earlier version) is tightened before
  the tools run (`tighten_synthesized`): group and other lose every right, the owner's are kept (the provider's
  launcher stays executable);
- files codat-iac writes itself are created 0600 (`write_private`), folders 0700 (`private_folder`).
Symbolic links are left alone (the provider in .terraform/providers links to the project's mirror).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PRIVATE_UMASK = 0o077
_OWNER = 0o700


def _tighten_one(path: Path) -> None:
    try:
        found = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(found.st_mode):
        return
    mode = stat.S_IMODE(found.st_mode)
    wanted = _OWNER if stat.S_ISDIR(found.st_mode) else mode & _OWNER
    if mode != wanted:
        os.chmod(path, wanted)


def tighten(root: Path) -> None:
    """`root` and everything under it: no right for group or other (symbolic links not followed)."""
    if not root.is_dir() or root.is_symlink():
        _tighten_one(root)
        return
    _tighten_one(root)
    for folder, folders, files in os.walk(root):
        for name in (*folders, *files):
            _tighten_one(Path(folder) / name)


def state_files(config: Mapping[str, Any]) -> list[Path]:
    """The local state file a synthesized stack declares (`terraform.backend.local.path`) and its backup."""
    local = ((config.get("terraform") or {}).get("backend") or {}).get("local") or {}
    path = local.get("path") if isinstance(local, Mapping) else None
    return [Path(path), Path(f"{path}.backup")] if isinstance(path, str) and path else []


def synthesized_configs(outdir: Path) -> list[Mapping[str, Any]]:
    """The `cdk.tf.json` of each stack synthesized in `outdir` (a project's cdktf.out/); one that cannot be read
    (half written) is left out: its stack cannot run either."""
    configs = []
    for path in sorted((outdir / "stacks").glob("*/cdk.tf.json")):
        try:
            config = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(config, Mapping):
            configs.append(config)
    return configs


def tighten_synthesized(outdir: Path) -> None:
    """A project's cdktf.out/ and the local state files of the stacks synthesized there."""
    tighten(outdir)
    for config in synthesized_configs(outdir):
        for state in state_files(config):
            _tighten_one(state)


def private_folder(path: Path) -> Path:
    """Create `path` (and its parents) when missing; the folder itself 0700 either way."""
    path.mkdir(mode=_OWNER, parents=True, exist_ok=True)
    _tighten_one(path)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only (an existing file too)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
