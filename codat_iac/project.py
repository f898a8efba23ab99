"""Which project a codat-iac command works on, and where that project keeps its files.

The project is the user's folder: `cdktf.json` and the app it names (`main.py`), plus what codat-iac keeps
beside them: `.codat-iac/` (tool state: Terraform's CLI config, the local emulator, caches),
`terraform-mirror/` (the provider, see provider_mirror.py), `node_modules/` (the cdktf CLI, when installed),
`cdktf.out/` and state files. The package is where codat-iac itself is installed (a virtualenv's
site-packages, or this repository when run from source); in this repository the two coincide.

The project root is, first found:
1. `--app-dir DIR` on the command line;
2. `CODAT_IAC_APP_DIR` (this repository's bin/ wrappers set it to the repository when unset);
3. the nearest folder holding `cdktf.json`, from the working directory upwards (as git finds `.git`), so a
   command run inside `cdktf.out/stacks/<stack>/` finds its project.
It must hold `cdktf.json`; otherwise the command stops and says how to make one (`codat-iac init`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_DIR_ENV = "CODAT_IAC_APP_DIR"
MARKER = "cdktf.json"


class ProjectNotFound(RuntimeError):
    """No project here; the message says where it looked and how to make or name one."""


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def state_dir(self) -> Path:
        """Run-time files of the tool (git-ignored): CLI config, local emulator, caches."""
        return self.root / ".codat-iac"

    @property
    def mirror(self) -> Path:
        """The filesystem mirror Terraform installs the Codat provider from (committed with the project)."""
        return self.root / "terraform-mirror"

    @property
    def node_bin(self) -> Path:
        """Where `codat-iac install` (npm ci) puts the cdktf CLI."""
        return self.root / "node_modules" / ".bin"

    @property
    def wrappers(self) -> Path:
        """Wrapper scripts a project may keep (this repository's bin/cdktf, bin/terraform, bin/codat-iac)."""
        return self.root / "bin"

    @property
    def command(self) -> str:
        """How a user runs codat-iac in this project, for hints: its bin/ wrapper when it has one."""
        return "bin/codat-iac" if (self.wrappers / "codat-iac").exists() else "codat-iac"


def find(app_dir: str | None = None, cwd: Path | None = None) -> Project:
    """The project named by `app_dir`, else by CODAT_IAC_APP_DIR, else the nearest one above `cwd`."""
    named = app_dir or os.environ.get(APP_DIR_ENV, "").strip()
    if named:
        root = Path(named).expanduser().resolve()
        if not (root / MARKER).is_file():
            how = "--app-dir" if app_dir else APP_DIR_ENV
            raise ProjectNotFound(
                f"{root} (from {how}) has no {MARKER}, so it is not a codat-iac project. Name the folder that "
                f"holds cdktf.json and main.py, or create a project there with `codat-iac init {root}`."
            )
        return Project(root)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return Project(folder)
    raise ProjectNotFound(
        f"no {MARKER} in {start} or any folder above it, so there is no codat-iac project here. Run the command "
        f"in your project's folder, name it with --app-dir DIR (or {APP_DIR_ENV}), or create one with "
        f"`codat-iac init DIR`."
    )


_chosen: Project | None = None


def use(project: Project) -> Project:
    """Make `project` the one this process works on (the CLI calls it once, from --app-dir)."""
    global _chosen
    _chosen = project
    return project


def current() -> Project:
    """The project this process works on: the one `use` chose, else found as the module's doc says."""
    return _chosen if _chosen is not None else find()
