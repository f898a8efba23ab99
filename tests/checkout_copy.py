"""A copy of this checkout to run the local workflow in, so that nothing a test runs lands in the developer's own.

`make deploy` keeps its emulator, state and caches in the checkout (`.codat-iac/`, `cdktf.out/`,
`terraform.codat.tfstate`); running it here would change the developer's local deploy. The copy holds the tracked
files (mtimes kept, so make sees nothing to install) and links the installed packages (`.venv`, `node_modules`,
CDK Terrain's toolchain when present) to this checkout's: the tool code under test is the copy's, the installed
packages are shared read-only.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INSTALLED = (".venv", "node_modules", "toolchains/cdktn/node_modules")


def tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    return [name for name in done.stdout.split("\0") if name]


def copy_checkout(root: Path) -> Path:
    """The tracked files of this checkout in `root` (created), with the installed packages linked."""
    for name in tracked_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).exists():
            shutil.copy2(REPO / name, target, follow_symlinks=False)
    for installed in INSTALLED:
        if (REPO / installed).exists():
            (root / installed).parent.mkdir(parents=True, exist_ok=True)
            (root / installed).symlink_to(REPO / installed)
    return root
