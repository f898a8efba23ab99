"""`codat-iac init DIR`: a new project in a folder of the user's repository.

It writes `cdktf.json`, a `main.py` declaring one Xero integration with the package's constructs (or, with
CODAT_IAC_ENVIRONMENTS, the stacks of an environments file such as `codat-iac adopt` writes), `requirements.txt`
(codat-iac as `--vendor` or `--from` chose: vendor_wheel.py), `.gitignore`, a short `README.md`, the cdktf
CLI's `package.json` and `package-lock.json` (for `codat-iac install`), the example GitHub Actions pipeline,
and the provider's mirror and lock file (provider_mirror.install). The files come from `templates/` in the
package, so a project never reads anything from a codat-iac checkout.

A folder that is not empty is refused unless `--force`; even then no file of the user's is changed or
removed: a file that exists is kept and named (only `.gitignore` gets our missing lines appended).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

from codat_iac import provider_mirror
from codat_iac.project import MARKER, Project
from codat_iac.vendor_wheel import Wheel

VENDOR = "vendor"
PIPELINE = Path(".github") / "workflows" / "codat-iac.yml"
# Project file -> template in the package (codat_iac/templates/).
TEMPLATES = {
    Path("main.py"): "project/main.py",
    Path("README.md"): "project/README.md",
    Path(".gitignore"): "project/gitignore",
    Path("package.json"): "cdktf-cli/package.json",
    Path("package-lock.json"): "cdktf-cli/package-lock.json",
    PIPELINE: "project/github-actions.yml",
}


class InitRefused(RuntimeError):
    """The folder cannot take a project as asked; nothing was written."""


@dataclass
class Created:
    """What `init` did: files written, files of the user's kept as they were, .gitignore lines added."""

    project: Project
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    ignored_added: list[str] = field(default_factory=list)


def template(name: str) -> str:
    return resources.files("codat_iac").joinpath("templates", *name.split("/")).read_text()


def cdktf_json() -> str:
    """cdktf.json: the app runs on the interpreter codat-iac runs on (CODAT_IAC_PYTHON, which codat-iac and
    `codat-iac env` set), else python3; cdktf and codat-iac both run it through a shell."""
    config = {
        "language": "python",
        "app": "${CODAT_IAC_PYTHON:-python3} main.py",
        "projectId": str(uuid.uuid4()),
        "sendCrashReports": "false",
        "terraformProviders": [],
        "terraformModules": [],
        "codeMakerOutput": "imports",
        "context": {},
    }
    return json.dumps(config, indent=2) + "\n"


def requirements_txt(line: str) -> str:
    """requirements.txt: codat-iac as `line` says (the vendored wheel's path, or the --from requirement)."""
    vendored = line.startswith(f"./{VENDOR}/")
    where = (f"# {line[2:]} is the codat-iac `codat-iac init` ran with (commit it); pip reads the path from the "
             "folder\n"
             "# it runs in, so run pip here. To upgrade: install the new codat-iac, run `codat-iac init` in an empty\n"
             "# folder, and copy its vendor/ wheel and this line over.\n") if vendored else ""
    return (
        "# codat-iac brings the CDK (cdktf), the constructs, the Codat provider and the local emulator.\n"
        "# CDK Terrain: give the codat-iac line the [cdktn] extra, e.g. ./vendor/<wheel>[cdktn]\n"
        "# (then CODAT_IAC_CDK=cdktn).\n" + where + line + "\n"
    )


def check_requirement(spec: str) -> str:
    """A --from SPEC: one line pip accepts in a requirements file."""
    spec = spec.strip()
    if not spec or "\n" in spec or "\r" in spec or spec.startswith("#"):
        raise InitRefused("--from needs one pip requirement on one line, e.g. --from 'codat-iac @ "
                          "git+https://<host>/<org>/codat-iac@<commit>' or --from 'codat-iac==0.1.0' (with your "
                          "index).")
    return spec


def _contents(requirement: str, wheel: Wheel | None) -> dict[Path, str | bytes]:
    files: dict[Path, str | bytes] = {path: template(name) for path, name in TEMPLATES.items()}
    files[Path(MARKER)] = cdktf_json()
    files[Path("requirements.txt")] = requirements_txt(requirement)
    if wheel is not None:
        files[Path(VENDOR) / wheel.name] = wheel.content
    return dict(sorted(files.items()))


def _check_folder(root: Path, force: bool) -> None:
    if root.exists() and not root.is_dir():
        raise InitRefused(f"{root} is a file, not a folder: name a new or empty folder.")
    if (root / MARKER).exists():
        raise InitRefused(f"{root} already holds a project ({MARKER}): nothing was written. To refresh its "
                          f"provider after an upgrade, run `codat-iac provider install` there.")
    entries = sorted(entry.name for entry in root.iterdir()) if root.is_dir() else []
    if entries and not force:
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise InitRefused(
            f"{root} is not empty ({shown}): nothing was written. Run `codat-iac init` on a new or empty folder, "
            f"or add --force to write the project beside what is there (no file of yours is changed or removed; "
            f"one that exists is kept and named)."
        )


def _merge_gitignore(path: Path, ours: str) -> list[str]:
    """Append the lines of `ours` that the user's .gitignore lacks; return them."""
    theirs = path.read_text()
    present = {line.strip() for line in theirs.splitlines()}
    missing = [line for line in ours.splitlines()
               if line.strip() and not line.startswith("#") and line.strip() not in present]
    if missing:
        separator = "" if theirs.endswith("\n") or not theirs else "\n"
        path.write_text(theirs + separator + "# codat-iac\n" + "\n".join(missing) + "\n")
    return missing


def create(root: Path, *, force: bool, environment: Callable[[Project], dict[str, str]],
           requirement: str, wheel: Wheel | None = None) -> Created:
    """Write a new project into `root` (see the module's doc); requirements.txt names codat-iac as `requirement`
    says, and `wheel` (when vendored) goes into vendor/. `environment(project)` is the tool environment terraform
    makes the lock file in, asked for only once the folder was checked."""
    root = root.expanduser().resolve()
    _check_folder(root, force)
    created = Created(Project(root))
    for relative, text in _contents(requirement, wheel).items():
        path = root / relative
        if path.exists():
            if relative == Path(".gitignore") and isinstance(text, str):
                created.ignored_added = _merge_gitignore(path, text)
            else:
                created.kept.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
        created.written.append(relative)
    provider_mirror.install(created.project.mirror, environment(created.project))
    created.written.append(created.project.mirror.relative_to(root))
    return created
